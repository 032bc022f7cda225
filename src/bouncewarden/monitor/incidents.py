"""Incidents: a burst of one sender-side refusal at one receiving provider, kept as one row.

When a provider lists a sending IP, throttles it or fails its authentication, hundreds of
recipients bounce within minutes with the same cause. Those refusals are severity `sender`
(DESIGN.md): no address is held responsible, and the operator wants one message ("Microsoft
refuses vmta:pool-1: blocked, 340 recipients") rather than hundreds of rows. So, at each
evaluation, the sender-side bounces and rejects of the last `incident_minutes` are grouped by
sender identity, provider and reason; a group with at least `incident_recipients` distinct
recipients opens an incident (notice `incident.opened`, with the count and a sample of the
diagnostics), unless one is open for it already, which then takes the new count. An incident
closes when its group has been quiet for `incident_minutes`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from bouncewarden.config import HealthSettings
from bouncewarden.events import Kind, Severity
from bouncewarden.monitor.providers import provider_of
from bouncewarden.store.counters import sender_identity
from bouncewarden.store.models import Event, IncidentRow
from bouncewarden.store.notices import add_notice
from bouncewarden.store.types import as_utc

__all__ = ["SAMPLE_SIZE", "Incident", "update_incidents"]

SAMPLE_SIZE = 5
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


@dataclass(slots=True)
class _Burst:
    addresses: set[str] = field(default_factory=set)
    first_at: datetime | None = None
    last_at: datetime | None = None
    sample: list[dict[str, Any]] = field(default_factory=list)

    def add(self, address: str, at: datetime, detail: dict[str, Any]) -> None:
        self.addresses.add(address)
        self.first_at = at if self.first_at is None else min(self.first_at, at)
        self.last_at = at if self.last_at is None else max(self.last_at, at)
        known = {item["diagnostic"] for item in self.sample}
        if len(self.sample) < SAMPLE_SIZE and detail["diagnostic"] not in known:
            self.sample.append(detail)


def _bursts(connection: Connection, since: datetime, until: datetime) -> dict[_Group, _Burst]:
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
    bursts: dict[_Group, _Burst] = {}
    for row in connection.execute(query):
        group = (
            sender_identity(row.sender, row.tags or {}),
            provider_of(row.address.rpartition("@")[2]),
            row.reason,
        )
        detail = {
            "recipient": row.address,
            "diagnostic": row.diagnostic or "",
            "status": row.status,
            "reply_code": row.reply_code,
        }
        bursts.setdefault(group, _Burst()).add(row.address, as_utc(row.occurred_at), detail)
    return bursts


def _open_incidents(connection: Connection) -> dict[_Group, Any]:
    query = select(IncidentRow).where(IncidentRow.closed_at.is_(None))
    return {(row.sender_identity, row.provider, row.reason): row for row in connection.execute(query)}


def update_incidents(connection: Connection, settings: HealthSettings, now: datetime) -> list[Incident]:
    """Open, grow and close incidents as of `now` (see the module docstring); the ones opened."""
    window = timedelta(minutes=settings.incident_minutes)
    open_rows = _open_incidents(connection)
    since = min([now - window, *(as_utc(row.opened_at) for row in open_rows.values())])
    bursts = _bursts(connection, since, now)
    opened: list[Incident] = []
    for group, row in open_rows.items():
        burst = bursts.pop(group, None)
        if burst is not None and burst.last_at is not None and burst.last_at > now - window:
            recipients = len(burst.addresses)
            connection.execute(
                update(IncidentRow)
                .where(IncidentRow.id == row.id)
                .values(recipients=max(recipients, row.recipients), last_at=burst.last_at)
            )
        else:
            connection.execute(update(IncidentRow).where(IncidentRow.id == row.id).values(closed_at=now))
    for group, burst in sorted(bursts.items()):
        if len(burst.addresses) < settings.incident_recipients or burst.last_at is None:
            continue
        if burst.last_at <= now - window:
            continue  # an old burst, already over
        opened.append(_open(connection, group, burst, now))
    return opened


def _open(connection: Connection, group: _Group, burst: _Burst, now: datetime) -> Incident:
    assert burst.first_at is not None and burst.last_at is not None  # a burst has events
    values = {
        "sender_identity": group[0],
        "provider": group[1],
        "reason": group[2],
        "recipients": len(burst.addresses),
        "sample": burst.sample,
        "opened_at": burst.first_at,
        "last_at": burst.last_at,
    }
    incident_id = int(connection.execute(insert(IncidentRow).returning(IncidentRow.id), values).scalar_one())
    incident = Incident(
        incident_id, *group, len(burst.addresses), burst.sample, burst.first_at, burst.last_at
    )
    add_notice(connection, "incident.opened", group[0], incident.as_json(), at=now)
    return incident
