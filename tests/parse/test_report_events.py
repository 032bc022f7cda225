"""From parsed reports to FeedbackEvents: one per recipient, stable dedupe keys, times."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from bouncewarden.events import Kind
from bouncewarden.parse import ParsedReport, parse_message
from bouncewarden.parse.report_events import report_to_events

RECEIVED = datetime(2030, 1, 1, tzinfo=UTC)


def _events(data: bytes) -> list:  # type: ignore[type-arg]
    report = parse_message(data)
    assert isinstance(report, ParsedReport)
    return report_to_events(report, source="test", raw_sha256="f" * 64, received_at=RECEIVED)


def test_one_event_per_recipient_keyed_by_original_message_id(sample: Callable[..., bytes]) -> None:
    events = _events(sample("arf-16.eml"))
    assert len(events) == 7
    assert (
        events[0].dedupe_key
        == "dsn:ffffffffffffffffffffffff0000000@example.jp:kijitora@example.com:complaint"
    )
    assert events[0].kind is Kind.COMPLAINT and events[0].feedback_type == "abuse"
    assert len({e.dedupe_key for e in events}) == 7


def test_same_report_twice_gives_same_keys(sample: Callable[..., bytes]) -> None:
    data = sample("rfc3464-01.eml")
    assert [e.dedupe_key for e in _events(data)] == [e.dedupe_key for e in _events(data)]


def test_fields_and_report_time(sample: Callable[..., bytes]) -> None:
    [event] = _events(sample("rfc3464-01.eml"))
    assert event.occurred_at == datetime(2013, 10, 16, 5, 15, 35, tzinfo=UTC)
    assert event.received_at == RECEIVED
    assert event.sender == "kijitora@example.org"
    assert event.message_id == "E1C50F1B-1C83-4820-BC36-AC6FBFBE8568@example.org"
    assert (event.status, event.reply_code, event.remote_mta) == ("5.1.1", "550", "mx.bouncehammer.jp")


def test_without_message_ids_or_date_fall_back() -> None:
    data = (
        b"From: MAILER-DAEMON@mx.example.net\nTo: bounces+reader=example.org@return.example.com\n"
        b"Subject: Undelivered Mail Returned to Sender\nX-Campaign-Id: spring\n\nfailed.\n"
    )
    [event] = _events(data)
    assert event.dedupe_key == "dsn:" + "f" * 64 + ":reader@example.org:bounce"
    assert event.occurred_at == RECEIVED


def test_campaign_from_original_headers() -> None:
    data = (
        b"From: MAILER-DAEMON@mx.example.net\nTo: sender@example.com\nSubject: failure\n"
        b"Date: Thu, 29 Apr 2021 23:34:45 +0000\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\n\n'
        b"--b\nContent-Type: message/delivery-status\n\n"
        b"Reporting-MTA: dns; mx.example.net\n\nFinal-Recipient: rfc822; reader@example.org\n"
        b"Action: failed\nStatus: 5.1.1\n"
        b"--b\nContent-Type: message/rfc822\n\nFrom: news@example.com\nTo: reader@example.org\n"
        b"Message-ID: <m1@example.com>\nX-Campaign-Id: spring-2021\n\nhello\n--b--\n"
    )
    [event] = _events(data)
    assert (event.campaign, event.message_id, event.sender) == (
        "spring-2021",
        "m1@example.com",
        "news@example.com",
    )
    assert event.dedupe_key == "dsn:m1@example.com:reader@example.org:bounce"
