"""`bouncewarden reclassify`: a rule added later changes stored history, dry run first, audited."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner, Result
from sqlalchemy import select

from bouncewarden.cli import main
from bouncewarden.store import make_engine
from bouncewarden.store.models import Address, Event, HourlyCounter, TransitionRow
from feedback_files import dsn

RULE = "over quota ==> hard userunknown"
ACCOUNTING = (
    "type,timeLogged,orig,rcpt,dsnStatus,dsnDiag,bounceCat\n"
    "b,1796522700,news@example.com,full@example.org,5.2.2,smtp;552 5.2.2 Mailbox over quota,quota-issues\n"
    "b,1796522701,news@example.com,gone@example.org,5.1.1,smtp;550 5.1.1 User unknown,bad-mailbox\n"
    "d,1796522702,news@example.com,fine@example.org,2.0.0,smtp;250 ok,\n"
    "b,1796522703,news@example.com,blocked@example.org,5.7.1,smtp;554 5.7.1 blocked using zen.spamhaus.org,\n"
)
MAIL_LOG = (
    "Dec  5 21:50:02 mta postfix/smtp[4105]: 4Y2q1L0fVxz9vX: to=<logged@example.com>, relay=mx.example.com"
    "[192.0.2.20]:25, dsn=5.2.2, status=bounced (host mx.example.com[192.0.2.20] said: 552 5.2.2 "
    "Mailbox over quota (in reply to RCPT TO command))\n"
)


def _run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def _states(database_url: str) -> dict[str, str]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return {
                address: state
                for address, state in connection.execute(select(Address.address, Address.state))
            }
    finally:
        engine.dispose()


def _store(database_url: str, tmp_path: Path) -> None:
    accounting = tmp_path / "acct.csv"
    accounting.write_text(ACCOUNTING)
    log = tmp_path / "mail.log"
    log.write_text(MAIL_LOG)
    mail = tmp_path / "bounce.eml"
    mail.write_bytes(
        dsn(
            "mailed@example.net",
            datetime(2026, 12, 5, 21, 0, tzinfo=UTC),
            status="5.2.2",
            diagnostic="552 5.2.2 Mailbox over quota",
        )
    )
    for args in (["--format", "pmta", str(accounting)], ["--format", "postfix-log", str(log)], [str(mail)]):
        result = _run("ingest", "--db", database_url, *args)
        assert result.exit_code == 0, result.output


def test_dry_run_lists_then_apply_changes_exactly_those(database_url: str, tmp_path: Path) -> None:
    _store(database_url, tmp_path)
    before = _states(database_url)
    assert before["full@example.org"] == "soft"
    assert before["gone@example.org"] == "suppressed"
    assert _run("rules", "add", RULE, "--db", database_url).exit_code == 0

    dry = _run("reclassify", "--dry-run", "--json", "--db", database_url)
    assert dry.exit_code == 0, dry.output
    planned = json.loads(dry.stdout)
    listed = sorted(line.split("\t")[0] for line in planned["addresses"])
    assert listed == ["full@example.org", "logged@example.com", "mailed@example.net"]
    assert all("soft -> suppressed" in line and "rule 1: over quota" in line for line in planned["addresses"])
    assert _states(database_url) == before  # nothing written

    applied = _run("reclassify", "--db", database_url)
    assert applied.exit_code == 0, applied.output
    after = _states(database_url)
    changed = {address for address in after if after[address] != before.get(address)}
    assert changed == set(listed)
    assert all(after[address] == "suppressed" for address in listed)

    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            audit = list(
                connection.execute(
                    select(TransitionRow.address, TransitionRow.note).where(
                        TransitionRow.actor == "reclassify"
                    )
                )
            )
            tags = connection.execute(
                select(Event.tags).where(Event.address == "full@example.org")
            ).scalar_one()
            hard = sum(connection.execute(select(HourlyCounter.hard)).scalars())
    finally:
        engine.dispose()
    assert sorted(address for address, _ in audit) == listed
    assert all(note.startswith("rule 1: over quota") for _, note in audit)
    assert tags["reclassified_from"] == "soft/mailboxfull"
    assert hard == 4  # gone@ and the three reclassified, moved out of "soft"

    (rule,) = json.loads(_run("rules", "list", "--json", "--db", database_url).stdout)
    assert rule["hits"] == 3  # the three events the rule now decides

    again = json.loads(_run("reclassify", "--json", "--db", database_url).stdout)
    assert (again["events_reclassified"], again["addresses"]) == (0, [])


def test_filters_and_operator_decisions(database_url: str, tmp_path: Path) -> None:
    _store(database_url, tmp_path)
    assert _run("suppress", "full@example.org", "--reason", "asked", "--db", database_url).exit_code == 0
    assert _run("unsuppress", "full@example.org", "--note", "ok", "--db", database_url).exit_code == 0
    assert _run("rules", "add", RULE, "--db", database_url).exit_code == 0
    only_pmta = json.loads(
        _run("reclassify", "--dry-run", "--json", "--source", "pmta", "--db", database_url).stdout
    )
    assert only_pmta["addresses"] == []  # the only pmta address was handled by an operator
    assert [line.split("\t")[0] for line in only_pmta["skipped"]] == ["full@example.org"]
    later = json.loads(
        _run("reclassify", "--dry-run", "--json", "--since", "2030-01-01", "--db", database_url).stdout
    )
    assert later["examined"] == 0


def test_a_bad_since_is_a_usage_error(database_url: str) -> None:
    result = _run("reclassify", "--since", "yesterday", "--db", database_url)
    assert result.exit_code == 2
    assert "not an ISO 8601" in result.output


def test_a_log_read_in_two_files_reads_back_unchanged(database_url: str, tmp_path: Path) -> None:
    """Exim's "retry timeout exceeded" failures take the reply of the recipient's last deferral,
    which an earlier file gave. Read again in stored order, with the memory carried from one
    stored batch to the next, nothing changes without a new rule."""
    lines = (
        (Path(__file__).parents[1] / "samples" / "logs" / "exim-real.log")
        .read_text()
        .splitlines(keepends=True)
    )
    # cut between gmail-inbox-full's last deferral (452 4.2.2, inbox full) and its failure
    cut = max(number for number, line in enumerate(lines) if "retry timeout exceeded" in line)
    first, second = tmp_path / "mainlog.1", tmp_path / "mainlog"
    first.write_text("".join(lines[:cut]))
    second.write_text("".join(lines[cut:]))
    for path in (first, second):
        result = _run("ingest", "--db", database_url, "--format", "exim-log", str(path))
        assert result.exit_code == 0, result.output
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            gave_up = (
                connection.execute(
                    select(Event.diagnostic).where(Event.diagnostic.like("%retry timeout exceeded"))
                )
                .scalars()
                .all()
            )
    finally:
        engine.dispose()
    assert len(gave_up) == 3
    # the two whose deferrals quoted a reply have it in front (the third met a refused connection)
    assert sorted(diagnostic[:20] for diagnostic in gave_up) == ["SMTP error from remo"] * 2 + [
        "retry timeout exceed"
    ]

    result = _run("reclassify", "--db", database_url, "--dry-run", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["events_reclassified"] == 0
