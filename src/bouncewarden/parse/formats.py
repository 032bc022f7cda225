"""The line-oriented formats `ingest --format` and `[[logs]]` know, by name.

    pmta          PowerMTA accounting files (CSV with a header row)
    postfix-log   Postfix's mail log
    exim-log      Exim's main log
    sendmail-log  sendmail's log

`line_reader(name, ...)` gives a fresh reader for one file; `is_quoted(name)` says whether its
records are CSV rows that may span lines.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from bouncewarden.parse.mtalog import LOG_FORMATS, log_reader
from bouncewarden.parse.pmta import FORMAT_NAME as PMTA
from bouncewarden.parse.pmta import AccountingReader
from bouncewarden.parse.records import LineReader

__all__ = ["FORMATS", "format_of_media_type", "is_quoted", "line_reader"]

FORMATS: tuple[str, ...] = (PMTA, *LOG_FORMATS)


def is_quoted(format_name: str) -> bool:
    """True for CSV formats, whose quoted fields may hold line ends."""
    return format_name == PMTA


def line_reader(format_name: str, *, reference: datetime | None = None, zone: tzinfo = UTC) -> LineReader:
    """A fresh reader for one file of `format_name` (one of `FORMATS`; KeyError for others)."""
    if format_name == PMTA:
        return AccountingReader()
    return log_reader(format_name, reference=reference, zone=zone)


def format_of_media_type(media_type: str) -> str | None:
    """The line format whose records are stored under `media_type`, or None for other inputs."""
    return _MEDIA_TYPES.get(media_type)


_MEDIA_TYPES = {line_reader(name).media_type: name for name in FORMATS}
