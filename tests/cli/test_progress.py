"""Long runs show their progress and rate on a terminal, and nothing in a pipe or with `--json`.

Each command runs as its own process, with stderr on a pseudo-terminal or in a pipe, as a
person or a script would run it (issue 9: `ingest`, `import`, `clean`, `quarantine replay`).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from feedback_files import dsn
from terminal import stderr_in_a_pipe, stderr_on_a_terminal

T0 = datetime(2025, 11, 3, 9, 0, tzinfo=UTC)
# "ingesting: 100%  60 inputs, 1,234/s": a label, the share done, the count and the rate.
_LINE = r"{label}: +100%  {count} {noun}, [\d,]+/s"


def _database(tmp_path: Path) -> str:
    return f"sqlite:///{(tmp_path / 'progress.db').as_posix()}"


def _inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for number in range(60):  # enough files for progress to be worth showing
        (folder / f"{number:02d}.eml").write_bytes(dsn(f"user{number}@example.org", T0))
    return folder


def _big_list(tmp_path: Path) -> Path:
    path = tmp_path / "list.csv"
    with path.open("w") as handle:
        handle.write("email,name\n")
        handle.writelines(f"reader{number}@example.org,Reader {number}\n" for number in range(150_000))
    assert path.stat().st_size > 4 * 1024 * 1024  # above the size where `clean` shows progress
    return path


def _small_list(tmp_path: Path) -> Path:
    path = tmp_path / "suppressed.csv"
    path.write_text(
        "address,reason\n" + "".join(f"gone{number}@example.org,imported\n" for number in range(2500))
    )
    return path


def _quarantined(tmp_path: Path, database: str) -> None:
    folder = tmp_path / "garbage"
    folder.mkdir()
    for number in range(3):
        (folder / f"{number}.bin").write_bytes(b"\x00\x01\x02 not mail %d" % number)
    status, _ = stderr_in_a_pipe(["ingest", str(folder), "--db", database], tmp_path)
    assert status == 3  # quarantined


def _arguments(command: str, tmp_path: Path, database: str) -> list[str]:
    """The command line of a long run of `command`, with what it needs made in `tmp_path`."""
    if command == "ingest":
        return ["ingest", str(_inbox(tmp_path))]
    if command == "import":
        return ["import", str(_small_list(tmp_path))]
    if command == "clean":
        return ["clean", str(_big_list(tmp_path)), "-o", str(tmp_path / "out.csv")]
    _quarantined(tmp_path, database)
    return ["quarantine", "replay", "--all"]


# command, its progress label, the count it ends on, what it counts, its exit status
_RUNS = [
    ("ingest", "ingesting", "60", "inputs", 0),
    ("import", "importing", "2,500", "rows", 0),
    ("clean", "cleaning", "150,000", "rows", 0),
    ("quarantine replay", "replaying", "3", "inputs", 3),  # 3: still unreadable
]


@pytest.mark.parametrize(("command", "label", "count", "noun", "status"), _RUNS, ids=[r[0] for r in _RUNS])
def test_a_long_run_shows_progress_and_rate_on_a_terminal_only(
    tmp_path: Path, command: str, label: str, count: str, noun: str, status: int
) -> None:
    database = _database(tmp_path)
    arguments = [*_arguments(command, tmp_path, database), "--db", database]

    returncode, terminal = stderr_on_a_terminal(arguments, tmp_path)
    assert returncode == status, terminal
    assert re.search(_LINE.format(label=label, count=count, noun=noun), terminal), terminal

    returncode, piped = stderr_in_a_pipe(arguments, tmp_path)
    assert returncode == status, piped
    assert f"{label}:" not in piped and "\r" not in piped and "/s" not in piped

    if command != "import":  # `import` has no --json
        returncode, terminal = stderr_on_a_terminal([*arguments, "--json"], tmp_path)
        assert returncode == status, terminal
        assert f"{label}:" not in terminal and "/s" not in terminal
