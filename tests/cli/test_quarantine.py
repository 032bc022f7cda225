"""`bouncewarden quarantine`: list, show (safely), replay after a fix (never twice), drop (audited)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result

from bouncewarden.cli import main
from bouncewarden.intake import Outcome, RawInput
from bouncewarden.service import Service
from feedback_files import dsn, ses_bounce
from store_helpers import begin, count

T0 = datetime(2025, 11, 3, 9, 0, tzinfo=UTC)


def invoke(database_url: str, *args: str) -> Result:
    return CliRunner().invoke(main, [*args, "--db", database_url])


def test_input_that_reads_after_a_code_fix_replays_into_events_once(
    service: Service, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bouncewarden.parse.reader as reader

    def broken(*args: object) -> object:
        raise RuntimeError("parser bug")

    with monkeypatch.context() as patch:  # today's parser fails on DSNs
        patch.setattr(reader, "parse_bounce_message", broken)
        [first] = service.intake.take([RawInput(dsn("fixed@example.org", T0), "inbox/1.eml", T0)])
    assert first.outcome is Outcome.QUARANTINED and "parser bug" in (first.reason or "")

    listed = invoke(database_url, "quarantine", "list", "--json")
    [entry] = json.loads(listed.stdout)
    assert (entry["id"], entry["origin"], entry["state"]) == (first.quarantine_id, "inbox/1.eml", "held")

    replayed = invoke(database_url, "quarantine", "replay", "--all", "--json")  # the fixed parser
    assert replayed.exit_code == 0, replayed.output
    assert json.loads(replayed.stdout)["new_events"] == 1
    assert service.admin.lookup(["fixed@example.org"])["fixed@example.org"].is_suppressed
    again = invoke(database_url, "quarantine", "replay", str(first.quarantine_id), "--json")
    assert json.loads(again.stdout)["inputs"] == 0  # replayed already: nothing to do
    assert count(service, "events") == 1
    assert json.loads(invoke(database_url, "quarantine", "list", "--json").stdout) == []
    [done] = json.loads(invoke(database_url, "quarantine", "list", "--state", "replayed", "--json").stdout)
    assert done["resolved_by"].startswith("cli")


def test_store_refusal_replays_once_the_database_accepts_it(service: Service, database_url: str) -> None:
    with begin(service) as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(
                sa.text("ALTER TABLE events ADD CONSTRAINT short CHECK (length(recipient) < 12)")
            )
        else:
            connection.execute(
                sa.text(
                    "CREATE TRIGGER short BEFORE INSERT ON events WHEN length(NEW.recipient) >= 12 "
                    "BEGIN SELECT RAISE(ABORT, 'too long'); END"
                )
            )
    data = ses_bounce("long.name@example.com", T0)
    [first] = service.intake.take([RawInput(data, "body", T0, "sqs")])
    assert first.outcome is Outcome.QUARANTINED and "store refused" in (first.reason or "")
    still = invoke(database_url, "quarantine", "replay", "--all")
    assert still.exit_code == 3 and "still unreadable" in still.stderr
    with begin(service) as connection:  # the fix
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("ALTER TABLE events DROP CONSTRAINT short"))
        else:
            connection.execute(sa.text("DROP TRIGGER short"))
    assert invoke(database_url, "quarantine", "replay", "--all").exit_code == 0
    assert count(service, "events") == 1 and count(service, "quarantine") == 1


def test_show_escapes_control_characters(service: Service, database_url: str) -> None:
    hostile = b"\x1b]0;pwned\x07\x1b[2J\x00binary\r\nline two\tend\n"
    [done] = service.intake.take([RawInput(hostile, "evil\x1b[31m.eml", T0, "smtp")])
    result = invoke(database_url, "quarantine", "show", str(done.quarantine_id))
    assert result.exit_code == 0
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout and "\x00" not in result.stdout
    assert "\\x1b]0;pwned\\x07" in result.stdout and "\\r\nline two\tend" in result.stdout
    assert "origin: evil\\x1b[31m.eml" in result.stdout
    assert invoke(database_url, "quarantine", "show", "999999").exit_code == 1


def test_list_filters_and_drop_is_audited(service: Service, database_url: str) -> None:
    service.intake.take([RawInput(b"\x00one", "a", T0, "sqs"), RawInput(b"\x00two", "b", T0, "smtp")])
    rows = json.loads(invoke(database_url, "quarantine", "list", "--source", "smtp", "--json").stdout)
    assert [row["origin"] for row in rows] == ["b"]
    assert (
        json.loads(invoke(database_url, "quarantine", "list", "--since", "2999-01-01", "--json").stdout) == []
    )
    assert invoke(database_url, "quarantine", "drop", str(rows[0]["id"])).exit_code == 2  # --note is required
    dropped = invoke(database_url, "quarantine", "drop", str(rows[0]["id"]), "--note", "spam test")
    assert dropped.exit_code == 0 and "dropped: 1" in dropped.stdout
    [entry] = json.loads(invoke(database_url, "quarantine", "list", "--state", "dropped", "--json").stdout)
    assert (entry["note"], entry["state"]) == ("spam test", "dropped") and entry["resolved_by"]
    assert [
        row["origin"] for row in json.loads(invoke(database_url, "quarantine", "list", "--json").stdout)
    ] == ["a"]
    assert invoke(database_url, "quarantine", "drop", str(rows[0]["id"]), "--note", "again").exit_code == 1
