"""A small, fast MIME reader for bounces: split entities once, decode only leaf text.

The standard `email` parser (even with the fast `compat32` policy) feeds every line of a
message through Python code, attached original messages included, and was most of the cost
of parsing a bounce. Bounces need much less: the header block of each entity, the
multipart tree split at its boundaries, and the decoded text of a few leaves. This module
does that with a handful of regular expressions over bytes, following RFC 2045/2046:

- A header block ends at the first empty line; folded lines (starting with space or tab)
  continue the previous field; a line that is neither ends the block early (as in `email`,
  a `MissingHeaderBodySeparatorDefect`). An mbox "From " line before the headers is skipped.
- A multipart body is cut at lines `--boundary` (the close delimiter `--boundary--`); the
  preamble and epilogue are dropped. When the declared boundary never occurs, the body is
  re-cut at the boundary its delimiter lines actually use (`BoundaryRepaired`), else it is
  read as text. Nesting deeper than `MAX_DEPTH` is read as text.
- Leaves are decoded from base64 (padding and stray characters tolerated) or
  quoted-printable; other transfer encodings are taken as they are.

Defects use the names of `email.errors` where the meaning is the same, so callers can treat
them alike: StartBoundaryNotFoundDefect, CloseBoundaryNotFoundDefect,
MissingHeaderBodySeparatorDefect, NoBoundaryInMultipartDefect.
"""

from __future__ import annotations

import binascii
import re
from dataclasses import dataclass, field

__all__ = ["MAX_DEPTH", "Entity", "decode_body", "parse_entity", "split_multipart", "used_boundary"]

MAX_DEPTH = 40

_FROM_LINE = re.compile(rb"From [^\n]*\n")
# One header field: its name, then its value with any folded continuation lines.
_FIELD = re.compile(r"([!-9;-~]+)[ \t]*:[ \t]*([^\n]*(?:\n[ \t][^\n]*)*)(?:\n|$)")
# A field or, failing that, one line: `findall` then reads a whole block in one call, and a
# block of fields only gives names everywhere (a nameless item is a line that is no field).
_FIELD_OR_LINE = re.compile(_FIELD.pattern + r"|[^\n]*\n?")
_PARAM = re.compile(r'(?i)(?:^|;)\s*([\w*-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s;"]+))')
_NON_BASE64 = re.compile(rb"[^A-Za-z0-9+/]")
_USED_BOUNDARY = re.compile(rb"^--([0-9A-Za-z'()+_,./:=?-]{1,70}?)(?:--)?[ \t]*$", re.MULTILINE)


@dataclass(slots=True)
class Entity:
    """One MIME entity: its header fields (raw values, folding kept) and its raw body."""

    headers: list[tuple[str, str]]
    body: bytes
    defects: list[str] = field(default_factory=list)

    def get(self, name: str) -> str | None:
        """The first raw value of a header field (name case-insensitive), or None."""
        wanted = name.lower()
        size = len(wanted)
        for key, value in self.headers:
            if len(key) == size and key.lower() == wanted:  # lengths first: most names differ
                return value
        return None

    def content_type(self) -> tuple[str, dict[str, str]]:
        """The lower-case media type (text/plain when absent or malformed) and its parameters."""
        raw = self.get("content-type") or ""
        media, _, rest = raw.partition(";")
        media = "".join(media.split()).lower()
        if media.count("/") != 1:
            media = "text/plain"
        if "=" not in rest:  # every parameter has one
            return media, {}
        # findall gives "" for the branch that did not take part: a quoted value, else a token.
        return media, {name.lower(): quoted or token for name, quoted, token in _PARAM.findall(";" + rest)}


def _decode_header_block(block: bytes) -> tuple[str, str]:
    """The block as text, and the codec that gives the same bytes back (UTF-8, else Latin-1)."""
    try:
        return block.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return block.decode("latin-1"), "latin-1"


def _all_fields(block: str) -> list[tuple[str, str]] | None:
    """The (name, value) fields of a block made of fields only, else None (read it line by line).

    Each match starts where the previous one ended, as a match is possible at every position;
    the last is the empty line-match at the end of the block.
    """
    found: list[tuple[str, str]] = _FIELD_OR_LINE.findall(block)
    if found and found[-1] == ("", ""):
        found.pop()
    for name, _ in found:
        if not name:
            return None
    return found


def parse_entity(data: bytes) -> Entity:
    """Split LF-ended data into its header fields and body."""
    unix_from = _FROM_LINE.match(data) if data.startswith(b"From ") else None
    start = unix_from.end() if unix_from else 0
    if data[start : start + 1] == b"\n":
        return Entity([], data[start + 1 :])
    end = data.find(b"\n\n", start)
    block, encoding = _decode_header_block(data[start:] if end < 0 else data[start : end + 1])
    body = b"" if end < 0 else data[end + 2 :]
    fields = _all_fields(block)
    if fields is not None:
        return Entity(fields, body)
    headers: list[tuple[str, str]] = []
    position = 0
    while position < len(block):
        found = _FIELD.match(block, position)
        if found is None:
            # A line that is no header field ends the block: the rest is body.
            rest = block[position:].encode(encoding)
            body = rest + (b"\n" + body if end >= 0 else b"")
            return Entity(headers, body, ["MissingHeaderBodySeparatorDefect"])
        headers.append((found.group(1), found.group(2)))
        position = found.end()
    return Entity(headers, body)


def _delimiters(body: bytes, boundary: bytes) -> list[tuple[int, int, bool]]:
    """(start, end of line, is closing) of each delimiter line "--boundary[--]" in body."""
    found: list[tuple[int, int, bool]] = []
    marker = b"--" + boundary
    position = body.find(marker)
    while position >= 0:
        line_end = body.find(b"\n", position)
        line_end = len(body) if line_end < 0 else line_end
        if position == 0 or body[position - 1] == 0x0A:
            tail = body[position + len(marker) : line_end]
            closing = tail.startswith(b"--")
            if not (tail[2:] if closing else tail).strip(b" \t"):
                found.append((position, line_end, closing))
        position = body.find(marker, line_end)
    return found


def split_multipart(body: bytes, boundary: str, defects: list[str]) -> list[bytes] | None:
    """The parts of a multipart body, or None when no delimiter line for boundary occurs."""
    delimiters = _delimiters(body, boundary.encode("utf-8", "replace"))
    if not delimiters:
        return None
    parts: list[bytes] = []
    for index, (_, line_end, closing) in enumerate(delimiters):
        if closing:
            return parts
        begin = line_end + 1
        end = delimiters[index + 1][0] - 1 if index + 1 < len(delimiters) else len(body)
        parts.append(body[begin : max(begin, end)])
    defects.append("CloseBoundaryNotFoundDefect")
    return parts


def used_boundary(body: bytes) -> str | None:
    """The boundary a body's delimiter lines use (for a multipart that declares another)."""
    found = _USED_BOUNDARY.search(body)
    return found.group(1).decode("ascii") if found else None


def decode_body(body: bytes, transfer_encoding: str | None) -> bytes:
    """The body with its Content-Transfer-Encoding undone (tolerant of damage)."""
    encoding = (transfer_encoding or "").strip().lower()
    if encoding == "base64":
        cleaned = _NON_BASE64.sub(b"", body.split(b"=", 1)[0])
        cleaned = cleaned[: len(cleaned) - len(cleaned) % 4] if len(cleaned) % 4 == 1 else cleaned
        try:
            return binascii.a2b_base64(cleaned + b"=" * (-len(cleaned) % 4))
        except binascii.Error:
            return body
    if encoding == "quoted-printable":
        return binascii.a2b_qp(body)
    return body
