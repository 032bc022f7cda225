"""MTA log lines: one expected row per line (and recipient) of tests/samples/logs (expected.tsv).

A `*` in the reason or severity column leaves it to the classifier: the line's meaning for
the address (a delay or an undecided soft failure) is pinned by the other columns.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bouncewarden.events import Kind, Reason, Severity
from bouncewarden.intake import Feedback, NotFeedback, Reading, Unreadable
from bouncewarden.parse.lines import iter_records
from bouncewarden.parse.mtalog import log_reader
from bouncewarden.parse.mtalog._common import parse_syslog_line

SAMPLES = Path(__file__).parents[1] / "samples" / "logs"
REFERENCE = datetime(2026, 12, 5, 23, 0, tzinfo=UTC)


def _expected() -> list[list[str]]:
    lines = (SAMPLES / "expected.tsv").read_text().splitlines()
    return [line.split("\t") for line in lines if line and not line.startswith("#")]


def _read_file(name: str, format_name: str) -> dict[int, Reading]:
    reader = log_reader(format_name, reference=REFERENCE)
    with (SAMPLES / name).open("rb") as stream:
        return {record.line: reader.read(record.data) for record in iter_records(stream)}


@pytest.mark.parametrize("row", _expected(), ids=lambda row: f"{row[0]}:{row[2]}:{(row + [''] * 6)[5]}")
def test_each_line_reads_as_expected(row: list[str]) -> None:
    result = _read_file(row[0], row[1])[int(row[2])]
    outcome = row[3]
    if outcome == "broken":
        assert isinstance(result, Unreadable)
        return
    if outcome.startswith("skipped:"):
        assert result == NotFeedback(outcome.removeprefix("skipped:"))
        return
    assert isinstance(result, Feedback)
    kind, recipient, status, reply_code, reason, severity, sender = (row + [""] * 12)[4:11]
    (event,) = [event for event in result.events if event.recipient == recipient]
    assert (event.kind, event.status or "", event.reply_code or "", event.sender or "") == (
        Kind(kind),
        status,
        reply_code,
        sender,
    )
    if reason != "*":
        assert event.reason is Reason(reason)
    if severity != "*":
        assert event.severity is Severity(severity)
    if event.kind is Kind.DELAY:
        assert event.severity is not Severity.HARD


def test_every_line_that_gives_events_or_is_broken_is_in_the_table() -> None:
    files = {(row[0], row[1]) for row in _expected()}
    found = {
        (name, line)
        for name, format_name in files
        for line, result in _read_file(name, format_name).items()
        if not isinstance(result, NotFeedback)
    }
    assert found == {(row[0], int(row[2])) for row in _expected() if not row[3].startswith("skipped")}


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("Dec  5 21:50:00 mta postfix/smtp[1]: x", "2026-12-05T21:50:00+00:00"),
        ("Dec 31 23:59:59 mta postfix/smtp[1]: x", "2025-12-31T23:59:59+00:00"),
        ("2026-12-05T21:50:00.123456+01:00 mta postfix/smtp[1]: x", "2026-12-05T21:50:00.123456+01:00"),
    ],
)
def test_syslog_times_with_and_without_a_year(text: str, iso: str) -> None:
    parsed = parse_syslog_line(text, REFERENCE)
    assert parsed is not None
    assert parsed.at.isoformat() == iso
    assert (parsed.host, parsed.program, parsed.text) == ("mta", "postfix/smtp", "x")


def test_each_line_has_its_own_key_and_reading_again_gives_the_same() -> None:
    first = _read_file("postfix-documented.log", "postfix-log")
    again = _read_file("postfix-documented.log", "postfix-log")
    keys = [
        event.dedupe_key
        for result in first.values()
        if isinstance(result, Feedback)
        for event in result.events
    ]
    assert keys == [e.dedupe_key for r in again.values() if isinstance(r, Feedback) for e in r.events]
    assert len(set(keys)) == len(keys)


def test_arbitrary_bytes_never_raise() -> None:
    for format_name in ("postfix-log", "exim-log", "sendmail-log"):
        reader = log_reader(format_name, reference=REFERENCE)
        for data in (
            b"",
            b"\xff\xfe",
            b"Dec 99 99:99:99 h postfix/smtp[1]: A1B2C3: to=<>, status=bounced (",
            b"2026-12-05 21:50:00 1tJqJN-000Bc1-2A ** ",
        ):
            assert isinstance(reader.read(data), Feedback | NotFeedback | Unreadable)


def _bounce_emails(family: str) -> dict[tuple[str, str], tuple[Reason, Severity]]:
    """(address, kind) -> classification of the real bounce emails of one MTA (the same cases)."""
    from bouncewarden.parse import ParsedReport, parse_file

    found: dict[tuple[str, str], tuple[Reason, Severity]] = {}
    for path in sorted((SAMPLES.parent / "real" / family).glob("*.eml")):
        for _, result in parse_file(path):
            if isinstance(result, ParsedReport):
                for recipient in result.recipients:
                    found[(recipient.address, recipient.kind.value)] = (recipient.reason, recipient.severity)
    return found


@pytest.mark.parametrize(
    ("family", "least"), [("postfix", 8), ("exim", 8), ("sendmail", 5)], ids=["postfix", "exim", "sendmail"]
)
def test_a_logged_failure_reads_as_its_bounce_email_does(family: str, least: int) -> None:
    emails = _bounce_emails(family)
    compared = 0
    for result in _read_file(f"{family}-real.log", f"{family}-log").values():
        if not isinstance(result, Feedback):
            continue
        for event in result.events:
            # Delay notices often name no cause where the log line does: only final verdicts compare.
            email = emails.get((event.recipient, event.kind.value)) if event.kind is Kind.BOUNCE else None
            if email is not None:
                compared += 1
                assert (event.reason, event.severity) == email, event.recipient
    assert compared >= least
