"""Figures for the dashboard and `/v1/stats`: daily totals, events by reason, quarantine health.

Daily totals are summed from `hourly_counters` (UTC days); events by reason count the stored
bounce, complaint and reject events. Rates and alerts belong to sender health (issue 13) and
are not computed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from bouncewarden.store.models import Event, HourlyCounter, Quarantined
from bouncewarden.store.types import as_utc

__all__ = ["DailyTotals", "QuarantineHealth", "daily_totals", "events_by_reason", "quarantine_health"]

_FEEDBACK_KINDS = ("bounce", "complaint", "reject")
_HELD = Quarantined.state == "held"  # waiting for a replay or a drop


@dataclass(frozen=True, slots=True)
class DailyTotals:
    """One UTC day's counters."""

    day: date
    sends: int = 0
    deliveries: int = 0
    hard: int = 0
    soft: int = 0
    complaints: int = 0
    sender_side: int = 0


@dataclass(frozen=True, slots=True)
class QuarantineHealth:
    """How much is held in quarantine, how much of it arrived in the last day, and from where."""

    total: int
    last_day: int
    by_source: dict[str, int]
    newest_at: datetime | None


def daily_totals(engine: Engine, *, since: datetime, until: datetime) -> list[DailyTotals]:
    """One entry per UTC day from `since` to `until` (days without counts are zeros), summing
    the hours from the one `since` falls in up to `until`."""
    since = as_utc(since).replace(minute=0, second=0, microsecond=0)
    query = select(
        HourlyCounter.hour,
        HourlyCounter.sends,
        HourlyCounter.deliveries,
        HourlyCounter.hard,
        HourlyCounter.soft,
        HourlyCounter.complaints,
        HourlyCounter.sender_side,
    ).where(HourlyCounter.hour >= since, HourlyCounter.hour < until)
    sums: dict[date, list[int]] = {}
    with engine.connect() as connection:
        for hour, *counts in connection.execute(query):
            row = sums.setdefault(as_utc(hour).date(), [0] * 6)
            for index, number in enumerate(counts):
                row[index] += int(number)
    days: list[DailyTotals] = []
    day = as_utc(since).date()
    while day <= as_utc(until).date():
        days.append(DailyTotals(day, *sums.get(day, [0] * 6)))
        day += timedelta(days=1)
    return days


def events_by_reason(engine: Engine, *, since: datetime | None = None) -> dict[str, int]:
    """Bounce, complaint and reject events per reason, most frequent first."""
    query = select(Event.reason, func.count()).where(Event.kind.in_(_FEEDBACK_KINDS)).group_by(Event.reason)
    if since is not None:
        query = query.where(Event.occurred_at >= since)
    with engine.connect() as connection:
        counts = {reason: int(number) for reason, number in connection.execute(query)}
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def quarantine_health(engine: Engine, *, now: datetime) -> QuarantineHealth:
    """The quarantine's size, its last day's arrivals and its sources."""
    with engine.connect() as connection:
        by_source = {
            source: int(number)
            for source, number in connection.execute(
                select(Quarantined.source, func.count()).where(_HELD).group_by(Quarantined.source)
            )
        }
        last_day = connection.execute(
            select(func.count()).where(_HELD, Quarantined.created_at >= now - timedelta(days=1))
        ).scalar_one()
        latest = func.max(Quarantined.created_at, type_=Quarantined.__table__.c.created_at.type)
        newest = connection.execute(select(latest).where(_HELD)).scalar()
    newest_at = as_utc(newest) if isinstance(newest, datetime) else None
    return QuarantineHealth(sum(by_source.values()), int(last_day), by_source, newest_at)
