"""Database engines and schema upgrades.

SQLite (one machine) keeps its files private (folder 700, files 600) and runs in WAL mode
with a busy timeout and foreign keys on; transactions that write start with `BEGIN
IMMEDIATE`, so two processes never both read and then fail to upgrade to a write lock.
PostgreSQL URLs use psycopg 3 (`postgresql://` is read as `postgresql+psycopg://`).

`upgrade` runs the Alembic migrations under `store/migrations` without any alembic.ini. It
first reads `alembic_version` with plain SQL and returns when the database is already at
`HEAD_REVISION`, so short-lived commands do not pay for importing Alembic.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from bouncewarden.errors import StorageError

__all__ = ["HEAD_REVISION", "WRITE", "current_revision", "make_engine", "normalise_url", "ping", "upgrade"]

HEAD_REVISION = "0018_stream_memories"
"""The newest migration; a test checks it against the revision scripts."""

WRITE: dict[str, Any] = {"bouncewarden_write": True}
"""Execution options for a connection that will write (`BEGIN IMMEDIATE` on SQLite)."""

_MIGRATIONS = Path(__file__).parent / "migrations"
_BUSY_TIMEOUT_MS = 30_000
_LOCKED_RETRIES = 5
# Any constant key; it only has to be the same for every bouncewarden process.
_MIGRATION_LOCK_KEY = 0x626F756E6365


def normalise_url(url: str) -> URL:
    """`url` parsed, with PostgreSQL pointed at psycopg 3."""
    parsed = make_url(url)
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def make_engine(url: str) -> Engine:
    """An engine for `url`; for SQLite, the data folder is created and the pragmas are set."""
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    return create_engine(parsed, pool_pre_ping=True)


def _create_private(database: Path) -> None:
    """Create the data folder (700) and an empty database file (600) unless they exist.

    They hold addresses and raw bounce mail. SQLite gives the `-wal` and `-shm` files the
    mode of the database file, so those are private too.
    """
    database.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _sqlite_engine(url: URL) -> Engine:
    database = url.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        _create_private(Path(database).expanduser())
    engine = create_engine(url, connect_args={"timeout": _BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The driver must not open transactions itself; the "begin" hook below does.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        writes = connection.get_execution_options().get("bouncewarden_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")

    return engine


def ping(engine: Engine) -> None:
    """Raise unless the database answers `SELECT 1`."""
    with engine.connect() as connection:
        connection.execute(text("SELECT 1")).scalar_one()


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at, or None for an empty database."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision (safe when several processes do it at once).

    On a new SQLite file, processes starting together can be refused at once ("database is
    locked": switching the file to WAL mode does not wait for the busy timeout); such a start
    tries again after a short pause, a few times, then reports the error.
    """
    for attempt in range(_LOCKED_RETRIES + 1):
        try:
            if current_revision(engine) == HEAD_REVISION:
                return
            _run_alembic(engine)
            return
        except OperationalError as err:
            if attempt == _LOCKED_RETRIES or not _locked(engine, err):
                raise StorageError(f"cannot upgrade the database schema ({engine.url!r}): {err}") from err
            engine.dispose()
            time.sleep(0.1 * (attempt + 1))
        except SQLAlchemyError as err:
            raise StorageError(f"cannot upgrade the database schema ({engine.url!r}): {err}") from err


def _locked(engine: Engine, err: OperationalError) -> bool:
    return engine.dialect.name == "sqlite" and "database is locked" in str(err.orig)


def _run_alembic(engine: Engine) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    with engine.execution_options(**WRITE).begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
