"""Mail in: what the SMTP receiver and the mailbox scanner hand over, and what they get back.

Both sources deliver whole email messages and must know, per message, whether it is
committed before they acknowledge it (the `250` to DATA, the move or delete in a mailbox).
They talk to a `MailRecorder`, one narrow method over a batch:

    record_mail([ReceivedMail, ...]) -> [MailResult, ...]     (same order)

A result is `recorded` (new events), `duplicate` (nothing new: the report was seen before),
`not_feedback` (an auto-reply is recorded as such by the reader; a human reply or other
mail is kept with its label), `quarantined` (kept with the reason) or `store_unavailable`
(nothing committed: the source must not acknowledge; SMTP answers 451).

`PipelineMailRecorder` is that interface over the one reader (`parse.reader.read_input`)
and `Service`, one transaction per message. It stands in for the intake seam's batch
recorder (issue 9); the sources do not change when it is swapped for that one.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from bouncewarden.classify import OperatorRule
from bouncewarden.ingest.pipeline import FeedbackStore
from bouncewarden.parse.reader import EMAIL, Feedback, NotFeedback, RawInput, read_input
from bouncewarden.parse.verp import VerpAddress, apply_verp

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
    pass


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _REASON_LIMIT else text[: _REASON_LIMIT - 1] + "…"


class PipelineMailRecorder:
    """`MailRecorder` over the current reader and `Service` (one transaction per message)."""

    def __init__(self, store: _Store) -> None:
        self._store = store

    def record_mail(self, batch: Sequence[ReceivedMail]) -> list[MailResult]:
        """Commit each message of the batch; a store failure only fails that message."""
        try:
            rules = self._store.classification_rules()
        except Exception as err:  # the rules live in the database too
            _log.warning("store unavailable reading rules: %s", err)
            return [MailResult(MailOutcome.STORE_UNAVAILABLE, _shorten(str(err)))] * len(batch)
        return [self._record_one(mail, rules) for mail in batch]

    def _record_one(self, mail: ReceivedMail, rules: Sequence[OperatorRule]) -> MailResult:
        raw = RawInput(mail.data, mail.origin, mail.received_at, mail.source)
        found = read_input(raw, rules)
        if isinstance(found, NotFeedback):
            label = f"{NOT_FEEDBACK_PREFIX}{found.what}: {found.reason}"
            return self._keep(mail, MailOutcome.NOT_FEEDBACK, label)
        if not isinstance(found, Feedback):
            return self._keep(mail, MailOutcome.QUARANTINED, found.why)
        events = apply_verp(found.events, mail.verp) if mail.verp is not None else list(found.events)
        try:
            done = self._store.record(events, raw=mail.data, source=mail.source, media_type=EMAIL)
        except Exception as err:  # a refused record: keep the evidence, or say the store is down
            _log.warning("could not record %s: %s", mail.origin, err)
            return self._keep(mail, MailOutcome.QUARANTINED, f"store refused the events: {err}")
        if done.new_events == 0:
            return MailResult(MailOutcome.DUPLICATE)
        return MailResult(MailOutcome.RECORDED, new_events=done.new_events)

    def _keep(self, mail: ReceivedMail, outcome: MailOutcome, reason: str) -> MailResult:
        reason = _shorten(reason)
        try:
            self._store.quarantine(mail.data, source=mail.source, reason=reason, media_type=EMAIL)
        except Exception as err:  # nothing could be committed
            _log.warning("store unavailable for %s: %s", mail.origin, err)
            return MailResult(MailOutcome.STORE_UNAVAILABLE, _shorten(str(err)))
        return MailResult(outcome, reason)
