"""BounceMessage: line endings, transfer encodings, character sets, broken MIME boundaries."""

from __future__ import annotations

import base64
import quopri
from collections.abc import Callable
from email.header import Header

import pytest

from bouncewarden.parse.message import BounceMessage


def _single(body: bytes, charset: str, encoding: str) -> bytes:
    return (
        b"From: MAILER-DAEMON@mx.example.net\nTo: sender@example.com\nSubject: failure\n"
        b"MIME-Version: 1.0\nContent-Type: text/plain; charset=" + charset.encode() + b"\n"
        b"Content-Transfer-Encoding: " + encoding.encode() + b"\n\n" + body
    )


@pytest.mark.parametrize("charset", ["iso-2022-jp", "shift_jis", "utf-8", "euc-jp"])
@pytest.mark.parametrize("encoding", ["7bit", "base64", "quoted-printable"])
def test_japanese_text_in_any_encoding(charset: str, encoding: str) -> None:
    text = "宛先のメールアドレスが存在しません: user@example.jp\n"
    raw = text.encode(charset)
    if encoding == "base64":
        raw = base64.encodebytes(raw)
    elif encoding == "quoted-printable":
        raw = quopri.encodestring(raw)
    if encoding == "7bit" and charset != "iso-2022-jp":
        encoding = "8bit"
    message = BounceMessage(_single(raw, charset, encoding))
    assert "宛先のメールアドレスが存在しません" in message.text
    assert "user@example.jp" in message.text


def test_encoded_word_headers() -> None:
    subject = Header("メイル不達", "iso-2022-jp").encode().encode()
    data = b"Subject: " + subject + b"\nFrom: a@example.com\n\nbody\n"
    assert BounceMessage(data).subject == "メイル不達"


def test_has_header_even_when_empty() -> None:
    message = BounceMessage(b"X-MS-Exchange-Message-Is-Ndr:\nSubject: x\n\nbody\n")
    assert (
        message.has_header("x-ms-exchange-message-is-ndr")
        and message.header("X-MS-Exchange-Message-Is-Ndr") == ""
    )
    assert not message.has_header("X-Failed-Recipients")


@pytest.mark.parametrize("newline", [b"\r\n", b"\r"])
def test_line_endings_read_the_same(sample: Callable[..., bytes], newline: bytes) -> None:
    lf = BounceMessage(sample("rfc3464-01.eml"))
    other = BounceMessage(sample("rfc3464-01.eml", newline))
    assert (lf.text, lf.delivery_status, lf.original) == (other.text, other.delivery_status, other.original)


def test_parts_are_sorted_out(sample: Callable[..., bytes]) -> None:
    message = BounceMessage(sample("rfc3464-01.eml"))
    assert "automatically rejected" in message.text
    assert "Final-Recipient: RFC822; userunknown@bouncehammer.jp" in (message.delivery_status or "")
    assert "Message-Id: <E1C50F1B-1C83-4820-BC36-AC6FBFBE8568@example.org>" in (message.original or "")
    assert message.content_type == "multipart/report"
    assert message.header("x-no-such-header") == "" and message.headers("Received")


@pytest.mark.parametrize("name", ["rhost-google-02.eml", "rfc3464-04.eml"])
def test_wrong_or_missing_boundary(sample: Callable[..., bytes], name: str) -> None:
    message = BounceMessage(sample(name))
    assert "Final-Recipient" in (message.delivery_status or "") + message.text
    assert "StartBoundaryNotFoundDefect" in message.defects or "BoundaryRepaired" in message.defects


def test_html_only_bounce_becomes_text() -> None:
    data = (
        b"From: postmaster@example.net\nSubject: Undeliverable\nContent-Type: text/html\n\n"
        b"<html><style>p{}</style><p>Delivery has failed to:<br>user@example.org</p>&amp;</html>\n"
    )
    text = BounceMessage(data).text
    assert "Delivery has failed to:\nuser@example.org" in text and "&" in text and "<p>" not in text


def test_top_level_headers_as_compat32_message(sample: Callable[..., bytes]) -> None:
    message = BounceMessage(sample("rfc3464-01.eml"))
    assert "Auto-Submitted" in message.message
    assert message.message.get("Subject") == "Returned mail: see transcript for details"


def test_truncated_multipart_is_flagged(sample: Callable[..., bytes]) -> None:
    data = sample("rfc3464-01.eml")
    message = BounceMessage(data[: data.index(b"Content-Type: message/rfc822")])
    assert "CloseBoundaryNotFoundDefect" in message.defects
    assert "userunknown@bouncehammer.jp" in (message.delivery_status or "")


def test_headers_without_separator_and_unix_from() -> None:
    message = BounceMessage(
        b"From sender@example.com Mon Jan  1 00:00:00 2024\nSubject: hi\nnot a header\nbody\n"
    )
    assert message.subject == "hi"
    assert "MissingHeaderBodySeparatorDefect" in message.defects
    assert message.text.startswith("not a header")
