"""Parsing bounce emails, complaints and auto-replies into classified reports.

    from bouncewarden.parse import parse_message, parse_file

    result = parse_message(raw_bytes)          # ParsedReport | NotABounce | Unparseable
    for name, result in parse_file(path): ...  # one result per message (.eml or mbox)

Each takes the operator's rules (`classify.OperatorRules`) as an optional last argument.
`parse_message` never raises; see `pipeline` for the order of the attempts and `report`
for the result types.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path

from bouncewarden.classify import OperatorRule
from bouncewarden.parse.mbox import is_mbox, split_mbox
from bouncewarden.parse.pipeline import parse_bounce_message, parse_message
from bouncewarden.parse.report import (
    NotABounce,
    ParsedReport,
    ParseResult,
    RecipientFinding,
    RecipientResult,
    Unparseable,
)

__all__ = [
    "NotABounce",
    "ParseResult",
    "ParsedReport",
    "RecipientFinding",
    "RecipientResult",
    "Unparseable",
    "parse_bounce_message",
    "parse_bytes",
    "parse_file",
    "parse_message",
]


def parse_bytes(data: bytes, rules: Sequence[OperatorRule] = ()) -> Iterator[ParseResult]:
    """One result per message in data: a single message, or each message of an mbox."""
    if is_mbox(data):
        for message in split_mbox(data):
            yield parse_message(message, rules)
    else:
        yield parse_message(data, rules)


def _base_name(path: str | Path) -> str:
    """`Path(path).name` without building a Path (it costs as much as reading a small file)."""
    if not isinstance(path, str):
        return Path(path).name
    parts = [part for part in path.split("/") if part and part != "."]
    return parts[-1] if parts else ""


def _read(path: str | Path) -> bytes:
    """The whole file, read from a bare descriptor: half the cost of `open(path, "rb").read()`
    for a mail-sized file (no buffered reader object to build, and no size query first)."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        chunks: list[bytes] = []
        while chunk := os.read(descriptor, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(descriptor)


def parse_file(path: str | Path, rules: Sequence[OperatorRule] = ()) -> Iterator[tuple[str, ParseResult]]:
    """(base name, result) per message of a .eml or mbox file; an unreadable file gives Unparseable."""
    name = _base_name(path)
    try:
        data = _read(path)
    except OSError as err:
        yield name, Unparseable(f"cannot read {path}: {err.strerror or err}")
        return
    for result in parse_bytes(data, rules):
        yield name, result
