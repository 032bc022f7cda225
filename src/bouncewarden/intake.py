"""The one road in: every source hands its raw inputs to `Intake.take`, which reads and records them.

    outcomes = intake.take([RawInput(data, origin, received_at, source), ...])

The types a source hands over and the reader answers with live here, so that commands that
never read anything (`check`, `export`) do not load the parsers.

`take` reads each input with the one reader (`parse.reader.read_batch`, handed in by the
service) and the operator's current rules, then hands the whole batch to the recorder
(`store.recorder`), which commits it in one transaction and answers per input with one
`InputOutcome`:

- `recorded` / `duplicate`: its events are stored (or were already: same dedupe keys);
- `not_feedback`: a readable message without feedback, counted, not stored;
- `quarantined`: unreadable, or refused by the store; the raw bytes are kept with the reason
  (`bouncewarden quarantine` lists, shows, replays and drops them);
- `store_unavailable`: the database could not be reached or failed transiently; nothing of
  the batch is stored and the source decides (SQS leaves the message, a file run stops with a
  non-zero exit, SMTP would answer 451). Good input is never quarantined for an outage.

A source only knows its transport: how to receive, and how to acknowledge after `take` returns.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bouncewarden.classify import OperatorRule
    from bouncewarden.events import FeedbackEvent
    from bouncewarden.parse.report import ParsedReport

__all__ = [
    "EMAIL",
    "JSON",
    "EventCounts",
    "Feedback",
    "InputOutcome",
    "Intake",
    "NotFeedback",
    "Outcome",
    "Packed",
    "RawInput",
    "ReadInput",
    "Reader",
    "Reading",
    "Recorder",
    "Tally",
    "Unreadable",
    "is_json",
]

EMAIL = "message/rfc822"
JSON = "application/json"
_JSON_OPENING = re.compile(rb"(?:\xef\xbb\xbf)?[ \t\r\n]*\{")


@dataclass(frozen=True, slots=True)
class RawInput:
    """One input as a source received it.

    `origin` says where it came from for people (a file name, `#n` for the n-th message of an
    mbox, an SQS message id); `source` is the label stored with it (`file`, `sqs`, `sns`...).
    `problem` is set when the transport could not even read it whole (then `data` is what was
    read, often nothing).
    """

    data: bytes
    origin: str
    received_at: datetime
    source: str = "file"
    problem: str | None = None

    @property
    def media_type(self) -> str:
        """`application/json` or `message/rfc822`, by content."""
        return JSON if is_json(self.data) else EMAIL


@dataclass(frozen=True, slots=True)
class Feedback:
    """Input that holds feedback: the classified report and its events (at least one)."""

    report: ParsedReport
    events: tuple[FeedbackEvent, ...]


@dataclass(frozen=True, slots=True)
class NotFeedback:
    """Readable input that holds no feedback: `what` it is (an auto-reply, a log line about a
    connection), and why it is not feedback where that needs saying."""

    what: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Unreadable:
    """Input that cannot be read as feedback, and why (kept in quarantine by the recorder)."""

    why: str


Reading = Feedback | NotFeedback | Unreadable


def is_json(data: bytes) -> bool:
    """Whether the first non-blank byte (after a byte-order mark) opens a JSON object."""
    return _JSON_OPENING.match(data) is not None


class Outcome(StrEnum):
    """What became of one input."""

    RECORDED = "recorded"
    DUPLICATE = "duplicate"
    NOT_FEEDBACK = "not_feedback"
    QUARANTINED = "quarantined"
    STORE_UNAVAILABLE = "store_unavailable"


@dataclass(frozen=True, slots=True)
class EventCounts:
    """What recording did with events: new ones by severity, duplicates, address transitions."""

    new_events: int = 0
    duplicates: int = 0
    hard: int = 0
    soft: int = 0
    complaints: int = 0
    sender: int = 0
    transitions: int = 0

    def __add__(self, other: EventCounts) -> EventCounts:
        return EventCounts(
            self.new_events + other.new_events,
            self.duplicates + other.duplicates,
            self.hard + other.hard,
            self.soft + other.soft,
            self.complaints + other.complaints,
            self.sender + other.sender,
            self.transitions + other.transitions,
        )


@dataclass(frozen=True, slots=True)
class InputOutcome:
    """One input's fate; `reason` says why it is not feedback, quarantined or not stored."""

    origin: str
    outcome: Outcome
    counts: EventCounts = field(default_factory=EventCounts)
    reason: str | None = None
    quarantine_id: int | None = None

    @property
    def is_stored(self) -> bool:
        """True when the input is safely dealt with, so its source may acknowledge it."""
        return self.outcome is not Outcome.STORE_UNAVAILABLE


