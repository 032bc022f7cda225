"""Notices: the outbox for changes that are not about one address.

Alerts raised and resolved and incidents opened are written here, in the transaction that
decides them, by `add_notice`. Consumers that tell others (webhooks, alert channels) read them
with `read_notices` in `id` order from the last id they handled, as they read the address
outbox (`bouncewarden.store.outbox`), so nothing is lost across restarts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from bouncewarden.store.models import NoticeRow
from bouncewarden.store.types import as_utc

__all__ = ["Notice", "add_notice", "add_notices", "read_notices"]


@dataclass(frozen=True, slots=True)
class Notice:
    """One change as its consumers read it: a topic such as `alert.raised`, the subject it is
    about (a sender identity, for ordering per subject) and its JSON payload."""

    id: int
    topic: str
    subject: str
    payload: Mapping[str, Any]
    at: datetime


def add_notice(
    connection: Connection, topic: str, subject: str, payload: Mapping[str, Any], *, at: datetime
) -> int:
    """Write one notice in the caller's transaction and return its id."""
    row = {"topic": topic, "subject": subject, "payload": dict(payload), "at": at}
    return int(connection.execute(insert(NoticeRow).returning(NoticeRow.id), row).scalar_one())


def add_notices(
    connection: Connection, notices: Sequence[tuple[str, str, Mapping[str, Any]]], *, at: datetime
) -> None:
    """Write many notices (topic, subject, payload) in the caller's transaction, in the order given."""
    if notices:
        rows = [
            {"topic": topic, "subject": subject, "payload": dict(payload), "at": at}
            for topic, subject, payload in notices
        ]
        connection.execute(insert(NoticeRow), rows)


def read_notices(connection: Connection, *, after_id: int = 0, limit: int = 1000) -> list[Notice]:
    """Up to `limit` notices with an id above `after_id`, oldest first."""
    query = select(NoticeRow).where(NoticeRow.id > after_id).order_by(NoticeRow.id).limit(limit)
    return [
        Notice(row.id, row.topic, row.subject, row.payload, as_utc(row.at))
        for row in connection.execute(query)
    ]
