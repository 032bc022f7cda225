"""Delivery-status fields read in one call, as a line-by-line reading reads them."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bouncewarden.parse import dsn

_FIELD = re.compile(r"^([A-Za-z][A-Za-z0-9-]*)[ \t]*:[ \t]*(.*)$")


def _line_by_line(text: str) -> list[tuple[str, str]]:
    """The reference reading: one line at a time."""
    pairs: list[tuple[str, str]] = []
    for line in text.split("\n"):
        if line[:1] in (" ", "\t"):
            if pairs and line.strip():
                name, value = pairs[-1]
                pairs[-1] = (name, (value + " " + line.strip()).strip())
            continue
        found = _FIELD.match(line)
        if found:
            pairs.append((found.group(1).lower(), found.group(2).strip()))
        elif not line.strip():
            pairs.append(("", ""))
    return pairs


_LINES = st.sampled_from(
    [
        "Final-Recipient: rfc822; a@example.com",
        "Action: failed",
        "Status:5.1.1",
        "  folded more",
        "\t",
        "",
        "not a field",
        "X-1: y ",
        " ",
        "Diagnostic-Code : smtp; 550 x",
        "1bad: x",
        "\r",
        "Remote-MTA:",
    ]
)


@settings(max_examples=500)
@given(st.lists(st.one_of(_LINES, st.text(alphabet="aA1-: \t\r\x0b\x85\u2028\x1c", max_size=6)), max_size=10))
def test_fields_as_read_line_by_line(lines: list[str]) -> None:
    text = "\n".join(lines)
    assert dsn._fields(text) == _line_by_line(text)
