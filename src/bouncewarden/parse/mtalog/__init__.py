"""Reading MTA logs: Postfix, Exim and sendmail, one module each.

    reader = log_reader("postfix-log", reference=file_modified_at)
    for record in iter_records(stream):
        reading = reader.read(record.data, rules=rules)   # Feedback, NotFeedback or Unreadable

One log line about a recipient gives one event (a `to=` line of sendmail naming several
recipients gives one per recipient): deliveries (counters; they clear soft state), bounces
(the MTA gave up: the refusals at SMTP time that never come back as a bounce email) and
delays (the MTA will try again: soft evidence, never a bounce). `LOG_FORMATS` is the
registry, in the order `--format` lists them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, tzinfo

from bouncewarden.parse.mtalog.exim import EximLogReader
from bouncewarden.parse.mtalog.postfix import PostfixLogReader
from bouncewarden.parse.mtalog.sendmail import SendmailLogReader
from bouncewarden.parse.records import LineReader

__all__ = ["LOG_FORMATS", "EximLogReader", "PostfixLogReader", "SendmailLogReader", "log_reader"]

_Factory = Callable[..., LineReader]

LOG_FORMATS: Mapping[str, _Factory] = {
    "postfix-log": PostfixLogReader,
    "exim-log": EximLogReader,
    "sendmail-log": SendmailLogReader,
}


def log_reader(format_name: str, *, reference: datetime | None = None, zone: tzinfo = UTC) -> LineReader:
    """A fresh reader for one file of the named log format (KeyError for an unknown one)."""
    return LOG_FORMATS[format_name](reference=reference, zone=zone)
