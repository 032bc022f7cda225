"""Hourly counters per sender identity, recipient domain and campaign.

Each new event adds to the row of its hour (from `occurred_at`, UTC). Sends and deliveries
always count; hard and soft bounces, complaints and sender-side refusals count when the
event `counts_toward_rate`. Delays, autoreplies, opens and clicks are not counted here.
Rows are upserted (`ON CONFLICT ... DO UPDATE SET n = n + excluded.n`), in sorted key order,
many rows per statement.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache, lru_cache
from typing import Any

from sqlalchemy.engine import Connection, Engine

from bouncewarden.events import FeedbackEvent, Kind, Severity, normalise_address
from bouncewarden.store.models import HourlyCounter
from bouncewarden.store.recording import dialect_insert
from bouncewarden.store.series import DailyTotals, daily_totals, events_by_reason
from bouncewarden.store.types import as_utc

__all__ = ["COUNTER_FIELDS", "CounterKey", "CounterReader", "add_counters", "count_events"]

COUNTER_FIELDS = ("sends", "deliveries", "hard", "soft", "complaints", "sender_side")


@dataclass(frozen=True, slots=True, order=True)
class CounterKey:
    """Which row of `hourly_counters` an event adds to."""

    hour: datetime
    sender_identity: str
    recipient_domain: str
    campaign: str


def _field_for(event: FeedbackEvent) -> str | None:
    if event.kind is Kind.SEND:
        return "sends"
    if event.kind is Kind.DELIVERY:
        return "deliveries"
    if not event.counts_toward_rate:
        return None
    if event.severity is Severity.COMPLAINT:
        return "complaints"
    if event.kind is Kind.BOUNCE:
        return {Severity.HARD: "hard", Severity.SOFT: "soft", Severity.SENDER: "sender_side"}.get(
            event.severity
        )
    if event.kind is Kind.REJECT and event.severity is Severity.SENDER:
        return "sender_side"
    return None


@lru_cache(maxsize=4096)  # the events of a batch share a few hours and senders
def _hour(moment: datetime) -> datetime:
    return as_utc(moment).replace(minute=0, second=0, microsecond=0)


@lru_cache(maxsize=4096)
def _identity(sender: str) -> str:
    return normalise_address(sender)


def _key_for(event: FeedbackEvent) -> CounterKey:
    domain = event.address.rpartition("@")[2]
    return CounterKey(_hour(event.occurred_at), _identity(event.sender or ""), domain, event.campaign or "")


def count_events(events: Iterable[FeedbackEvent]) -> dict[CounterKey, dict[str, int]]:
    """The counter increments that `events` make, by row."""
    totals: dict[CounterKey, dict[str, int]] = {}
    for event in events:
        field = _field_for(event)
        if field is None:
            continue
        row = totals.setdefault(_key_for(event), dict.fromkeys(COUNTER_FIELDS, 0))
        row[field] += 1
    return totals


def add_counters(connection: Connection, increments: Mapping[CounterKey, Mapping[str, int]]) -> None:
    """Add `increments` to the stored counters (creating rows as needed)."""
    if not increments:
        return
    if connection.dialect.name == "postgresql":
        _add_by_arrays(connection, increments)
        return
    rows = [
        {
            "hour": key.hour,
            "sender_identity": key.sender_identity,
            "recipient_domain": key.recipient_domain,
            "campaign": key.campaign,
            **dict.fromkeys(COUNTER_FIELDS, 0),
            **increments[key],
        }
        for key in sorted(increments)
    ]
    connection.execute(_upsert(connection.dialect.name), rows)


_KEY_COLUMNS = "hour, sender_identity, recipient_domain, campaign"
# PostgreSQL: the rows as one array per column, so the statement's text is the same whatever
# their number (psycopg parses a statement's text on each call when it is too long to cache,
# which is what a thousand-row VALUES list costs there, not the upsert).
_ARRAY_UPSERT = (
    f"INSERT INTO hourly_counters ({_KEY_COLUMNS}, {', '.join(COUNTER_FIELDS)}) "
    f"SELECT * FROM unnest(%s::timestamptz[], %s::text[], %s::text[], %s::text[], "
    f"{', '.join(['%s::integer[]'] * len(COUNTER_FIELDS))}) "
    f"ON CONFLICT ({_KEY_COLUMNS}) DO UPDATE SET "
    + ", ".join(f"{name} = hourly_counters.{name} + excluded.{name}" for name in COUNTER_FIELDS)
)


def _add_by_arrays(connection: Connection, increments: Mapping[CounterKey, Mapping[str, int]]) -> None:
    keys = sorted(increments)
    columns: list[list[Any]] = [
        [key.hour for key in keys],
        [key.sender_identity for key in keys],
        [key.recipient_domain for key in keys],
        [key.campaign for key in keys],
    ]
    columns += [[increments[key].get(name, 0) for key in keys] for name in COUNTER_FIELDS]
    connection.exec_driver_sql(_ARRAY_UPSERT, tuple(columns))


@cache
def _upsert(dialect: str) -> Any:
    """The counter upsert for one SQL dialect, built once (building it costs more than running it)."""
    statement = dialect_insert(dialect, HourlyCounter)
    # RETURNING lets SQLAlchemy send many rows per statement ("insertmanyvalues"): a batch's
    # counters are one upsert, not one per row. The keys of one call are distinct, as a
    # multi-row upsert requires.
    return statement.on_conflict_do_update(
        index_elements=["hour", "sender_identity", "recipient_domain", "campaign"],
        set_={name: getattr(HourlyCounter, name) + statement.excluded[name] for name in COUNTER_FIELDS},
    ).returning(HourlyCounter.hour)


class CounterReader:
    """Sums of the hourly counters (read-only)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def daily_totals(self, *, since: datetime, until: datetime) -> list[DailyTotals]:
        """One entry per UTC day from `since` to `until`, days without counts as zeros."""
        return daily_totals(self._engine, since=since, until=until)

    def events_by_reason(self, *, since: datetime | None = None) -> dict[str, int]:
        """Bounce, complaint and reject events per reason, most frequent first."""
        return events_by_reason(self._engine, since=since)
