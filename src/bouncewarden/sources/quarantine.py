"""The quarantine as a source: held inputs replayed through today's reader and recorder.

After a parser fix or a new operator rule, an input that could not be read may read now.
`replay` hands the held inputs to the intake in batches, exactly as their first source did
(same bytes, same source label, the time they first arrived). What reads is recorded (its
dedupe keys make a second replay, or an input that was also recorded another way, a
duplicate, never a second event) and the entry is marked `replayed`; what still does not
read stays held with its reason. A database outage stops the replay, with nothing marked.

A record of a followed file (a PowerMTA row, an MTA log line) is held after the context its
reader needs (the header row in force), under its format's media type: it is replayed
through that format's line reader and recorded like a batch of its file (without moving
the file's position).
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from bouncewarden.events import FeedbackEvent
from bouncewarden.intake import EventCounts, Feedback, InputOutcome, Intake, Outcome, RawInput, Unreadable
from bouncewarden.parse.formats import format_of_media_type, is_quoted, line_reader
from bouncewarden.parse.lines import iter_records
from bouncewarden.sources.logs import RowRecorder, checked
from bouncewarden.store.batches import RowBatch
from bouncewarden.store.quarantine import QuarantineBox, QuarantineEntry, QuarantineState
from bouncewarden.store.recorder import is_unavailable

__all__ = ["BATCH", "Replayed", "replay"]

BATCH = 200


@dataclass(frozen=True, slots=True)
class Replayed:
    """One held input and what today's reader and recorder made of it."""

    entry: QuarantineEntry
    outcome: InputOutcome


def _batches(entries: Sequence[QuarantineEntry]) -> Iterator[Sequence[QuarantineEntry]]:
    for start in range(0, len(entries), BATCH):
        yield entries[start : start + BATCH]


def _origin(entry: QuarantineEntry) -> str:
    return entry.origin or f"quarantine #{entry.id}"


def _replay_records(
    files: RowRecorder, entry: QuarantineEntry, data: bytes, format_name: str
) -> InputOutcome:
    """Read a held record of a followed file again and record what it gives now."""
    reader = line_reader(format_name, reference=entry.created_at)
    rules = files.classification_rules()
    events: list[FeedbackEvent] = []
    for record in iter_records(io.BytesIO(data), quoted=is_quoted(format_name)):
        reading = checked(reader.read(record.data, rules=rules))
        if isinstance(reading, Unreadable):
            return InputOutcome(
                _origin(entry), Outcome.QUARANTINED, reason=reading.why, quarantine_id=entry.id
            )
        if isinstance(reading, Feedback):
            events.extend(reading.events)
    if not events:
        return InputOutcome(_origin(entry), Outcome.NOT_FEEDBACK, reason="the record holds no feedback")
    try:
        stored = files.record_rows(RowBatch(events, (), data, entry.media_type, entry.source, None))
    except Exception as err:
        if not is_unavailable(err):
            raise
        return InputOutcome(_origin(entry), Outcome.STORE_UNAVAILABLE, reason=f"database unavailable: {err}")
    counts = EventCounts(
        new_events=stored.new_events,
        duplicates=stored.duplicates,
        hard=stored.by_severity.get("hard", 0),
        soft=stored.by_severity.get("soft", 0),
        complaints=stored.by_severity.get("complaint", 0),
        sender=stored.by_severity.get("sender", 0),
        transitions=stored.transitions,
    )
    outcome = Outcome.RECORDED if stored.new_events else Outcome.DUPLICATE
    return InputOutcome(_origin(entry), outcome, counts)


def _replay_batch(
    box: QuarantineBox, intake: Intake, files: RowRecorder, batch: Sequence[QuarantineEntry]
) -> list[InputOutcome]:
    """The outcomes of one batch, in its order: records of followed files one by one, the rest
    through the intake together."""
    outcomes: dict[int, InputOutcome] = {}
    others: list[tuple[int, RawInput]] = []
    for index, entry in enumerate(batch):
        data = box.raw(entry.id) or b""
        format_name = format_of_media_type(entry.media_type)
        if format_name is not None:
            outcomes[index] = _replay_records(files, entry, data, format_name)
        else:
            others.append((index, RawInput(data, _origin(entry), entry.created_at, entry.source)))
    taken = intake.take([raw for _, raw in others])
    outcomes.update((index, outcome) for (index, _), outcome in zip(others, taken, strict=True))
    return [outcomes[index] for index in range(len(batch))]


def replay(
    box: QuarantineBox,
    intake: Intake,
    entries: Sequence[QuarantineEntry],
    *,
    actor: str,
    files: RowRecorder,
) -> Iterator[Replayed]:
    """Replay `entries` (held ones) batch by batch; stops after a batch the database could not take."""
    for batch in _batches([entry for entry in entries if entry.state is QuarantineState.HELD]):
        outcomes = _replay_batch(box, intake, files, batch)
        done = [
            entry.id
            for entry, outcome in zip(batch, outcomes, strict=True)
            if outcome.outcome in (Outcome.RECORDED, Outcome.DUPLICATE, Outcome.NOT_FEEDBACK)
        ]
        box.resolve(done, QuarantineState.REPLAYED, actor=actor, note="replayed: it reads now")
        yield from (Replayed(entry, outcome) for entry, outcome in zip(batch, outcomes, strict=True))
        if any(outcome.outcome is Outcome.STORE_UNAVAILABLE for outcome in outcomes):
            return
