"""Shared fixtures: one database URL per backend, settings over it, a `Service` over those.

`database_url` is parametrised: `sqlite` (a file in the test's tmp folder) and `postgresql`.
For PostgreSQL the session creates its own database `bw_<random>` on the server named by
BOUNCEWARDEN_TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test) and drops
it at the end; each test gets a fresh schema inside it (through `search_path`), so parallel
runs and tests never see each other's rows. When the server cannot be reached the
PostgreSQL cases are skipped, unless the environment variable CI is set: then they fail.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

from bouncewarden.config import Settings
from bouncewarden.service import Service

POSTGRES_ADMIN_URL = os.environ.get(
    "BOUNCEWARDEN_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


def _admin_connection() -> psycopg.Connection[tuple[object, ...]]:
    try:
        return psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as err:
        message = f"PostgreSQL at {POSTGRES_ADMIN_URL} is unreachable: {err}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A throw-away database for this test session (SQLAlchemy URL, psycopg 3 driver)."""
    name = f"bw_{secrets.token_hex(6)}"
    with _admin_connection() as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = make_url(POSTGRES_ADMIN_URL).set(drivername="postgresql+psycopg", database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with _admin_connection() as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _postgres_schema_url(database_url: str) -> Iterator[str]:
    schema = f"t_{secrets.token_hex(6)}"
    plain = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        url = make_url(database_url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(plain, autocommit=True) as connection:
            connection.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file, or a fresh schema in the session's PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{(tmp_path / 'bouncewarden.db').as_posix()}"
        return
    yield from _postgres_schema_url(request.getfixturevalue("postgres_database"))


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Default settings over the test database, with a data folder in the tmp folder."""
    return Settings(database_url=database_url, data_dir=tmp_path / "data")


@pytest.fixture
def service(settings: Settings) -> Iterator[Service]:
    """A migrated `Service` over the test database (system clock)."""
    opened = Service.open(settings)
    try:
        yield opened
    finally:
        opened.close()
