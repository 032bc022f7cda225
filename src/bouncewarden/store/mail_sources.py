"""What mail sources remember between runs: their status, and how far each mailbox was read.

- `source_status`: one row per source (`smtp`, `mailbox:NAME`), upserted by the source:
  counts, when it started, the last message, the last error. `smtp status` and
  `mailbox list` read it, from any process.
- `mailbox_cursors`: per IMAP folder, UIDVALIDITY and the highest UID handled (RFC 3501
  section 2.3.1.1): a restart asks only for newer UIDs; a new UIDVALIDITY starts again from
  the first message, and the events' dedupe keys make that harmless.
- `mailbox_seen`: keys of messages left in place (POP3 UIDL, RFC 1939; Maildir unique
  names), so a second scan skips them; keys no longer in the mailbox are forgotten.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine

from bouncewarden.store.engine import WRITE
from bouncewarden.store.models import MailboxCursor, MailboxSeen, SourceStatus
from bouncewarden.store.recording import insert_ignore
from bouncewarden.store.types import as_utc

__all__ = [
    "MailSourceLedger",
    "SourceState",
    "forget_seen",
    "load_cursor",
    "mark_seen",
    "save_cursor",
    "save_source_state",
    "seen_keys",
    "source_states",
]


@dataclass(frozen=True, slots=True)
class SourceState:
    """A source's last reported status."""

    name: str
    kind: str
    counts: Mapping[str, int]
    started_at: datetime | None
    last_seen_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    updated_at: datetime


def _utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else as_utc(moment)


def save_source_state(engine: Engine, state: SourceState) -> None:
    """Insert or replace the status row of `state.name`."""
    values = {
        "name": state.name,
        "kind": state.kind,
        "counts": dict(state.counts),
        "started_at": state.started_at,
        "last_seen_at": state.last_seen_at,
        "last_error": state.last_error,
        "last_error_at": state.last_error_at,
        "updated_at": state.updated_at,
    }
    with engine.execution_options(**WRITE).begin() as connection:
        statement = insert_ignore(connection, SourceStatus).values(values)
        changes = {key: value for key, value in values.items() if key != "name"}
        connection.execute(statement.on_conflict_do_update(index_elements=["name"], set_=changes))


def source_states(engine: Engine, kind: str | None = None) -> list[SourceState]:
    """Every stored source status (of one kind, if given), by name."""
    query = select(SourceStatus).order_by(SourceStatus.name)
    if kind is not None:
        query = query.where(SourceStatus.kind == kind)
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return [
        SourceState(
            name=row.name,
            kind=row.kind,
            counts={str(key): int(value) for key, value in dict(row.counts or {}).items()},
            started_at=_utc(row.started_at),
            last_seen_at=_utc(row.last_seen_at),
            last_error=row.last_error,
            last_error_at=_utc(row.last_error_at),
            updated_at=as_utc(row.updated_at),
        )
        for row in rows
    ]


def load_cursor(engine: Engine, mailbox: str, folder: str) -> tuple[int, int] | None:
    """(UIDVALIDITY, last UID) stored for the folder, or None when it was never read."""
    query = select(MailboxCursor.uidvalidity, MailboxCursor.last_uid).where(
        MailboxCursor.mailbox == mailbox, MailboxCursor.folder == folder
    )
    with engine.connect() as connection:
        row = connection.execute(query).first()
    return None if row is None else (int(row.uidvalidity), int(row.last_uid))


def save_cursor(
    engine: Engine, mailbox: str, folder: str, uidvalidity: int, last_uid: int, now: datetime
) -> None:
    """Remember that the folder is read up to `last_uid` under `uidvalidity`."""
    values = {
        "mailbox": mailbox,
        "folder": folder,
        "uidvalidity": uidvalidity,
        "last_uid": last_uid,
        "updated_at": now,
    }
    with engine.execution_options(**WRITE).begin() as connection:
        statement = insert_ignore(connection, MailboxCursor).values(values)
        connection.execute(
            statement.on_conflict_do_update(
                index_elements=["mailbox", "folder"],
                set_={"uidvalidity": uidvalidity, "last_uid": last_uid, "updated_at": now},
            )
        )


def seen_keys(engine: Engine, mailbox: str) -> set[str]:
    """Keys of the messages of `mailbox` already read and left in place."""
    with engine.connect() as connection:
        found = connection.execute(select(MailboxSeen.key).where(MailboxSeen.mailbox == mailbox))
        return set(found.scalars())


def mark_seen(engine: Engine, mailbox: str, keys: Iterable[str], now: datetime) -> None:
    """Remember messages left in place."""
    rows = [{"mailbox": mailbox, "key": key, "seen_at": now} for key in keys]
    if not rows:
        return
    with engine.execution_options(**WRITE).begin() as connection:
        connection.execute(insert_ignore(connection, MailboxSeen).on_conflict_do_nothing(), rows)


def forget_seen(engine: Engine, mailbox: str, keys: Iterable[str]) -> None:
    """Forget messages that are no longer in the mailbox."""
    gone = sorted(keys)
    if not gone:
        return
    with engine.execution_options(**WRITE).begin() as connection:
        connection.execute(
            delete(MailboxSeen).where(MailboxSeen.mailbox == mailbox, MailboxSeen.key.in_(gone))
        )


class MailSourceLedger:
    """The functions above over one engine: what the SMTP receiver and mailbox scanner are given."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def save_state(self, state: SourceState) -> None:
        """Store a source's status."""
        save_source_state(self._engine, state)

    def states(self, kind: str | None = None) -> list[SourceState]:
        """Stored statuses (of one kind)."""
        return source_states(self._engine, kind)

    def cursor(self, mailbox: str, folder: str) -> tuple[int, int] | None:
        """(UIDVALIDITY, last UID) of a folder."""
        return load_cursor(self._engine, mailbox, folder)

    def save_cursor(self, mailbox: str, folder: str, uidvalidity: int, last_uid: int, now: datetime) -> None:
        """Remember how far a folder is read."""
        save_cursor(self._engine, mailbox, folder, uidvalidity, last_uid, now)

    def seen(self, mailbox: str) -> set[str]:
        """Keys of messages read and left in place."""
        return seen_keys(self._engine, mailbox)

    def mark_seen(self, mailbox: str, keys: Iterable[str], now: datetime) -> None:
        """Remember messages left in place."""
        mark_seen(self._engine, mailbox, keys, now)

    def forget_seen(self, mailbox: str, keys: Iterable[str]) -> None:
        """Forget messages gone from the mailbox."""
        forget_seen(self._engine, mailbox, keys)
