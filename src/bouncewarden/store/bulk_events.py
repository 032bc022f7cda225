"""Inserting many events at once, below SQLAlchemy's per-row type processing.

A batch of a followed file holds thousands of events, most of them deliveries; turning each
into bound parameters through the column types costs more than the database's own work. So
the batch goes to the driver directly, with the values converted here exactly as the column
types would store them (`store.types`: naive UTC text on SQLite, `timestamptz` on
PostgreSQL; tags as JSON text). SQLite gets multi-row `INSERT ... ON CONFLICT (dedupe_key)
DO NOTHING RETURNING id, dedupe_key` statements; PostgreSQL gets the rows by `COPY` into a
temporary table (six times faster than the same INSERT there), then one `INSERT ... SELECT
... ON CONFLICT DO NOTHING RETURNING`. Either way only the rows inserted come back, so a key
another writer stored first is a duplicate, never a second policy step.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache

from sqlalchemy.engine import Connection

from bouncewarden.events import FeedbackEvent
from bouncewarden.store.types import as_utc, sqlite_text

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
# Rows per statement: under SQLite's 32,766 and PostgreSQL's 65,535 parameters.
_ROWS_PER_STATEMENT = 1000


def _statement(dialect: str, rows: int) -> str:
    mark = "?" if dialect == "sqlite" else "%s"
    cells = [f"{mark}::json" if column == "tags" and dialect != "sqlite" else mark for column in _COLUMNS]
    row = "(" + ", ".join(cells) + ")"
    return (
        f"INSERT INTO events ({', '.join(_COLUMNS)}) VALUES {', '.join([row] * rows)} "
        "ON CONFLICT (dedupe_key) DO NOTHING RETURNING id, dedupe_key"
    )


@lru_cache(maxsize=1024)  # the events of a batch share a few seconds
def _sqlite_time(moment: datetime) -> str:
    return sqlite_text(moment)


def _time(moment: datetime | None, sqlite: bool) -> object:
    if moment is None:
        return None
    return _sqlite_time(moment) if sqlite else as_utc(moment)


def _row(event: FeedbackEvent, evidence_id: int | None, recorded: object, sqlite: bool) -> tuple[object, ...]:
    """The values of `_COLUMNS` for `event`, as the column types would bind them."""
    rate = event.counts_toward_rate
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
        int(rate) if sqlite else rate,
        event.source,
        _time(event.occurred_at, sqlite),
        _time(event.received_at, sqlite),
        recorded,
        evidence_id if evidence_id is not None else event.evidence_id,
        json.dumps(dict(event.tags)),
    )


def insert_events(
    connection: Connection, events: Sequence[FeedbackEvent], evidence_id: int | None, now: datetime
) -> list[tuple[int, str]]:
    """Insert `events` (distinct keys, in the lock order wanted); (id, dedupe key) of the new ones."""
    dialect = connection.dialect.name
    if dialect == "postgresql":
        return _copy_events(connection, events, evidence_id, now)
    sqlite = dialect == "sqlite"
    inserted: list[tuple[int, str]] = []
    recorded = _time(now, sqlite)
    for start in range(0, len(events), _ROWS_PER_STATEMENT):
        chunk = events[start : start + _ROWS_PER_STATEMENT]
        parameters = [value for event in chunk for value in _row(event, evidence_id, recorded, sqlite)]
        result = connection.exec_driver_sql(_statement(dialect, len(chunk)), tuple(parameters))
        inserted += [(int(row[0]), str(row[1])) for row in result]
    return inserted


def _copy_events(
    connection: Connection, events: Sequence[FeedbackEvent], evidence_id: int | None, now: datetime
) -> list[tuple[int, str]]:
    columns = ", ".join(_COLUMNS)
    recorded = _time(now, sqlite=False)
    connection.exec_driver_sql(
        f"CREATE TEMPORARY TABLE IF NOT EXISTS bw_events_in ON COMMIT DELETE ROWS AS "
        f"SELECT {columns} FROM events WITH NO DATA"
    )
    driver = connection.connection.driver_connection
    assert driver is not None  # an open connection inside the caller's transaction
    with driver.cursor() as cursor, cursor.copy(f"COPY bw_events_in ({columns}) FROM STDIN") as copy:
        for event in events:
            copy.write_row(_row(event, evidence_id, recorded, sqlite=False))
    result = connection.exec_driver_sql(
        f"INSERT INTO events ({columns}) SELECT {columns} FROM bw_events_in ORDER BY dedupe_key "
        "ON CONFLICT (dedupe_key) DO NOTHING RETURNING id, dedupe_key"
    )
    inserted = [(int(row[0]), str(row[1])) for row in result]
    connection.exec_driver_sql("TRUNCATE bw_events_in")
    return inserted
