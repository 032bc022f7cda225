"""No exception escapes the parser: arbitrary bytes, and real bounces mutated on purpose.

Every input must give a ParsedReport, or a NotABounce / Unparseable carrying its reason.
The mutation fuzz runs over every sample under tests/samples/ with a fixed seed, so a
failure names the sample and the mutation and can be replayed.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bouncewarden.parse import NotABounce, ParsedReport, Unparseable, parse_bytes, parse_message

SAMPLES = sorted((Path(__file__).parents[1] / "samples").rglob("*.eml"))
_BOUNDARY_LINE = re.compile(rb"^--\S+[ \t]*$", re.MULTILINE)


def _check(result: object) -> None:
    assert isinstance(result, ParsedReport | NotABounce | Unparseable)
    if isinstance(result, NotABounce | Unparseable):
        assert result.reason
    else:
        assert result.recipients and all(r.address for r in result.recipients)


def _truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def _flip_bytes(data: bytes, rng: random.Random) -> bytes:
    mutable = bytearray(data)
    for _ in range(1 + len(data) // 200):
        mutable[rng.randrange(len(mutable))] = rng.randrange(256)
    return bytes(mutable)


def _drop_boundaries(data: bytes, rng: random.Random) -> bytes:
    return _BOUNDARY_LINE.sub(lambda m: b"" if rng.random() < 0.7 else m.group(0), data)


def _giant_header(data: bytes, rng: random.Random) -> bytes:
    name = rng.choice([b"Subject", b"To", b"X-Giant", b"Content-Type", b"Received"])
    return name + b": " + b"x=" * 60_000 + b"\n" + data


def _many_headers(data: bytes, rng: random.Random) -> bytes:
    return b"".join(b"X-Filler-%d: %d\n" % (i, rng.randrange(10)) for i in range(5_000)) + data


def _nul_and_controls(data: bytes, rng: random.Random) -> bytes:
    cut = rng.randrange(len(data) + 1)
    return data[:cut] + b"\x00\x1b$B\r\r\n\x85\xff" + data[cut:]


def _no_header_break(data: bytes, rng: random.Random) -> bytes:
    return data.replace(b"\n\n", b"\n", 1 + rng.randrange(3))


def _nest_deep(data: bytes, rng: random.Random) -> bytes:
    depth = 200 + rng.randrange(100)
    level = b'Content-Type: multipart/mixed; boundary="n%d"\n\n--n%d\n'
    opening = b"".join(level % (i, i) for i in range(depth))
    return b"From: MAILER-DAEMON@example.net\n" + opening + data


def _bad_encodings(data: bytes, rng: random.Random) -> bytes:
    swap = rng.choice([b"base64", b"quoted-printable", b"x-unknown"])
    data = re.sub(rb"(?i)charset=\"?[\w-]+\"?", b"charset=no-such-charset", data, count=1)
    return re.sub(rb"(?i)Content-Transfer-Encoding: *\S+", b"Content-Transfer-Encoding: " + swap, data)


MUTATIONS: dict[str, Callable[[bytes, random.Random], bytes]] = {
    "truncate": _truncate,
    "flip": _flip_bytes,
    "drop-boundaries": _drop_boundaries,
    "giant-header": _giant_header,
    "many-headers": _many_headers,
    "controls": _nul_and_controls,
    "no-header-break": _no_header_break,
    "nest-deep": _nest_deep,
    "bad-encodings": _bad_encodings,
}


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_mutated_samples(mutation: str) -> None:
    assert SAMPLES, "no samples found"
    rng = random.Random(f"bouncewarden-{mutation}")
    for path in SAMPLES:
        data = path.read_bytes()
        for _ in range(2):
            mutated = MUTATIONS[mutation](data, rng)
            for result in parse_bytes(mutated):
                _check(result)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096))
def test_arbitrary_bytes(data: bytes) -> None:
    _check(parse_message(data))


_HEADER_NAMES = st.sampled_from(
    ["From", "To", "Subject", "Content-Type", "Content-Transfer-Encoding", "Auto-Submitted", "Return-Path"]
)
_CONTENT_TYPES = st.sampled_from(
    [
        'multipart/report; report-type=delivery-status; boundary="b"',
        'multipart/report; report-type=feedback-report; boundary="b"',
        "message/delivery-status",
        "text/plain; charset=iso-2022-jp",
        'multipart/mixed; boundary="b"',
    ]
)
_PART_LINES = st.sampled_from(
    [
        "--b",
        "--b--",
        "Content-Type: message/delivery-status",
        "Content-Type: message/feedback-report",
        "Content-Type: message/rfc822",
        "Final-Recipient: rfc822; user@example.com",
        "Original-Rcpt-To: user@example.org",
        "Action: failed",
        "Status: 5.1.1",
        "Diagnostic-Code: smtp; 550 5.1.1 unknown",
        "Feedback-Type: abuse",
        "",
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(_HEADER_NAMES, st.text(max_size=40)), max_size=6),
    _CONTENT_TYPES,
    st.lists(st.one_of(_PART_LINES, st.text(max_size=60)), max_size=40),
)
def test_report_shaped_input(headers: list[tuple[str, str]], content_type: str, lines: list[str]) -> None:
    head = "".join(f"{name}: {value}\n" for name, value in headers)
    text = f"{head}Content-Type: {content_type}\n\n" + "\n".join(lines)
    _check(parse_message(text.encode("utf-8", "surrogatepass")))
