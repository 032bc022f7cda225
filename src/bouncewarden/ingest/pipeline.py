"""Raw inputs -> feedback events -> the store: what `bouncewarden ingest` does per input.

Each input is parsed by the parser its form calls for (SES JSON, or a bounce email through
the standard and MTA parsers), then its events are stored with its raw bytes in one
`Service.record` call, so evidence and events commit together. An email that holds no
feedback (a newsletter in a bounce mailbox) is counted as "not feedback" and not stored.
An input that cannot be read is quarantined with the reason and never dropped (`screen`
says what makes a file no email message at all; an SES document naming no recipient is
damaged too). This is the worker boundary of STYLE.md: a parser that raises is a bug, but
one bad input must not stop a run, so the exception becomes the quarantine reason and the
run goes on. A store that cannot even quarantine is broken infrastructure, and that does
stop the run.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from bouncewarden.classify import OperatorRule
from bouncewarden.events import FeedbackEvent
from bouncewarden.parse.reader import Feedback, NotFeedback, RawInput, Unreadable, read_input
from bouncewarden.service import RecordOutcome

__all__ = [
    "FeedbackStore",
    "IngestSummary",
    "InputResult",
    "Outcome",
    "ingest_input",
]

_log = logging.getLogger(__name__)

# Longest diagnostic kept in a quarantine reason (the raw bytes are kept whole anyway).
_REASON_LIMIT = 500


class FeedbackStore(Protocol):
    """The part of `bouncewarden.service.Service` the pipeline needs."""

    def record(
        self, events: Sequence[FeedbackEvent], *, raw: bytes | None, source: str, media_type: str = ...
    ) -> RecordOutcome: ...

    def quarantine(self, raw: bytes, *, source: str, reason: str, media_type: str = ...) -> int: ...


class Outcome(StrEnum):
    """What became of one input."""

    RECORDED = "recorded"
    NOT_FEEDBACK = "not_feedback"
    QUARANTINED = "quarantined"


@dataclass(frozen=True, slots=True)
class InputResult:
    """One input's fate: recorded (with the store's counts), not feedback, or quarantined (why)."""

    origin: str
    outcome: Outcome
    recorded: RecordOutcome | None = None
    reason: str | None = None


@dataclass(slots=True)
class IngestSummary:
    """The counts `bouncewarden ingest` ends with, added up input by input."""

    inputs: int = 0
    new_events: int = 0
    duplicates: int = 0
    hard: int = 0
    soft: int = 0
    complaints: int = 0
    sender: int = 0
    not_feedback: int = 0
    quarantined: int = 0
    quarantine_reasons: list[tuple[str, str]] = field(default_factory=list)

    def add(self, result: InputResult) -> None:
        """Count one input's result."""
        self.inputs += 1
        if result.outcome is Outcome.NOT_FEEDBACK:
            self.not_feedback += 1
        elif result.outcome is Outcome.QUARANTINED:
            self.quarantined += 1
            self.quarantine_reasons.append((result.origin, result.reason or ""))
        elif result.recorded is not None:
            done = result.recorded
            self.new_events += done.new_events
            self.duplicates += done.duplicates
            self.hard += done.hard
            self.soft += done.soft
            self.complaints += done.complaints
            self.sender += done.sender

    def counts(self) -> dict[str, int]:
        """The counts under their `--json` keys."""
        return {
            "inputs": self.inputs,
            "new_events": self.new_events,
            "duplicates": self.duplicates,
            "hard": self.hard,
            "soft": self.soft,
            "complaints": self.complaints,
            "sender": self.sender,
            "not_feedback": self.not_feedback,
            "quarantined": self.quarantined,
        }

    def lines(self) -> list[str]:
        """The summary for people."""
        return [
            f"inputs read:         {self.inputs}",
            f"new events:          {self.new_events}",
            f"duplicates skipped:  {self.duplicates}",
            f"hard bounces:        {self.hard}",
            f"soft bounces:        {self.soft}",
            f"complaints:          {self.complaints}",
            f"sender-side:         {self.sender}",
            f"not feedback:        {self.not_feedback}",
            f"quarantined:         {self.quarantined}",
        ]


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _REASON_LIMIT else text[: _REASON_LIMIT - 1] + "…"


def ingest_input(store: FeedbackStore, raw: RawInput, *, rules: Sequence[OperatorRule] = ()) -> InputResult:
    """Read one input and store it: its events with its raw bytes, or the bytes in quarantine."""
    found = read_input(raw, rules)
    if isinstance(found, NotFeedback):
        return InputResult(raw.origin, Outcome.NOT_FEEDBACK, reason=found.reason)
    if isinstance(found, Feedback):
        try:
            outcome = store.record(found.events, raw=raw.data, source=raw.source, media_type=raw.media_type)
        except Exception as err:  # the store refused this input's events: keep the evidence
            _log.exception("could not record %r", raw.origin)
            found = Unreadable(f"store refused the events: {type(err).__name__}: {err}")
        else:
            return InputResult(raw.origin, Outcome.RECORDED, recorded=outcome)
    reason = _shorten(found.why)
    store.quarantine(raw.data, source=raw.source, reason=reason, media_type=raw.media_type)
    return InputResult(raw.origin, Outcome.QUARANTINED, reason=reason)
