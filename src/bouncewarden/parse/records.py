"""The contract of the readers of line-oriented files (PowerMTA accounting CSV, MTA logs).

A record is one CSV row or one log line. A reader answers each with the reader's own types
(`bouncewarden.intake`): `Feedback` with its events, `NotFeedback` naming what the record
was (an `r` accounting record, a log line about a connection; counted by that name), or
`Unreadable` with why (a row without a recipient, a date that is no date). Expected outcomes
are values: no reader raises for bad input. The caller knows the line each record starts on,
so a broken one is quarantined with its file and line.

`LineReader` is the one contract of such readers (`parse.pmta.AccountingReader`,
`parse.mtalog.*`): fed complete records in file order, it keeps the little state its format
needs (the CSV header, a queue id's sender) and can say what it needs to see again after a
restart (`context`: the header line of an accounting file).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Protocol

from bouncewarden.classify import OperatorRule
from bouncewarden.events import FeedbackEvent
from bouncewarden.intake import Feedback, Reading
from bouncewarden.parse.report import ParsedReport

__all__ = ["LineReader", "feedback"]


class LineReader(Protocol):
    """Reads the records of one file, in order; never raises for bad input."""

    format_name: str
    media_type: str

    def read(self, record: bytes, *, rules: Sequence[OperatorRule] = ()) -> Reading:
        """What one complete record (without its line end) holds."""
        ...

    def context(self) -> bytes:
        """What a re-reader needs before this file's records (the CSV header), else b''."""
        ...


def feedback(format_name: str, events: tuple[FeedbackEvent, ...]) -> Feedback:
    """A record's events as `Feedback` (a record has no report beyond its events)."""
    return Feedback(_report(format_name), events)


@cache
def _report(format_name: str) -> ParsedReport:
    return ParsedReport((), format_name)
