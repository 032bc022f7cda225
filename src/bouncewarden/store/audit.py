"""The audit log: every change made through the HTTP API or the admin UI, and by whom.

Address state changes are audited in `transitions` as well (with the same actor and note);
this log also holds the changes that are not about one address: rules, domain and pattern
suppressions, quarantine replays, tokens. Actors read `user:NAME` or `token:ID`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection, Engine

from bouncewarden.clock import Clock
from bouncewarden.store.engine import WRITE
from bouncewarden.store.models import AuditEntry

__all__ = ["AuditLog", "AuditRecord"]


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One change: when, who, what, on what, and the note given."""

    id: int
    at: datetime
    actor: str
    action: str
    target: str
    note: str | None


class AuditLog:
    """Append to and read the audit log."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock

    def record(self, actor: str, action: str, target: str, note: str | None = None) -> None:
        """Add one entry in its own transaction."""
        with self._engine.execution_options(**WRITE).begin() as connection:
            self.record_in(connection, actor, action, target, note)

    def record_in(
        self, connection: Connection, actor: str, action: str, target: str, note: str | None = None
    ) -> None:
        """Add one entry inside the caller's transaction."""
        values: dict[str, Any] = {
            "at": self._clock(),
            "actor": actor,
            "action": action,
            "target": target[:1000],
            "note": note or None,
        }
        connection.execute(insert(AuditEntry), values)

    def recent(self, limit: int = 100, *, target: str | None = None) -> list[AuditRecord]:
        """The newest entries first (only those about `target` when given)."""
        query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
        if target is not None:
            query = query.where(AuditEntry.target == target)
        with self._engine.connect() as connection:
            return [
                AuditRecord(row.id, row.at, row.actor, row.action, row.target, row.note)
                for row in connection.execute(query)
            ]
