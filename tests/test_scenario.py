"""The acceptance scenario of issue 2, driven through the `bouncewarden` commands alone.

SES notification files (built on the shared samples, with their own addresses, ids and
times) are written to tmp folders and ingested; the outcome is read back with `check`,
`stats`, `history`. Runs on SQLite and on PostgreSQL (`database_url` fixture, `--db`).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bouncewarden.cli import main
from feedback_files import ses_blocklisted, ses_bounce, ses_complaint, ses_delivery

T0 = datetime(2025, 11, 3, 9, 0, tzinfo=UTC)


class Cli:
    """Runs `bouncewarden` commands against one database."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url

    def run(self, *arguments: str, expect: int = 0) -> Result:
        result = CliRunner().invoke(main, [*arguments, "--db", self.database_url], catch_exceptions=False)
        assert result.exit_code == expect, result.output
        return result

    def ingest(self, *paths: Path) -> dict[str, int]:
        summary: dict[str, int] = json.loads(self.run("ingest", "--json", *map(str, paths)).stdout)
        return summary

    def check(self, *addresses: str) -> list[str]:
        return self.run("check", *addresses).stdout.splitlines()

    def stats(self) -> dict[str, object]:
        stats: dict[str, object] = json.loads(self.run("stats", "--json").stdout)
        return stats


def write(folder: Path, name: str, data: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data)
    return path


@pytest.fixture
def cli(database_url: str) -> Cli:
    return Cli(database_url)


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    """A folder for the input files (tmp_path itself holds the SQLite database)."""
    return tmp_path / "inputs"


def test_hard_bounce_and_complaint_suppress(cli: Cli, inputs: Path) -> None:
    write(inputs, "hard.json", ses_bounce("hard@example.com", T0))
    write(inputs, "complaint.json", ses_complaint("Angry@Example.com", T0))
    summary = cli.ingest(inputs)
    assert summary["hard"] == 1 and summary["complaints"] == 1 and summary["quarantined"] == 0
    assert cli.check("hard@example.com", "angry@example.com") == [
        "hard@example.com\tsuppressed\thard_bounce",
        "angry@example.com\tsuppressed\tcomplaint",
    ]


def test_five_soft_bounces_expire_the_address(cli: Cli, inputs: Path) -> None:
    for attempt in range(4):
        write(
            inputs,
            f"soft-{attempt}.json",
            ses_bounce("full@example.com", T0 + timedelta(hours=attempt), permanent=False),
        )
    assert cli.ingest(inputs)["soft"] == 4
    assert cli.check("full@example.com") == ["full@example.com\tsoft"]
    fifth = write(
        inputs / "later",
        "soft-4.json",
        ses_bounce("full@example.com", T0 + timedelta(hours=4), permanent=False),
    )
    assert cli.ingest(fifth)["soft"] == 1
    assert cli.check("full@example.com") == ["full@example.com\tsuppressed\tsoft_expired"]


def test_grace_period_expires_soft_bounce_unless_a_delivery_came(cli: Cli, inputs: Path) -> None:
    cli.ingest(write(inputs / "1", "soft.json", ses_bounce("lapsed@example.com", T0, permanent=False)))
    cli.ingest(write(inputs / "2", "soft.json", ses_bounce("back@example.com", T0, permanent=False)))
    cli.ingest(
        write(inputs / "3", "delivery.json", ses_delivery("back@example.com", T0 + timedelta(hours=2)))
    )
    assert cli.check("lapsed@example.com", "back@example.com") == [
        "lapsed@example.com\tsoft",
        "back@example.com\tactive",
    ]
    cli.run("jobs", "run", "--now", (T0 + timedelta(days=15)).isoformat())
    assert cli.check("lapsed@example.com", "back@example.com") == [
        "lapsed@example.com\tsuppressed\tsoft_expired",
        "back@example.com\tactive",
    ]


def test_sender_side_refusal_leaves_the_address_active(cli: Cli, inputs: Path) -> None:
    summary = cli.ingest(write(inputs, "blocked.json", ses_blocklisted("listed@example.com", T0)))
    assert summary["sender"] == 1 and summary["hard"] == 0
    assert cli.check("listed@example.com") == ["listed@example.com\tactive"]


def test_ingesting_twice_changes_nothing(cli: Cli, inputs: Path) -> None:
    write(inputs, "hard.json", ses_bounce("hard@example.com", T0))
    write(inputs, "soft.json", ses_bounce("soft@example.com", T0, permanent=False))
    write(inputs, "complaint.json", ses_complaint("angry@example.com", T0))
    write(inputs, "blocked.json", ses_blocklisted("listed@example.com", T0))
    addresses = ("hard@example.com", "soft@example.com", "angry@example.com", "listed@example.com")
    first = cli.ingest(inputs)
    state, stats = cli.check(*addresses), cli.stats()
    second = cli.ingest(inputs)
    assert first["new_events"] == 4 and first["duplicates"] == 0
    assert second["new_events"] == 0 and second["duplicates"] == 4
    assert cli.check(*addresses) == state
    assert cli.stats() == stats


def test_unsuppress_makes_the_address_mailable_and_is_audited(cli: Cli, inputs: Path) -> None:
    cli.ingest(write(inputs, "hard.json", ses_bounce("hard@example.com", T0)))
    assert cli.check("hard@example.com") == ["hard@example.com\tsuppressed\thard_bounce"]
    cli.run("unsuppress", "hard@example.com", "--note", "mailbox restored, ticket 42")
    assert cli.check("hard@example.com") == ["hard@example.com\tactive"]
    history = cli.run("history", "hard@example.com").stdout.splitlines()
    lifted = [line for line in history if "suppressed -> active" in line]
    assert len(lifted) == 1 and "lifted" in lifted[0] and "ticket 42" in lifted[0]
    suppressed = [line for line in history if "active -> suppressed (hard_bounce)" in line]
    assert len(suppressed) == 1
