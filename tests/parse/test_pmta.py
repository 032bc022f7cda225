"""PowerMTA accounting rows: one expected row per record of the sample files (expected.tsv)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bouncewarden.classify import parse_rule
from bouncewarden.events import Kind, Reason, Severity
from bouncewarden.intake import Feedback, NotFeedback, Reading, Unreadable
from bouncewarden.parse.lines import iter_records
from bouncewarden.parse.pmta import AccountingReader, parse_time

SAMPLES = Path(__file__).parents[1] / "samples" / "pmta"


def _expected() -> list[list[str]]:
    lines = (SAMPLES / "expected.tsv").read_text().splitlines()
    return [line.split("\t") for line in lines if line and not line.startswith("#")]


def _read_file(name: str) -> dict[int, Reading]:
    reader = AccountingReader()
    with (SAMPLES / name).open("rb") as stream:
        return {record.line: reader.read(record.data) for record in iter_records(stream, quoted=True)}


@pytest.mark.parametrize("row", _expected(), ids=lambda row: f"{row[0]}:{row[1]}")
def test_each_record_reads_as_expected(row: list[str]) -> None:
    results = _read_file(row[0])
    result = results[int(row[1])]
    outcome = row[2]
    if outcome == "broken":
        assert isinstance(result, Unreadable)
        return
    if outcome.startswith("skipped:"):
        assert result == NotFeedback(outcome.removeprefix("skipped:"))
        return
    assert isinstance(result, Feedback)
    kind, recipient, status, reply_code, reason, severity, label = (row + [""] * 10)[3:10]
    (event,) = result.events
    assert (event.kind, event.recipient, event.status or "", event.reply_code or "") == (
        Kind(kind),
        recipient,
        status,
        reply_code,
    )
    assert (event.reason, event.severity, event.provider_label or "") == (
        Reason(reason),
        Severity(severity),
        label,
    )


def test_every_record_of_the_samples_is_in_the_table() -> None:
    listed = {(row[0], int(row[1])) for row in _expected()}
    found = {(name, line) for name in {row[0] for row in _expected()} for line in _read_file(name)}
    assert found == listed


def test_a_row_keeps_powermta_fields_as_tags_and_ids() -> None:
    result = _read_file("acct-2026-12-05-2100.csv")[3]
    assert isinstance(result, Feedback)
    (event,) = result.events
    assert event.sender == "bounces@news.example.com"
    assert event.message_id == "m2@news.example.com"
    assert event.campaign == "job-4711"
    assert event.remote_mta == "mx1.example.org (192.0.2.10)"
    assert event.tags["vmta"] == "vmta-pool-a"
    assert event.tags["source_ip"] == "198.51.100.7"
    assert event.tags["header_Message-Id"] == "<m2@news.example.com>"
    assert event.tags["bounce_category"] == "bad-mailbox"
    assert event.dedupe_key.startswith(f"pmta:{int(event.occurred_at.timestamp()):011d}:b:")


def test_dedupe_keys_ascend_with_the_rows_time() -> None:
    """Keys in time order, so a file's rows extend the store's unique index at its end."""
    reader = AccountingReader()
    header = b"type,timeLogged,rcpt,dsnStatus,dsnDiag"
    reader.read(header)
    rows = [
        f"b,{1796522700 + n * 7},u{(n * 7919) % 1000}@example.org,5.1.1,smtp;550 5.1.1 unknown"
        for n in range(50)
    ]
    keys = []
    for row in rows:
        result = reader.read(row.encode())
        assert isinstance(result, Feedback)
        keys.append(result.events[0].dedupe_key)
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)


def test_a_quoted_field_keeps_its_line_end_and_commas() -> None:
    result = _read_file("acct-2026-12-05-2100.csv")[5]
    assert isinstance(result, Feedback)
    assert result.events[0].diagnostic == (
        "smtp;452 4.2.2 The email account that you tried to reach is over quota, please\n try again later"
    )


def test_complaint_rows_keep_format_and_reported_domain() -> None:
    result = _read_file("acct-2026-12-05-2100.csv")[8]
    assert isinstance(result, Feedback)
    (event,) = result.events
    assert event.feedback_type == "abuse"
    assert event.tags["feedback_format"] == "arf"
    assert event.tags["reported_domain"] == "news.example.com"


def test_the_category_decides_only_when_status_and_text_say_nothing() -> None:
    data = (
        b"type,timeLogged,rcpt,dsnStatus,dsnDiag,bounceCat\n"
        b"b,1796522700,a@example.org,,smtp;550 sorry,bad-mailbox\n"
        b"b,1796522700,b@example.org,,smtp;550 sorry,other\n"
    )
    reader = AccountingReader()
    results = [reader.read(record.data) for record in iter_records(io.BytesIO(data), quoted=True)]
    first, second = (result.events[0] for result in results[1:] if isinstance(result, Feedback))
    assert (first.reason, first.severity) == (Reason.USERUNKNOWN, Severity.HARD)
    assert second.reason is not Reason.USERUNKNOWN


def test_an_operator_rule_decides_for_a_row() -> None:
    data = (
        b"type,timeLogged,rcpt,dsnStatus,dsnDiag\n"
        b"b,1796522700,a@example.org,5.7.1,smtp;550 5.7.1 Unfortunately no\n"
    )
    rule = parse_rule("550 5.7.1 Unfortunately ==> hard")
    reader = AccountingReader()
    results = [
        reader.read(record.data, rules=[rule]) for record in iter_records(io.BytesIO(data), quoted=True)
    ]
    assert isinstance(results[1], Feedback)
    assert results[1].events[0].severity is Severity.HARD


def test_same_row_gives_same_key_and_other_rows_other_keys() -> None:
    first = _read_file("acct-2026-12-05-2100.csv")
    again = _read_file("acct-2026-12-05-2100.csv")
    keys = [r.events[0].dedupe_key for r in first.values() if isinstance(r, Feedback)]
    assert keys == [r.events[0].dedupe_key for r in again.values() if isinstance(r, Feedback)]
    assert len(set(keys)) == len(keys)


def test_a_row_before_any_header_is_broken_and_a_new_header_replaces_the_old() -> None:
    data = (
        b"d,1796522700,a@example.org\ntype,timeLogged,rcpt\nd,1796522700,a@example.org\n"
        b"type,rcpt,timeLogged\nd,b@example.org,1796522701\n"
    )
    reader = AccountingReader()
    results = [reader.read(record.data) for record in iter_records(io.BytesIO(data))]
    assert isinstance(results[0], Unreadable)
    assert isinstance(results[2], Feedback)
    assert isinstance(results[4], Feedback)
    assert results[4].events[0].recipient == "b@example.org"
    assert reader.context() == b"type,rcpt,timeLogged"


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("1796522700", "2026-12-06T02:05:00+00:00"),
        ("2026-12-05 21:05:00-0500", "2026-12-05T21:05:00-05:00"),
        ("2026-12-05T21:05:00+01:00", "2026-12-05T21:05:00+01:00"),
        ("2026-12-05 21:05:00", "2026-12-05T21:05:00+00:00"),
    ],
)
def test_times_in_each_form(text: str, iso: str) -> None:
    moment = parse_time(text)
    assert moment is not None
    assert moment.isoformat() == iso


@pytest.mark.parametrize("text", ["", "yesterday", "2026-13-01 00:00:00", "99999999999999999999"])
def test_unreadable_times(text: str) -> None:
    assert parse_time(text) is None
