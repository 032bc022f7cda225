"""Complaints: RFC 5965 reports, pre-standard opt-out reports, JMRP and unsubscribe mails."""

from __future__ import annotations

from collections.abc import Callable

from bouncewarden.events import Kind, Reason, Severity
from bouncewarden.parse import ParsedReport, parse_message
from bouncewarden.parse.arf import UNDISCLOSED_RECIPIENT


def _rows(data: bytes) -> list[tuple[str, str | None, Kind, Reason]]:
    result = parse_message(data)
    assert isinstance(result, ParsedReport)
    return [(r.address, r.feedback_type, r.kind, r.reason) for r in result.recipients]


def test_original_rcpt_to(sample: Callable[..., bytes]) -> None:
    assert _rows(sample("arf-14.eml")) == [
        ("kijitora@y.example.com", "abuse", Kind.COMPLAINT, Reason.FEEDBACK)
    ]


def test_several_original_rcpt_to(sample: Callable[..., bytes]) -> None:
    rows = _rows(sample("arf-16.eml"))
    assert len(rows) == 7
    assert rows[0][0] == "kijitora@example.com" and rows[-1][0] == "sabineko@example.com"


def test_hidden_recipient_is_kept_as_placeholder(sample: Callable[..., bytes]) -> None:
    assert _rows(sample("arf-11.eml")) == [(UNDISCLOSED_RECIPIENT, "abuse", Kind.COMPLAINT, Reason.FEEDBACK)]


def test_pre_standard_removal_recipient(sample: Callable[..., bytes]) -> None:
    assert _rows(sample("arf-12.eml"))[0][:2] == ("user@example.com", "opt-out")


def test_jmrp_complaint_without_report_part(sample: Callable[..., bytes]) -> None:
    assert _rows(sample("arf-24.eml")) == [("kijitora@example.com", "abuse", Kind.COMPLAINT, Reason.FEEDBACK)]


def test_unsubscribe_request_is_opt_out_not_autoreply(sample: Callable[..., bytes]) -> None:
    result = parse_message(sample("arf-26.eml"))
    assert isinstance(result, ParsedReport)
    [row] = result.recipients
    assert (row.address, row.feedback_type, row.kind) == ("example@icloud.com", "opt-out", Kind.COMPLAINT)


def test_not_spam_is_no_complaint() -> None:
    data = (
        b"From: fbl@example.net\nTo: abuse@example.com\nSubject: report\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/report; report-type=feedback-report; boundary="b"\n\n'
        b"--b\nContent-Type: text/plain\n\nreport\n"
        b"--b\nContent-Type: message/feedback-report\n\nFeedback-Type: not-spam\nVersion: 1\n"
        b"Original-Rcpt-To: <reader@example.org>\n"
        b"--b--\n"
    )
    result = parse_message(data)
    assert isinstance(result, ParsedReport)
    [row] = result.recipients
    assert (row.address, row.feedback_type, row.severity) == ("reader@example.org", "not-spam", Severity.NONE)
