"""Read-only queries for the operator: events and transitions of addresses, totals.

The values returned are frozen dataclasses with plain fields, ready to print or to turn
into JSON (`as_json`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from bouncewarden.policy import AddressStatus
from bouncewarden.store.driver_rows import chunked, in_json
from bouncewarden.store.models import Address, Event, Quarantined, TransitionRow

__all__ = [
    "EventRecord",
    "Stats",
    "Suppression",
    "TransitionRecord",
    "as_json",
    "count_stats",
    "load_events",
    "load_transitions",
]


@dataclass(frozen=True, slots=True)
class EventRecord:
    """A stored event, as the operator sees it."""

    id: int
    address: str
    kind: str
    severity: str
    reason: str
    status: str | None
    reply_code: str | None
    diagnostic: str | None
    feedback_type: str | None
    remote_mta: str | None
    sender: str | None
    campaign: str | None
    message_id: str | None
    source: str
    dedupe_key: str
    occurred_at: datetime
    recorded_at: datetime
    evidence_id: int | None


@dataclass(frozen=True, slots=True)
class Suppression:
    """One entry of the suppression list, as exported and imported."""

    address: str
    reason: str
    created_at: datetime | None
    note: str | None
    source: str | None


@dataclass(frozen=True, slots=True)
class TransitionRecord:
    """One row of the audit trail."""

    id: int
    address: str
    from_state: str | None
    to_state: str
    reason: str
    event_id: int | None
    actor: str
    note: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class Stats:
    """Totals: events by kind and severity, addresses by state, suppressions by reason, quarantine."""

    events: Mapping[str, Mapping[str, int]]
    addresses: Mapping[str, int]
    suppressions: Mapping[str, int]
    quarantined: int


def as_json(record: EventRecord | TransitionRecord) -> dict[str, Any]:
    """`record` as a JSON-ready dict (times in ISO 8601)."""
    values: dict[str, Any] = {}
    for field in fields(record):
        value = getattr(record, field.name)
        values[field.name] = value.isoformat() if isinstance(value, datetime) else value
    return values


_EVENT_COLUMNS = [getattr(Event, field.name) for field in fields(EventRecord)]
_TRANSITION_COLUMNS = [getattr(TransitionRow, field.name) for field in fields(TransitionRecord)]


def load_events(connection: Connection, addresses: Sequence[str]) -> dict[str, list[EventRecord]]:
    """The events of each address, oldest first (addresses without events are left out)."""
    found: dict[str, list[EventRecord]] = {}
    for chunk in chunked(sorted(set(addresses))):
        query = (
            select(*_EVENT_COLUMNS)
            .where(in_json(Event.address, chunk, connection.dialect.name))
            .order_by(Event.address, Event.occurred_at, Event.id)
        )
        for row in connection.execute(query):
            found.setdefault(row.address, []).append(EventRecord(*row))
    return found


def load_transitions(connection: Connection, addresses: Sequence[str]) -> dict[str, list[TransitionRecord]]:
    """The audit trail of each address, oldest first."""
    found: dict[str, list[TransitionRecord]] = {}
    for chunk in chunked(sorted(set(addresses))):
        query = (
            select(*_TRANSITION_COLUMNS)
            .where(in_json(TransitionRow.address, chunk, connection.dialect.name))
            .order_by(TransitionRow.address, TransitionRow.at, TransitionRow.id)
        )
        for row in connection.execute(query):
            found.setdefault(row.address, []).append(TransitionRecord(*row))
    return found


def count_stats(connection: Connection) -> Stats:
    """The totals of the whole database."""
    events: dict[str, dict[str, int]] = {}
    by_kind = select(Event.kind, Event.severity, func.count()).group_by(Event.kind, Event.severity)
    for kind, severity, number in connection.execute(by_kind):
        events.setdefault(kind, {})[severity] = int(number)
    addresses = {status.value: 0 for status in AddressStatus}
    for state, number in connection.execute(select(Address.state, func.count()).group_by(Address.state)):
        addresses[state] = int(number)
    suppressions: dict[str, int] = {}
    by_reason = (
        select(Address.suppression_reason, func.count())
        .where(Address.state == AddressStatus.SUPPRESSED.value)
        .group_by(Address.suppression_reason)
    )
    for reason, number in connection.execute(by_reason):
        suppressions[reason or ""] = int(number)
    quarantined = connection.execute(select(func.count()).select_from(Quarantined)).scalar_one()
    return Stats(events=events, addresses=addresses, suppressions=suppressions, quarantined=int(quarantined))
