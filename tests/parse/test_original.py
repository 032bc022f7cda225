"""The original message's headers: the wanted fields are found as a line-anchored search finds them."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bouncewarden.parse import original

# The plain line-anchored form of the expression `original._WANTED` is a faster equivalent of.
_ANCHORED = re.compile(
    r"^(" + "|".join(map(re.escape, original._WANTED_NAMES)) + r")[ \t]*:[ \t]*(.*(?:\n[ \t]+.*)*)",
    re.MULTILINE | re.IGNORECASE,
)

_LINES = st.sampled_from(
    [
        "From: a@example.com",
        "to : b@example.com",
        " folded",
        "\tx",
        "",
        "Subject:",
        "X-Campaign-Id: c1",
        "x-campaign: c2",
        "Message-ID: <m@example.com>",
        "Received: from x",
        "CC:d@example.com",
        "tO:",
        "from",
    ]
)


@settings(max_examples=400)
@given(st.lists(st.one_of(_LINES, st.text(alphabet="fromtcFRC:- \t\n", max_size=12)), max_size=10))
def test_wanted_fields_as_anchored_search(lines: list[str]) -> None:
    block = "\n".join(lines)
    expected: dict[str, str] = {}
    for found in _ANCHORED.finditer(block):
        expected.setdefault(found.group(1).lower(), " ".join(found.group(2).split()))
    assert original._wanted(block) == expected


def test_original_headers_read_from_the_attached_block() -> None:
    block = "Return-Path: <s@example.org>\nFrom: Sender <s@example.org>\nTo: a@example.com,\n b@example.com\n"
    headers = original._from_block(block)
    assert headers.sender == "s@example.org"
    assert headers.recipients == ("a@example.com", "b@example.com")


# The marker as first written, with "-+" after the leading run: `ORIGINAL_MARKER` must cut a
# text on the same line (what `split_original` keeps depends on nothing else).
_MARKER_AS_WRITTEN = re.compile(
    r"^[ \t>-]*(?:"
    r"-+ ?(?:This is a copy of|Below this line is a copy of|Original message|"
    r"The header of the original message|Returned message|Undelivered message|Message header)"
    r"|Included is a copy of the original message"
    r"|-+ ?original (?:message|header)"
    r"|-+ ?(?:The )?(?:original|returned|unsent) message (?:follows|headers?)"
    r"|Original message headers?:"
    r"|-+ ?Original Message Header ?-+"
    r"|-+Transcript of session follows"
    r"|\*+ ?Original message"
    r")",
    re.IGNORECASE | re.MULTILINE,
)

_MARKER_LINES = st.sampled_from(
    [
        "------ This is a copy of the message, including all the headers. ------",
        "--- Below this line is a copy of the message.",
        "----- Original message -----",
        "Included is a copy of the original message",
        " > --original header",
        "-- The original message follows",
        "---returned message headers",
        "Original message headers:",
        "----- Original Message Header -----",
        "-----Transcript of session follows-----",
        "*** Original message",
        "-" * 70,
        "- - -",
        "Hello",
        "",
    ]
)


@settings(max_examples=400)
@given(
    st.lists(st.one_of(_MARKER_LINES, st.text(alphabet="-> \t*oOriginal mesageh\n", max_size=30)), max_size=8)
)
def test_original_marker_cuts_where_first_written(lines: list[str]) -> None:
    text = "\n".join(lines)
    expected = _MARKER_AS_WRITTEN.search(text)
    if expected is None:
        assert original.split_original(text) == (text, None)
        return
    rest = text[expected.end() :]
    newline = rest.find("\n")
    assert original.split_original(text) == (
        text[: expected.start()],
        rest[newline + 1 :] if newline >= 0 else "",
    )
