"""Alerts: each sender's measures judged against the thresholds, once per crossing.

`HealthMonitor.evaluate(now)` runs on `serve`'s schedule and in `bouncewarden jobs run`. In one
transaction it reads the rates over the rolling window (`monitor.rates`), the send volume
against its trailing week and, when asked, the SES quota in use; judges each reading against
each threshold of its measure (`monitor.thresholds.judge`, with hysteresis); raises and
resolves alerts, each with its notice (`alert.raised`, `alert.resolved`, subject the sender
identity) in the same transaction; updates incidents (`monitor.incidents`); and forgets sends
older than `SENDS_KEPT` (`store.counters`). A measure below the minimum volume is not judged:
its alerts neither rise nor resolve until there is enough volume again.

Alerts are kept with their history (raised, peak, resolved) and acknowledged by a person.
On PostgreSQL one evaluation runs at a time (a transaction-level advisory lock; a second one
skips); on SQLite the write transaction serialises them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, text, update
from sqlalchemy.engine import Connection, Engine

from bouncewarden.config import HealthSettings
from bouncewarden.errors import BouncewardenError
from bouncewarden.monitor.incidents import Incident, update_incidents
from bouncewarden.monitor.rates import Counts, SenderRates, daily_counts_by_sender, send_volumes, sender_rates
from bouncewarden.monitor.thresholds import (
    Level,
    Metric,
    Reading,
    Threshold,
    Verdict,
    judge,
    rate_readings,
    thresholds,
)
from bouncewarden.store.counters import forget_sends_before
from bouncewarden.store.engine import WRITE
from bouncewarden.store.models import AlertRow, IncidentRow
from bouncewarden.store.notices import add_notice
from bouncewarden.store.types import as_utc

__all__ = ["SENDS_KEPT", "Alert", "HealthMonitor", "HealthReport", "UnknownAlert"]

SENDS_KEPT = timedelta(days=10)
"""How long a message's send is remembered, so that its late outcome does not count it again:
longer than MTAs keep retrying (Postfix's `maximal_queue_lifetime` is 5 days, SES retries for
hours), short enough that the table stays near ten days of messages."""
_HEALTH_LOCK_KEY = 0x626F756E68656C
_Key = tuple[str, str, str]  # sender identity, metric, level


class UnknownAlert(BouncewardenError, LookupError):
    """No alert has that id."""


@dataclass(frozen=True, slots=True)
class Alert:
    """One crossing of one threshold by one sender."""

    id: int
    sender_identity: str
    metric: Metric
    level: Level
    threshold: float
    value: float
    peak: float
    volume: int
    raised_at: datetime
    resolved_at: datetime | None = None
    resolved_value: float | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None

    @property
    def is_open(self) -> bool:
        """Whether the measure is still past the threshold."""
        return self.resolved_at is None

    def as_json(self) -> dict[str, Any]:
        """The alert as JSON values (the payload of its notices, the API's and the CLI's form)."""
        return {
            "id": self.id,
            "sender_identity": self.sender_identity,
            "metric": self.metric.value,
            "level": self.level.value,
            "pause_advised": self.level is Level.PAUSE_ADVISED,
            "state": "open" if self.is_open else "resolved",
            "threshold": self.threshold,
            "value": self.value,
            "peak": self.peak,
            "volume": self.volume,
            "raised_at": self.raised_at.isoformat(),
            "resolved_at": self.resolved_at.isoformat() if self.resolved_at else None,
            "resolved_value": self.resolved_value,
            "acknowledged_at": self.acknowledged_at.isoformat() if self.acknowledged_at else None,
            "acknowledged_by": self.acknowledged_by,
        }


def _alert(row: Any) -> Alert:
    return Alert(
        id=row.id,
        sender_identity=row.sender_identity,
        metric=Metric(row.metric),
        level=Level(row.level),
        threshold=row.threshold,
        value=row.value,
        peak=row.peak,
        volume=row.volume,
        raised_at=as_utc(row.raised_at),
        resolved_at=as_utc(row.resolved_at) if row.resolved_at else None,
        resolved_value=row.resolved_value,
        acknowledged_at=as_utc(row.acknowledged_at) if row.acknowledged_at else None,
        acknowledged_by=row.acknowledged_by,
    )


@dataclass(frozen=True, slots=True)
class HealthReport:
    """What one evaluation changed."""

    now: datetime
    raised: tuple[Alert, ...] = ()
    resolved: tuple[Alert, ...] = ()
    incidents: tuple[Incident, ...] = ()
    skipped: bool = False

    def lines(self) -> list[str]:
        """Lines for the operator (nothing when nothing changed)."""
        lines = [
            f"alert raised\t{alert.sender_identity}\t{alert.metric} {alert.level}\t{alert.value:.4%}"
            for alert in self.raised
        ]
        lines += [
            f"alert resolved\t{alert.sender_identity}\t{alert.metric} {alert.level}\t"
            f"{alert.resolved_value or 0:.4%}"
            for alert in self.resolved
        ]
        lines += [
            f"incident\t{incident.sender_identity}\t{incident.provider} {incident.reason}\t"
            f"{incident.recipients} recipients"
            for incident in self.incidents
        ]
        return lines


def _volume_readings(connection: Connection, now: datetime, min_volume: int) -> list[Reading]:
    readings = []
    for identity, (recent, average) in send_volumes(connection, until=now).items():
        if average >= min_volume:
            readings.append(Reading(identity, Metric.VOLUME_DROP, recent / average, int(average)))
    return readings


class HealthMonitor:
    """Evaluates, lists and acknowledges alerts and incidents over one engine."""

    def __init__(self, engine: Engine, settings: HealthSettings) -> None:
        self._engine = engine
        self._settings = settings
        self._thresholds = thresholds(settings)

    @property
    def window(self) -> timedelta:
        """The rolling window rates are taken over."""
        return timedelta(hours=self._settings.window_hours)

    def rates(self, now: datetime) -> list[SenderRates]:
        """Each sender's counts and rates over the window ending at `now`."""
        with self._engine.connect() as connection:
            return sender_rates(
                connection, until=now, window=self.window, min_volume=self._settings.min_volume
            )

    def daily_counts(self, *, since: datetime, until: datetime) -> Mapping[str, Mapping[date, Counts]]:
        """Counts per sender identity and UTC day, for the hours in [since, until)."""
        with self._engine.connect() as connection:
            return daily_counts_by_sender(connection, since=since, until=until)

    def evaluate(self, now: datetime, *, quota: Reading | None = None) -> HealthReport:
        """Judge every measure as of `now` and record what changed (see the module docstring)."""
        now = as_utc(now)
        with self._engine.execution_options(**WRITE).begin() as connection:
            if connection.dialect.name == "postgresql":
                locked = connection.execute(
                    text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": _HEALTH_LOCK_KEY}
                )
                if not locked.scalar_one():
                    return HealthReport(now, skipped=True)
            readings = rate_readings(
                sender_rates(connection, until=now, window=self.window, min_volume=self._settings.min_volume)
            )
            readings += _volume_readings(connection, now, self._settings.min_volume)
            if quota is not None:
                readings.append(quota)
            raised, resolved = self._judge(connection, readings, now)
            incidents = update_incidents(connection, self._settings, now)
            forget_sends_before(connection, now - SENDS_KEPT)
        return HealthReport(now, tuple(raised), tuple(resolved), tuple(incidents))

    def _judge(
        self, connection: Connection, readings: Sequence[Reading], now: datetime
    ) -> tuple[list[Alert], list[Alert]]:
        query = select(AlertRow).where(AlertRow.resolved_at.is_(None))
        open_alerts: dict[_Key, Any] = {
            (row.sender_identity, row.metric, row.level): row for row in connection.execute(query)
        }
        raised: list[Alert] = []
        resolved: list[Alert] = []
        for reading in readings:
            for threshold in self._thresholds:
                if threshold.metric is not reading.metric:
                    continue
                row = open_alerts.get(
                    (reading.sender_identity, threshold.metric.value, threshold.level.value)
                )
                verdict = judge(
                    threshold,
                    reading.value,
                    is_open=row is not None,
                    resolve_fraction=self._settings.resolve_fraction,
                )
                if verdict is Verdict.RAISE:
                    raised.append(_raise(connection, reading, threshold, now))
                elif verdict is Verdict.RESOLVE and row is not None:
                    resolved.append(_resolve(connection, row, reading, now))
                elif row is not None:
                    _note_peak(connection, row, reading, threshold)
        return raised, resolved

    def alerts(self, *, open_only: bool = False, limit: int = 500) -> list[Alert]:
        """Alerts, newest first (only the open ones when `open_only`)."""
        query = select(AlertRow).order_by(AlertRow.id.desc()).limit(limit)
        if open_only:
            query = query.where(AlertRow.resolved_at.is_(None))
        with self._engine.connect() as connection:
            return [_alert(row) for row in connection.execute(query)]

    def acknowledge(self, alert_id: int, *, actor: str, now: datetime) -> Alert:
        """Mark an alert as seen by `actor` (a second acknowledgement keeps the first)."""
        with self._engine.execution_options(**WRITE).begin() as connection:
            connection.execute(
                update(AlertRow)
                .where(AlertRow.id == alert_id, AlertRow.acknowledged_at.is_(None))
                .values(acknowledged_at=now, acknowledged_by=actor)
            )
            row = connection.execute(select(AlertRow).where(AlertRow.id == alert_id)).first()
        if row is None:
            raise UnknownAlert(f"no alert with id {alert_id}")
        return _alert(row)

    def incidents(self, *, limit: int = 200) -> list[Incident]:
        """Incidents, newest first."""
        query = select(IncidentRow).order_by(IncidentRow.id.desc()).limit(limit)
        with self._engine.connect() as connection:
            return [
                Incident(
                    row.id,
                    row.sender_identity,
                    row.provider,
                    row.reason,
                    row.recipients,
                    row.sample,
                    as_utc(row.opened_at),
                    as_utc(row.last_at),
                    as_utc(row.closed_at) if row.closed_at else None,
                )
                for row in connection.execute(query)
            ]


