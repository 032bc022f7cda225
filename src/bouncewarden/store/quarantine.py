"""The quarantine as people work with it: list, show, mark replayed, drop (audited).

Inputs land here from the recorder (`store.batch_write.quarantine_inputs`), one copy per
content hash. Each stays `held` until it is replayed through today's reader
(`sources.quarantine`) and reads, or an operator drops it with a note; both keep who and when.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from bouncewarden.clock import Clock
from bouncewarden.store.engine import WRITE
from bouncewarden.store.evidence import QuarantineItem, RawItem, load_quarantined, page_quarantine
from bouncewarden.store.models import Quarantined
from bouncewarden.store.series import QuarantineHealth, quarantine_health

__all__ = ["QuarantineBox", "QuarantineEntry", "QuarantineState"]


class QuarantineState(StrEnum):
    """Where a quarantined input stands."""

    HELD = "held"
    REPLAYED = "replayed"
    DROPPED = "dropped"


@dataclass(frozen=True, slots=True)
class QuarantineEntry:
    """One quarantined input, without its bytes."""

    id: int
    sha256: str
    source: str
    origin: str | None
    reason: str
    media_type: str
    size: int
    created_at: datetime
    state: QuarantineState
    resolved_at: datetime | None
    resolved_by: str | None
    note: str | None


_COLUMNS = (
    Quarantined.id,
    Quarantined.sha256,
    Quarantined.source,
    Quarantined.origin,
    Quarantined.reason,
    Quarantined.media_type,
    Quarantined.size,
    Quarantined.created_at,
    Quarantined.state,
    Quarantined.resolved_at,
    Quarantined.resolved_by,
    Quarantined.note,
)


def _entry(row: Any) -> QuarantineEntry:
    return QuarantineEntry(
        id=row.id,
        sha256=row.sha256,
        source=row.source,
        origin=row.origin,
        reason=row.reason,
        media_type=row.media_type,
        size=row.size,
        created_at=row.created_at,
        state=QuarantineState(row.state),
        resolved_at=row.resolved_at,
        resolved_by=row.resolved_by,
        note=row.note,
    )


class QuarantineBox:
    """Reads and resolves quarantined inputs."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock

    def entries(
        self,
        *,
        since: datetime | None = None,
        source: str | None = None,
        states: Sequence[QuarantineState] = (QuarantineState.HELD,),
        ids: Iterable[int] | None = None,
    ) -> list[QuarantineEntry]:
        """The entries that match, oldest first."""
        query = select(*_COLUMNS).where(Quarantined.state.in_([state.value for state in states]))
        if since is not None:
            query = query.where(Quarantined.created_at >= since)
        if source is not None:
            query = query.where(Quarantined.source == source)
        if ids is not None:
            query = query.where(Quarantined.id.in_(sorted(set(ids))))
        with self._engine.connect() as connection:
            rows = connection.execute(query.order_by(Quarantined.id)).all()
        return [_entry(row) for row in rows]

    def entry(self, quarantine_id: int) -> QuarantineEntry | None:
        """One entry, whatever its state, or None."""
        found = self.entries(ids=[quarantine_id], states=tuple(QuarantineState))
        return found[0] if found else None

    def page(
        self, *, limit: int, before: int | None, state: str | None = "held"
    ) -> tuple[list[QuarantineItem], int]:
        """The newest entries in `state` (any when None; ids below `before`) and how many there are."""
        return page_quarantine(self._engine, limit=limit, before=before, state=state)

    def item(self, quarantine_id: int) -> tuple[QuarantineItem, RawItem] | None:
        """An entry as listed, with its bytes, or None."""
        return load_quarantined(self._engine, quarantine_id)

    def health(self, *, now: datetime) -> QuarantineHealth:
        """How much is held, how much arrived in the day before `now`, and from which sources."""
        return quarantine_health(self._engine, now=now)

    def raw(self, quarantine_id: int) -> bytes | None:
        """The raw bytes of an entry, or None when there is no such id."""
        with self._engine.connect() as connection:
            query = select(Quarantined.compressed).where(Quarantined.id == quarantine_id)
            compressed = connection.execute(query).scalar()
        return None if compressed is None else zlib.decompress(compressed)

    def resolve(
        self, ids: Iterable[int], state: QuarantineState, *, actor: str, note: str | None = None
    ) -> list[int]:
        """Mark held entries replayed or dropped (who, when, why); the ids that changed."""
        wanted = sorted(set(ids))
        if not wanted:
            return []
        statement = (
            update(Quarantined)
            .where(Quarantined.id.in_(wanted), Quarantined.state == QuarantineState.HELD.value)
            .values(state=state.value, resolved_at=self._clock(), resolved_by=actor, note=note)
            .returning(Quarantined.id)
        )
        with self._engine.execution_options(**WRITE).begin() as connection:
            return sorted(int(found) for found in connection.execute(statement).scalars())
