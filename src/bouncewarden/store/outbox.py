"""The audit trail and the outbox: every address state change, written twice in one transaction.

`transitions` is the audit trail people read per address (`history`). `outbox` holds the same
changes for programs that act on them after commit (webhooks, alerts, metrics): they read it in
`id` order from the last id they handled, so nothing is lost across restarts. Both rows are
written by `add_transitions` in the caller's transaction, never one without the other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from bouncewarden.policy import Transition
from bouncewarden.store.driver_rows import bound_time, insert_rows
from bouncewarden.store.models import OutboxRow

__all__ = ["OutboxEntry", "add_transitions", "read_outbox", "transition_values"]


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """One address state change as its consumers read it."""

    id: int
    address: str
    from_state: str | None
    to_state: str
    reason: str
    event_id: int | None
    actor: str
    at: datetime


def transition_values(
    address: str,
    transition: Transition,
    *,
    at: datetime,
    actor: str,
    event_id: int | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    """The row of one change, as `add_transitions` takes it."""
    return {
        "address": address,
        "from_state": transition.from_status.value,
        "to_state": transition.to_status.value,
        "reason": transition.reason.value,
        "event_id": event_id,
        "actor": actor,
        "note": note,
        "at": at,
    }


_TRANSITION_COLUMNS = ("address", "from_state", "to_state", "reason", "event_id", "actor", "note", "at")
_OUTBOX_COLUMNS = tuple(column for column in _TRANSITION_COLUMNS if column != "note")


def add_transitions(connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Write `rows` (from `transition_values`) to the audit trail and the outbox, a few statements in all."""
    if not rows:
        return
    sqlite = connection.dialect.name == "sqlite"
    for table, columns in (("transitions", _TRANSITION_COLUMNS), ("outbox", _OUTBOX_COLUMNS)):
        values = [
            tuple(bound_time(row["at"], sqlite) if column == "at" else row[column] for column in columns)
            for row in rows
        ]
        insert_rows(connection, table, columns, values)


def read_outbox(connection: Connection, *, after_id: int = 0, limit: int = 1000) -> list[OutboxEntry]:
    """Up to `limit` changes with an id above `after_id`, oldest first."""
    query = select(OutboxRow).where(OutboxRow.id > after_id).order_by(OutboxRow.id).limit(limit)
    return [
        OutboxEntry(
            row.id, row.address, row.from_state, row.to_state, row.reason, row.event_id, row.actor, row.at
        )
        for row in connection.execute(query)
    ]
