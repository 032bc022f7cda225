"""Bulk import of a suppression list (the other side of `export`).

Built for millions of rows: the rows are streamed into a temporary table in large
`executemany` batches, then set-based statements, all in one transaction, write the audit
trail, the outbox (`store.outbox`) and the addresses. Audit: one `transitions` row (and one
`outbox` row) per address whose state changes (actor as given, reason `imported`, note = the
import's label); addresses that are suppressed already keep their suppression and get no row.
Within the file, the first row of an address wins.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection, Engine

from bouncewarden.policy import TransitionReason
from bouncewarden.store.engine import WRITE
from bouncewarden.store.queries import Suppression
from bouncewarden.store.types import UtcDateTime, sqlite_text

__all__ = ["DEFAULT_IMPORT_SOURCE", "ImportReport", "import_suppressions"]

DEFAULT_IMPORT_SOURCE = "import"
_BATCH = 50_000

_AUDIT = """
INSERT INTO transitions (address, from_state, to_state, reason, event_id, actor, note, at)
SELECT i.address, COALESCE(a.state, 'active'), 'suppressed', :reason, NULL, :actor, :note, :now
FROM bw_import i LEFT JOIN addresses a ON a.address = i.address
WHERE a.address IS NULL OR a.state <> 'suppressed'
"""

_OUTBOX = """
INSERT INTO outbox (address, from_state, to_state, reason, event_id, actor, at)
SELECT address, from_state, to_state, reason, event_id, actor, at FROM transitions
WHERE id > :before AND actor = :actor AND note = :note AND at = :now AND reason = :reason
ORDER BY id
"""

_UPSERT = """
INSERT INTO addresses (address, state, suppression_reason, suppressed_at, suppression_note,
                       suppression_source, soft_count, retry_announced, updated_at)
SELECT address, 'suppressed', reason, created_at, note, source, 0, :no, :now FROM bw_import WHERE 1 = 1
ON CONFLICT (address) DO UPDATE SET
    state = 'suppressed',
    suppression_reason = excluded.suppression_reason,
    suppressed_at = excluded.suppressed_at,
    suppression_note = excluded.suppression_note,
    suppression_source = excluded.suppression_source,
    next_retry_at = NULL,
    retry_announced = excluded.retry_announced,
    updated_at = excluded.updated_at
WHERE addresses.state <> 'suppressed'
"""


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did: rows read, distinct addresses, newly suppressed, already suppressed."""

    rows: int
    addresses: int
    suppressed: int

    @property
    def already_suppressed(self) -> int:
        """Addresses of the file that were suppressed before (left as they were)."""
        return self.addresses - self.suppressed


def _batches(rows: Iterable[Suppression], size: int) -> Iterator[list[Suppression]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def import_suppressions(
    engine: Engine,
    rows: Iterable[Suppression],
    *,
    now: datetime,
    actor: str,
    label: str,
    default_source: str = DEFAULT_IMPORT_SOURCE,
    batch_size: int = _BATCH,
) -> ImportReport:
    """Suppress every address in `rows` (see the module docstring); one transaction."""
    with engine.execution_options(**WRITE).begin() as connection:
        sqlite = connection.dialect.name == "sqlite"
        _create_staging(connection, sqlite)
        insert = "INSERT INTO bw_import VALUES ({0}, {0}, {0}, {0}, {0}) ON CONFLICT (address) DO NOTHING"
        insert = insert.format("?" if sqlite else "%s")
        stamp = sqlite_text(now) if sqlite else now
        read = 0
        for batch in _batches(rows, batch_size):
            read += len(batch)
            values = [_staged(row, stamp, default_source, sqlite) for row in batch]
            connection.exec_driver_sql(insert, values)
        addresses = int(connection.execute(text("SELECT count(*) FROM bw_import")).scalar_one())
        audit = {"reason": TransitionReason.IMPORTED.value, "actor": actor, "note": label, "now": now}
        stamped = bindparam("now", type_=UtcDateTime())
        before = connection.execute(text("SELECT coalesce(max(id), 0) FROM transitions")).scalar_one()
        suppressed = connection.execute(text(_AUDIT).bindparams(stamped), audit).rowcount
        connection.execute(text(_OUTBOX).bindparams(stamped), {**audit, "before": before})
        connection.execute(text(_UPSERT).bindparams(stamped), {"no": False, "now": now})
        if sqlite:
            connection.exec_driver_sql("DROP TABLE temp.bw_import")
    return ImportReport(rows=read, addresses=addresses, suppressed=suppressed)


def _create_staging(connection: Connection, sqlite: bool) -> None:
    if sqlite:
        connection.exec_driver_sql("DROP TABLE IF EXISTS temp.bw_import")
        connection.exec_driver_sql(
            "CREATE TEMP TABLE bw_import (address TEXT PRIMARY KEY, reason TEXT NOT NULL,"
            " created_at TEXT NOT NULL, note TEXT, source TEXT)"
        )
        return
    connection.exec_driver_sql(
        "CREATE TEMP TABLE bw_import (address TEXT PRIMARY KEY, reason TEXT NOT NULL,"
        " created_at TIMESTAMPTZ NOT NULL, note TEXT, source TEXT) ON COMMIT DROP"
    )


def _staged(row: Suppression, now: Any, default_source: str, sqlite: bool) -> tuple[Any, ...]:
    created: Any = now
    if row.created_at is not None:
        created = sqlite_text(row.created_at) if sqlite else row.created_at
    return (row.address, row.reason, created, row.note, row.source or default_source)
