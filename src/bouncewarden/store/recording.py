"""Row helpers of the write paths (`store.batch_write`, `store.admin`, `jobs`): events, address rows.

Every function here runs inside the caller's transaction and never commits. Concurrency:
inserts use `ON CONFLICT DO NOTHING` (SQLite and PostgreSQL alike), so two writers of the
same dedupe key or evidence end with one row; address rows are read with
`SELECT ... FOR UPDATE` on PostgreSQL (SQLite writers are serialised by `BEGIN IMMEDIATE`).
Locks are always taken in sorted order (events by dedupe key, then addresses, then counter
keys), so concurrent writers cannot deadlock.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from bouncewarden.events import Kind
from bouncewarden.policy import AddressState, AddressStatus, SuppressionReason
from bouncewarden.store.driver_rows import bound_flag, bound_time, chunked, in_json, insert_rows, json_values
from bouncewarden.store.models import Address, Event

__all__ = [
    "address_values",
    "dialect_insert",
    "insert_ignore",
    "insert_new_addresses",
    "latest_deliveries",
    "lock_addresses",
    "locked_states",
    "save_address",
    "state_from_row",
    "update_addresses",
]


def dialect_insert(dialect: str, table: Any) -> Any:
    """An INSERT for `table` in the named SQL dialect, with its `ON CONFLICT` clauses."""
    if dialect == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def insert_ignore(connection: Connection, table: Any) -> Any:
    """An INSERT for `table` in the connection's dialect, ready for `on_conflict_do_nothing`."""
    return dialect_insert(connection.dialect.name, table)


def lock_addresses(
    connection: Connection, addresses: Iterable[str], *, create: Iterable[str], now: datetime
) -> dict[str, AddressState]:
    """Lock and load the rows of `addresses`, creating the `create` ones as active when missing.

    Addresses without a row (and not in `create`) are left out of the result.
    """
    new = sorted(set(create))
    if new:
        statement = insert_ignore(connection, Address).on_conflict_do_nothing(index_elements=["address"])
        connection.execute(statement, [_new_address(address, now) for address in new])
    return locked_states(connection, set(addresses) | set(new))


def locked_states(connection: Connection, addresses: Iterable[str]) -> dict[str, AddressState]:
    """The stored state of each of `addresses` that has a row, the rows locked on PostgreSQL
    (`FOR UPDATE`, in address order, so concurrent writers cannot deadlock)."""
    states: dict[str, AddressState] = {}
    for chunk in chunked(sorted(set(addresses))):
        query = select(Address).where(in_json(Address.address, chunk, connection.dialect.name))
        if connection.dialect.name == "postgresql":
            query = query.with_for_update()
        for row in connection.execute(query.order_by(Address.address)):
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
    found: dict[str, datetime] = {}
    for chunk in chunked(sorted(set(addresses))):
        wanted = json_values(chunk, connection.dialect.name).subquery()
        # One lookup in `ix_events_address_occurred_at` per address, whatever the planner's
        # statistics say (when they were missing, a group-by over an IN list was planned as a
        # scan of every event). `id + 0` keeps the primary key's index out of it: without
        # statistics PostgreSQL combined the two indexes, reading every id below the cutoff
        # for each address.
        latest = (
            select(func.max(Event.occurred_at, type_=Event.__table__.c.occurred_at.type))
            .where(
                Event.address == wanted.c.value,
                Event.kind == Kind.DELIVERY.value,
                Event.id + 0 < before_id,
            )
            .scalar_subquery()
        )
        for address, at in connection.execute(select(wanted.c.value, latest)):
            if at is not None:
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
        soft_times=tuple(datetime.fromisoformat(moment) for moment in row.soft_times or ()),
    )


# Built once: the SET clause follows the keys of the parameters given at execution.
_UPDATE_ADDRESS = update(Address).where(Address.address == bindparam("key"))


def address_values(
    state: AddressState, *, now: datetime, source: str | None = None, note: str | None = None
) -> dict[str, Any]:
    """The `addresses` row of `state`; `source` and `note` describe a new suppression (kept while it lasts).

    Without a source, a suppressed address keeps the suppression's source and note (the keys
    are left out); an address that is not suppressed has neither.
    """
    values: dict[str, Any] = {
        "address": state.address,
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
        "soft_times": [moment.isoformat() for moment in state.soft_times] or None,
    }
    if not state.is_suppressed:
        values |= {"suppression_source": None, "suppression_note": None}
    elif source is not None:
        values |= {"suppression_source": source, "suppression_note": note}
    return values


_ADDRESS_COLUMNS = (
    "address",
    "state",
    "suppression_reason",
    "suppressed_at",
    "suppression_note",
    "suppression_source",
    "soft_count",
    "first_soft_at",
    "last_soft_at",
    "next_retry_at",
    "retry_announced",
    "last_delivery_at",
    "lifted_at",
    "updated_at",
    "soft_times",
)
_ADDRESS_TIMES = frozenset(column for column in _ADDRESS_COLUMNS if column.endswith("_at"))


def insert_new_addresses(connection: Connection, rows: Sequence[dict[str, Any]]) -> set[str]:
    """Insert `rows` (from `address_values`) whose address has no row yet; the addresses inserted."""
    sqlite = connection.dialect.name == "sqlite"

    def bound(column: str, value: Any) -> object:
        if column in _ADDRESS_TIMES:
            return bound_time(value, sqlite)
        if column == "soft_times":
            return None if value is None else json.dumps(value)
        return bound_flag(value, sqlite) if column == "retry_announced" else value

    values = [tuple(bound(column, row.get(column)) for column in _ADDRESS_COLUMNS) for row in rows]
    tail = "ON CONFLICT (address) DO NOTHING RETURNING address"
    inserted = insert_rows(connection, "addresses", _ADDRESS_COLUMNS, values, tail)
    return {str(row[0]) for row in inserted}


def update_addresses(
    connection: Connection, changed: Sequence[tuple[AddressState, str | None]], *, now: datetime
) -> None:
    """Write changed states back, grouped by the columns they set (one executemany per group)."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for state, source in changed:
        values = address_values(state, now=now, source=source)
        values["key"] = values.pop("address")
        groups.setdefault(tuple(values), []).append(values)
    for rows in groups.values():
        connection.execute(_UPDATE_ADDRESS, rows)


def save_address(
    connection: Connection,
    state: AddressState,
    *,
    now: datetime,
    source: str | None = None,
    note: str | None = None,
) -> None:
    """Write one changed `state` back (see `address_values`)."""
    values = address_values(state, now=now, source=source, note=note)
    values["key"] = values.pop("address")
    connection.execute(_UPDATE_ADDRESS, values)
