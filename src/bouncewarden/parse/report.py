"""What parsers produce: findings per recipient, then classified reports.

A parser (standard or MTA-specific) reads a `BounceMessage` and returns `RecipientFinding`s:
what the bounce says about each recipient, before classification. The pipeline then
classifies every finding into a `RecipientResult` and wraps them in a `ParsedReport`. Input
that is not a bounce, or that cannot be read, gives `NotABounce` or `Unparseable` with the
reason: expected outcomes are values, never exceptions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bouncewarden.events import Kind, Reason, Severity

__all__ = [
    "NotABounce",
    "ParseResult",
    "ParsedReport",
    "RecipientFinding",
    "RecipientResult",
    "Unparseable",
]


@dataclass(slots=True)
class RecipientFinding:
    """What one report says about one recipient, before classification.

    `reason_hint` lets a parser pass on what its format states plainly (a qmail or an MTA's
    own error category); the classifier still has the last word on status and diagnostic.
    `command` is the SMTP command the remote reply answered ("RCPT", "DATA", ...) where the
    report shows it outside the diagnostic (a session transcript, an MTA's "SMTP:RCPT").
    `temporary` is what the format says of a failure it gives no code for: True where the
    failure grew out of temporary errors (an MTA that gave up retrying), False where it is
    stated permanent, None where the format says nothing. `status_guessed` is True where the
    status is the reporting MTA's own guess at a remote reply that stated none (sendmail's
    5.1.1 for any refused RCPT, `parse.mta.GUESSES_STATUS`): it is reported as written, and
    the classifier weighs only its class.
    """

    address: str
    action: str | None = None
    status: str | None = None
    reply_code: str | None = None
    diagnostic: str | None = None
    remote_mta: str | None = None
    reporting_mta: str | None = None
    original_recipient: str | None = None
    reason_hint: Reason | None = None
    feedback_type: str | None = None
    kind: Kind = Kind.BOUNCE
    arrival_date: datetime | None = None
    command: str | None = None
    temporary: bool | None = None
    status_guessed: bool = False


@dataclass(frozen=True, slots=True)
class RecipientResult:
    """One classified recipient of a report: the `parse` command's output row."""

    address: str
    action: str | None
    status: str | None
    reply_code: str | None
    reason: Reason
    severity: Severity
    kind: Kind
    diagnostic: str | None = None
    remote_mta: str | None = None
    reporting_mta: str | None = None
    feedback_type: str | None = None
    original_recipient: str | None = None

    @property
    def hard(self) -> bool:
        """True only where the address itself cannot receive mail."""
        return self.severity is Severity.HARD

    def to_json(self) -> dict[str, object]:
        """The row of the `parse` contract in DESIGN.md.

        An unknown status or reply code is printed as "" (the key stays): the contract's
        consumers compare them as strings, and a complaint or an auto-reply has neither.
        """
        return {
            "address": self.address,
            "action": self.action,
            "status": self.status or "",
            "reply_code": self.reply_code or "",
            "reason": self.reason.value,
            "hard": self.hard,
            "severity": self.severity.value,
            "kind": self.kind.value,
            "diagnostic": self.diagnostic,
            "remote_mta": self.remote_mta,
            "feedback_type": self.feedback_type,
        }


@dataclass(frozen=True, slots=True)
class ParsedReport:
    """A bounce, complaint, delay or auto-reply, read and classified."""

    recipients: tuple[RecipientResult, ...]
    parser: str
    message_id: str | None = None
    original_message_id: str | None = None
    original_sender: str | None = None
    campaign: str | None = None
    occurred_at: datetime | None = None
    defects: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class NotABounce:
    """Input that was read but holds no delivery feedback."""

    reason: str


@dataclass(frozen=True, slots=True)
class Unparseable:
    """Input that could not be read at all."""

    reason: str


ParseResult = ParsedReport | NotABounce | Unparseable
