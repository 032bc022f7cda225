"""The canonical feedback event and its closed vocabularies.

Every source (SES JSON, bounce emails, ARF reports, PowerMTA rows) ends up as one
`FeedbackEvent` per recipient per report. The words of `Kind`, `Severity` and `Reason` are
exactly those of DESIGN.md; the reason list is Sisimai's, so results compare with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bouncewarden.addresses import normalise_address

__all__ = [
    "HARD_REASONS",
    "FeedbackEvent",
    "Kind",
    "Reason",
    "Severity",
    "default_severity",
    "is_hard",
    "normalise_address",
]


class Kind(StrEnum):
    """What sort of feedback an event is."""

    BOUNCE = "bounce"
    COMPLAINT = "complaint"
    DELAY = "delay"
    DELIVERY = "delivery"
    SEND = "send"
    REJECT = "reject"
    AUTOREPLY = "autoreply"
    OPEN = "open"
    CLICK = "click"
    OTHER = "other"


class Severity(StrEnum):
    """Whom a failure is about, and so what it does to the address."""

    HARD = "hard"
    SOFT = "soft"
    SENDER = "sender"
    COMPLAINT = "complaint"
    NONE = "none"


class Reason(StrEnum):
    """Why a message failed (the Sisimai vocabulary)."""

    USERUNKNOWN = "userunknown"
    HOSTUNKNOWN = "hostunknown"
    HASMOVED = "hasmoved"
    NOTACCEPT = "notaccept"
    MAILBOXFULL = "mailboxfull"
    MESGTOOBIG = "mesgtoobig"
    EXCEEDLIMIT = "exceedlimit"
    SUSPEND = "suspend"
    FILTERED = "filtered"
    REJECTED = "rejected"
    BLOCKED = "blocked"
    SPAMDETECTED = "spamdetected"
    VIRUSDETECTED = "virusdetected"
    POLICYVIOLATION = "policyviolation"
    AUTHFAILURE = "authfailure"
    BADREPUTATION = "badreputation"
    REQUIREPTR = "requireptr"
    NOTCOMPLIANTRFC = "notcompliantrfc"
    NORELAYING = "norelaying"
    SECURITYERROR = "securityerror"
    SYSTEMERROR = "systemerror"
    SYSTEMFULL = "systemfull"
    NETWORKERROR = "networkerror"
    EXPIRED = "expired"
    TOOMANYCONN = "toomanyconn"
    SPEEDING = "speeding"
    CONTENTERROR = "contenterror"
    SYNTAXERROR = "syntaxerror"
    MAILERERROR = "mailererror"
    ONHOLD = "onhold"
    UNDEFINED = "undefined"
    FEEDBACK = "feedback"
    VACATION = "vacation"
    DELIVERED = "delivered"


HARD_REASONS: frozenset[Reason] = frozenset(
    {Reason.USERUNKNOWN, Reason.HOSTUNKNOWN, Reason.HASMOVED, Reason.NOTACCEPT}
)

_SOFT_REASONS: frozenset[Reason] = frozenset(
    {
        Reason.MAILBOXFULL,
        Reason.SUSPEND,
        Reason.FILTERED,
        Reason.EXPIRED,
        Reason.ONHOLD,
        Reason.UNDEFINED,
        Reason.SYSTEMERROR,
        Reason.SYSTEMFULL,
        Reason.NETWORKERROR,
        Reason.MAILERERROR,
    }
)

_NO_EFFECT_REASONS: frozenset[Reason] = frozenset({Reason.VACATION, Reason.DELIVERED})


def is_hard(reason: Reason) -> bool:
    """True only where the address itself cannot receive mail."""
    return reason in HARD_REASONS


def default_severity(reason: Reason, feedback_type: str | None = None) -> Severity:
    """The severity DESIGN.md gives a reason when nothing overrides it."""
    if reason in HARD_REASONS:
        return Severity.HARD
    if reason in _SOFT_REASONS:
        return Severity.SOFT
    if reason is Reason.FEEDBACK:
        if (feedback_type or "").lower() == "not-spam":
            return Severity.NONE
        return Severity.COMPLAINT
    if reason in _NO_EFFECT_REASONS:
        return Severity.NONE
    return Severity.SENDER


@dataclass(frozen=True, slots=True)
class FeedbackEvent:
    """One piece of feedback about one recipient, from one report."""

    kind: Kind
    recipient: str
    severity: Severity
    reason: Reason
    dedupe_key: str
    occurred_at: datetime
    source: str
    status: str | None = None
    reply_code: str | None = None
    diagnostic: str | None = None
    remote_mta: str | None = None
    reporting_mta: str | None = None
    sender: str | None = None
    message_id: str | None = None
    campaign: str | None = None
    feedback_type: str | None = None
    provider_label: str | None = None
    counts_toward_rate: bool = True
    received_at: datetime | None = None
    evidence_id: int | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    address: str = field(init=False, repr=False, compare=False)
    """The recipient in its normalised, comparable form, worked out once (the store asks often)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "address", normalise_address(self.recipient))

    @property
    def hard(self) -> bool:
        """True when the event says the address itself is bad."""
        return self.severity is Severity.HARD
