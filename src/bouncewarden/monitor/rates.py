"""Rates per sender over a rolling window, from the hourly counters.

    sender_rates(connection, until=now, window=timedelta(hours=24), min_volume=1000)

Bounce rate as Amazon SES counts it: hard bounces over sends. The hard counter leaves out
bounces SES does not count (suppression-list bounces, `counts_toward_rate` false) and
sender-side refusals (a listed IP, throttling, authentication), which have their own rate.
Complaint rate: complaints over deliveries, as SES counts it. Soft and sender-side rates are
over sends, beside them. Rates are fractions (0.02 is 2 %); a rate is None when its
denominator is zero, and `judged` only when the denominator reaches `min_volume`: a handful of
sends says nothing about a sender (SES likewise judges over a "representative volume").

The window covers the hourly rows whose hour starts in [until - window, until), so it moves
by whole hours.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from bouncewarden.store.counters import COUNTER_FIELDS
from bouncewarden.store.models import HourlyCounter
from bouncewarden.store.types import as_utc

__all__ = ["Counts", "SenderRates", "daily_counts_by_sender", "send_volumes", "sender_rates", "window_start"]


@dataclass(frozen=True, slots=True)
class Counts:
    """Counter sums over some span."""

    sends: int = 0
    deliveries: int = 0
    hard: int = 0
    soft: int = 0
    complaints: int = 0
    sender_side: int = 0


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True, slots=True)
class SenderRates:
    """One sender identity's counts over the window and the rates they make."""

    sender_identity: str
    counts: Counts
    min_volume: int

    @property
    def bounce_rate(self) -> float | None:
        """Hard bounces over sends (SES's bounce rate)."""
        return _ratio(self.counts.hard, self.counts.sends)

    @property
    def complaint_rate(self) -> float | None:
        """Complaints over deliveries (SES's complaint rate)."""
        return _ratio(self.counts.complaints, self.counts.deliveries)

    @property
    def soft_rate(self) -> float | None:
        """Soft bounces over sends."""
        return _ratio(self.counts.soft, self.counts.sends)

    @property
    def sender_side_rate(self) -> float | None:
        """Sender-side refusals over sends."""
        return _ratio(self.counts.sender_side, self.counts.sends)

    @property
    def bounce_judged(self) -> bool:
        """Whether there were enough sends to judge the bounce rate."""
        return self.counts.sends >= self.min_volume

    @property
    def complaint_judged(self) -> bool:
        """Whether there were enough deliveries to judge the complaint rate."""
        return self.counts.deliveries >= self.min_volume


def window_start(until: datetime, window: timedelta) -> datetime:
    """The first hour a window of `window` ending at `until` covers."""
    return as_utc(until - window).replace(minute=0, second=0, microsecond=0)


def _sums() -> list[Any]:
    return [func.sum(getattr(HourlyCounter, name)) for name in COUNTER_FIELDS]


def _counts(values: Sequence[Any]) -> Counts:
    return Counts(*(int(value or 0) for value in values))


def sender_rates(
    connection: Connection,
    *,
    until: datetime,
    window: timedelta = timedelta(hours=24),
    min_volume: int = 1000,
) -> list[SenderRates]:
    """Each sender identity's counts and rates over `window` up to `until`, by identity."""
    query = (
        select(HourlyCounter.sender_identity, *_sums())
        .where(HourlyCounter.hour >= window_start(until, window), HourlyCounter.hour < until)
        .group_by(HourlyCounter.sender_identity)
        .order_by(HourlyCounter.sender_identity)
    )
    return [
        SenderRates(str(identity), _counts(values), min_volume)
        for identity, *values in connection.execute(query)
    ]


def daily_counts_by_sender(
    connection: Connection, *, since: datetime, until: datetime
) -> Mapping[str, Mapping[date, Counts]]:
    """Counts per sender identity and UTC day, for the hours in [since, until)."""
    query = (
        select(HourlyCounter.sender_identity, HourlyCounter.hour, *_sums())
        .where(HourlyCounter.hour >= since, HourlyCounter.hour < until)
        .group_by(HourlyCounter.sender_identity, HourlyCounter.hour)
    )
    days: dict[str, dict[date, list[int]]] = {}
    for identity, hour, *values in connection.execute(query):
        row = days.setdefault(str(identity), {}).setdefault(as_utc(hour).date(), [0] * len(COUNTER_FIELDS))
        for index, value in enumerate(values):
            row[index] += int(value or 0)
    return {
        identity: {day: Counts(*row) for day, row in sorted(by_day.items())}
        for identity, by_day in sorted(days.items())
    }


def send_volumes(connection: Connection, *, until: datetime) -> Mapping[str, tuple[int, float]]:
    """Per sender identity: sends over the last 24 hours, and the daily average of the 7 days before."""
    day = timedelta(days=1)
    recent_start = window_start(until, day)
    trailing_start = recent_start - 7 * day
    is_recent = HourlyCounter.hour >= recent_start
    query = (
        select(HourlyCounter.sender_identity, is_recent, func.sum(HourlyCounter.sends))
        .where(HourlyCounter.hour >= trailing_start, HourlyCounter.hour < until)
        .group_by(HourlyCounter.sender_identity, is_recent)
    )
    volumes: dict[str, list[int]] = {}
    for identity, recent, sends in connection.execute(query):
        volumes.setdefault(str(identity), [0, 0])[0 if recent else 1] += int(sends or 0)
    return {identity: (recent, trailing / 7) for identity, (recent, trailing) in sorted(volumes.items())}
