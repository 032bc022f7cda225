"""Exceptions raised by bouncewarden.

Expected outcomes of parsing (not a bounce, unparseable) are values, not exceptions; these
are for bad configuration, broken infrastructure, refused security checks and misuse.

    BouncewardenError
    ├── ConfigurationError            bad settings file, variable or option
    ├── InvalidAddress (ValueError)   a string that is not an email address (bouncewarden.addresses)
    ├── InvalidListFile               a suppression list file `import` cannot read (store.listfile)
    ├── ColumnNotFound                `clean` was pointed at a column the CSV lacks (lists.clean)
    ├── UnreadableList                `clean` was given a list it cannot read as CSV (same module)
    ├── SesPayloadError               JSON that is not an SES notification (parse.ses_schema)
    ├── SetupError                    AWS refused a step of `aws setup` (aws.plan)
    ├── StorageError                  the database refused or failed an operation
    ├── SourceError                   a queue, mailbox or file source failed
    └── VerificationError             a security check refused its input
        ├── UntrustedCertificateURL   an SNS SigningCertURL we will not fetch
        ├── InvalidSignature          a signature that does not verify
        ├── UntrustedCertificate      a signing certificate outside the trust roots (sources.sns_certificates)
        ├── CertificateUnavailable    the certificate could not be fetched: retryable (same module)
        └── MalformedEnvelope, RawDeliveryRefused, UnknownTopic, StaleMessage   (sources.sns)

`RuleSyntaxError` (classify.patterns) and `UnreadableBody` (parse.sns_envelope) are plain
`ValueError`s: they describe bad operator input and are turned into messages where they arise.
"""

from __future__ import annotations

__all__ = [
    "BouncewardenError",
    "ConfigurationError",
    "InvalidAddress",
    "InvalidSignature",
    "SourceError",
    "StorageError",
    "UntrustedCertificateURL",
    "VerificationError",
]


class BouncewardenError(Exception):
    """The root of every exception bouncewarden raises on purpose."""


class ConfigurationError(BouncewardenError):
    """A settings file, environment variable or option is wrong."""


class InvalidAddress(BouncewardenError, ValueError):
    """A string that should be an email address is not one."""


class StorageError(BouncewardenError):
    """The database refused or failed an operation."""


class SourceError(BouncewardenError):
    """A queue, mailbox or file source failed."""


class VerificationError(BouncewardenError):
    """A security check refused its input."""


class UntrustedCertificateURL(VerificationError):
    """An SNS signing certificate URL that does not match the trusted pattern."""


class InvalidSignature(VerificationError):
    """A signature that does not verify against its certificate."""
