"""Reading MTA logs: Postfix, Exim and sendmail, one module each.

    reader = log_reader("postfix-log", reference=file_modified_at)
    for record in iter_records(stream):
        reading = reader.read(record.data, rules=rules)   # Feedback, NotFeedback or Unreadable

One log line about a recipient gives one event (a `to=` line of sendmail naming several
recipients gives one per recipient): deliveries (counters; they clear soft state), bounces
(the MTA gave up: the refusals at SMTP time that never come back as a bounce email) and
delays (the MTA will try again: soft evidence, never a bounce). `LOG_FORMATS` is the
registry, in the order `--format` lists them. What a reader keeps of earlier lines (a queue
id's sender, its deferred recipients) lives in the `LogMemory` it is given, which a followed
stream keeps across files and stores with its position (`memory.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, tzinfo

from bouncewarden.parse.mtalog.exim import EximLogReader
from bouncewarden.parse.mtalog.memory import LogMemory
from bouncewarden.parse.mtalog.postfix import PostfixLogReader
from bouncewarden.parse.mtalog.sendmail import SendmailLogReader
from bouncewarden.parse.records import LineReader

__all__ = [
    "LOG_FORMATS",
    "EximLogReader",
    "LogMemory",
    "PostfixLogReader",
    "SendmailLogReader",
    "log_reader",
]

_Factory = Callable[..., LineReader]

LOG_FORMATS: Mapping[str, _Factory] = {
    "postfix-log": PostfixLogReader,
    "exim-log": EximLogReader,
    "sendmail-log": SendmailLogReader,
}


def log_reader(
    format_name: str,
    *,
    reference: datetime | None = None,
    zone: tzinfo = UTC,
    memory: LogMemory | None = None,
) -> LineReader:
    """A reader for one file of the named log format (KeyError for an unknown one), going on
    from `memory` (a new, empty one unless given)."""
    return LOG_FORMATS[format_name](reference=reference, zone=zone, memory=memory)
