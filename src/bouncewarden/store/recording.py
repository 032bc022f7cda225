"""The write path of `Service.record`: evidence, events, address rows, transitions.

Every function here runs inside the caller's transaction and never commits. Concurrency:
inserts use `ON CONFLICT DO NOTHING` (SQLite and PostgreSQL alike), so two writers of the
same dedupe key or evidence end with one row; address rows are read with
`SELECT ... FOR UPDATE` on PostgreSQL (SQLite writers are serialised by `BEGIN IMMEDIATE`).
Locks are always taken in sorted order (events by dedupe key, then addresses, then counter
keys), so concurrent writers cannot deadlock.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from bouncewarden.events import FeedbackEvent, Kind
from bouncewarden.policy import AddressState, AddressStatus, SuppressionReason, Transition
from bouncewarden.store.models import Address, Event, Evidence, TransitionRow

__all__ = [
    "IN_CHUNK",
    "TransitionEntry",
    "chunked",
    "dialect_insert",
    "event_values",
    "insert_event",
    "insert_ignore",
    "insert_transition",
    "insert_transitions",
    "latest_deliveries",
    "lock_addresses",
    "save_address",
    "save_addresses",
    "state_from_row",
    "store_evidence",
]

IN_CHUNK = 500
"""Values per `IN (...)` list: well under SQLite's and PostgreSQL's parameter limits."""


def chunked(items: Sequence[str], size: int = IN_CHUNK) -> Iterable[Sequence[str]]:
    """`items` in slices of at most `size`."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def dialect_insert(dialect: str, table: Any) -> Any:
    """An INSERT for `table` in the named SQL dialect, with its `ON CONFLICT` clauses."""
    if dialect == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def insert_ignore(connection: Connection, table: Any) -> Any:
    """An INSERT for `table` in the connection's dialect, ready for `on_conflict_do_nothing`."""
    return dialect_insert(connection.dialect.name, table)


@dataclass(frozen=True, slots=True)
class _Statements:
    """The write path's INSERTs for one SQL dialect, built once (building costs more than running)."""

    insert_evidence: Any
    insert_event: Any


@cache
def _statements(dialect: str) -> _Statements:
    return _Statements(
        insert_evidence=dialect_insert(dialect, Evidence).on_conflict_do_nothing(index_elements=["sha256"]),
        insert_event=dialect_insert(dialect, Event)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(Event.id),
    )


_EVIDENCE_ID = select(Evidence.id).where(Evidence.sha256 == bindparam("digest"))


def store_evidence(connection: Connection, raw: bytes, *, source: str, media_type: str, now: datetime) -> int:
    """The evidence id for `raw`, storing it (compressed) unless the same bytes are stored already."""
    digest = hashlib.sha256(raw).hexdigest()
    connection.execute(
        _statements(connection.dialect.name).insert_evidence,
        {
            "sha256": digest,
            "media_type": media_type,
            "source": source,
            "size": len(raw),
            "compressed": zlib.compress(raw),
            "created_at": now,
        },
    )
    found = connection.execute(_EVIDENCE_ID, {"digest": digest}).scalar_one()
    return int(found)


def insert_event(
    connection: Connection, event: FeedbackEvent, evidence_id: int | None, now: datetime
) -> int | None:
    """Insert `event`; its id, or None when its dedupe key is stored already."""
    statement = _statements(connection.dialect.name).insert_event
    row = connection.execute(statement, _event_values(event, evidence_id, now)).first()
    return None if row is None else int(row[0])


def _event_values(event: FeedbackEvent, evidence_id: int | None, now: datetime) -> dict[str, Any]:
    return event_values(event, evidence_id, now)


def event_values(event: FeedbackEvent, evidence_id: int | None, now: datetime) -> dict[str, Any]:
    """The `events` row of `event`."""
    return {
        "dedupe_key": event.dedupe_key,
        "kind": event.kind.value,
        "recipient": event.recipient,
        "address": event.address,
        "severity": event.severity.value,
        "reason": event.reason.value,
        "status": event.status,
        "reply_code": event.reply_code,
        "diagnostic": event.diagnostic,
        "remote_mta": event.remote_mta,
        "reporting_mta": event.reporting_mta,
        "sender": event.sender,
        "message_id": event.message_id,
        "campaign": event.campaign,
        "feedback_type": event.feedback_type,
        "provider_label": event.provider_label,
        "counts_toward_rate": event.counts_toward_rate,
        "source": event.source,
        "occurred_at": event.occurred_at,
        "received_at": event.received_at,
        "recorded_at": now,
        "evidence_id": evidence_id if evidence_id is not None else event.evidence_id,
        "tags": dict(event.tags),
    }