@dataclass(frozen=True, slots=True)
class Packed:
    """An input's bytes as the store keeps them: their sha256 (hex) and zlib-compressed."""

    sha256: str
    compressed: bytes

    @classmethod
    def of(cls, data: bytes) -> Packed:
        """Hash and compress `data` (zlib level 1: the raw input is kept, not archived)."""
        return cls(hashlib.sha256(data).hexdigest(), zlib.compress(data, 1))


@dataclass(frozen=True, slots=True)
class ReadInput:
    """An input and what the reader made of it: what the recorder takes.

    `packed` is the input's bytes ready to store, worked out where it was read (`of`), so that
    hashing and compressing happen in the reading thread, not in the one that commits; the
    recorder packs what comes without it.
    """

    raw: RawInput
    reading: Reading
    packed: Packed | None = None

    @classmethod
    def of(cls, raw: RawInput, reading: Reading) -> ReadInput:
        """`raw` as read, its bytes packed when they will be kept as evidence (feedback)."""
        return cls(raw, reading, Packed.of(raw.data) if isinstance(reading, Feedback) and raw.data else None)

    def packed_data(self) -> Packed:
        """`packed`, or the input's bytes packed now."""
        return self.packed if self.packed is not None else Packed.of(self.raw.data)


class Recorder(Protocol):
    """Commits a batch of read inputs in one transaction (`store.recorder.BatchRecorder`)."""

    def record(self, batch: Sequence[ReadInput]) -> list[InputOutcome]: ...


@dataclass(slots=True)
class Tally:
    """Outcomes added up, for a run's summary and a worker's log line."""

    inputs: int = 0
    counts: EventCounts = field(default_factory=EventCounts)
    by_outcome: dict[Outcome, int] = field(default_factory=dict)

    def add(self, outcome: InputOutcome) -> None:
        """Count one input's outcome."""
        self.inputs += 1
        self.counts += outcome.counts
        self.by_outcome[outcome.outcome] = self.by_outcome.get(outcome.outcome, 0) + 1

    def __getitem__(self, outcome: Outcome) -> int:
        return self.by_outcome.get(outcome, 0)

    def as_dict(self) -> dict[str, int]:
        """The counts under their `--json` keys."""
        counts = self.counts
        return {
            "inputs": self.inputs,
            "new_events": counts.new_events,
            "duplicates": counts.duplicates,
            "hard": counts.hard,
            "soft": counts.soft,
            "complaints": counts.complaints,
            "sender": counts.sender,
            "not_feedback": self[Outcome.NOT_FEEDBACK],
            "quarantined": self[Outcome.QUARANTINED],
            "store_unavailable": self[Outcome.STORE_UNAVAILABLE],
        }

    def lines(self) -> list[str]:
        """The summary for people."""
        labels = {
            "inputs": "inputs read",
            "new_events": "new events",
            "duplicates": "duplicates skipped",
            "hard": "hard bounces",
            "soft": "soft bounces",
            "complaints": "complaints",
            "sender": "sender-side",
            "not_feedback": "not feedback",
            "quarantined": "quarantined",
            "store_unavailable": "not stored (database unavailable)",
        }
        values = self.as_dict()
        shown = [key for key in labels if key != "store_unavailable" or values[key]]
        return [f"{labels[key] + ':':<21}{values[key]}" for key in shown]


Reader = Callable[[Sequence[RawInput], Sequence["OperatorRule"]], list[Reading]]


class Intake:
    """Reads inputs with the operator's current rules and records them as one batch."""

    def __init__(self, recorder: Recorder, rules: Callable[[], Sequence[OperatorRule]], read: Reader) -> None:
        self._recorder = recorder
        self._rules = rules
        self._read = read

    def take(self, inputs: Sequence[RawInput]) -> list[InputOutcome]:
        """Read and record `inputs` (one transaction); one outcome per input, in order."""
        if not inputs:
            return []
        return self._recorder.record(self._read_inputs(inputs))

    def take_all(self, batches: Iterable[Sequence[RawInput]]) -> Iterator[list[InputOutcome]]:
        """`take` each batch in turn, giving its outcomes; the next batch is read meanwhile.

        While the store commits one batch (SQLite's and zlib's C code, or a wait on the
        PostgreSQL server, none holding the interpreter), the next is read in the caller's
        thread. Nothing is recorded ahead: when the caller stops iterating after an outcome,
        no batch is in flight (one may have been read, and is dropped unstored).
        """
        from concurrent.futures import Future, ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="recorder") as pool:
            pending: Future[list[InputOutcome]] | None = None
            for inputs in batches:
                if not inputs:
                    continue
                read = self._read_inputs(inputs)
                if pending is not None:
                    yield pending.result()
                pending = pool.submit(self._recorder.record, read)
            if pending is not None:
                yield pending.result()

    def _read_inputs(self, inputs: Sequence[RawInput]) -> list[ReadInput]:
        readings = self._read(inputs, self._rules())
        return [ReadInput.of(raw, reading) for raw, reading in zip(inputs, readings, strict=True)]
