"""Inserting many events at once, below SQLAlchemy's per-row type processing.

A batch holds thousands of events, most of them deliveries; turning each into bound
parameters through the column types costs more than the database's own work. So the batch
goes to the driver directly, with the values converted as the column types would store them
(`store.driver_rows`; tags as JSON text). SQLite, and PostgreSQL for a small batch, get
multi-row `INSERT ... ON CONFLICT (dedupe_key) DO NOTHING RETURNING id, dedupe_key`
statements; PostgreSQL gets a large batch by `COPY` into a temporary table (six times faster
than the same INSERT there), then one `INSERT ... SELECT ... ON CONFLICT DO NOTHING
RETURNING`. Either way only the rows inserted
come back, so a key another writer stored first is a duplicate, never a second policy step.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.engine import Connection

from bouncewarden.events import FeedbackEvent
from bouncewarden.store.driver_rows import bound_flag, bound_time, insert_rows

__all__ = ["insert_events"]

_COLUMNS = (
    "dedupe_key",
    "kind",
    "recipient",
    "address",
    "severity",
    "reason",
    "status",
    "reply_code",
    "diagnostic",
    "remote_mta",
    "reporting_mta",
    "sender",
    "message_id",
    "campaign",
    "feedback_type",
    "provider_label",
    "counts_toward_rate",
    "source",
    "occurred_at",
    "received_at",
    "recorded_at",
    "evidence_id",
    "tags",
)
_ON_CONFLICT = "ON CONFLICT (dedupe_key) DO NOTHING RETURNING id, dedupe_key"
# From this many rows COPY pays for its four round trips on PostgreSQL; fewer (an SMTP or SQS
# batch) go as one multi-row INSERT.
_COPY_FROM = 200


def _row(event: FeedbackEvent, evidence_id: int | None, recorded: object, sqlite: bool) -> tuple[object, ...]:
    """The values of `_COLUMNS` for `event`, as the column types would bind them (`store.driver_rows`)."""
    return (
        event.dedupe_key,
        event.kind.value,
        event.recipient,
        event.address,
        event.severity.value,
        event.reason.value,
        event.status,
        event.reply_code,
        event.diagnostic,
        event.remote_mta,
        event.reporting_mta,
        event.sender,
        event.message_id,
        event.campaign,
        event.feedback_type,
        event.provider_label,
        bound_flag(event.counts_toward_rate, sqlite),
        event.source,
        bound_time(event.occurred_at, sqlite),
        bound_time(event.received_at, sqlite),
        recorded,
        evidence_id if evidence_id is not None else event.evidence_id,
        json.dumps(dict(event.tags)),
    )


def insert_events(
    connection: Connection,
    events: Sequence[FeedbackEvent],
    evidence_id: int | None,
    now: datetime,
    *,
    evidence_ids: Sequence[int | None] | None = None,
) -> list[tuple[int, str]]:
    """Insert `events` (distinct keys, in the lock order wanted); (id, dedupe key) of the new ones.

    An event that names its own evidence keeps it; the others take `evidence_id`, or with
    `evidence_ids` the one at their position.
    """
    sqlite = connection.dialect.name == "sqlite"
    recorded = bound_time(now, sqlite)
    each = [evidence_id] * len(events) if evidence_ids is None else evidence_ids
    rows = [_row(event, own, recorded, sqlite) for event, own in zip(events, each, strict=True)]
    if not sqlite and len(rows) >= _COPY_FROM:
        return _copy_events(connection, rows)
    inserted = insert_rows(connection, "events", _COLUMNS, rows, _ON_CONFLICT, casts={"tags": "json"})
    return [(int(event_id), str(key)) for event_id, key in inserted]


def _copy_events(connection: Connection, rows: Sequence[tuple[object, ...]]) -> list[tuple[int, str]]:
    columns = ", ".join(_COLUMNS)
    connection.exec_driver_sql(
        f"CREATE TEMPORARY TABLE IF NOT EXISTS bw_events_in ON COMMIT DELETE ROWS AS "
        f"SELECT {columns} FROM events WITH NO DATA"
    )
    driver = connection.connection.driver_connection
    assert driver is not None  # an open connection inside the caller's transaction
    with driver.cursor() as cursor, cursor.copy(f"COPY bw_events_in ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    result = connection.exec_driver_sql(
        f"INSERT INTO events ({columns}) SELECT {columns} FROM bw_events_in ORDER BY dedupe_key "
        f"{_ON_CONFLICT}"
    )
    inserted = [(int(row[0]), str(row[1])) for row in result]
    connection.exec_driver_sql("TRUNCATE bw_events_in")
    return inserted
