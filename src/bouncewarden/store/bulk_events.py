"""Inserting many events at once, below SQLAlchemy's per-row type processing.

A batch holds thousands of events, most of them deliveries; turning each into bound
parameters through the column types costs more than the database's own work. So the batch
goes to the driver directly (`store.driver_rows.insert_rows`: multi-row VALUES on SQLite, one
array per column on PostgreSQL), with the values converted as the column types would store
them (tags as JSON text, `bound_tags`), as `INSERT ... ON CONFLICT (dedupe_key) DO NOTHING RETURNING id,
dedupe_key`. Only the rows inserted come back, so a key another writer stored first is a
duplicate, never a second policy step.

(PostgreSQL once took a large batch by `COPY` into a temporary table and `INSERT ... SELECT`
from it: binary arrays cost the same there, client and server, in one round trip instead of
four.)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.engine import Connection

from bouncewarden.events import FeedbackEvent
from bouncewarden.store.driver_rows import bound_flag, bound_tags, bound_time, insert_rows

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
        bound_tags(event.tags),
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
    inserted = insert_rows(connection, "events", _COLUMNS, rows, _ON_CONFLICT)
    return [(int(event_id), str(key)) for event_id, key in inserted]
