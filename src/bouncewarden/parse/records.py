"""What the readers of line-oriented files (PowerMTA accounting CSV, MTA logs) give per record.

A record is one CSV row or one log line. It is read into events (`RecordRead`), found to be
of no interest (`RecordSkipped`: a `r` accounting record, a log line about a connection), or
found broken (`RecordBroken`: a row without a recipient, a date that is no date). Expected
outcomes are values: no reader raises for bad input. Each carries the line number where the
record starts, so a broken one is quarantined with its file and line.

`LineReader` is the one contract of such readers (`parse.pmta.AccountingReader`,
`parse.mtalog.*`): fed complete records in file order, it keeps the little state its format
needs (the CSV header, a queue id's sender) and can say which record of the file it needs
to see again after a restart (`restart_lines`: the header line of an accounting file).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from bouncewarden.classify import OperatorRule
from bouncewarden.events import FeedbackEvent

__all__ = [
    "LineReader",
    "RecordBroken",
    "RecordRead",
    "RecordResult",
    "RecordSkipped",
]


@dataclass(frozen=True, slots=True)
class RecordRead:
    """A record that gave events (one, for every format so far)."""

    line: int
    events: tuple[FeedbackEvent, ...]


@dataclass(frozen=True, slots=True)
class RecordSkipped:
    """A record read and found to hold no feedback; `label` says what it was (for counts)."""

    line: int
    label: str


@dataclass(frozen=True, slots=True)
class RecordBroken:
    """A record that could not be read, and why."""

    line: int
    reason: str


RecordResult = RecordRead | RecordSkipped | RecordBroken


class LineReader(Protocol):
    """Reads the records of one file, in order; never raises for bad input."""

    format_name: str
    media_type: str

    def read(self, record: bytes, line: int, *, rules: Sequence[OperatorRule] = ()) -> RecordResult:
        """The result of one complete record (without its line end) starting on `line`."""
        ...

    def context(self) -> bytes:
        """What a re-reader needs before this file's records (the CSV header), else b''."""
        ...
