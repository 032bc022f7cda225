"""Amazon SNS messages delivered over HTTP(S): read the envelope, verify it, or refuse it.

SNS POSTs a JSON envelope (whatever the Content-Type says; by default `text/plain`) of type
`Notification`, `SubscriptionConfirmation` or `UnsubscribeConfirmation`. Each is signed: the
decoded values of a fixed, per-type list of keys are joined as `Key\\nValue\\n` and signed
with RSA PKCS#1 v1.5, SHA1 for `SignatureVersion` "1" and SHA256 for "2" (AWS, "Verifying
the signatures of Amazon SNS messages"). The certificate comes from `SigningCertURL`, which
must match a strict pattern before anything is fetched: AWS's SDK host pattern also admits
`sns.s3-us-west-2.amazonaws.com`, an S3 bucket anyone can create.

Quirks seen: `Subject` is signed only when present and not null; Lambda spells
`SigningCertUrl`/`SubscribeUrl`/`UnsubscribeUrl`; raw message delivery strips the envelope
and so cannot be authenticated at all. Fetching and checking the certificate is
`sns_certificates.py`'s job; its names are re-exported here.

Every refusal raises a `VerificationError` subclass whose message says what was wrong.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from cryptography.exceptions import InvalidSignature as _CryptoInvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from bouncewarden.clock import Clock, system_clock
from bouncewarden.config import SnsSettings
from bouncewarden.errors import InvalidSignature, VerificationError
from bouncewarden.sources.sns_certificates import (
    CertificateFetcher,
    CertificateStore,
    CertificateUnavailable,
    HttpsCertificateFetcher,
    UntrustedCertificate,
    check_certificate_url,
)

__all__ = [
    "CertificateFetcher",
    "CertificateStore",
    "CertificateUnavailable",
    "HttpsCertificateFetcher",
    "MalformedEnvelope",
    "MessageType",
    "RawDeliveryRefused",
    "SnsEnvelope",
    "SnsVerifier",
    "StaleMessage",
    "UnknownTopic",
    "UntrustedCertificate",
    "check_certificate_url",
    "check_freshness",
    "check_topic",
    "parse_envelope",
    "string_to_sign",
    "verify_signature",
]

# How far ahead of our clock a Timestamp may be before we call the clock or the message wrong.
FUTURE_SKEW = timedelta(minutes=5)


class MalformedEnvelope(VerificationError):
    """The body is not a well-formed SNS envelope."""


class RawDeliveryRefused(VerificationError):
    """A raw (unenveloped) delivery: it carries no signature, so it cannot be trusted."""


class UnknownTopic(VerificationError):
    """The message comes from a topic that is not allow-listed."""


class StaleMessage(VerificationError):
    """The message's Timestamp is too old (or too far in the future) to accept."""


class MessageType(StrEnum):
    """The three kinds of SNS HTTP(S) deliveries."""

    NOTIFICATION = "Notification"
    SUBSCRIPTION_CONFIRMATION = "SubscriptionConfirmation"
    UNSUBSCRIBE_CONFIRMATION = "UnsubscribeConfirmation"


# The keys signed for each type, in the (byte-sorted) order they are joined.
_CONFIRMATION_KEYS = ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type")
_SIGNED_KEYS: dict[MessageType, tuple[str, ...]] = {
    MessageType.NOTIFICATION: ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    MessageType.SUBSCRIPTION_CONFIRMATION: _CONFIRMATION_KEYS,
    MessageType.UNSUBSCRIBE_CONFIRMATION: _CONFIRMATION_KEYS,
}
_OPTIONAL_SIGNED_KEYS = frozenset({"Subject"})
_LAMBDA_KEYS = {
    "SigningCertUrl": "SigningCertURL",
    "SubscribeUrl": "SubscribeURL",
    "UnsubscribeUrl": "UnsubscribeURL",
}
_HASHES: dict[str, Callable[[], hashes.HashAlgorithm]] = {"1": hashes.SHA1, "2": hashes.SHA256}


@dataclass(frozen=True, slots=True)
class SnsEnvelope:
    """A decoded SNS envelope; `fields` holds the signed values exactly as SNS signed them."""

    type: MessageType
    message_id: str
    topic_arn: str
    message: str
    timestamp: datetime
    signature_version: str
    signature: bytes
    signing_cert_url: str
    fields: tuple[tuple[str, str], ...]
    subject: str | None = None
    token: str | None = None
    subscribe_url: str | None = None
    unsubscribe_url: str | None = None