def _raise(connection: Connection, reading: Reading, threshold: Threshold, now: datetime) -> Alert:
    values = {
        "sender_identity": reading.sender_identity,
        "metric": threshold.metric.value,
        "level": threshold.level.value,
        "threshold": threshold.limit,
        "value": reading.value,
        "peak": reading.value,
        "volume": reading.volume,
        "raised_at": now,
    }
    alert_id = int(connection.execute(insert(AlertRow).returning(AlertRow.id), values).scalar_one())
    alert = Alert(
        alert_id,
        reading.sender_identity,
        threshold.metric,
        threshold.level,
        threshold.limit,
        reading.value,
        reading.value,
        reading.volume,
        now,
    )
    add_notice(connection, "alert.raised", reading.sender_identity, alert.as_json(), at=now)
    return alert


def _resolve(connection: Connection, row: Any, reading: Reading, now: datetime) -> Alert:
    connection.execute(
        update(AlertRow).where(AlertRow.id == row.id).values(resolved_at=now, resolved_value=reading.value)
    )
    alert = replace(_alert(row), resolved_at=now, resolved_value=reading.value)
    add_notice(connection, "alert.resolved", reading.sender_identity, alert.as_json(), at=now)
    return alert


def _note_peak(connection: Connection, row: Any, reading: Reading, threshold: Threshold) -> None:
    """Keep the worst value an open alert has seen (the lowest, for a measure that falls)."""
    worse = reading.value < row.peak if threshold.below else reading.value > row.peak
    if worse:
        connection.execute(update(AlertRow).where(AlertRow.id == row.id).values(peak=reading.value))
