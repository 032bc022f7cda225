"""The storage service: everything that stores feedback goes through `Service`.

`Service.record` stores one input's events in one transaction: the raw evidence (compressed,
deduplicated by sha256), the events whose dedupe key is new, the address policy applied to
them in `occurred_at` order, the audited transitions (stamped with the recording time, the
moment the state changed, and linked to the event that caused them) and the hourly counters. Recording the
same events again changes nothing, and concurrent callers (threads, processes, hosts on one
PostgreSQL) end with one row per dedupe key and no lost address update (see
`bouncewarden.store.recording` for the locking).

The operator's side (check, suppress, lift, history, export, import, stats) lives in
`bouncewarden.store.admin` and is reached through the same object.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection, Engine

from bouncewarden.clock import Clock, system_clock
from bouncewarden.config import Settings
from bouncewarden.events import FeedbackEvent, Kind, Severity
from bouncewarden.jobs import JobReport, run_due_jobs
from bouncewarden.policy import AddressStatus, apply_event, apply_unreadable, can_change_address
from bouncewarden.store.admin import AdminMixin
from bouncewarden.store.counters import add_counters, count_events
from bouncewarden.store.engine import WRITE, make_engine, upgrade
from bouncewarden.store.models import Address, Quarantined
from bouncewarden.store.queries import Suppression
from bouncewarden.store.recording import (
    insert_event,
    insert_transition,
    latest_deliveries,
    lock_addresses,
    save_address,
    store_evidence,
)
from bouncewarden.store.rules import RulesMixin
from bouncewarden.store.types import as_utc

if TYPE_CHECKING:
    from bouncewarden.classify.patterns import OperatorRules

__all__ = ["POLICY_ACTOR", "RecordOutcome", "Service", "Suppression"]

POLICY_ACTOR = "policy"


@dataclass(frozen=True, slots=True)
class RecordOutcome:
    """What `Service.record` did; the kind counts are over the new events only."""

    new_events: int
    duplicates: int
    hard: int
    soft: int
    complaints: int
    sender: int
    transitions: int


class Service(AdminMixin, RulesMixin):
    """The database behind bouncewarden, and the policy applied as feedback is stored."""

    def __init__(self, engine: Engine, settings: Settings, clock: Clock = system_clock) -> None:
        self._engine = engine
        self._settings = settings
        self._clock = clock
        self._rules_cache: tuple[float, OperatorRules] | None = None

    @classmethod
    def open(cls, settings: Settings, *, clock: Clock = system_clock, migrate: bool = True) -> Service:
        """Connect to `settings.resolved_database_url` and (by default) bring the schema up to date."""
        engine = make_engine(settings.resolved_database_url)
        if migrate:
            try:
                upgrade(engine)
            except BaseException:
                engine.dispose()
                raise
        return cls(engine, settings, clock)

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine (for tools and tests)."""
        return self._engine

    @property
    def settings(self) -> Settings:
        """The settings the service was opened with."""
        return self._settings

    def close(self) -> None:
        """Release the database connections."""
        self._engine.dispose()

    def __enter__(self) -> Service:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def record(
        self,
        events: Sequence[FeedbackEvent],
        *,
        raw: bytes | None,
        source: str,
        media_type: str = "message/rfc822",
    ) -> RecordOutcome:
        """Store one input's events, apply the policy and count them, in one transaction."""
        now = self._clock()
        events = [apply_unreadable(_in_utc(event), self._settings.policy) for event in events]
        with self._engine.execution_options(**WRITE).begin() as connection:
            evidence_id = None
            if raw is not None:
                evidence_id = store_evidence(connection, raw, source=source, media_type=media_type, now=now)
            new = self._insert_events(connection, events, evidence_id, now)
            transitions = self._apply_policy(connection, new, now)
            add_counters(connection, count_events(event for _, event in new))
        return _outcome(new, len(events), transitions)

    def quarantine(
        self, raw: bytes, *, source: str, reason: str, media_type: str = "application/octet-stream"
    ) -> int:
        """Keep input that could not be parsed, with the reason; its id.

        One copy per content: the same bytes quarantined again (a re-run, a redelivery) give
        the id of the copy kept already.
        """
        digest = hashlib.sha256(raw).hexdigest()
        values = {
            "sha256": digest,
            "media_type": media_type,
            # PostgreSQL text cannot hold NUL; a reason quoting hostile input may.
            "source": source.replace("\x00", "\ufffd"),
            "reason": reason.replace("\x00", "\ufffd"),
            "size": len(raw),
            "compressed": zlib.compress(raw),
            "created_at": self._clock(),
        }
        kept = select(Quarantined.id).where(Quarantined.sha256 == digest).order_by(Quarantined.id).limit(1)
        with self._engine.execution_options(**WRITE).begin() as connection:
            found = connection.execute(kept).scalar()
            if found is None:
                found = connection.execute(insert(Quarantined).returning(Quarantined.id), values).scalar_one()
        return int(found)

    def quarantined_raw(self, quarantine_id: int) -> bytes | None:
        """The raw bytes of a quarantined input, or None when there is no such id."""
        with self._engine.connect() as connection:
            query = select(Quarantined.compressed).where(Quarantined.id == quarantine_id)
            compressed = connection.execute(query).scalar()
        return None if compressed is None else zlib.decompress(compressed)

    def iter_suppressed_addresses(self) -> Iterator[str]:
        """Every suppressed address (normalised), in address order."""
        query = (
            select(Address.address)
            .where(Address.state == AddressStatus.SUPPRESSED.value)
            .order_by(Address.address)
        )
        with self._engine.connect() as connection:
            yield from connection.execution_options(yield_per=10_000).execute(query).scalars()

    def run_due_jobs(self, now: datetime | None = None) -> JobReport:
        """Expire soft-bouncing addresses past the grace period and report due retries, once."""
        return run_due_jobs(self._engine, self._settings.policy, now or self._clock())

    def _insert_events(
        self,
        connection: Connection,
        events: Sequence[FeedbackEvent],
        evidence_id: int | None,
        now: datetime,
    ) -> list[tuple[int, FeedbackEvent]]:
        # Sorted by dedupe key: concurrent writers wait on each other's keys in one order.
        unique = {event.dedupe_key: event for event in reversed(events)}
        new: list[tuple[int, FeedbackEvent]] = []
        for key in sorted(unique):
            event_id = insert_event(connection, unique[key], evidence_id, now)
            if event_id is not None:
                new.append((event_id, unique[key]))
        return new

    def _apply_policy(
        self, connection: Connection, new: Sequence[tuple[int, FeedbackEvent]], now: datetime
    ) -> int:
        relevant = [(event_id, event) for event_id, event in new if can_change_address(event)]
        if not relevant:
            return 0
        # Deliveries only update addresses we already know; failures create the row.
        create = {event.address for _, event in relevant if event.kind is not Kind.DELIVERY}
        states = lock_addresses(connection, {event.address for _, event in relevant}, create=create, now=now)
        original = dict(states)
        # A first failure may arrive after a later delivery (replays, slow feedback loops); the
        # deliveries of this batch are applied below, in time order with the rest.
        unseen = [address for address in sorted(create) if states[address].last_delivery_at is None]
        first_id = min(event_id for event_id, _ in new)
        for address, delivered_at in latest_deliveries(connection, unseen, before_id=first_id).items():
            states[address] = replace(states[address], last_delivery_at=delivered_at)
        sources: dict[str, str] = {}
        transitions = 0
        for event_id, event in sorted(relevant, key=lambda pair: (pair[1].occurred_at, pair[1].dedupe_key)):
            state = states.get(event.address)
            if state is None:
                continue
            decision = apply_event(state, event, self._settings.policy)
            states[event.address] = decision.state
            if decision.transition is not None:
                transitions += 1
                sources[event.address] = event.source
                insert_transition(
                    connection,
                    event.address,
                    decision.transition,
                    at=now,
                    actor=POLICY_ACTOR,
                    event_id=event_id,
                )
        for address in sorted(states):
            if states[address] != original[address]:
                save_address(connection, states[address], now=now, source=sources.get(address))
        return transitions


def _in_utc(event: FeedbackEvent) -> FeedbackEvent:
    """`event` with UTC times (a naive time from a source is taken as UTC)."""
    times = (event.occurred_at, event.received_at)
    if all(moment is None or moment.tzinfo is UTC for moment in times):
        return event
    received = None if event.received_at is None else as_utc(event.received_at)
    return replace(event, occurred_at=as_utc(event.occurred_at), received_at=received)


def _outcome(new: Sequence[tuple[int, FeedbackEvent]], total: int, transitions: int) -> RecordOutcome:
    severities = [event.severity for _, event in new]
    return RecordOutcome(
        new_events=len(new),
        duplicates=total - len(new),
        hard=severities.count(Severity.HARD),
        soft=severities.count(Severity.SOFT),
        complaints=severities.count(Severity.COMPLAINT),
        sender=severities.count(Severity.SENDER),
        transitions=transitions,
    )
