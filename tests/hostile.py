"""Hypothesis strategies for hostile input (issue 8): what an attacker or a careless operator sends.

Each strategy gives bytes for one door: random bytes, deep nesting (JSON and MIME), huge
fields, control characters, odd encodings (UTF-16/32, Latin-1, broken UTF-8, byte-order
marks), and SES feedback naming hostile addresses. The shapes wrap real SES samples, so the
parsers get past their first checks and meet the hostile part where it hurts.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hypothesis import strategies as st

from feedback_files import dsn, ses_bounce

T0 = datetime(2025, 11, 3, 9, 0, tzinfo=UTC)

HOSTILE_ADDRESSES = [
    "=cmd|' /c calc'!a0@x.com",
    "+sum(1+1)@x.com",
    "@sum(a1)@x.com",
    "-2+3@x.com",
    "nul\x00@x.com",
    "tab\tin@x.com",
    "new\nline@x.com",
    "space in@x.com",
    "user@bücher.example",
    "user@xn--bcher-kva.example",
    "x" * 300 + "@example.com",
    "no-at-sign",
    "",
    "\u202eevil@example.com",
    "esc\x1b[31m@example.com",
]

CONTROL_TEXT = st.text(st.characters(codec="utf-8", categories=["Cc", "Cf", "Zl", "Zp", "Co"]), max_size=200)
ANY_TEXT = st.text(max_size=300)


def _nested_json(depth: int, opening: str) -> bytes:
    return (opening + "[" * depth + "]" * depth + "}" * opening.count("{")).encode()


deep_json = st.builds(
    _nested_json,
    st.integers(min_value=500, max_value=60_000),
    st.sampled_from(
        [
            "",
            '{"a": ',
            '{"Messages": [], "ReceiptHandle": "r", "x": ',
            '{"Type": "Notification", "Message": ',
            '{"notificationType": "Bounce", "bounce": ',
        ]
    ),
)


def _nested_mime(depth: int) -> bytes:
    head = b"From: MAILER-DAEMON@example.org\nSubject: nested\nMIME-Version: 1.0\n"
    parts = [head]
    for level in range(depth):
        parts.append(b'Content-Type: multipart/mixed; boundary="b%d"\n\n--b%d\n' % (level, level))
    parts.append(b"Content-Type: text/plain\n\nhello\n")
    return b"".join(parts)


deep_mime = st.builds(_nested_mime, st.integers(min_value=50, max_value=3000))


def _huge_field(size: int, where: str) -> bytes:
    filler = "A" * size
    if where == "json":
        document = json.loads(ses_bounce("big@example.com", T0))
        document["bounce"]["bouncedRecipients"][0]["diagnosticCode"] = filler
        return json.dumps(document).encode()
    if where == "header":
        return b"From: MAILER-DAEMON@example.org\nX-Big: " + filler.encode() + b"\n\nbody\n"
    return dsn("big@example.com", T0, diagnostic="550 5.1.1 " + filler)


huge_field = st.builds(
    _huge_field,
    st.integers(min_value=100_000, max_value=1_500_000),
    st.sampled_from(["json", "header", "dsn"]),
)


def _with_text(document_text: str, encoding: str) -> bytes:
    return (
        document_text.encode(encoding, errors="replace")
        if encoding != "broken"
        else b"\xff\xfe\xc3(" + document_text.encode()
    )


odd_encoding = st.builds(
    lambda data, encoding: _with_text(data.decode("utf-8", "replace"), encoding),
    st.sampled_from([ses_bounce("enc@example.com", T0), dsn("enc@example.com", T0)]),
    st.sampled_from(["utf-16", "utf-32", "utf-8-sig", "latin-1", "cp1252", "broken"]),
)


def ses_for(address: str, extra: str) -> bytes:
    document = json.loads(ses_bounce("placeholder@example.com", T0))
    document["bounce"]["bouncedRecipients"][0]["emailAddress"] = address
    document["bounce"]["bouncedRecipients"][0]["diagnosticCode"] = extra
    document["mail"]["destination"] = [address]
    return json.dumps(document).encode()


hostile_ses = st.builds(ses_for, st.sampled_from(HOSTILE_ADDRESSES) | ANY_TEXT, CONTROL_TEXT | ANY_TEXT)
hostile_dsn = st.builds(
    lambda address, text: dsn("placeholder@example.com", T0, diagnostic=text).replace(
        b"placeholder@example.com", address.encode("utf-8", "surrogatepass")
    ),
    st.sampled_from(HOSTILE_ADDRESSES),
    CONTROL_TEXT,
)
controls_in_email = st.builds(
    lambda text: (
        b"From: MAILER-DAEMON@example.org\nSubject: "
        + text.encode("utf-8", "surrogatepass")
        + b"\n\n"
        + text.encode("utf-8", "surrogatepass")
    ),
    CONTROL_TEXT,
)

hostile_input = st.one_of(
    st.binary(max_size=4096),
    deep_json,
    deep_mime,
    huge_field,
    odd_encoding,
    hostile_ses,
    hostile_dsn,
    controls_in_email,
)
"""Bytes for any door that takes a file, a message body or an SNS Message."""
