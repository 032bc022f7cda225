"""The line-oriented formats `ingest --format` and `[[logs]]` know, by name.

    pmta          PowerMTA accounting files (CSV with a header row)
    postfix-log   Postfix's mail log
    exim-log      Exim's main log
    sendmail-log  sendmail's log

`line_reader(name, ...)` gives a fresh reader for one file; `is_quoted(name)` says whether its
records are CSV rows that may span lines; `keeps_memory(name)` whether its reader remembers
earlier lines in a `LogMemory` (the logs do; an accounting row stands alone).
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from bouncewarden.parse.mtalog import LOG_FORMATS, LogMemory, log_reader
from bouncewarden.parse.pmta import FORMAT_NAME as PMTA
from bouncewarden.parse.pmta import AccountingReader
from bouncewarden.parse.records import LineReader

__all__ = ["FORMATS", "format_of_media_type", "is_quoted", "keeps_memory", "line_reader"]

FORMATS: tuple[str, ...] = (PMTA, *LOG_FORMATS)


def is_quoted(format_name: str) -> bool:
    """True for CSV formats, whose quoted fields may hold line ends."""
    return format_name == PMTA


def keeps_memory(format_name: str) -> bool:
    """True for the log formats, whose readers tie lines together by queue id."""
    return format_name in LOG_FORMATS


def line_reader(
    format_name: str,
    *,
    reference: datetime | None = None,
    zone: tzinfo = UTC,
    memory: LogMemory | None = None,
) -> LineReader:
    """A reader for one file of `format_name` (one of `FORMATS`; KeyError for others); a log
    reader goes on from `memory` (a new one unless given)."""
    if format_name == PMTA:
        return AccountingReader()
    return log_reader(format_name, reference=reference, zone=zone, memory=memory)


def format_of_media_type(media_type: str) -> str | None:
    """The line format whose records are stored under `media_type`, or None for other inputs."""
    return _MEDIA_TYPES.get(media_type)


_MEDIA_TYPES = {line_reader(name).media_type: name for name in FORMATS}
