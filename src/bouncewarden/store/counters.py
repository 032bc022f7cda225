"""Hourly counters per sender identity, recipient domain and campaign.

Each new event adds to the row of its hour (from `occurred_at`, UTC). Sends and deliveries
always count; hard and soft bounces, complaints and sender-side refusals count when the
event `counts_toward_rate`. Delays, autoreplies, opens and clicks are not counted here.
Rows are upserted (`ON CONFLICT ... DO UPDATE SET n = n + excluded.n`), in sorted key order,
many rows per statement (`store.driver_rows`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Connection, Engine

from bouncewarden.events import FeedbackEvent, Kind, Severity, normalise_address
from bouncewarden.store.driver_rows import bound_time, insert_rows
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


def _key_for(event: FeedbackEvent) -> CounterKey:
    hour = as_utc(event.occurred_at).replace(minute=0, second=0, microsecond=0)
    domain = event.address.rpartition("@")[2]
    return CounterKey(hour, normalise_address(event.sender or ""), domain, event.campaign or "")


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


_KEY_COLUMNS = ("hour", "sender_identity", "recipient_domain", "campaign")
# The keys of one call are distinct, as a multi-row upsert requires.
_UPSERT = f"ON CONFLICT ({', '.join(_KEY_COLUMNS)}) DO UPDATE SET " + ", ".join(
    f"{name} = hourly_counters.{name} + excluded.{name}" for name in COUNTER_FIELDS
)


def add_counters(connection: Connection, increments: Mapping[CounterKey, Mapping[str, int]]) -> None:
    """Add `increments` to the stored counters (creating rows as needed), one upsert per thousand rows."""
    if not increments:
        return
    sqlite = connection.dialect.name == "sqlite"
    rows = [
        (
            bound_time(key.hour, sqlite),
            key.sender_identity,
            key.recipient_domain,
            key.campaign,
            *(increments[key].get(name, 0) for name in COUNTER_FIELDS),
        )
        for key in sorted(increments)
    ]
    insert_rows(connection, "hourly_counters", (*_KEY_COLUMNS, *COUNTER_FIELDS), rows, _UPSERT)


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
