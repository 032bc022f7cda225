"""Cheap checks that a file meant as an email message is one, before it is parsed.

The parsers are lenient by design: anything they cannot read as feedback is "not a bounce".
That is right for a real message that is simply no bounce (a newsletter in a bounce
mailbox), wrong for input that is no message at all, which an operator must see. Such
input is quarantined with one of these reasons:

- empty input, or larger than `MAX_MESSAGE_BYTES`;
- binary data: NUL bytes in the header section (RFC 5322 section 2.2 allows none);
- no header section: the first line is not a header field (`Name: value`) or an mbox From_ line;
- a header line longer than `MAX_HEADER_LINE` bytes (RFC 5322 section 2.1.1 sets 998; real
  mailers exceed that, so the limit is generous, but a line of megabytes is not mail);
- truncated: the header section never ends, or a multipart body lacks its closing boundary
  and no feedback could be found in what is there (`truncation_problem`).
"""

from __future__ import annotations

import re

__all__ = ["MAX_HEADER_LINE", "MAX_MESSAGE_BYTES", "email_problem", "truncation_problem"]

MAX_MESSAGE_BYTES = 64 * 1024 * 1024
MAX_HEADER_LINE = 64 * 1024
# A header field (name of printable characters but the colon) or an mbox From_ line.
_FIRST_LINE = re.compile(rb"(?:[!-9;-~]+[ \t]*:|From )")
# Two line breaks in a row, whichever the line ending (CRLF, LF, or the old Mac's lone CR).
_HEADER_END = re.compile(rb"\r?\n\r?\n|\r\r")
_TRUNCATION_DEFECTS = frozenset({"CloseBoundaryNotFoundDefect", "StartBoundaryNotFoundDefect"})


def _longest_line(block: bytes) -> int:
    longest = 0
    start = 0
    while start < len(block):
        end = block.find(b"\n", start)
        carriage = block.find(b"\r", start, end if end >= 0 else len(block))
        if carriage >= 0:
            end = carriage
        if end < 0:
            end = len(block)
        longest = max(longest, end - start)
        start = end + 1
    return longest


def email_problem(data: bytes) -> str | None:
    """Why `data` cannot be an email message, or None when it may be one."""
    if not data.strip():
        return "empty input"
    if len(data) > MAX_MESSAGE_BYTES:
        return f"{len(data)} bytes exceed the {MAX_MESSAGE_BYTES}-byte limit for one message"
    text = data.lstrip(b"\r\n")
    end = _HEADER_END.search(text)
    headers = text[: end.start()] if end else text
    if b"\x00" in headers:
        return "binary data (NUL bytes in the header section), not an email message"
    if _FIRST_LINE.match(text) is None:
        return "not an email message: the first line is not a header field"
    longest = _longest_line(headers)
    if longest > MAX_HEADER_LINE:
        return f"a header line of {longest} bytes exceeds the {MAX_HEADER_LINE}-byte limit"
    if end is None:
        return "truncated: the header section never ends (no empty line before a body)"
    return None


def truncation_problem(defects: list[str] | tuple[str, ...]) -> str | None:
    """A reason when the MIME parser's defects say the message was cut short."""
    found = sorted(_TRUNCATION_DEFECTS.intersection(defects))
    if not found:
        return None
    return f"truncated MIME message ({', '.join(found)}) with no feedback found in what is left"
