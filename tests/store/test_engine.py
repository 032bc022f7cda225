"""Database engines: the SQLite data folder and files are private."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import sqlalchemy as sa

from bouncewarden.config import Settings
from bouncewarden.service import Service
from store_helpers import begin


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_data_folder_database_wal_and_shm_are_created_private(tmp_path: Path) -> None:
    """Issue 8 risk: ./data, the SQLite file and its -wal/-shm were created 755/644."""
    old = os.umask(0o022)
    try:
        data = tmp_path / "data"
        opened = Service.open(Settings(data_dir=data, database_url=None))
        with opened as service, begin(service) as connection:
            connection.execute(sa.text("SELECT count(*) FROM addresses")).scalar_one()
            database = data / "bouncewarden.db"
            files = [database, data / "bouncewarden.db-wal", data / "bouncewarden.db-shm"]
            assert all(path.exists() for path in files)
            assert mode(data) == 0o700
            assert [mode(path) for path in files] == [0o600, 0o600, 0o600]
    finally:
        os.umask(old)


def test_an_existing_database_file_keeps_its_mode(tmp_path: Path) -> None:
    database = tmp_path / "shared.db"
    database.touch(mode=0o640)
    database.chmod(0o640)
    with Service.open(Settings(database_url=f"sqlite:///{database}")):
        pass
    assert mode(database) == 0o640
