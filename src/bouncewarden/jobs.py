"""Scheduled work: soft-bounce expiry and due retries (DESIGN.md, Policy).

`run_due_jobs(engine, policy, now)` does, in one transaction:

- every `soft` address whose first soft bounce is older than the grace period
  (`first_soft_at + grace < now`) becomes suppressed with reason `soft_expired`, audited
  with actor `scheduler`;
- every `soft` address whose next retry is due (`next_retry_at <= now`) and not yet
  announced is reported and marked announced, so each retry is reported once (a new soft
  bounce schedules a new retry and clears the mark); each is also written as a `retry.due`
  notice (`store.notices`) in the same transaction, so the webhooks tell the sending
  application even if this run's report is lost.

Only one run at a time: on PostgreSQL a transaction-level advisory lock (a second runner
skips and says so); on SQLite the write transaction (`BEGIN IMMEDIATE`) serialises runners,
and the second one finds nothing left to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select, text, update
from sqlalchemy.engine import Connection, Engine

from bouncewarden.config import PolicySettings
from bouncewarden.policy import AddressStatus, expire_soft, grace_period
from bouncewarden.store.engine import WRITE
from bouncewarden.store.models import Address
from bouncewarden.store.notices import add_notices
from bouncewarden.store.outbox import add_transitions, transition_values
from bouncewarden.store.recording import save_address, state_from_row
from bouncewarden.store.types import as_utc

if TYPE_CHECKING:
    from bouncewarden.monitor.alerts import HealthReport

__all__ = ["RETRY_DUE", "SCHEDULER_ACTOR", "DueRetry", "JobReport", "run_due_jobs"]

SCHEDULER_ACTOR = "scheduler"
RETRY_DUE = "retry.due"
"""The notice topic of a due retry (its subject is the address)."""
# Any constant key; the same in every process.
_JOBS_LOCK_KEY = 0x626F756E6A6F62


@dataclass(frozen=True, slots=True)
class DueRetry:
    """A retry whose time has come: the address, how many soft bounces so far, when it was due."""

    address: str
    attempts: int
    due_at: datetime


@dataclass(frozen=True, slots=True)
class JobReport:
    """What one run of the scheduled jobs did."""

    now: datetime
    expired: tuple[str, ...] = ()
    retries_due: tuple[DueRetry, ...] = ()
    skipped: bool = False
    health: HealthReport | None = None
    """What the sender-health evaluation of the same run changed (`Service.run_due_jobs`)."""

    @property
    def is_news(self) -> bool:
        """Whether the run did or found anything worth a log line."""
        return bool(self.skipped or self.expired or self.retries_due or (self.health and self.health.lines()))

    def lines(self) -> list[str]:
        """Lines for the operator."""
        if self.skipped:
            return [f"{self.now.isoformat()}: another process is running the jobs; nothing done"]
        lines = [
            f"{self.now.isoformat()}: {len(self.expired)} soft-bouncing addresses expired into suppressions, "
            f"{len(self.retries_due)} retries due"
        ]
        lines += [f"expired\t{address}" for address in self.expired]
        lines += [
            f"retry\t{retry.address}\tattempts={retry.attempts}\tdue={retry.due_at.isoformat()}"
            for retry in self.retries_due
        ]
        if self.health is not None:
            lines += self.health.lines()
        return lines


def run_due_jobs(engine: Engine, policy: PolicySettings, now: datetime) -> JobReport:
    """Run the due work once (see the module docstring)."""
    now = as_utc(now)
    with engine.execution_options(**WRITE).begin() as connection:
        if connection.dialect.name == "postgresql":
            locked = connection.execute(
                text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": _JOBS_LOCK_KEY}
            )
            if not locked.scalar_one():
                return JobReport(now=now, skipped=True)
        expired = _expire_soft_addresses(connection, policy, now)
        due = _announce_due_retries(connection, now)
    return JobReport(now=now, expired=expired, retries_due=due)


def _expire_soft_addresses(connection: Connection, policy: PolicySettings, now: datetime) -> tuple[str, ...]:
    query = (
        select(Address)
        .where(Address.state == AddressStatus.SOFT.value, Address.first_soft_at < now - grace_period(policy))
        .order_by(Address.address)
    )
    if connection.dialect.name == "postgresql":
        query = query.with_for_update()
    expired: list[str] = []
    changes = []
    for row in connection.execute(query).all():
        decision = expire_soft(state_from_row(row), now, policy)
        if decision.transition is None:
            continue
        save_address(connection, decision.state, now=now, source=SCHEDULER_ACTOR)
        changes.append(transition_values(row.address, decision.transition, at=now, actor=SCHEDULER_ACTOR))
        expired.append(row.address)
    add_transitions(connection, changes)
    return tuple(expired)


def _announce_due_retries(connection: Connection, now: datetime) -> tuple[DueRetry, ...]:
    statement = (
        update(Address)
        .where(
            Address.state == AddressStatus.SOFT.value,
            Address.next_retry_at <= now,
            Address.retry_announced.is_(False),
        )
        .values(retry_announced=True, updated_at=now)
        .returning(Address.address, Address.soft_count, Address.next_retry_at)
    )
    rows = connection.execute(statement).all()
    due = sorted(
        (DueRetry(row.address, row.soft_count, as_utc(row.next_retry_at)) for row in rows),
        key=lambda retry: (retry.due_at, retry.address),
    )
    add_notices(
        connection,
        [
            (
                RETRY_DUE,
                retry.address,
                {"address": retry.address, "attempts": retry.attempts, "due_at": retry.due_at.isoformat()},
            )
            for retry in due
        ],
        at=now,
    )
    return tuple(due)
