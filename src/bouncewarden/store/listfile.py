"""The suppression-list file: CSV or JSON Lines, written by `export`, read by `import`.

One suppression per row with the fields `address, reason, created_at, note, source`:

    address,reason,created_at,note,source
    someone@example.com,hard_bounce,2025-03-01T12:00:00.000000+00:00,,ses

JSON Lines carries the same fields, one object per line (`null` for missing values).
`created_at` is ISO 8601 with its UTC offset and microseconds, so a file round-trips
exactly; empty notes and sources are the same as missing ones. On reading, the CSV header
is optional (columns are then taken in the order above), so a plain list of addresses, one
per line, is a valid file; a missing reason is `imported`. The format comes from the file
extension (`.csv`, `.jsonl`/`.ndjson`/`.json`), else from the first character (`{` = JSON).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

from bouncewarden.errors import BouncewardenError
from bouncewarden.events import normalise_address
from bouncewarden.policy import SuppressionReason
from bouncewarden.store.queries import Suppression
from bouncewarden.store.types import as_utc

__all__ = [
    "FIELDS",
    "InvalidListFile",
    "ListFormat",
    "detect_format",
    "read_suppressions",
    "write_suppressions",
]

FIELDS = ("address", "reason", "created_at", "note", "source")
_REASONS = {reason.value for reason in SuppressionReason}


class InvalidListFile(BouncewardenError, ValueError):
    """A row of a suppression-list file that cannot be read (the message says file and line)."""


class ListFormat(StrEnum):
    """The two file formats of the suppression list."""

    CSV = "csv"
    JSONL = "jsonl"


def detect_format(path: Path, first_chunk: str) -> ListFormat:
    """The format of `path`, from its extension or else its first non-blank character."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return ListFormat.CSV
    if suffix in {".jsonl", ".ndjson", ".json"}:
        return ListFormat.JSONL
    return ListFormat.JSONL if first_chunk.lstrip().startswith("{") else ListFormat.CSV


def write_suppressions(rows: Iterable[Suppression], handle: IO[str], list_format: ListFormat) -> int:
    """Write `rows` to `handle`; how many."""
    written = 0
    if list_format is ListFormat.CSV:
        # CRLF (RFC 4180): the writer then quotes fields holding either line-break character.
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(FIELDS)
        for row in rows:
            writer.writerow(_csv_values(row))
            written += 1
        return written
    for row in rows:
        handle.write(json.dumps(_json_values(row), ensure_ascii=False) + "\n")
        written += 1
    return written


def _stamp(moment: datetime | None) -> str | None:
    return None if moment is None else as_utc(moment).isoformat(timespec="microseconds")


def _csv_values(row: Suppression) -> tuple[str, ...]:
    return (row.address, row.reason, _stamp(row.created_at) or "", row.note or "", row.source or "")


def _json_values(row: Suppression) -> dict[str, Any]:
    return {
        "address": row.address,
        "reason": row.reason,
        "created_at": _stamp(row.created_at),
        "note": row.note or None,
        "source": row.source or None,
    }


def read_suppressions(lines: Iterable[str], list_format: ListFormat, where: str) -> Iterator[Suppression]:
    """The rows of a suppression-list file; InvalidListFile (naming `where` and the line) on a bad row."""
    if list_format is ListFormat.JSONL:
        yield from _read_jsonl(lines, where)
    else:
        yield from _read_csv(lines, where)


def _read_csv(lines: Iterable[str], where: str) -> Iterator[Suppression]:
    reader = csv.reader(lines)
    columns: tuple[str, ...] = FIELDS
    for number, values in enumerate(reader, start=1):
        if not values or not "".join(values).strip():
            continue
        if number == 1 and values[0].strip().lower() == "address":
            columns = tuple(value.strip().lower() for value in values)
            continue
        yield _suppression(dict(zip(columns, values, strict=False)), f"{where}:{number}")


def _read_jsonl(lines: Iterable[str], where: str) -> Iterator[Suppression]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            values = json.loads(line)
        except json.JSONDecodeError as err:
            raise InvalidListFile(f"{where}:{number}: not a JSON object: {err}") from err
        if not isinstance(values, dict):
            raise InvalidListFile(f"{where}:{number}: not a JSON object")
        yield _suppression(values, f"{where}:{number}")


def _text(value: Any) -> str | None:
    """A field's text; empty and missing are the same."""
    if value is None:
        return None
    return str(value) or None


def _suppression(values: dict[str, Any], where: str) -> Suppression:
    address = normalise_address(str(values.get("address") or ""))
    local, _, domain = address.rpartition("@")
    if not local or not domain or any(character.isspace() for character in address):
        raise InvalidListFile(f"{where}: not an email address: {values.get('address')!r}")
    reason = (_text(values.get("reason")) or SuppressionReason.IMPORTED.value).strip().lower()
    if reason not in _REASONS:
        raise InvalidListFile(f"{where}: unknown reason {reason!r} (one of {', '.join(sorted(_REASONS))})")
    created = (_text(values.get("created_at")) or "").strip() or None
    try:
        created_at = None if created is None else as_utc(datetime.fromisoformat(created))
    except ValueError as err:
        raise InvalidListFile(f"{where}: created_at is not ISO 8601: {created!r}") from err
    return Suppression(address, reason, created_at, _text(values.get("note")), _text(values.get("source")))
