"""Reading kept raw inputs back: evidence behind events, and quarantined inputs.

Both are stored zlib-compressed. Callers show them as text (`as_text`): decoded as UTF-8
with replacement characters, cut at `TEXT_LIMIT` bytes, so a binary or huge input never
breaks a page or a JSON answer.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from bouncewarden.store.models import Evidence, Quarantined

__all__ = ["TEXT_LIMIT", "QuarantineItem", "RawItem", "load_evidence", "load_quarantined", "page_quarantine"]

TEXT_LIMIT = 256 * 1024


@dataclass(frozen=True, slots=True)
class RawItem:
    """A kept input: where it came from and its bytes."""

    id: int
    media_type: str
    source: str
    size: int
    created_at: datetime
    data: bytes

    def as_text(self) -> tuple[str, bool]:
        """The bytes as text for people, and whether it was cut short."""
        cut = len(self.data) > TEXT_LIMIT
        return self.data[:TEXT_LIMIT].decode("utf-8", errors="replace"), cut


@dataclass(frozen=True, slots=True)
class QuarantineItem:
    """A quarantined input as listed (without its bytes)."""

    id: int
    source: str
    reason: str
    media_type: str
    size: int
    created_at: datetime
    state: str = "held"
    origin: str | None = None


def load_evidence(engine: Engine, evidence_id: int) -> RawItem | None:
    """The evidence with this id, or None."""
    query = select(Evidence).where(Evidence.id == evidence_id)
    with engine.connect() as connection:
        row: Any = connection.execute(query).first()
    if row is None:
        return None
    data = zlib.decompress(row.compressed)
    return RawItem(row.id, row.media_type, row.source, row.size, row.created_at, data)


def load_quarantined(engine: Engine, quarantine_id: int) -> tuple[QuarantineItem, RawItem] | None:
    """A quarantined input with its bytes, or None."""
    query = select(Quarantined).where(Quarantined.id == quarantine_id)
    with engine.connect() as connection:
        row: Any = connection.execute(query).first()
    if row is None:
        return None
    item = QuarantineItem(
        row.id, row.source, row.reason, row.media_type, row.size, row.created_at, row.state, row.origin
    )
    data = zlib.decompress(row.compressed)
    return item, RawItem(row.id, row.media_type, row.source, row.size, row.created_at, data)


def page_quarantine(
    engine: Engine, *, limit: int, before: int | None, state: str | None = "held"
) -> tuple[list[QuarantineItem], int]:
    """The newest quarantined inputs in `state` (any when None; ids below `before` when given),
    and how many there are in that state."""
    columns = (
        Quarantined.id,
        Quarantined.source,
        Quarantined.reason,
        Quarantined.media_type,
        Quarantined.size,
        Quarantined.created_at,
        Quarantined.state,
        Quarantined.origin,
    )
    query = select(*columns).order_by(Quarantined.id.desc()).limit(limit)
    counted = select(func.count()).select_from(Quarantined)
    if state is not None:
        query = query.where(Quarantined.state == state)
        counted = counted.where(Quarantined.state == state)
    if before is not None:
        query = query.where(Quarantined.id < before)
    with engine.connect() as connection:
        items = [QuarantineItem(*row) for row in connection.execute(query)]
        total = int(connection.execute(counted).scalar_one())
    return items, total
