"""The messages generate.py sends: one `Case` per scripted situation (see remote.py)."""

from __future__ import annotations

from dataclasses import dataclass

from receivers import DOCUMENTED
from remote import NXDOMAIN

SENDER = "bwsender"


@dataclass(frozen=True)
class Case:
    """One message sent; its bounce (and delay notice) is saved under `name`."""

    name: str
    recipients: tuple[str, ...]
    deferred: bool = False  # the remote answers 4xx: a delay notice, then a final bounce
    mtas: tuple[str, ...] = ("postfix", "exim", "sendmail", "opensmtpd")
    sender: str = SENDER  # the envelope sender's local part: an alias of SENDER if not it


CASES: tuple[Case, ...] = (
    Case("unknown-virtual", ("unknown-virtual@example.com",)),
    Case("unknown-gmail", ("unknown-gmail@example.com",)),
    Case("unknown-microsoft", ("unknown-microsoft@example.com",)),
    Case("unknown-yahoo", ("unknown-yahoo@example.com",)),
    # OpenSMTPD's sendmail refuses an unknown local user at once (exit 70): no bounce.
    Case("unknown-local", ("nosuchuser@localhost",), mtas=("postfix", "exim", "sendmail")),
    Case("full-plain", ("full-plain@example.com",)),
    Case("full-gmail", ("full-gmail@example.com",)),
    Case("disabled-yahoo", ("disabled-yahoo@example.com",)),
    Case("moved", ("moved@example.com",)),
    Case("spam-rbl", ("spam-rbl@example.com",)),
    Case("blocked-microsoft", ("blocked-microsoft@example.com",)),
    Case("relay-denied", ("relay-denied@example.org",)),
    Case("ptr-gmail", ("ptr-gmail@example.com",)),
    Case("policy-content", ("policy-content@example.com",)),
    Case("auth-dmarc-gmail", ("auth-dmarc-gmail@example.com",)),
    Case("auth-spf-microsoft", ("auth-spf-microsoft@example.com",)),
    Case("auth-yahoo", ("auth-yahoo@example.com",)),
    Case("spam-content", ("spam-content@example.com",)),
    Case("virus", ("virus@example.com",)),
    Case("too-big", ("too-big@example.com",)),
    Case("spam-gmail", ("spam-gmail@example.com",)),
    Case("reputation-gmail", ("reputation-gmail@example.com",)),
    Case("disabled-gmail", ("disabled-gmail@example.com",)),
    Case("banned-ip-microsoft", ("banned-ip-microsoft@example.com",)),
    Case("policy-yahoo", ("policy-yahoo@example.com",)),
    Case("dnsbl-yahoo", ("dnsbl-yahoo@example.com",)),
    Case("blocked-apple", ("blocked-apple@example.com",)),
    Case("policy-microsoft", ("policy-microsoft@example.com",)),
    Case("sender-unknown", ("sender-unknown@example.com",)),
    Case("blacklisted-ip", ("blacklisted-ip@example.com",)),
    Case("unknown-after-data", ("unknown-after-data@example.com",)),
    Case("spam-several", ("spam-several-1@example.com", "spam-several-2@example.org")),
    Case("sender-rejected", ("accepted-2@example.com",), sender="sender-rejected"),
    Case(
        "several-recipients",
        (
            "unknown-virtual-2@example.com",
            "full-plain-2@example.com",
            "moved-2@example.com",
            "accepted@example.com",
        ),
    ),
    Case("rate-limit", ("rate-limit@example.com",), deferred=True),
    Case("greylist", ("greylist@example.com",), deferred=True),
    Case("busy-microsoft", ("busy-microsoft@example.com",), deferred=True),
    Case("volume-yahoo", ("volume-yahoo@example.com",), deferred=True),
    Case("host-lookup-failure", ("someone@nxdomain.invalid",), deferred=True, mtas=("postfix",)),
    Case("host-not-found", (f"someone@{NXDOMAIN}",), mtas=("postfix",)),
    Case("connection-refused", ("someone@refused.example",), deferred=True),
    # The documented replies of the large receivers and filters (receivers.py); a reply at
    # MAIL refuses the case's own sender (an alias of SENDER), the recipient is neutral.
    *(
        Case(
            reply.prefix,
            (reply.recipient,),
            deferred=reply.deferred,
            sender=reply.prefix if reply.stage == "MAIL" else SENDER,
        )
        for reply in DOCUMENTED
    ),
)