def lock_addresses(
    connection: Connection, addresses: Iterable[str], *, create: Iterable[str], now: datetime
) -> dict[str, AddressState]:
    """Lock and load the rows of `addresses`, creating the `create` ones as active when missing.

    Addresses without a row (and not in `create`) are left out of the result.
    """
    wanted = sorted(set(addresses) | set(create))
    new = sorted(set(create))
    if new:
        statement = insert_ignore(connection, Address).on_conflict_do_nothing(index_elements=["address"])
        connection.execute(statement, [_new_address(address, now) for address in new])
    states: dict[str, AddressState] = {}
    for chunk in chunked(wanted):
        query = select(Address).where(Address.address.in_(chunk)).order_by(Address.address)
        if connection.dialect.name == "postgresql":
            query = query.with_for_update()
        for row in connection.execute(query):
            states[row.address] = state_from_row(row)
    return states


def latest_deliveries(
    connection: Connection, addresses: Iterable[str], *, before_id: int
) -> dict[str, datetime]:
    """The time of the latest delivery stored before event `before_id`, per address that has one.

    Deliveries to addresses without feedback create no address row, so an address's first
    failure must look here: a delivery that happened after a late-arriving soft or hard
    bounce still proves the mailbox works.
    """
    latest = func.max(Event.occurred_at, type_=Event.__table__.c.occurred_at.type)
    found: dict[str, datetime] = {}
    for chunk in chunked(sorted(set(addresses))):
        query = (
            select(Event.address, latest)
            .where(Event.kind == Kind.DELIVERY.value, Event.address.in_(chunk), Event.id < before_id)
            .group_by(Event.address)
        )
        for address, at in connection.execute(query):
            found[address] = at
    return found


def _new_address(address: str, now: datetime) -> dict[str, Any]:
    return {
        "address": address,
        "state": AddressStatus.ACTIVE.value,
        "soft_count": 0,
        "retry_announced": False,
        "updated_at": now,
    }


def state_from_row(row: Any) -> AddressState:
    """The policy's view of an `addresses` row (an `Address` or a result row with its columns)."""
    reason = row.suppression_reason
    return AddressState(
        address=row.address,
        status=AddressStatus(row.state),
        suppression_reason=SuppressionReason(reason) if reason else None,
        suppressed_at=row.suppressed_at,
        soft_count=row.soft_count,
        first_soft_at=row.first_soft_at,
        last_soft_at=row.last_soft_at,
        next_retry_at=row.next_retry_at,
        retry_announced=bool(row.retry_announced),
        last_delivery_at=row.last_delivery_at,
        lifted_at=row.lifted_at,
    )


# Built once: the SET clause follows the keys of the parameters given at execution.
_UPDATE_ADDRESS = update(Address).where(Address.address == bindparam("key"))


def _address_values(
    state: AddressState, now: datetime, source: str | None, note: str | None
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "key": state.address,
        "state": state.status.value,
        "suppression_reason": state.suppression_reason.value if state.suppression_reason else None,
        "suppressed_at": state.suppressed_at,
        "soft_count": state.soft_count,
        "first_soft_at": state.first_soft_at,
        "last_soft_at": state.last_soft_at,
        "next_retry_at": state.next_retry_at,
        "retry_announced": state.retry_announced,
        "last_delivery_at": state.last_delivery_at,
        "lifted_at": state.lifted_at,
        "updated_at": now,
    }
    if not state.is_suppressed:
        values |= {"suppression_source": None, "suppression_note": None}
    elif source is not None:
        values |= {"suppression_source": source, "suppression_note": note}
    return values


def save_address(
    connection: Connection,
    state: AddressState,
    *,
    now: datetime,
    source: str | None = None,
    note: str | None = None,
) -> None:
    """Write `state` back; `source` and `note` describe a new suppression (kept while it lasts)."""
    connection.execute(_UPDATE_ADDRESS, _address_values(state, now, source, note))


def save_addresses(
    connection: Connection, states: Sequence[tuple[AddressState, str | None]], *, now: datetime
) -> None:
    """`save_address` for many (state, source) pairs, one executemany per set of columns written."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for state, source in states:
        values = _address_values(state, now, source, None)
        groups.setdefault(tuple(values), []).append(values)
    for rows in groups.values():
        connection.execute(_UPDATE_ADDRESS, rows)


@dataclass(frozen=True, slots=True)
class TransitionEntry:
    """One row for the audit trail (see `insert_transitions`)."""

    address: str
    transition: Transition
    at: datetime
    actor: str
    event_id: int | None = None
    note: str | None = None


def _transition_values(entry: TransitionEntry) -> dict[str, Any]:
    return {
        "address": entry.address,
        "from_state": entry.transition.from_status.value,
        "to_state": entry.transition.to_status.value,
        "reason": entry.transition.reason.value,
        "event_id": entry.event_id,
        "actor": entry.actor,
        "note": entry.note,
        "at": entry.at,
    }


def insert_transition(
    connection: Connection,
    address: str,
    transition: Transition,
    *,
    at: datetime,
    actor: str,
    event_id: int | None = None,
    note: str | None = None,
) -> None:
    """Add one row to the audit trail."""
    insert_transitions(connection, [TransitionEntry(address, transition, at, actor, event_id, note)])


def insert_transitions(connection: Connection, entries: Sequence[TransitionEntry]) -> None:
    """Add rows to the audit trail, in one executemany."""
    if entries:
        connection.execute(insert(TransitionRow), [_transition_values(entry) for entry in entries])
