"""Mail in: what the SMTP receiver and the mailbox scanner hand over, and what they get back.

Both sources deliver whole email messages and must know, per message, whether it is
committed before they acknowledge it (the `250` to DATA, the move or delete in a mailbox).
They talk to a `MailRecorder`, one narrow method over a batch:

    record_mail([ReceivedMail, ...]) -> [MailResult, ...]     (same order)

A result carries intake's `Outcome`: `recorded` (new events), `duplicate` (nothing new: the
report was seen before), `not_feedback` (a human reply or other mail: kept in the quarantine
with its label, `not feedback: human reply: ...`, so that nothing sent to the return path is
lost; auto-replies are feedback the reader records as such), `quarantined` (unreadable, kept
with the reason) or `store_unavailable` (nothing committed: the source must not acknowledge;
SMTP answers 451).

`IntakeMailRecorder` is that interface over the intake seam: the one reader
(`parse.reader.read_input`) with the operator's rules, the VERP address of the envelope
applied to the events (`parse.verp.apply_verp`), then the batch recorder (`store.recorder`),
one transaction per batch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from bouncewarden.intake import (
    Feedback,
    InputOutcome,
    NotFeedback,
    Outcome,
    RawInput,
    ReadInput,
    Recorder,
    Unreadable,
)
from bouncewarden.parse.verp import VerpAddress, apply_verp

if TYPE_CHECKING:
    from bouncewarden.classify import OperatorRule
    from bouncewarden.service import Service

__all__ = [
    "NOT_FEEDBACK_PREFIX",
    "IntakeMailRecorder",
    "MailRecorder",
    "MailResult",
    "ReadMail",
    "ReceivedMail",
    "mail_recorder",
]

NOT_FEEDBACK_PREFIX = "not feedback: "
"""How a kept non-feedback message's label starts (its quarantine reason)."""


@dataclass(frozen=True, slots=True)
class ReceivedMail:
    """One message as a mail source received it."""

    data: bytes
    origin: str
    source: str
    received_at: datetime
    verp: VerpAddress | None = None


@dataclass(frozen=True, slots=True)
class MailResult:
    """One message's fate, with the reason or label where there is one."""

    outcome: Outcome
    detail: str = ""
    new_events: int = 0

    @property
    def committed(self) -> bool:
        """Whether the message is safely stored, so the source may acknowledge it."""
        return self.outcome is not Outcome.STORE_UNAVAILABLE

    @property
    def is_feedback(self) -> bool:
        """Whether the message was read as feedback (recorded now or before)."""
        return self.outcome in (Outcome.RECORDED, Outcome.DUPLICATE)


@dataclass(frozen=True, slots=True)
class ReadMail:
    """A batch of messages read and not yet committed (`IntakeMailRecorder.read_mail`).

    `unavailable` says why nothing of it can be committed (the rules could not be read).
    """

    inputs: list[ReadInput]
    count: int = 0
    unavailable: str | None = None


class MailRecorder(Protocol):
    """Commits received messages; see the module docstring."""

    def record_mail(self, batch: Sequence[ReceivedMail]) -> list[MailResult]: ...


class IntakeMailRecorder:
    """`MailRecorder` over the one reader and the batch recorder."""

    def __init__(self, recorder: Recorder, rules: Callable[[], Sequence[OperatorRule]]) -> None:
        self._recorder = recorder
        self._rules = rules

    def record_mail(self, batch: Sequence[ReceivedMail]) -> list[MailResult]:
        """Read and commit the batch in one transaction; one result per message, in order."""
        return self.commit_mail(self.read_mail(batch))

    def read_mail(self, batch: Sequence[ReceivedMail]) -> ReadMail:
        """The first half of `record_mail`: the batch read, nothing stored yet."""
        if not batch:
            return ReadMail([])
        from bouncewarden.parse.reader import read_input  # the parsers load only when mail comes

        try:
            rules = self._rules()
        except Exception as err:  # the rules live in the database: it is not there
            return ReadMail([], len(batch), f"{type(err).__name__}: {err}")
        return ReadMail([self._read(mail, read_input, rules) for mail in batch], len(batch))

    def commit_mail(self, read: ReadMail) -> list[MailResult]:
        """The second half of `record_mail`: the read batch committed; one result per message."""
        if read.unavailable is not None:
            return [MailResult(Outcome.STORE_UNAVAILABLE, read.unavailable)] * read.count
        if not read.inputs:
            return []
        outcomes = self._recorder.record(read.inputs)
        return [_result(item, outcome) for item, outcome in zip(read.inputs, outcomes, strict=True)]

    @staticmethod
    def _read(
        mail: ReceivedMail,
        read_input: Callable[[RawInput, Sequence[OperatorRule]], Feedback | NotFeedback | Unreadable],
        rules: Sequence[OperatorRule],
    ) -> ReadInput:
        raw = RawInput(mail.data, mail.origin, mail.received_at, mail.source)
        reading = read_input(raw, rules)
        if isinstance(reading, Feedback) and mail.verp is not None:
            reading = Feedback(reading.report, tuple(apply_verp(reading.events, mail.verp)))
        elif isinstance(reading, NotFeedback):
            # Mail to the return path that is no feedback is kept, labelled, never dropped.
            reading = Unreadable(f"{NOT_FEEDBACK_PREFIX}{reading.what}: {reading.reason}")
        return ReadInput.of(raw, reading)  # packed here, in the reading thread


def _result(item: ReadInput, outcome: InputOutcome) -> MailResult:
    reason = outcome.reason or ""
    kept_label = isinstance(item.reading, Unreadable) and item.reading.why.startswith(NOT_FEEDBACK_PREFIX)
    if outcome.outcome is Outcome.QUARANTINED and kept_label:
        return MailResult(Outcome.NOT_FEEDBACK, reason)
    return MailResult(outcome.outcome, reason, outcome.counts.new_events)


def mail_recorder(service: Service) -> IntakeMailRecorder:
    """The mail recorder over an open store."""
    return IntakeMailRecorder(service.recorder, service.rules.classification_rules)
