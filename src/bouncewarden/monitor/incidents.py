"""Incidents: a burst of one sender-side refusal at one receiving provider, kept as one row.

When a provider lists a sending IP, throttles it or fails its authentication, hundreds of
recipients bounce within minutes with the same cause. Those refusals are severity `sender`
(DESIGN.md): no address is held responsible, and the operator wants one message ("Microsoft
refuses vmta:pool-1: blocked, 340 recipients") rather than hundreds of rows. So, at each
evaluation, the recent sender-side bounces and rejects are grouped by
sender identity, provider and reason; a group with at least `incident_recipients` distinct
recipients within any `incident_minutes` opens an incident (notice `incident.opened`, with the
count and a sample of the diagnostics), unless one is open for it already, which then takes
the new count. An incident closes when its group has been quiet for `incident_minutes`; the
refusals it covered never open another one. Refusals are read from the last `LOOKBACK`, so
the evaluation may run every minute or every hour.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, or_, select, update
from sqlalchemy.engine import Connection

from bouncewarden.config import HealthSettings
from bouncewarden.events import Kind, Severity
from bouncewarden.monitor.providers import provider_of
from bouncewarden.store.counters import sender_identity
from bouncewarden.store.models import Event, IncidentRow
from bouncewarden.store.notices import add_notice
from bouncewarden.store.types import as_utc

__all__ = ["LOOKBACK", "SAMPLE_SIZE", "Incident", "update_incidents"]

SAMPLE_SIZE = 5
LOOKBACK = timedelta(hours=1)
"""How far back refusals are looked at (or `incident_minutes`, when longer): a burst reported
hours late by its source is history, not an incident."""
_REFUSALS = (Kind.BOUNCE.value, Kind.REJECT.value)
_Group = tuple[str, str, str]  # sender identity, provider, reason


@dataclass(frozen=True, slots=True)
class Incident:
    """One burst: who was refused, where, why, how many recipients, from when to when."""

    id: int
    sender_identity: str
    provider: str
    reason: str
    recipients: int
    sample: Sequence[Mapping[str, Any]]
    opened_at: datetime
    last_at: datetime
    closed_at: datetime | None = None

    def as_json(self) -> dict[str, Any]:
        """The incident as JSON values (the payload of its notice)."""
        return {
            "id": self.id,
            "sender_identity": self.sender_identity,
            "provider": self.provider,
            "reason": self.reason,
            "recipients": self.recipients,
            "sample": list(self.sample),
            "opened_at": self.opened_at.isoformat(),
            "last_at": self.last_at.isoformat(),
            "closed_at": self.closed_at.isoformat() if self.closed_at else None,
        }


@dataclass(frozen=True, slots=True)
class _Refusal:
    at: datetime
    address: str
    detail: dict[str, Any]


def _refusals(connection: Connection, since: datetime, until: datetime) -> dict[_Group, list[_Refusal]]:
    """Sender-side refusals that occurred in [since, until], by group, in time order."""
    query = (
        select(
            Event.sender,
            Event.tags,
            Event.address,
            Event.reason,
            Event.diagnostic,
            Event.status,
            Event.reply_code,
            Event.occurred_at,
        )
        .where(
            Event.severity == Severity.SENDER.value,
            Event.occurred_at >= since,
            Event.occurred_at <= until,
            Event.kind.in_(_REFUSALS),
        )
        .order_by(Event.occurred_at, Event.id)
    )
    groups: dict[_Group, list[_Refusal]] = {}
    for row in connection.execute(query):
        identity = sender_identity(row.sender, row.tags or {})
        group = (identity, provider_of(row.address.rpartition("@")[2]), row.reason)
        detail = {
            "recipient": row.address,
            "diagnostic": row.diagnostic or "",
            "status": row.status,
            "reply_code": row.reply_code,
        }
        groups.setdefault(group, []).append(_Refusal(as_utc(row.occurred_at), row.address, detail))
    return groups


def _burst_start(refusals: Sequence[_Refusal], window: timedelta, needed: int) -> int | None:
    """The index of the first refusal of the first `window` with `needed` distinct recipients."""
    in_window: Counter[str] = Counter()
    first = 0
    for refusal in refusals:
        in_window[refusal.address] += 1
        while refusal.at - refusals[first].at > window:
            gone = refusals[first].address
            in_window[gone] -= 1
            if not in_window[gone]:
                del in_window[gone]
            first += 1
        if len(in_window) >= needed:
            return first
    return None


def _sample(refusals: Sequence[_Refusal]) -> list[dict[str, Any]]:
    """Up to `SAMPLE_SIZE` refusals with distinct diagnostics."""
    sample: list[dict[str, Any]] = []
    for refusal in refusals:
        if refusal.detail["diagnostic"] not in {item["diagnostic"] for item in sample}:
            sample.append(refusal.detail)
        if len(sample) == SAMPLE_SIZE:
            break
    return sample


def _incident_rows(
    connection: Connection, since: datetime
) -> tuple[dict[_Group, Any], dict[_Group, datetime]]:
    """The open incidents by group, and the last refusal time of every recent incident by group."""
    query = select(IncidentRow).where(or_(IncidentRow.closed_at.is_(None), IncidentRow.last_at >= since))
    open_rows: dict[_Group, Any] = {}
    seen_until: dict[_Group, datetime] = {}
    for row in connection.execute(query):
        group = (row.sender_identity, row.provider, row.reason)
        if row.closed_at is None:
            open_rows[group] = row
        seen_until[group] = max(seen_until.get(group, as_utc(row.last_at)), as_utc(row.last_at))
    return open_rows, seen_until


def update_incidents(connection: Connection, settings: HealthSettings, now: datetime) -> list[Incident]:
    """Open, grow and close incidents as of `now` (see the module docstring); the ones opened."""
    window = timedelta(minutes=settings.incident_minutes)
    lookback = max(window, LOOKBACK)
    open_rows, seen_until = _incident_rows(connection, now - lookback)
    since = min([now - lookback, *(as_utc(row.opened_at) for row in open_rows.values())])
    groups = _refusals(connection, since, now)
    for group, row in open_rows.items():
        recent = [refusal for refusal in groups.get(group, ()) if refusal.at >= as_utc(row.opened_at)]
        if recent and recent[-1].at > now - window:
            addresses = len({refusal.address for refusal in recent})
            connection.execute(
                update(IncidentRow)
                .where(IncidentRow.id == row.id)
                .values(recipients=max(addresses, row.recipients), last_at=recent[-1].at)
            )
        else:
            connection.execute(update(IncidentRow).where(IncidentRow.id == row.id).values(closed_at=now))
    opened: list[Incident] = []
    for group, refusals in sorted(groups.items()):
        if group in open_rows:
            continue
        floor = seen_until.get(group)
        fresh = [refusal for refusal in refusals if floor is None or refusal.at > floor]
        start = _burst_start(fresh, window, settings.incident_recipients)
        if start is not None:
            opened.append(_open(connection, group, fresh[start:], now))
    return opened


def _open(connection: Connection, group: _Group, refusals: Sequence[_Refusal], now: datetime) -> Incident:
    recipients = len({refusal.address for refusal in refusals})
    sample = _sample(refusals)
    values = {
        "sender_identity": group[0],
        "provider": group[1],
        "reason": group[2],
        "recipients": recipients,
        "sample": sample,
        "opened_at": refusals[0].at,
        "last_at": refusals[-1].at,
    }
    incident_id = int(connection.execute(insert(IncidentRow).returning(IncidentRow.id), values).scalar_one())
    incident = Incident(incident_id, *group, recipients, sample, refusals[0].at, refusals[-1].at)
    add_notice(connection, "incident.opened", group[0], incident.as_json(), at=now)
    return incident
