"""The operator commands through click's CliRunner, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bouncewarden.cli import main
from bouncewarden.events import FeedbackEvent, Kind, Reason, Severity, normalise_address
from bouncewarden.intake import RawInput
from bouncewarden.policy import SuppressionReason
from bouncewarden.service import Service
from bouncewarden.store import HEAD_REVISION
from bouncewarden.store.listfile import ListFormat, physical_lines, read_suppressions, write_suppressions
from bouncewarden.store.queries import Suppression
from store_helpers import begin, connect, record, suppressed_addresses

T0 = datetime(2025, 4, 1, 9, 30, tzinfo=UTC)
COMMANDS = [
    ["db", "upgrade"],
    ["config", "show"],
    ["jobs", "run"],
    ["check"],
    ["suppress"],
    ["unsuppress"],
    ["history"],
    ["export"],
    ["import"],
    ["stats"],
]


def invoke(database_url: str, *arguments: str, stdin: str | None = None) -> Result:
    result = CliRunner().invoke(main, [*arguments, "--db", database_url], input=stdin, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def event(
    recipient: str, key: str, reason: Reason, *, kind: Kind = Kind.BOUNCE, at: datetime = T0
) -> FeedbackEvent:
    severity = Severity.COMPLAINT if reason is Reason.FEEDBACK else Severity.HARD
    if reason is Reason.MAILBOXFULL:
        severity = Severity.SOFT
    return FeedbackEvent(
        kind, recipient, severity, reason, key, at, "ses", status="5.1.1", diagnostic="no such user"
    )


@pytest.fixture
def populated(service: Service) -> Service:
    record(
        service,
        [
            event("Hard@Example.com", "k-hard", Reason.USERUNKNOWN),
            event("complainer@example.com", "k-complaint", Reason.FEEDBACK, kind=Kind.COMPLAINT),
            event("soft@example.com", "k-soft", Reason.MAILBOXFULL),
        ],
        raw=b"report",
        source="ses",
    )
    return service


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help_and_db_and_config(command: list[str]) -> None:
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0
    assert "--db URL" in result.output
    assert "--config FILE" in result.output


def test_check_prints_one_line_per_address(populated: Service, database_url: str) -> None:
    result = invoke(
        database_url,
        "check",
        "hard@example.com",
        "nobody@example.com",
        "SOFT@example.com",
        "Complainer@Example.COM",
    )
    assert result.stdout == (
        "hard@example.com\tsuppressed\thard_bounce\n"
        "nobody@example.com\tactive\n"
        "SOFT@example.com\tsoft\n"
        "Complainer@Example.COM\tsuppressed\tcomplaint\n"
    )


def test_check_reads_files_and_stdin(populated: Service, database_url: str, tmp_path: Path) -> None:
    listing = tmp_path / "addresses.txt"
    listing.write_text("HARD@example.com\n\nother@example.com\n", encoding="utf-8")
    from_file = invoke(database_url, "check", "--file", str(listing))
    assert from_file.stdout == "HARD@example.com\tsuppressed\thard_bounce\nother@example.com\tactive\n"
    from_stdin = invoke(database_url, "check", "-", stdin="soft@example.com\n")
    assert from_stdin.stdout == "soft@example.com\tsoft\n"


def test_check_json_has_details_and_events(populated: Service, database_url: str) -> None:
    result = invoke(database_url, "check", "--json", "HARD@example.com", "new@example.com")
    hard, new = json.loads(result.stdout)
    assert (hard["address"], hard["normalised"], hard["state"], hard["reason"]) == (
        "HARD@example.com",
        "hard@example.com",
        "suppressed",
        "hard_bounce",
    )
    assert [(item["dedupe_key"], item["status"], item["diagnostic"]) for item in hard["events"]] == [
        ("k-hard", "5.1.1", "no such user")
    ]
    assert (new["state"], new["reason"], new["events"]) == ("active", None, [])


def audit(service: Service, address: str) -> list[tuple[str, str, str, str | None]]:
    with connect(service) as connection:
        rows = connection.execute(
            sa.text(
                "SELECT from_state, to_state, reason, note FROM transitions WHERE address = :a ORDER BY id"
            ),
            {"a": address},
        ).all()
    return [tuple(row) for row in rows]


def test_suppress_and_unsuppress_are_audited(populated: Service, database_url: str) -> None:
    result = invoke(
        database_url, "suppress", "Person@example.com", "hard@example.com", "--reason", "asked by phone"
    )
    assert result.stdout == "Person@example.com\tsuppressed\nhard@example.com\talready suppressed\n"
    state = populated.admin.lookup(["person@example.com"])["person@example.com"]
    assert state.suppression_reason is SuppressionReason.MANUAL
    (listed,) = [row for row in populated.admin.iter_suppressions() if row.address == "person@example.com"]
    assert listed.note == "asked by phone"
    assert listed.source is not None and listed.source.startswith("cli")
    result = invoke(
        database_url,
        "unsuppress",
        "person@example.com",
        "soft@example.com",
        "new@example.com",
        "--note",
        "ok now",
    )
    assert result.stdout == (
        "person@example.com\tactive\nsoft@example.com\tactive\nnew@example.com\tunchanged (not suppressed)\n"
    )
    assert audit(populated, "person@example.com") == [
        ("active", "suppressed", "manual", "asked by phone"),
        ("suppressed", "active", "lifted", "ok now"),
    ]
    assert audit(populated, "soft@example.com")[-1] == ("soft", "active", "lifted", "ok now")
    assert populated.admin.lookup(["soft@example.com"])["soft@example.com"].soft_count == 0
    assert audit(populated, "hard@example.com") == [("active", "suppressed", "hard_bounce", None)]


def test_suppress_refuses_what_is_not_an_address(service: Service, database_url: str) -> None:
    result = CliRunner().invoke(main, ["suppress", "not an address", "--reason", "x", "--db", database_url])
    assert result.exit_code != 0
    assert "not an email address" in result.output


def test_history_in_time_order(populated: Service, database_url: str) -> None:
    invoke(database_url, "unsuppress", "hard@example.com", "--note", "re-created mailbox")
    text = invoke(database_url, "history", "HARD@example.com").stdout.splitlines()
    assert text[0] == "hard@example.com: active, soft bounces 0"
    assert text[1].startswith(f"{T0.isoformat()}\tevent ") and "bounce hard userunknown 5.1.1" in text[1]
    assert "\tchange\tactive -> suppressed (hard_bounce) by policy, event " in text[2]
    assert "\tchange\tsuppressed -> active (lifted) by cli" in text[3] and text[3].endswith(
        ": re-created mailbox"
    )
    data = json.loads(invoke(database_url, "history", "hard@example.com", "--json").stdout)
    assert [row["to_state"] for row in data["transitions"]] == ["suppressed", "active"]
    assert [row["dedupe_key"] for row in data["events"]] == ["k-hard"]


def test_stats(populated: Service, database_url: str) -> None:
    populated.intake.take([RawInput(b"\x00junk", "smtp", T0, "smtp")])
    data = json.loads(invoke(database_url, "stats", "--json").stdout)
    assert data == {
        "events": {"bounce": {"hard": 1, "soft": 1}, "complaint": {"complaint": 1}},
        "addresses": {"active": 0, "soft": 1, "suppressed": 2},
        "suppressions": {"complaint": 1, "hard_bounce": 1},
        "quarantined": 1,
    }
    text = invoke(database_url, "stats").stdout
    assert "events: 3\n" in text and "  suppressed\t2\n" in text and "quarantined: 1\n" in text


def test_jobs_run_with_a_given_time(populated: Service, database_url: str) -> None:
    first = json.loads(
        invoke(database_url, "jobs", "run", "--json", "--now", (T0 + timedelta(hours=1)).isoformat()).stdout
    )
    assert first["retries_due"] == [
        {"address": "soft@example.com", "attempts": 1, "due_at": (T0 + timedelta(minutes=15)).isoformat()}
    ]
    again = invoke(database_url, "jobs", "run", "--now", (T0 + timedelta(hours=2)).isoformat()).stdout
    assert "0 retries due" in again
    later = invoke(database_url, "jobs", "run", "--now", "2025-04-20T00:00:00").stdout
    assert "expired\tsoft@example.com" in later
    assert (
        populated.admin.lookup(["soft@example.com"])["soft@example.com"].suppression_reason
        is SuppressionReason.SOFT_EXPIRED
    )


def test_db_upgrade_and_config_show(database_url: str) -> None:
    assert f"schema at revision {HEAD_REVISION}" in invoke(database_url, "db", "upgrade").stdout
    shown = json.loads(invoke(database_url, "config", "show", "--json").stdout)
    assert shown["database_url"] == sa.make_url(database_url).render_as_string(hide_password=True)
    assert shown["policy"]["max_attempts"] == 5


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_export_import_round_trip(populated: Service, database_url: str, tmp_path: Path, suffix: str) -> None:
    invoke(database_url, "suppress", "manual@example.com", "--reason", 'note, with "quotes"\nand a line')
    exported = tmp_path / f"list{suffix}"
    result = invoke(database_url, "export", "-o", str(exported))
    assert result.stderr == "exported 3 suppressions\n"
    original = list(populated.admin.iter_suppressions())
    other = f"sqlite:///{tmp_path / 'other.db'}"
    assert (
        invoke(other, "import", str(exported)).stdout
        == "read 3 rows, 3 addresses: 3 suppressed, 0 already suppressed\n"
    )
    with Service.open(populated.settings.model_copy(update={"database_url": other})) as copy:
        assert list(copy.admin.iter_suppressions()) == original
    assert "0 already" not in invoke(database_url, "import", str(exported)).stdout


def test_import_refuses_a_bad_file(service: Service, database_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("address,reason\na@example.com,manual\nb@example.com,unheard-of\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["import", str(bad), "--db", database_url])
    assert result.exit_code != 0
    assert "bad.csv:3: unknown reason 'unheard-of'" in result.output
    assert list(suppressed_addresses(service)) == []


_notes = st.none() | st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1)
_rows = st.lists(
    st.builds(
        lambda address, reason, created, note, source: Suppression(
            normalise_address(address), reason, created, note, source
        ),
        st.emails(),
        st.sampled_from([reason.value for reason in SuppressionReason]),
        st.datetimes(datetime(1990, 1, 1), datetime(2100, 1, 1), timezones=st.just(UTC)),
        _notes,
        st.text(st.characters(codec="ascii", exclude_characters="\x00"), min_size=1, max_size=30),
    ),
    max_size=12,
    unique_by=lambda row: row.address,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=_rows, list_format=st.sampled_from(list(ListFormat)))
def test_import_then_export_loses_nothing(
    service: Service, database_url: str, tmp_path: Path, rows: list[Suppression], list_format: ListFormat
) -> None:
    with begin(service) as connection:
        connection.execute(sa.text("DELETE FROM transitions"))
        connection.execute(sa.text("DELETE FROM addresses"))
    source = tmp_path / f"in.{list_format.value}"
    with source.open("w", encoding="utf-8", newline="") as handle:
        write_suppressions(rows, handle, list_format)
    invoke(database_url, "import", str(source))
    # stdout_bytes: click's Result.stdout folds CR LF into LF, which would hide what export wrote.
    exported = invoke(database_url, "export", "--format", list_format.value).stdout_bytes.decode()
    lines = physical_lines(io.BytesIO(exported.encode()), "export")
    back = list(read_suppressions(lines, list_format, "export"))
    assert back == sorted(rows, key=lambda row: row.address)
