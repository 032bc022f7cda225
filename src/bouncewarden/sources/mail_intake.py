"""Mail in: what the SMTP receiver and the mailbox scanner hand over, and what they get back.

Both sources deliver whole email messages and must know, per message, whether it is
committed before they acknowledge it (the `250` to DATA, the move or delete in a mailbox).
They talk to a `MailRecorder`, one narrow method over a batch:

    record_mail([ReceivedMail, ...]) -> [MailResult, ...]     (same order)

A result is `recorded` (new events), `duplicate` (nothing new: the report was seen before),
`not_feedback` (an auto-reply is recorded as such by the reader; a human reply or other
mail is kept with its label), `quarantined` (kept with the reason) or `store_unavailable`
(nothing committed: the source must not acknowledge; SMTP answers 451).

`PipelineMailRecorder` is that interface over the one reader (`parse.reader.read_input`) and
`Service`: the feedback of a batch in one `Service.record_many` transaction. It stands in for
the intake seam's batch recorder (issue 9); the sources do not change when it is swapped in.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from bouncewarden.classify import OperatorRule
from bouncewarden.events import FeedbackEvent
from bouncewarden.ingest.pipeline import FeedbackStore
from bouncewarden.parse.reader import EMAIL, Feedback, NotFeedback, RawInput, read_input
from bouncewarden.parse.verp import VerpAddress, apply_verp
from bouncewarden.service import RecordOutcome

__all__ = [
    "NOT_FEEDBACK_PREFIX",
    "MailOutcome",
    "MailRecorder",
    "MailResult",
    "PipelineMailRecorder",
    "ReceivedMail",
    "RulesSource",
]

_log = logging.getLogger(__name__)
_REASON_LIMIT = 500
NOT_FEEDBACK_PREFIX = "not feedback: "
"""How a kept non-feedback message's label starts (in the quarantine until the seam keeps it)."""


@dataclass(frozen=True, slots=True)
class ReceivedMail:
    """One message as a mail source received it."""

    data: bytes
    origin: str
    source: str
    received_at: datetime
    verp: VerpAddress | None = None


class MailOutcome(StrEnum):
    """What became of one message."""

    RECORDED = "recorded"
    DUPLICATE = "duplicate"
    NOT_FEEDBACK = "not_feedback"
    QUARANTINED = "quarantined"
    STORE_UNAVAILABLE = "store_unavailable"


@dataclass(frozen=True, slots=True)
class MailResult:
    """One message's fate, with the reason or label where there is one."""

    outcome: MailOutcome
    detail: str = ""
    new_events: int = 0

    @property
    def committed(self) -> bool:
        """Whether the message is safely stored, so the source may acknowledge it."""
        return self.outcome is not MailOutcome.STORE_UNAVAILABLE

    @property
    def is_feedback(self) -> bool:
        """Whether the message was read as feedback (recorded now or before)."""
        return self.outcome in (MailOutcome.RECORDED, MailOutcome.DUPLICATE)


class MailRecorder(Protocol):
    """Commits received messages; see the module docstring."""

    def record_mail(self, batch: Sequence[ReceivedMail]) -> list[MailResult]: ...


class RulesSource(Protocol):
    """Where the operator's classification rules come from (cached by the store)."""

    def classification_rules(self) -> Sequence[OperatorRule]: ...


class _Store(FeedbackStore, RulesSource, Protocol):
    def record_many(
        self, inputs: Sequence[tuple[Sequence[FeedbackEvent], bytes | None, str, str]]
    ) -> list[RecordOutcome]: ...


def _recorded(new_events: int) -> MailResult:
    if new_events == 0:
        return MailResult(MailOutcome.DUPLICATE)
    return MailResult(MailOutcome.RECORDED, new_events=new_events)


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _REASON_LIMIT else text[: _REASON_LIMIT - 1] + "…"


class PipelineMailRecorder:
    """`MailRecorder` over the one reader and `Service`."""

    def __init__(self, store: _Store) -> None:
        self._store = store

    def record_mail(self, batch: Sequence[ReceivedMail]) -> list[MailResult]:
        """Commit the batch: its feedback in one transaction, the rest kept one by one.

        When the batch's transaction fails, each message is recorded alone, so one poison
        message never blocks the others and a store that is down fails each of them.
        """
        try:
            rules = self._store.classification_rules()
        except Exception as err:  # the rules live in the database too
            _log.warning("store unavailable reading rules: %s", err)
            return [MailResult(MailOutcome.STORE_UNAVAILABLE, _shorten(str(err)))] * len(batch)
        readings = [self._read(mail, rules) for mail in batch]
        results: list[MailResult | None] = [None] * len(batch)
        feedback = {index: found for index, found in enumerate(readings) if isinstance(found, list)}
        if len(feedback) > 1:
            items = [
                (events, batch[index].data, batch[index].source, EMAIL) for index, events in feedback.items()
            ]
            try:
                done = self._store.record_many(items)
            except Exception as err:  # one by one below
                _log.warning("a batch of %d messages failed (%s); recording them one by one", len(items), err)
            else:
                for index, outcome in zip(feedback, done, strict=True):
                    results[index] = _recorded(outcome.new_events)
        return [
            result if result is not None else self._record_one(mail, found)
            for mail, found, result in zip(batch, readings, results, strict=True)
        ]

    def _read(self, mail: ReceivedMail, rules: Sequence[OperatorRule]) -> list[FeedbackEvent] | MailResult:
        """The message's events (VERP applied), or what to keep it as."""
        raw = RawInput(mail.data, mail.origin, mail.received_at, mail.source)
        found = read_input(raw, rules)
        if isinstance(found, NotFeedback):
            return MailResult(MailOutcome.NOT_FEEDBACK, f"{NOT_FEEDBACK_PREFIX}{found.what}: {found.reason}")
        if not isinstance(found, Feedback):
            return MailResult(MailOutcome.QUARANTINED, found.why)
        return apply_verp(found.events, mail.verp) if mail.verp is not None else list(found.events)

    def _record_one(self, mail: ReceivedMail, found: list[FeedbackEvent] | MailResult) -> MailResult:
        if isinstance(found, MailResult):
            return self._keep(mail, found.outcome, found.detail)
        try:
            done = self._store.record(found, raw=mail.data, source=mail.source, media_type=EMAIL)
        except Exception as err:  # a refused record: keep the evidence, or say the store is down
            _log.warning("could not record %s: %s", mail.origin, err)
            return self._keep(mail, MailOutcome.QUARANTINED, f"store refused the events: {err}")
        return _recorded(done.new_events)

    def _keep(self, mail: ReceivedMail, outcome: MailOutcome, reason: str) -> MailResult:
        reason = _shorten(reason)
        try:
            self._store.quarantine(mail.data, source=mail.source, reason=reason, media_type=EMAIL)
        except Exception as err:  # nothing could be committed
            _log.warning("store unavailable for %s: %s", mail.origin, err)
            return MailResult(MailOutcome.STORE_UNAVAILABLE, _shorten(str(err)))
        return MailResult(outcome, reason)
