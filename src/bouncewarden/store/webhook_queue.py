"""The outgoing webhooks' queue: the outbox and the notices turned into deliveries, and their fate.

Feeding reads each stream (`outbox`, `notices`) after the webhook's cursor, turns the changes
into deliveries (one row per event, with the exact body sent at every attempt) and moves the
cursor, in one transaction: a process killed at any point has either queued a change or will
read it again. A stream is read only up to its committed high-water mark
(`store.high_water`), so no id is passed over before its row is visible.

Each delivery is linked to the one queued before it for the same ordering key (an address or
a notice's subject), `after_id`. Claiming picks, per webhook, the oldest pending deliveries
whose predecessor is not pending and whose time has come (index and primary-key lookups
only), and leases them by moving `next_attempt_at` ahead: a delivery waiting for its retry
holds back the later ones of its key, and only those. A process
that dies mid-attempt leaves the lease to run out, and the delivery is sent again (same id and
body). A dead-lettered delivery no longer holds its key back. Delivered rows are deleted after
a while (`forget_delivered`); a link to a deleted row holds nothing back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import bindparam, case, delete, exists, func, insert, select, text, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import aliased

from bouncewarden.store.engine import WRITE
from bouncewarden.store.high_water import committed_high_water
from bouncewarden.store.models import NoticeRow, OutboxRow, WebhookCursor, WebhookDelivery
from bouncewarden.store.notices import Notice, read_notices
from bouncewarden.store.outbox import OutboxEntry, read_outbox
from bouncewarden.store.recording import dialect_insert
from bouncewarden.store.types import as_utc

__all__ = [
    "DEAD",
    "DELIVERED",
    "PENDING",
    "Change",
    "DeadLetter",
    "Outcome",
    "QueueSummary",
    "QueuedDelivery",
    "QueuedEvent",
    "WebhookQueue",
]

PENDING, DELIVERED, DEAD = "pending", "delivered", "dead"
_STREAMS: dict[str, type[OutboxRow] | type[NoticeRow]] = {"outbox": OutboxRow, "notices": NoticeRow}

Change = OutboxEntry | Notice
"""One change a webhook may be told about."""


@dataclass(frozen=True, slots=True)
class QueuedEvent:
    """One event to queue: its id, topic, the key it is ordered by, and the body to send."""

    event_id: str
    topic: str
    ordering_key: str
    body: str


@dataclass(frozen=True, slots=True)
class QueuedDelivery:
    """A claimed delivery: what to send, and how many attempts it has had."""

    id: int
    event_id: str
    topic: str
    body: str
    attempts: int


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one attempt came to, as it is written back."""

    id: int
    state: str
    attempts: int
    next_attempt_at: datetime
    last_status: int | None
    last_error: str | None
    delivered_at: datetime | None


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A delivery given up after its last attempt."""

    id: int
    webhook: str
    event_id: str
    topic: str
    ordering_key: str
    attempts: int
    last_status: int | None
    last_error: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class QueueSummary:
    """One webhook's queue: deliveries waiting (`retrying` of them after a failed attempt) and
    dead, changes not yet queued; with history, deliveries done and failed attempts in all."""

    webhook: str
    pending: int = 0
    retrying: int = 0
    dead: int = 0
    unqueued: int = 0
    delivered: int | None = None
    failed_attempts: int | None = None


def _merge(outbox: list[OutboxEntry], notices: list[Notice], *, more: tuple[bool, bool]) -> list[Change]:
    """Both pages in time order, each kept in its own id order. A stream with `more` rows than
    its page ends the merge where its page ends: its next rows may be earlier than the rest."""
    merged: list[Change] = []
    o = n = 0
    while o < len(outbox) or n < len(notices):
        if (o == len(outbox) and more[0]) or (n == len(notices) and more[1]):
            break
        if n == len(notices) or (o < len(outbox) and outbox[o].at <= notices[n].at):
            merged.append(outbox[o])
            o += 1
        else:
            merged.append(notices[n])
            n += 1
    return merged


class WebhookQueue:
    """The deliveries of every webhook, over one engine."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._write = engine.execution_options(**WRITE)

    def feed(
        self,
        webhook: str,
        to_events: Callable[[Sequence[Change]], list[QueuedEvent]],
        *,
        now: datetime,
        limit: int = 500,
    ) -> int:
        """Queue the next changes for `webhook` (`to_events` picks and shapes them); how many were read."""
        high = {stream: committed_high_water(self._engine, table) for stream, table in _STREAMS.items()}
        with self._write.begin() as connection:
            # One feeder per webhook at a time (on SQLite, BEGIN IMMEDIATE does it).
            if connection.dialect.name == "postgresql":
                key = {"key": f"bouncewarden.webhook:{webhook}"}
                connection.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), key)
            cursors = self._cursors(connection, webhook)
            outbox_page = read_outbox(connection, after_id=cursors["outbox"], limit=limit)
            notice_page = read_notices(connection, after_id=cursors["notices"], limit=limit)
            outbox = [entry for entry in outbox_page if entry.id <= high["outbox"]]
            notices = [notice for notice in notice_page if notice.id <= high["notices"]]
            more = (
                len(outbox_page) == limit or len(outbox) < len(outbox_page),
                len(notice_page) == limit or len(notices) < len(notice_page),
            )
            changes = _merge(outbox, notices, more=more)
            if not changes:
                return 0
            events = to_events(changes)
            if events:
                self._insert(connection, webhook, events, now)
            for stream, kind in (("outbox", OutboxEntry), ("notices", Notice)):
                ids = [change.id for change in changes if isinstance(change, kind)]
                if ids:
                    self._move_cursor(connection, webhook, stream, max(ids))
        return len(changes)

    @staticmethod
    def _insert(connection: Connection, webhook: str, events: list[QueuedEvent], now: datetime) -> None:
        """Insert the deliveries, each linked to the one before it of the same key (`after_id`)."""
        keys = sorted({event.ordering_key for event in events})
        last: dict[str, int] = {}
        for start in range(0, len(keys), 500):
            query = (
                select(WebhookDelivery.ordering_key, func.max(WebhookDelivery.id))
                .where(
                    WebhookDelivery.webhook == webhook,
                    WebhookDelivery.ordering_key.in_(keys[start : start + 500]),
                )
                .group_by(WebhookDelivery.ordering_key)
            )
            last.update((key, int(found)) for key, found in connection.execute(query))
        rows = [
            {
                "webhook": webhook,
                "event_id": event.event_id,
                "topic": event.topic,
                "ordering_key": event.ordering_key,
                "body": event.body,
                "state": PENDING,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            for event in events
        ]
        statement = insert(WebhookDelivery).returning(WebhookDelivery.id, sort_by_parameter_order=True)
        links = []
        for event, new_id in zip(events, connection.execute(statement, rows).scalars(), strict=True):
            before = last.get(event.ordering_key)
            if before is not None:
                links.append({"key": new_id, "before": before})
            last[event.ordering_key] = new_id
        if links:
            connection.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.id == bindparam("key"))
                .values(after_id=bindparam("before")),
                links,
            )

    @staticmethod
    def _cursors(connection: Connection, webhook: str) -> dict[str, int]:
        found = dict.fromkeys(_STREAMS, 0)
        query = select(WebhookCursor.stream, WebhookCursor.last_id).where(WebhookCursor.webhook == webhook)
        for stream, last_id in connection.execute(query):
            found[stream] = int(last_id)
        return found

    @staticmethod
    def _move_cursor(connection: Connection, webhook: str, stream: str, last_id: int) -> None:
        statement = dialect_insert(connection.dialect.name, WebhookCursor).values(
            webhook=webhook, stream=stream, last_id=last_id
        )
        connection.execute(
            statement.on_conflict_do_update(
                index_elements=["webhook", "stream"], set_={"last_id": statement.excluded.last_id}
            )
        )

    def claim(self, webhook: str, *, now: datetime, lease: timedelta, limit: int) -> list[QueuedDelivery]:
        """Lease up to `limit` deliveries that are due and first in line for their key."""
        before = aliased(WebhookDelivery)
        waiting = (
            exists()
            .where(before.id == WebhookDelivery.after_id, before.state == PENDING)
            .correlate(WebhookDelivery)
        )
        query = (
            select(
                WebhookDelivery.id,
                WebhookDelivery.event_id,
                WebhookDelivery.topic,
                WebhookDelivery.body,
                WebhookDelivery.attempts,
            )
            .where(
                WebhookDelivery.webhook == webhook,
                WebhookDelivery.state == PENDING,
                WebhookDelivery.next_attempt_at <= now,
                ~waiting,
            )
            .order_by(WebhookDelivery.id)
            .limit(limit)
        )
        with self._write.begin() as connection:
            if connection.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True, of=WebhookDelivery)
            claimed = [QueuedDelivery(*row) for row in connection.execute(query)]
            if claimed:
                connection.execute(
                    update(WebhookDelivery)
                    .where(WebhookDelivery.id.in_([delivery.id for delivery in claimed]))
                    .values(next_attempt_at=now + lease)
                )
        return claimed

    def record(self, outcomes: Sequence[Outcome]) -> None:
        """Write back what the attempts came to."""
        if not outcomes:
            return
        statement = (
            update(WebhookDelivery)
            .where(WebhookDelivery.id == bindparam("key"), WebhookDelivery.state == PENDING)
            .values(
                state=bindparam("new_state"),
                attempts=bindparam("new_attempts"),
                next_attempt_at=bindparam("next_at"),
                last_status=bindparam("status"),
                last_error=bindparam("error"),
                delivered_at=bindparam("done_at"),
            )
        )
        rows = [
            {
                "key": outcome.id,
                "new_state": outcome.state,
                "new_attempts": outcome.attempts,
                "next_at": outcome.next_attempt_at,
                "status": outcome.last_status,
                "error": outcome.last_error,
                "done_at": outcome.delivered_at,
            }
            for outcome in outcomes
        ]
        with self._write.begin() as connection:
            connection.execute(statement, rows)

    def forget_delivered(self, webhook: str, *, before: datetime) -> int:
        """Delete `webhook`'s deliveries done before `before`; how many."""
        statement = delete(WebhookDelivery).where(
            WebhookDelivery.webhook == webhook,
            WebhookDelivery.state == DELIVERED,
            WebhookDelivery.delivered_at < before,
        )
        with self._write.begin() as connection:
            return int(connection.execute(statement).rowcount)

    def dead_letters(self, webhook: str | None = None) -> list[DeadLetter]:
        """Deliveries given up, oldest first (of one webhook, or all)."""
        query = select(WebhookDelivery).where(WebhookDelivery.state == DEAD).order_by(WebhookDelivery.id)
        if webhook is not None:
            query = query.where(WebhookDelivery.webhook == webhook)
        with self._engine.connect() as connection:
            return [
                DeadLetter(
                    row.id,
                    row.webhook,
                    row.event_id,
                    row.topic,
                    row.ordering_key,
                    row.attempts,
                    row.last_status,
                    row.last_error,
                    as_utc(row.created_at),
                )
                for row in connection.execute(query)
            ]

    def replay(self, ids: Sequence[int] | None, *, now: datetime, webhook: str | None = None) -> int:
        """Queue dead deliveries again (the given ids, or all when `ids` is None); how many."""
        statement = (
            update(WebhookDelivery)
            .where(WebhookDelivery.state == DEAD)
            .values(state=PENDING, attempts=0, next_attempt_at=now, last_error=None, last_status=None)
        )
        if ids is not None:
            statement = statement.where(WebhookDelivery.id.in_(list(ids)))
        if webhook is not None:
            statement = statement.where(WebhookDelivery.webhook == webhook)
        with self._write.begin() as connection:
            return int(connection.execute(statement).rowcount)

    def summaries(self, webhooks: Sequence[str], *, history: bool = False) -> list[QueueSummary]:
        """Each named webhook's queue, in the order given. Without `history` only index lookups
        (cheap enough for every scrape of `/metrics`); with it, a pass over all deliveries."""
        with self._engine.connect() as connection:
            tops = {
                stream: int(connection.execute(select(func.coalesce(func.max(table.id), 0))).scalar_one())
                for stream, table in _STREAMS.items()
            }
            return [self._summary(connection, name, tops, history) for name in webhooks]

    def _summary(
        self, connection: Connection, webhook: str, tops: dict[str, int], history: bool
    ) -> QueueSummary:
        mine = WebhookDelivery.webhook == webhook
        counts = {
            state: int(count)
            for state, count in connection.execute(
                select(WebhookDelivery.state, func.count())
                .where(mine, WebhookDelivery.state.in_([PENDING, DEAD]))
                .group_by(WebhookDelivery.state)
            )
        }
        retrying = connection.execute(
            select(func.count()).where(mine, WebhookDelivery.state == PENDING, WebhookDelivery.attempts > 0)
        ).scalar_one()
        unqueued = sum(tops[stream] - last for stream, last in self._cursors(connection, webhook).items())
        summary = QueueSummary(webhook, counts.get(PENDING, 0), int(retrying), counts.get(DEAD, 0), unqueued)
        if not history:
            return summary
        failed = case(
            (WebhookDelivery.state == DELIVERED, WebhookDelivery.attempts - 1), else_=WebhookDelivery.attempts
        )
        delivered, failures = connection.execute(
            select(
                func.count().filter(WebhookDelivery.state == DELIVERED), func.coalesce(func.sum(failed), 0)
            ).where(mine)
        ).one()
        return replace(summary, delivered=int(delivered), failed_attempts=int(failures))
