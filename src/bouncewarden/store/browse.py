"""Filtered, cursor-paginated lists of stored events and of the suppression list.

Pages are keyset-paginated: events newest first by id, suppressions by address. The cursor
is the last key of a page, wrapped in URL-safe base64 so callers treat it as opaque; a page
costs the same however deep it is, and rows added meanwhile never shift a page.
`count_suppressions` gives the size of a filter's whole result (for a bulk action's
confirmation); `evidence` is one stored input, as it arrived.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.sql import Select

from bouncewarden.policy import AddressStatus
from bouncewarden.store.evidence import RawItem, load_evidence
from bouncewarden.store.models import Address, Event
from bouncewarden.store.queries import EventRecord, Suppression

__all__ = ["Browser", "EventFilter", "InvalidCursor", "Page", "SuppressionFilter"]

MAX_PAGE = 1000
T = TypeVar("T")


class InvalidCursor(ValueError):
    """A cursor that this service did not hand out."""


@dataclass(frozen=True, slots=True)
class EventFilter:
    """Which stored events to list; every field narrows, None means any."""

    kinds: tuple[str, ...] = ()
    state: str | None = None
    reason: str | None = None
    severity: str | None = None
    source: str | None = None
    domain: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    text: str | None = None
    address: str | None = None


@dataclass(frozen=True, slots=True)
class SuppressionFilter:
    """Which suppressions to list."""

    reason: str | None = None
    source: str | None = None
    domain: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    text: str | None = None


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list and the cursor of the next (None on the last page)."""

    items: list[T]
    next_cursor: str | None


def _encode(key: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def _decode(cursor: str) -> Any:
    try:
        return json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError) as err:
        raise InvalidCursor(f"not a cursor from this service: {cursor[:40]!r}") from err


def _contains(text: str) -> str:
    """A LIKE pattern that finds `text` anywhere, its own wildcards escaped."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _in_domain(domain: str) -> str:
    escaped = domain.lower().strip().lstrip("@").replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%@{escaped}"


_EVENT_COLUMNS = [getattr(Event, field.name) for field in fields(EventRecord)]


class _Narrowing(Protocol):
    """The filters events and suppressions share."""

    @property
    def domain(self) -> str | None: ...
    @property
    def since(self) -> datetime | None: ...
    @property
    def until(self) -> datetime | None: ...
    @property
    def text(self) -> str | None: ...


def _narrowed(query: Select[Any], wanted: _Narrowing, *, address: Any, moment: Any, text: Any) -> Select[Any]:
    """`query` limited to the domain, the time span [since, until) and the text `wanted` gives."""
    if wanted.domain:
        query = query.where(address.like(_in_domain(wanted.domain), escape="\\"))
    if wanted.since is not None:
        query = query.where(moment >= wanted.since)
    if wanted.until is not None:
        query = query.where(moment < wanted.until)
    if wanted.text:
        query = query.where(func.lower(text).like(_contains(wanted.text), escape="\\"))
    return query


def _event_query(wanted: EventFilter) -> Select[Any]:
    query: Select[Any] = select(*_EVENT_COLUMNS)
    if wanted.state is not None:
        query = query.outerjoin(Address, Address.address == Event.address)
        state = func.coalesce(Address.state, AddressStatus.ACTIVE.value)
        query = query.where(state == wanted.state)
    if wanted.kinds:
        query = query.where(Event.kind.in_(wanted.kinds))
    for column, value in (
        (Event.reason, wanted.reason),
        (Event.severity, wanted.severity),
        (Event.source, wanted.source),
        (Event.address, wanted.address),
    ):
        if value:
            query = query.where(column == value)
    return _narrowed(query, wanted, address=Event.address, moment=Event.occurred_at, text=Event.diagnostic)


_SUPPRESSION_COLUMNS: list[Any] = [
    Address.address,
    Address.suppression_reason,
    Address.suppressed_at,
    Address.suppression_note,
    Address.suppression_source,
]


def _suppression_query(wanted: SuppressionFilter) -> Select[Any]:
    query: Select[Any] = select(*_SUPPRESSION_COLUMNS).where(Address.state == AddressStatus.SUPPRESSED.value)
    if wanted.reason:
        query = query.where(Address.suppression_reason == wanted.reason)
    if wanted.source:
        query = query.where(Address.suppression_source == wanted.source)
    return _narrowed(
        query, wanted, address=Address.address, moment=Address.suppressed_at, text=Address.suppression_note
    )


def _suppression(row: Any) -> Suppression:
    return Suppression(row[0], row[1] or "", row[2], row[3], row[4])


class Browser:
    """The stored events and the suppression list, filtered and a page at a time."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def events(self, wanted: EventFilter, *, limit: int, cursor: str | None) -> Page[EventRecord]:
        """One page of matching events, newest first."""
        query = _event_query(wanted)
        if cursor:
            last = _decode(cursor)
            if not isinstance(last, int):
                raise InvalidCursor("not an event cursor")
            query = query.where(Event.id < last)
        size = max(1, min(limit, MAX_PAGE))
        with self._engine.connect() as connection:
            rows = connection.execute(query.order_by(Event.id.desc()).limit(size + 1)).all()
        items = [EventRecord(*row) for row in rows[:size]]
        return Page(items, _encode(items[-1].id) if len(rows) > size else None)

    def event_addresses(self, wanted: EventFilter) -> Iterator[str]:
        """The distinct addresses of the matching events (for bulk actions)."""
        query = select(_event_query(wanted).subquery().c.address).distinct()
        with self._engine.connect() as connection:
            yield from connection.execution_options(yield_per=10_000).execute(query).scalars()

    def suppressions(self, wanted: SuppressionFilter, *, limit: int, cursor: str | None) -> Page[Suppression]:
        """One page of matching suppressions, in address order."""
        query = _suppression_query(wanted)
        if cursor:
            last = _decode(cursor)
            if not isinstance(last, str):
                raise InvalidCursor("not a suppression cursor")
            query = query.where(Address.address > last)
        size = max(1, min(limit, MAX_PAGE))
        with self._engine.connect() as connection:
            rows = connection.execute(query.order_by(Address.address).limit(size + 1)).all()
        items = [_suppression(row) for row in rows[:size]]
        return Page(items, _encode(items[-1].address) if len(rows) > size else None)

    def count_suppressions(self, wanted: SuppressionFilter) -> int:
        """How many suppressions match."""
        subquery = _suppression_query(wanted).subquery()
        with self._engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(subquery)).scalar_one())

    def iter_suppressions(self, wanted: SuppressionFilter) -> Iterator[Suppression]:
        """Every matching suppression, in address order (streamed)."""
        query = _suppression_query(wanted).order_by(Address.address)
        with self._engine.connect() as connection:
            for row in connection.execution_options(yield_per=10_000).execute(query):
                yield _suppression(row)

    def evidence(self, evidence_id: int) -> RawItem | None:
        """The stored input `evidence_id`, or None."""
        return load_evidence(self._engine, evidence_id)
