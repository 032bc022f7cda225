"""`bouncewarden ingest --format ...`: accounting files and MTA logs through the command line."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select

from bouncewarden.cli import main
from bouncewarden.store import make_engine
from bouncewarden.store.models import Event
from feedback_files import dsn, ses_bounce

SAMPLES = Path(__file__).parents[1] / "samples"


def _ingest(database_url: str, *args: str) -> tuple[int, dict[str, object]]:
    result = CliRunner().invoke(main, ["ingest", "--db", database_url, "--json", *args])
    return result.exit_code, json.loads(result.output.strip().splitlines()[-1])


def test_accounting_files_once_then_nothing_new(database_url: str) -> None:
    files = [
        str(SAMPLES / "pmta" / name) for name in ("acct-2026-12-05-2100.csv", "acct-2026-12-05-2105.csv")
    ]
    status, counts = _ingest(database_url, "--format", "pmta", *files)
    assert status == 3  # three broken rows, quarantined
    assert (counts["new_events"], counts["quarantined"], counts["hard"]) == (12, 3, 2)
    assert counts["skipped"] == {"header": 2, "type r": 1, "type tq": 1}
    status, counts = _ingest(database_url, "--format", "pmta", *files)
    assert (status, counts["records"], counts["new_events"]) == (0, 0, 0)


def test_each_mta_log(database_url: str) -> None:
    expected = {"postfix-log": 7, "exim-log": 8, "sendmail-log": 11}
    for format_name, events in expected.items():
        family = format_name.removesuffix("-log")
        status, counts = _ingest(
            database_url, "--format", format_name, str(SAMPLES / "logs" / f"{family}-documented.log")
        )
        assert counts["new_events"] == events, format_name
        assert status == (3 if counts["quarantined"] else 0)


def test_a_rule_added_through_the_cli_decides_on_every_path(database_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    rule = "Mailbox full|over quota ==> hard userunknown"
    added = runner.invoke(main, ["rules", "add", rule, "--db", database_url])
    assert added.exit_code == 0, added.output
    accounting = tmp_path / "acct.csv"
    accounting.write_text(
        "type,timeLogged,rcpt,dsnStatus,dsnDiag\n"
        "t,1796522700,full@example.org,4.2.2,smtp;452 4.2.2 Mailbox full\n"
        "b,1796522701,full2@example.org,5.2.2,smtp;552 5.2.2 Mailbox full\n"
    )
    _ingest(database_url, "--format", "pmta", str(accounting))
    log = tmp_path / "mail.log"
    log.write_text(
        "Dec  5 21:50:02 mta postfix/smtp[4105]: 4Y2q1L0fVxz9vX: to=<full3@example.com>, "
        "relay=mx.example.com[192.0.2.20]:25, dsn=5.2.2, status=bounced (host mx.example.com[192.0.2.20] "
        "said: 552 5.2.2 Mailbox full (in reply to RCPT TO command))\n"
    )
    _ingest(database_url, "--format", "postfix-log", str(log))
    at = datetime(2026, 12, 5, 21, 0, tzinfo=UTC)
    (tmp_path / "ses.json").write_bytes(ses_bounce("ses@example.net", at, permanent=False))
    (tmp_path / "bounce.eml").write_bytes(
        dsn("mail@example.net", at, status="5.2.2", diagnostic="552 5.2.2 Mailbox full")
    )
    for name in ("ses.json", "bounce.eml"):
        assert runner.invoke(main, ["ingest", "--db", database_url, str(tmp_path / name)]).exit_code == 0
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = {
                recipient: severity
                for recipient, severity in connection.execute(select(Event.recipient, Event.severity))
            }
    finally:
        engine.dispose()
    assert rows == {
        "full@example.org": "hard",
        "full2@example.org": "hard",
        "full3@example.com": "hard",
        "ses@example.net": "hard",
        "mail@example.net": "hard",
    }
    (listed,) = json.loads(runner.invoke(main, ["rules", "list", "--json", "--db", database_url]).output)
    assert listed["hits"] == 5
    assert listed["last_hit_at"] is not None


def test_an_unreadable_file_is_named_and_the_others_are_read(database_url: str, tmp_path: Path) -> None:
    locked = tmp_path / "locked.log"
    locked.write_bytes(gzip.compress(b"x")[:5])  # a broken compressed file
    renamed = tmp_path / "mail.log.1.gz"
    locked.rename(renamed)
    good = str(SAMPLES / "logs" / "postfix-documented.log")
    status, counts = _ingest(database_url, "--format", "postfix-log", str(renamed), good)
    assert status == 3
    assert counts["new_events"] == 7
    assert counts["errors"] and str(renamed) in counts["errors"][0]
