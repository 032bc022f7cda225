"""Reading stored evidence again: the events its bytes give today (`bouncewarden reclassify`).

Evidence is kept with its media type. Email messages and SES JSON go through the reader
(`parse.reader.read_input`), exactly as when they arrived; a batch of PowerMTA accounting
rows (stored after its header row) or of MTA log lines goes through the line reader of its
format. Either way the events carry the same dedupe keys as the first time, so each stored
event finds its new reading.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime

from bouncewarden.classify import OperatorRule
from bouncewarden.events import FeedbackEvent
from bouncewarden.parse.formats import FORMATS, is_quoted, line_reader
from bouncewarden.parse.lines import iter_records
from bouncewarden.parse.reader import Feedback, RawInput, read_input

__all__ = ["read_evidence"]

_LINE_FORMATS = {line_reader(name).media_type: name for name in FORMATS}


def read_evidence(
    media_type: str, data: bytes, *, received_at: datetime, rules: Sequence[OperatorRule] = ()
) -> list[FeedbackEvent]:
    """The events stored evidence gives with today's parsers and `rules` (none if unreadable)."""
    format_name = _LINE_FORMATS.get(media_type)
    if format_name is None:
        reading = read_input(RawInput(data, "stored evidence", received_at), rules)
        return list(reading.events) if isinstance(reading, Feedback) else []
    reader = line_reader(format_name, reference=received_at)
    events: list[FeedbackEvent] = []
    for record in iter_records(io.BytesIO(data), quoted=is_quoted(format_name)):
        reading = reader.read(record.data, rules=rules)
        if isinstance(reading, Feedback):
            events.extend(reading.events)
    return events
