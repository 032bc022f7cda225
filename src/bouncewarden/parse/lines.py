"""Splitting a byte stream into records: log lines, or CSV rows that may span lines.

A CSV field in double quotes may hold commas, doubled quotes and line ends (RFC 4180, which
PowerMTA's accounting files follow), so a row ends at the first line end outside quotes:
with an even count of `"` so far. Each record carries the line it starts on and the byte
offset just past its line end, which is where a reader resumes after a restart.

A record is complete only when its line end has been written. When following a file that
is still being written, the unterminated tail is left for the next read (`final=False`);
reading a finished file once, it is a record too (`final=True`). Line ends may be LF or
CRLF; the CR is dropped with the LF.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

__all__ = ["Record", "iter_records"]

_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class Record:
    """One record: its bytes without the line end, its first line number, the offset after it."""

    data: bytes
    line: int
    end: int


def _without_cr(data: bytes) -> bytes:
    return data[:-1] if data.endswith(b"\r") else data


def iter_records(
    stream: BinaryIO, *, offset: int = 0, line: int = 1, quoted: bool = False, final: bool = True
) -> Iterator[Record]:
    """The complete records of `stream` from `offset` (the start of record `line`) on."""
    pending: list[bytes] = []  # lines of a row still open inside quotes
    quotes = 0  # quotes counted in `pending`
    position = offset
    tail = b""
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            break
        lines = (tail + chunk).split(b"\n")
        tail = lines.pop()
        for text in lines:
            position += len(text) + 1
            if quoted and (pending or b'"' in text):
                quotes += text.count(b'"')
                pending.append(text)
                if quotes % 2:
                    continue
                text = b"\n".join(pending)
                yield Record(_without_cr(text), line, position)
                line += len(pending)
                pending, quotes = [], 0
                continue
            yield Record(_without_cr(text), line, position)
            line += 1
    if final and (pending or tail):
        data = b"\n".join([*pending, tail] if tail else pending)
        yield Record(_without_cr(data), line, position + len(tail))
