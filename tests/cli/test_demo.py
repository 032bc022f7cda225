"""`serve --demo`: a fresh database with the bundled samples, and a one-time admin password."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from bouncewarden.cli import main
from bouncewarden.cli.demo import prepare_demo
from bouncewarden.config import Settings
from bouncewarden.service import Service
from bouncewarden.store.users import Role


def test_the_demo_database_is_fresh_filled_and_the_password_signs_in(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    configured = Settings(data_dir=tmp_path / "real-data")
    demo = prepare_demo(configured)
    printed = capsys.readouterr().out
    password = re.search(r"password:\s+(\S+)", printed)
    assert password is not None and "http://127.0.0.1:8025/" in printed
    assert demo.resolved_database_url != configured.resolved_database_url
    assert not (tmp_path / "real-data").exists()
    with Service.open(demo) as service:
        user = service.users.sign_in("admin", password.group(1))
        assert user is not None and user.role is Role.ADMINISTRATOR
        stats = service.admin.stats()
        assert stats.events["bounce"]["hard"] > 0 and stats.events["complaint"]["complaint"] > 0
        assert stats.events["send"]["none"] > 1000 and stats.quarantined == 2


def test_demo_refuses_a_database_of_its_own() -> None:
    answer = CliRunner().invoke(main, ["serve", "--demo", "--db", "sqlite:///elsewhere.db"])
    assert answer.exit_code == 2 and "fresh database" in answer.output
