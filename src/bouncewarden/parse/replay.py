"""Reading stored evidence again: the events its bytes give today (`bouncewarden reclassify`).

Evidence is kept with its media type. Email messages and SES JSON go through the reader
(`parse.reader.read_input`), exactly as when they arrived; a batch of PowerMTA accounting
rows (stored after its header row) or of MTA log lines goes through the line reader of its
format. Either way the events carry the same dedupe keys as the first time, so each stored
event finds its new reading. A log's lines may need what earlier batches said of their queue
id (Exim's last deferral reply, sendmail's deferred recipients): a caller that reads stored
batches in the order they were stored passes the same `memories` to every call.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime

from bouncewarden.classify import OperatorRule
from bouncewarden.events import FeedbackEvent
from bouncewarden.parse.formats import format_of_media_type, is_quoted, keeps_memory, line_reader
from bouncewarden.parse.lines import iter_records
from bouncewarden.parse.mtalog.memory import LogMemory
from bouncewarden.parse.reader import Feedback, RawInput, read_input

__all__ = ["read_evidence"]


def read_evidence(
    media_type: str,
    data: bytes,
    *,
    received_at: datetime,
    rules: Sequence[OperatorRule] = (),
    memories: dict[str, LogMemory] | None = None,
) -> list[FeedbackEvent]:
    """The events stored evidence gives with today's parsers and `rules` (none if unreadable);
    a log's reader goes on from `memories[format]` (kept there for the next call)."""
    format_name = format_of_media_type(media_type)
    if format_name is None:
        reading = read_input(RawInput(data, "stored evidence", received_at), rules)
        return list(reading.events) if isinstance(reading, Feedback) else []
    memory = None
    if memories is not None and keeps_memory(format_name):
        memory = memories.setdefault(format_name, LogMemory())
    reader = line_reader(format_name, reference=received_at, memory=memory)
    events: list[FeedbackEvent] = []
    for record in iter_records(io.BytesIO(data), quoted=is_quoted(format_name)):
        reading = reader.read(record.data, rules=rules)
        if isinstance(reading, Feedback):
            events.extend(reading.events)
    return events
