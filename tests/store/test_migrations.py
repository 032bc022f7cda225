"""Migrations run from an empty database, match the models, and are safe to run concurrently."""

from __future__ import annotations

import threading
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from bouncewarden.intake import Feedback
from bouncewarden.parse.lines import iter_records
from bouncewarden.parse.pmta import AccountingReader
from bouncewarden.store import HEAD_REVISION, current_revision, make_engine, upgrade
from bouncewarden.store.models import Base

MIGRATIONS = Path(__file__).parents[2] / "src" / "bouncewarden" / "store" / "migrations"
PMTA_SAMPLES = Path(__file__).parents[1] / "samples" / "pmta"
TABLES = {
    "addresses",
    "alembic_version",
    "alerts",
    "channel_cursors",
    "incidents",
    "sent_messages",
    "api_tokens",
    "audit_log",
    "blocked_patterns",
    "events",
    "evidence",
    "file_positions",
    "outbox",
    "hourly_counters",
    "mailbox_cursors",
    "mailbox_seen",
    "notices",
    "operator_rules",
    "quarantine",
    "source_status",
    "stream_memories",
    "transitions",
    "users",
    "webhook_cursors",
    "webhook_deliveries",
}


def test_head_revision_constant_matches_the_scripts() -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_heads() == [HEAD_REVISION]


def test_upgrade_from_empty_creates_the_schema(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        assert current_revision(engine) is None
        upgrade(engine)
        assert current_revision(engine) == HEAD_REVISION
        inspector = sa.inspect(engine)
        assert set(inspector.get_table_names()) == TABLES
        assert "suppressions" in inspector.get_view_names()
        upgrade(engine)  # at head already: nothing to do
        assert current_revision(engine) == HEAD_REVISION
    finally:
        engine.dispose()


def test_migrated_schema_matches_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'deep' / 'folder' / 'db.sqlite'}")
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert (connection.exec_driver_sql("PRAGMA busy_timeout").scalar() or 0) >= 1000
    finally:
        engine.dispose()


def test_concurrent_upgrades_from_empty(database_url: str) -> None:
    engines = [make_engine(database_url) for _ in range(3)]
    barrier = threading.Barrier(len(engines))
    errors: list[BaseException] = []

    def run(engine: sa.Engine) -> None:
        try:
            barrier.wait()
            upgrade(engine)
        except BaseException as err:  # reported by the assertion below
            errors.append(err)

    threads = [threading.Thread(target=run, args=(engine,)) for engine in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == []
        assert current_revision(engines[0]) == HEAD_REVISION
    finally:
        for engine in engines:
            engine.dispose()


def _upgrade_to(engine: sa.Engine, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def test_powermta_keys_stored_before_0017_match_what_the_reader_gives_now(database_url: str) -> None:
    reader = AccountingReader()
    with (PMTA_SAMPLES / "acct-2026-12-05-2100.csv").open("rb") as stream:
        readings = [reader.read(record.data) for record in iter_records(stream, quoted=True)]
    events = [event for reading in readings if isinstance(reading, Feedback) for event in reading.events]
    assert len(events) >= 5
    engine = make_engine(database_url)
    try:
        _upgrade_to(engine, "0016_webhooks")
        insert = sa.text(
            "INSERT INTO events (dedupe_key, kind, recipient, address, severity, reason, counts_toward_rate,"
            " source, occurred_at, recorded_at, tags)"
            " VALUES (:key, :kind, :address, :address, 'hard', 'userunknown', :flag, 'pmta', :at, :at, '{}')"
        )
        with engine.begin() as connection:
            for event in events:
                seconds, rest = event.dedupe_key.removeprefix("pmta:").split(":", 1)
                assert len(seconds) == 11
                connection.execute(
                    insert,
                    {
                        "key": f"pmta:{rest}",  # the key as the reader wrote it before 0017
                        "kind": event.kind.value,
                        "address": event.address,
                        "flag": True,
                        "at": event.occurred_at,
                    },
                )
        upgrade(engine)
        with engine.connect() as connection:
            stored = set(connection.execute(sa.text("SELECT dedupe_key FROM events")).scalars())
        assert stored == {event.dedupe_key for event in events}
    finally:
        engine.dispose()
