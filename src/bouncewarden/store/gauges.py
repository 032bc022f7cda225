"""The figures `/metrics` shows that come from the tables, each one or two cheap queries.

Events are tallied by id range (`tally_events`), so a scraper that remembers the last id it
counted reads only the new rows; the rest are small tables (quarantine) or index lookups
(the newest event).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from bouncewarden.store.models import Event, Quarantined
from bouncewarden.store.types import as_utc

__all__ = ["EventKey", "NewestEvent", "newest_event", "quarantine_sizes", "tally_events"]

EventKey = tuple[str, str, str, str]
"""kind, severity, reason, source."""


@dataclass(frozen=True, slots=True)
class NewestEvent:
    """The last event stored: when it was recorded, and when it happened or reached a source."""

    recorded_at: datetime
    arrived_at: datetime


def tally_events(connection: Connection, *, after_id: int, up_to: int) -> dict[EventKey, int]:
    """Events with ids in (`after_id`, `up_to`], counted by kind, severity, reason and source."""
    columns = (Event.kind, Event.severity, Event.reason, Event.source)
    query = select(*columns, func.count()).where(Event.id > after_id, Event.id <= up_to).group_by(*columns)
    return {
        (kind, severity, reason, source): int(count)
        for kind, severity, reason, source, count in connection.execute(query)
    }


def newest_event(connection: Connection) -> NewestEvent | None:
    """The event with the highest id, or None in an empty store."""
    query = select(Event.recorded_at, Event.received_at, Event.occurred_at).order_by(Event.id.desc()).limit(1)
    row = connection.execute(query).first()
    if row is None:
        return None
    recorded_at, received_at, occurred_at = row
    return NewestEvent(as_utc(recorded_at), as_utc(received_at or occurred_at))


def quarantine_sizes(connection: Connection) -> dict[str, int]:
    """Quarantined inputs by state (`held`, `replayed`, `dropped`)."""
    query = select(Quarantined.state, func.count()).group_by(Quarantined.state)
    return {str(state): int(count) for state, count in connection.execute(query)}
