"""Reclassifying stored history: what today's parsers and rules say of stored evidence.

`Reclassifier.plan` reads each stored input again (`parse.replay.read_evidence`) and
compares every stored event with its new reading (same dedupe key). Where the reason or the
severity differ, the event changes; then each address concerned is replayed: its stored
events, in time order, with the new readings, through the same policy as when they arrived,
from a fresh active state. Where the result differs from the address's stored state, the
address would change: that is what `--dry-run` prints. An address an operator, an import or
the scheduler has acted on (any transition not made by the policy) cannot be replayed from
its events alone; it is listed as skipped, with why, and left alone.

`Reclassifier.apply` writes a plan in one transaction: the events' new reason and
severity (the old ones kept in their tags as `reclassified_from`), the hourly counters moved
from the old to the new severities, the replayed address states, and a transition per
address whose state changed (audit trail and outbox), by actor `reclassify`, naming the
event and the rule or the parser version that caused it.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Connection, Engine

from bouncewarden.classify import OperatorRule
from bouncewarden.clock import Clock
from bouncewarden.config import PolicySettings
from bouncewarden.events import FeedbackEvent, Kind, Reason, Severity
from bouncewarden.policy import AddressState, AddressStatus, Transition, TransitionReason, apply_event
from bouncewarden.store.counters import CounterKey, add_counters, count_events
from bouncewarden.store.engine import WRITE
from bouncewarden.store.models import Address, Event, Evidence, TransitionRow
from bouncewarden.store.outbox import add_transitions, transition_values
from bouncewarden.store.recording import lock_addresses, save_address, state_from_row
from bouncewarden.store.rule_hits import count_rule_hits

__all__ = [
    "RECLASSIFY_ACTOR",
    "AddressChange",
    "EventChange",
    "ReclassificationPlan",
    "Reclassifier",
    "describe",
]

RECLASSIFY_ACTOR = "reclassify"
_POLICY_ACTORS = frozenset({"policy"})
ReadEvidence = Callable[[str, bytes, datetime], list[FeedbackEvent]]
Explain = Callable[[FeedbackEvent], str]


@dataclass(frozen=True, slots=True)
class EventChange:
    """One stored event whose classification differs today."""

    event_id: int
    address: str
    old_reason: Reason
    old_severity: Severity
    new: FeedbackEvent
    cause: str


@dataclass(frozen=True, slots=True)
class AddressChange:
    """An address whose state the changed events would change."""

    address: str
    old: AddressState
    new: AddressState
    because: EventChange


@dataclass(slots=True)
class ReclassificationPlan:
    """What reclassification found: events examined and changed, addresses changed or skipped."""

    examined: int = 0
    changes: list[EventChange] = field(default_factory=list)
    addresses: list[AddressChange] = field(default_factory=list)
    replayed: list[AddressState] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def _event_from_row(row: Any) -> FeedbackEvent:
    return FeedbackEvent(
        kind=Kind(row.kind),
        recipient=row.recipient,
        severity=Severity(row.severity),
        reason=Reason(row.reason),
        dedupe_key=row.dedupe_key,
        occurred_at=row.occurred_at,
        source=row.source,
        status=row.status,
        reply_code=row.reply_code,
        diagnostic=row.diagnostic,
        remote_mta=row.remote_mta,
        reporting_mta=row.reporting_mta,
        sender=row.sender,
        message_id=row.message_id,
        campaign=row.campaign,
        feedback_type=row.feedback_type,
        provider_label=row.provider_label,
        counts_toward_rate=bool(row.counts_toward_rate),
        received_at=row.received_at,
        evidence_id=row.evidence_id,
        tags=dict(row.tags or {}),
    )


def _stored_groups(
    connection: Connection, since: datetime | None, source: str | None
) -> Iterator[tuple[int, list[Any]]]:
    """(evidence id, its stored event rows) for the events chosen."""
    query = select(Event).where(Event.evidence_id.is_not(None)).order_by(Event.evidence_id, Event.id)
    if since is not None:
        query = query.where(Event.occurred_at >= since)
    if source is not None:
        query = query.where(Event.source == source)
    group: list[Any] = []
    for row in connection.execution_options(yield_per=5000).execute(query):
        if group and group[0].evidence_id != row.evidence_id:
            yield group[0].evidence_id, group
            group = []
        group.append(row)
    if group:
        yield group[0].evidence_id, group


def _changes(
    connection: Connection,
    plan: ReclassificationPlan,
    since: datetime | None,
    source: str | None,
    read: ReadEvidence,
    explain: Explain,
) -> None:
    evidence_query = select(Evidence.media_type, Evidence.compressed, Evidence.created_at)
    for evidence_id, rows in _stored_groups(connection, since, source):
        plan.examined += len(rows)
        media_type, compressed, created_at = connection.execute(
            evidence_query.where(Evidence.id == evidence_id)
        ).one()
        fresh = {
            event.dedupe_key: event for event in read(media_type, zlib.decompress(compressed), created_at)
        }
        for row in rows:
            new = fresh.get(row.dedupe_key)
            if new is None or (new.reason.value, new.severity.value) == (row.reason, row.severity):
                continue
            plan.changes.append(
                EventChange(
                    row.id, row.address, Reason(row.reason), Severity(row.severity), new, explain(new)
                )
            )


def _replay(
    connection: Connection,
    address: str,
    changed: dict[int, EventChange],
    policy: PolicySettings,
) -> tuple[AddressState | None, EventChange | None, str | None]:
    """The address replayed with the new readings; the change that moved its status last."""
    actors = set(
        connection.execute(select(TransitionRow.actor).where(TransitionRow.address == address)).scalars()
    )
    if actors - _POLICY_ACTORS:
        return (
            None,
            None,
            f"state set by {', '.join(sorted(actors - _POLICY_ACTORS))}, not only by its events",
        )
    query = select(Event).where(Event.address == address).order_by(Event.occurred_at, Event.dedupe_key)
    state = AddressState(address)
    cause: EventChange | None = None
    for row in connection.execute(query):
        change = changed.get(row.id)
        event = _event_from_row(row)
        if change is not None:
            event = replace(event, reason=change.new.reason, severity=change.new.severity)
        decision = apply_event(state, event, policy)
        if decision.transition is not None and change is not None:
            cause = change
        state = decision.state
    return state, cause, None


def _move_counters(connection: Connection, plan: ReclassificationPlan) -> None:
    old_events = [
        replace(change.new, reason=change.old_reason, severity=change.old_severity) for change in plan.changes
    ]
    increments: dict[CounterKey, dict[str, int]] = {}
    for sign, events in ((-1, old_events), (1, [change.new for change in plan.changes])):
        for key, counts in count_events(events).items():
            row = increments.setdefault(key, {})
            for name, count in counts.items():
                row[name] = row.get(name, 0) + sign * count
    add_counters(connection, {key: counts for key, counts in increments.items() if any(counts.values())})


class Reclassifier:
    """Plans and applies the reclassification of stored events (see the module docstring)."""

    def __init__(self, engine: Engine, policy: PolicySettings, clock: Clock) -> None:
        self._engine = engine
        self._policy = policy
        self._clock = clock

    def plan(
        self,
        *,
        read: ReadEvidence,
        explain: Explain,
        since: datetime | None = None,
        source: str | None = None,
    ) -> ReclassificationPlan:
        """What reclassifying the chosen stored events would change (nothing is written)."""
        plan = ReclassificationPlan()
        with self._engine.connect() as connection:
            _changes(connection, plan, since, source, read, explain)
            by_address: dict[str, dict[int, EventChange]] = {}
            for change in plan.changes:
                by_address.setdefault(change.address, {})[change.event_id] = change
            for address in sorted(by_address):
                stored = connection.execute(select(Address).where(Address.address == address)).first()
                old = state_from_row(stored) if stored is not None else AddressState(address)
                new, cause, why = _replay(connection, address, by_address[address], self._policy)
                if new is None:
                    plan.skipped.append((address, why or ""))
                    continue
                plan.replayed.append(new)
                if new.status is not old.status:
                    fallback = next(iter(by_address[address].values()))
                    plan.addresses.append(AddressChange(address, old, new, cause or fallback))
        return plan

    def apply(self, plan: ReclassificationPlan, *, rules: Sequence[OperatorRule] = ()) -> int:
        """Write `plan` (see the module docstring); the number of addresses whose state changed."""
        now = self._clock()
        with self._engine.execution_options(**WRITE).begin() as connection:
            count_rule_hits(connection, [change.new for change in plan.changes], rules, now=now)
            for change in plan.changes:
                tags = dict(
                    connection.execute(select(Event.tags).where(Event.id == change.event_id)).scalar_one()
                    or {}
                )
                tags["reclassified_from"] = f"{change.old_severity.value}/{change.old_reason.value}"
                connection.execute(
                    update(Event)
                    .where(Event.id == change.event_id)
                    .values(reason=change.new.reason.value, severity=change.new.severity.value, tags=tags)
                )
            _move_counters(connection, plan)
            replayed = {state.address: state for state in plan.replayed}
            if replayed:
                lock_addresses(connection, replayed, create=replayed, now=now)
            for address in sorted(replayed):
                save_address(connection, replayed[address], now=now, source=RECLASSIFY_ACTOR)
            audit = [
                transition_values(
                    item.address,
                    Transition(item.old.status, item.new.status, _transition_reason(item.new)),
                    at=now,
                    actor=RECLASSIFY_ACTOR,
                    event_id=item.because.event_id,
                    note=item.because.cause,
                )
                for item in plan.addresses
            ]
            add_transitions(connection, audit)
        return len(plan.addresses)


def _transition_reason(state: AddressState) -> TransitionReason:
    """Why the address moved: its new suppression, soft bouncing, or a suppression lifted."""
    if state.suppression_reason is not None:
        return TransitionReason(state.suppression_reason.value)
    return TransitionReason.SOFT_BOUNCE if state.status is AddressStatus.SOFT else TransitionReason.LIFTED


def describe(change: AddressChange) -> str:
    """One line for people: the address, its move, and the event and cause behind it."""
    event = change.because
    return (
        f"{change.address}\t{change.old.status.value} -> {change.new.status.value}\t"
        f"event {event.event_id}: {event.old_severity.value}/{event.old_reason.value} -> "
        f"{event.new.severity.value}/{event.new.reason.value} ({event.cause})"
    )
