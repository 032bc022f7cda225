"""The committed high-water mark of an append-only table read in id order by a cursor.

On PostgreSQL ids come from a sequence when a row is inserted, so a transaction still open may
hold an id below rows that other transactions have committed already: a reader that moved its
cursor past those rows would never see the late one. `committed_high_water` takes the table's
`SHARE` lock, which waits for the transactions inserting into it to end and keeps new inserts
out for one `max(id)`: every id up to the answer is then either committed or never will be.
SQLite has one writer at a time and needs no lock.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine

__all__ = ["committed_high_water"]


def committed_high_water(engine: Engine, table: Any, *, lock_timeout_ms: int = 5000) -> int:
    """The highest id of `table` (a model with an integer `id`) below which no row can still appear.

    On PostgreSQL, raises `sqlalchemy.exc.OperationalError` when the lock is not had within
    `lock_timeout_ms` (a long transaction is inserting into the table).
    """
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text(f"SET LOCAL lock_timeout = {int(lock_timeout_ms)}"))
            connection.execute(text(f"LOCK TABLE {table.__tablename__} IN SHARE MODE"))
        return int(connection.execute(select(func.coalesce(func.max(table.id), 0))).scalar_one())
