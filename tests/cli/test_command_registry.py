"""The lazy command group: every command is where `COMMANDS` says, and nothing loads early."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import click
import pytest

from bouncewarden.cli import COMMANDS


@pytest.mark.parametrize("module", sorted(set(COMMANDS.values())))
def test_each_module_registers_exactly_its_commands(module: str) -> None:
    group = click.Group()
    importlib.import_module(module).register(group)
    assert sorted(group.commands) == sorted(name for name, owner in COMMANDS.items() if owner == module)


def test_check_does_not_load_the_parsers(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'bw.db'}"
    probe = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from bouncewarden.cli import main\n"
        f"result = CliRunner().invoke(main, ['check', 'a@example.com', '--db', {database!r}])\n"
        "assert result.exit_code == 0, result.output\n"
        "print(sorted(name for name in sys.modules if name.startswith('bouncewarden.parse')))\n"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"
