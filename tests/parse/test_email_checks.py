"""Screening email input before parsing: what is not a message gets a reason."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bouncewarden.parse.email_checks import MAX_HEADER_LINE, email_problem, truncation_problem
from bouncewarden.parse.message import BounceMessage
from feedback_files import NEWSLETTER, dsn

T0 = datetime(2025, 11, 3, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "data",
    [
        dsn("someone@example.com", T0),
        NEWSLETTER,
        NEWSLETTER.replace(b"\n", b"\r\n"),
        b"From MAILER-DAEMON Fri Feb 13 02:45:46 2015\n" + NEWSLETTER,
        b"\n\n" + NEWSLETTER,
        b"X-Long: " + b"a" * 5000 + b"\n\nbody\n",  # over RFC 5322's 998, as real mailers do
    ],
)
def test_messages_pass(data: bytes) -> None:
    assert email_problem(data) is None


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty input"),
        (b" \r\n\t\n", "empty input"),
        (b"Subject: x\nX-Bin: \x00\x01\n\nbody", "NUL bytes"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "NUL bytes"),
        (b"just some text\nwithout headers\n\nbody\n", "first line is not a header field"),
        (b"Subject: " + b"x" * (MAX_HEADER_LINE + 1) + b"\n\nbody\n", "header line of"),
        (b"From: a@example.org\nSubject: cut in the mid", "header section never ends"),
    ],
)
def test_non_messages_get_a_reason(data: bytes, words: str) -> None:
    problem = email_problem(data)
    assert problem is not None and words in problem


def test_truncated_multipart_is_recognised() -> None:
    whole = dsn("someone@example.com", T0)
    cut = whole[: whole.index(b"Content-Type: message/delivery-status")]
    assert truncation_problem(BounceMessage(cut).defects) is not None
    assert truncation_problem(BounceMessage(whole).defects) is None