def _optional(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None or isinstance(value, str):
        return value
    raise MalformedEnvelope(f"SNS envelope field {key} is a {type(value).__name__}, not a string")


def _required(data: Mapping[str, Any], key: str) -> str:
    value = _optional(data, key)
    if value is None:
        raise MalformedEnvelope(f"SNS envelope has no {key}")
    return value


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # A repeated key would let two readers of the same body disagree about what was signed.
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise MalformedEnvelope(f"JSON key {key!r} appears twice")
        result[key] = value
    return result


def _decode_body(body: bytes | str) -> dict[str, Any]:
    try:
        data = json.loads(body, object_pairs_hook=_unique_keys)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise MalformedEnvelope(f"body is not JSON: {err}") from err
    except RecursionError as err:
        raise MalformedEnvelope("body is JSON nested too deeply") from err
    if not isinstance(data, dict):
        raise MalformedEnvelope(f"body is a JSON {type(data).__name__}, not an SNS envelope object")
    if "Type" not in data and ("notificationType" in data or "eventType" in data or "Signature" not in data):
        raise RawDeliveryRefused(
            "body is not an SNS envelope (raw message delivery?): raw delivery cannot be authenticated; "
            "disable RawMessageDelivery on the HTTP(S) subscription"
        )
    normalised: dict[str, Any] = {}
    for key, value in data.items():
        name = _LAMBDA_KEYS[key] if key in _LAMBDA_KEYS else str(key)
        if name in normalised:
            raise MalformedEnvelope(f"SNS envelope has both {name} and its Lambda spelling")
        normalised[name] = value
    return normalised


def _parse_timestamp(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as err:
        raise MalformedEnvelope(f"SNS Timestamp {text!r} is not an ISO 8601 time") from err
    if moment.tzinfo is None:
        raise MalformedEnvelope(f"SNS Timestamp {text!r} has no time zone")
    return moment


def _decode_signature(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error as err:
        raise MalformedEnvelope(f"SNS Signature is not Base64: {err}") from err


def parse_envelope(body: bytes | str) -> SnsEnvelope:
    """Decode an SNS HTTP(S) body into an envelope, refusing anything that is not one."""
    data = _decode_body(body)
    type_text = _required(data, "Type")
    try:
        message_type = MessageType(type_text)
    except ValueError as err:
        raise MalformedEnvelope(f"unknown SNS message Type {type_text!r}") from err
    signed: list[tuple[str, str]] = []
    for key in _SIGNED_KEYS[message_type]:
        value = _optional(data, key) if key in _OPTIONAL_SIGNED_KEYS else _required(data, key)
        if value is not None:
            signed.append((key, value))
    values = dict(signed)
    return SnsEnvelope(
        type=message_type,
        message_id=values["MessageId"],
        topic_arn=values["TopicArn"],
        message=values["Message"],
        timestamp=_parse_timestamp(values["Timestamp"]),
        signature_version=_required(data, "SignatureVersion"),
        signature=_decode_signature(_required(data, "Signature")),
        signing_cert_url=_required(data, "SigningCertURL"),
        fields=tuple(signed),
        subject=values.get("Subject"),
        token=values.get("Token"),
        subscribe_url=values.get("SubscribeURL"),
        unsubscribe_url=_optional(data, "UnsubscribeURL"),
    )


def string_to_sign(envelope: SnsEnvelope) -> bytes:
    """The bytes SNS signed: `Key\\nValue\\n` for each signed key of the type, UTF-8."""
    return "".join(f"{key}\n{value}\n" for key, value in envelope.fields).encode("utf-8")


def check_topic(envelope: SnsEnvelope, allowed: frozenset[str] | set[str] | list[str]) -> None:
    """Refuse a message whose TopicArn is not allow-listed (an empty list allows nothing)."""
    if not allowed:
        raise UnknownTopic(f"no SNS topic is allowed (sns.topic_arns is empty); refused {envelope.topic_arn}")
    if envelope.topic_arn not in allowed:
        raise UnknownTopic(f"TopicArn {envelope.topic_arn} is not in sns.topic_arns")


def check_freshness(envelope: SnsEnvelope, now: datetime, max_age: timedelta) -> None:
    """Refuse a message older than `max_age`, or dated ahead of `now` by more than the skew."""
    age = now - envelope.timestamp
    if age > max_age:
        raise StaleMessage(
            f"SNS message {envelope.message_id} is {int(age.total_seconds())} s old "
            f"(limit {int(max_age.total_seconds())} s)"
        )
    if -age > FUTURE_SKEW:
        raise StaleMessage(f"SNS message {envelope.message_id} is dated {envelope.timestamp}, in the future")


def verify_signature(envelope: SnsEnvelope, public_key: rsa.RSAPublicKey) -> None:
    """Check the envelope's signature with the certificate's key, for SignatureVersion 1 or 2."""
    algorithm = _HASHES.get(envelope.signature_version)
    if algorithm is None:
        raise InvalidSignature(f"unsupported SNS SignatureVersion {envelope.signature_version!r}")
    try:
        public_key.verify(envelope.signature, string_to_sign(envelope), padding.PKCS1v15(), algorithm())
    except _CryptoInvalidSignature as err:
        raise InvalidSignature(
            f"signature of SNS message {envelope.message_id} does not verify "
            f"(SignatureVersion {envelope.signature_version})"
        ) from err


class SnsVerifier:
    """Runs every check on an SNS HTTP(S) body and returns the envelope only if all pass."""

    def __init__(self, settings: SnsSettings, certificates: CertificateStore, *, clock: Clock = system_clock):
        self._topics = frozenset(settings.topic_arns)
        self._max_age = timedelta(seconds=settings.max_age_seconds)
        self._certificates = certificates
        self._clock = clock

    def verify(self, body: bytes, headers: Mapping[str, str] | None = None) -> SnsEnvelope:
        """The verified envelope of `body`; `headers` are the HTTP headers (lower-case names)."""
        headers = headers or {}
        if headers.get("x-amz-sns-rawdelivery", "").strip().lower() == "true":
            raise RawDeliveryRefused(
                "raw message delivery (x-amz-sns-rawdelivery: true) cannot be authenticated"
            )
        envelope = parse_envelope(body)
        _check_headers(envelope, headers)
        check_topic(envelope, self._topics)
        check_freshness(envelope, self._clock(), self._max_age)
        verify_signature(envelope, self._certificates.public_key_for(envelope.signing_cert_url))
        return envelope


def _check_headers(envelope: SnsEnvelope, headers: Mapping[str, str]) -> None:
    """Headers are not signed, but when present they must agree with the signed body."""
    for header, value in (
        ("x-amz-sns-message-type", envelope.type.value),
        ("x-amz-sns-topic-arn", envelope.topic_arn),
        ("x-amz-sns-message-id", envelope.message_id),
    ):
        sent = headers.get(header)
        if sent is not None and sent != value:
            raise MalformedEnvelope(f"header {header} {sent!r} disagrees with the envelope's {value!r}")
