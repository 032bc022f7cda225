"""The bulk event insert stores exactly what the ORM path stores, and reports only new rows."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import insert, select

from bouncewarden.events import FeedbackEvent, Kind, Reason, Severity
from bouncewarden.service import Service
from bouncewarden.store.bulk_events import insert_events
from bouncewarden.store.models import Event
from store_helpers import begin, connect

NOW = datetime(2026, 12, 5, 22, 0, 0, 123456, tzinfo=UTC)
EVENT = FeedbackEvent(
    kind=Kind.BOUNCE,
    recipient="Nobody@Example.org",
    severity=Severity.HARD,
    reason=Reason.USERUNKNOWN,
    dedupe_key="bulk:1",
    occurred_at=datetime(2026, 12, 5, 21, 0, 1, tzinfo=timezone(timedelta(hours=-5))),
    source="pmta",
    status="5.1.1",
    reply_code="550",
    diagnostic='smtp;550 5.1.1 unknown, "quoted"\nnext line',
    sender="news@example.com",
    campaign="job-1",
    provider_label="bad-mailbox",
    counts_toward_rate=False,
    received_at=datetime(2026, 12, 5, 21, 5, tzinfo=UTC),
    tags={"vmta": "pool-a", "header_Message-Id": "<m@example.com>"},
)
_COLUMNS = [column.name for column in Event.__table__.columns if column.name not in ("id", "dedupe_key")]


def _stored(service: Service, key: str) -> dict[str, object]:
    with connect(service) as connection:
        row = connection.execute(select(Event).where(Event.dedupe_key == key)).one()
        raw = connection.exec_driver_sql(
            "SELECT occurred_at, received_at, recorded_at, tags FROM events WHERE dedupe_key = '" + key + "'"
        ).one()
    return {**{column: getattr(row, column) for column in _COLUMNS}, "raw": tuple(map(str, raw))}


def _orm_values(event: FeedbackEvent, now: datetime) -> dict[str, object]:
    """The row as SQLAlchemy's column types bind it: the reference the bulk path must equal."""
    values: dict[str, object] = {
        column: getattr(event, column)
        for column in _COLUMNS
        if column not in ("kind", "severity", "reason", "recorded_at", "tags", "evidence_id")
    }
    values |= {"kind": event.kind.value, "severity": event.severity.value, "reason": event.reason.value}
    return {**values, "dedupe_key": event.dedupe_key, "recorded_at": now, "tags": dict(event.tags)}


def test_bulk_rows_equal_orm_rows(service: Service) -> None:
    with begin(service) as connection:
        connection.execute(insert(Event), _orm_values(EVENT, NOW))  # the ORM's own binding
        inserted = insert_events(connection, [replace(EVENT, dedupe_key="bulk:2")], None, NOW)
    assert [key for _, key in inserted] == ["bulk:2"]
    assert _stored(service, "bulk:1") == _stored(service, "bulk:2")


def test_only_new_keys_come_back(service: Service) -> None:
    events = [replace(EVENT, dedupe_key=f"bulk:{n}") for n in range(1, 2500)]
    with begin(service) as connection:
        first = insert_events(connection, events[:1000], None, NOW)
    with begin(service) as connection:
        second = insert_events(connection, events, None, NOW)
    assert len(first) == 1000
    assert sorted(key for _, key in second) == sorted(event.dedupe_key for event in events[1000:])
    assert len({event_id for event_id, _ in first + second}) == len(events)
