"""The quarantine as a source: held inputs replayed through today's reader and recorder.

After a parser fix or a new operator rule, an input that could not be read may read now.
`replay` hands the held inputs to the intake in batches, exactly as their first source did
(same bytes, same source label, the time they first arrived). What reads is recorded (its
dedupe keys make a second replay, or an input that was also recorded another way, a
duplicate, never a second event) and the entry is marked `replayed`; what still does not
read stays held with its reason. A database outage stops the replay, with nothing marked.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from bouncewarden.intake import InputOutcome, Intake, Outcome, RawInput
from bouncewarden.store.quarantine import QuarantineBox, QuarantineEntry, QuarantineState

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


def replay(
    box: QuarantineBox, intake: Intake, entries: Sequence[QuarantineEntry], *, actor: str
) -> Iterator[Replayed]:
    """Replay `entries` (held ones) batch by batch; stops after a batch the database could not take."""
    for batch in _batches([entry for entry in entries if entry.state is QuarantineState.HELD]):
        raws = [
            RawInput(
                box.raw(entry.id) or b"",
                entry.origin or f"quarantine #{entry.id}",
                entry.created_at,
                entry.source,
            )
            for entry in batch
        ]
        outcomes = intake.take(raws)
        done = [
            entry.id
            for entry, outcome in zip(batch, outcomes, strict=True)
            if outcome.outcome in (Outcome.RECORDED, Outcome.DUPLICATE, Outcome.NOT_FEEDBACK)
        ]
        box.resolve(done, QuarantineState.REPLAYED, actor=actor, note="replayed: it reads now")
        yield from (Replayed(entry, outcome) for entry, outcome in zip(batch, outcomes, strict=True))
        if any(outcome.outcome is Outcome.STORE_UNAVAILABLE for outcome in outcomes):
            return
