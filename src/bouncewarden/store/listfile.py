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

Spreadsheets run a CSV cell that starts with `=`, `+`, `-`, `@`, tab or CR as a formula
(OWASP, "CSV Injection"), and addresses such as `+sum(1+1)@example.com` are possible. So
`export` writes such a cell with one single quote in front (a cell that already starts with
quotes before one of those characters gets one more), and `import` takes that one quote off
again: what export writes, import reads. `--unsafe-raw` on both sides turns this off for
machine consumers. JSON Lines is never altered.

Reading is strict about the file and lenient about rows: the bytes must be UTF-8, a field at
most 128 KiB, a physical line at most 1 MiB, a quoted field closed, a JSON line an object
nested at most a few levels; otherwise `InvalidListFile` says `FILE:LINE: what is wrong`
(physical line numbers, counting the lines inside quoted fields) and the caller stores
nothing. A row whose address no mail system can carry (`bouncewarden.addresses`) is skipped
and reported through `on_skipped`, so one bad address does not refuse a whole export.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import IO, Any, BinaryIO

from bouncewarden.addresses import address_problem, normalise_address
from bouncewarden.errors import BouncewardenError
from bouncewarden.logsafe import shown
from bouncewarden.policy import SuppressionReason
from bouncewarden.store.queries import Suppression
from bouncewarden.store.types import as_utc

__all__ = [
    "FIELDS",
    "InvalidListFile",
    "ListFormat",
    "csv_problem",
    "detect_format",
    "neutralise_cell",
    "physical_lines",
    "read_suppressions",
    "restore_cell",
    "write_suppressions",
]

FIELDS = ("address", "reason", "created_at", "note", "source")
_REASONS = {reason.value for reason in SuppressionReason}
_FIELD_LIMIT = 128 * 1024
_LINE_LIMIT = 1024 * 1024
# A cell a spreadsheet would evaluate, possibly behind quotes already added by `export`.
_FORMULA = re.compile(r"'*[=+\-@\t\r]")
_NEUTRALISED = re.compile(r"'+[=+\-@\t\r]")


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


def neutralise_cell(value: str) -> str:
    """`value` safe for a spreadsheet: one single quote in front of a cell it would evaluate."""
    return "'" + value if _FORMULA.match(value) else value


def restore_cell(value: str) -> str:
    """The cell `neutralise_cell` was given (the one added quote taken off)."""
    return value[1:] if _NEUTRALISED.match(value) else value


def write_suppressions(
    rows: Iterable[Suppression], handle: IO[str], list_format: ListFormat, *, raw: bool = False
) -> int:
    """Write `rows` to `handle`; how many. `raw` leaves CSV cells as they are (no neutralising)."""
    written = 0
    if list_format is ListFormat.CSV:
        # CRLF (RFC 4180): the writer then quotes fields holding either line-break character.
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(FIELDS)
        for row in rows:
            values = _csv_values(row)
            writer.writerow(values if raw else [neutralise_cell(value) for value in values])
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


def physical_lines(handle: BinaryIO, where: str) -> Iterator[tuple[int, str]]:
    """The numbered lines of a UTF-8 file (a leading BOM dropped); InvalidListFile past the limits."""
    number = 0
    while line := handle.readline(_LINE_LIMIT + 1):
        number += 1
        if len(line) > _LINE_LIMIT:
            raise InvalidListFile(f"{where}:{number}: line longer than {_LINE_LIMIT // 1024} KiB")
        if number == 1 and line.startswith(b"\xef\xbb\xbf"):
            line = line[3:]
        try:
            yield number, line.decode("utf-8")
        except UnicodeDecodeError as err:
            raise InvalidListFile(
                f"{where}:{number}: not UTF-8 (byte 0x{line[err.start]:02x} at column {err.start + 1})"
            ) from err


def read_suppressions(
    lines: Iterable[tuple[int, str]],
    list_format: ListFormat,
    where: str,
    *,
    raw: bool = False,
    on_skipped: Callable[[str], object] | None = None,
) -> Iterator[Suppression]:
    """The rows of a suppression-list file, from `physical_lines` (see the module docstring).

    InvalidListFile (naming `where` and the line) when the file cannot be read; a row with an
    impossible address is passed to `on_skipped` as a message instead (refused when None).
    `raw` reads CSV cells as they are (a file written with `export --unsafe-raw`).
    """
    rows = _read_jsonl(lines, where) if list_format is ListFormat.JSONL else _read_csv(lines, where, raw)
    for values, at in rows:
        address = str(values.get("address") or "")
        problem = address_problem(address)
        if problem is None:
            yield _suppression(normalise_address(address), values, at)
            continue
        message = f"{at}: not an email address ({problem}): {shown(address)}"
        if on_skipped is None:
            raise InvalidListFile(message)
        on_skipped(message)


def _read_csv(
    lines: Iterable[tuple[int, str]], where: str, raw: bool
) -> Iterator[tuple[dict[str, Any], str]]:
    last = 0

    def texts() -> Iterator[str]:
        nonlocal last
        for number, text in lines:
            last = number
            yield text

    reader = csv.reader(texts(), strict=True)
    columns: tuple[str, ...] = FIELDS
    first = True
    while True:
        start = last + 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as err:
            raise InvalidListFile(f"{where}:{start}: {csv_problem(err)}") from err
        if not values or not "".join(values).strip():
            continue
        if first and values[0].strip().lower().lstrip("\ufeff") == "address":
            columns = tuple(value.strip().lower() for value in values)
            first = False
            continue
        first = False
        if not raw:
            values = [restore_cell(value) for value in values]
        yield dict(zip(columns, values, strict=False)), f"{where}:{start}"


def csv_problem(err: csv.Error) -> str:
    """What a `csv.Error` means for the person who wrote the file."""
    text = str(err)
    if "field larger than field limit" in text:
        return f"a field is longer than {_FIELD_LIMIT // 1024} KiB (or a quoted field is never closed)"
    if "unexpected end of data" in text:
        return "a quoted field opened here is never closed"
    return f"not readable as CSV: {text}"


def _read_jsonl(lines: Iterable[tuple[int, str]], where: str) -> Iterator[tuple[dict[str, Any], str]]:
    for number, line in lines:
        if not line.strip():
            continue
        if len(line) > _FIELD_LIMIT * len(FIELDS):
            raise InvalidListFile(f"{where}:{number}: line longer than {_FIELD_LIMIT * len(FIELDS)} bytes")
        try:
            values = json.loads(line)
        except json.JSONDecodeError as err:
            raise InvalidListFile(f"{where}:{number}: not a JSON object: {err}") from err
        except RecursionError as err:
            raise InvalidListFile(f"{where}:{number}: not a JSON object: nested too deeply") from err
        if not isinstance(values, dict):
            raise InvalidListFile(f"{where}:{number}: not a JSON object")
        yield values, f"{where}:{number}"


def _text(value: Any) -> str | None:
    """A field's text; empty and missing are the same. Nested values are refused by the caller."""
    if value is None:
        return None
    return str(value) or None


def _field(values: dict[str, Any], name: str, where: str) -> str | None:
    value = values.get(name)
    if isinstance(value, dict | list):
        raise InvalidListFile(f"{where}: {name} is not text")
    text = _text(value)
    if text is not None and "\x00" in text:
        raise InvalidListFile(f"{where}: {name} holds a NUL character")
    if text is not None and len(text) > _FIELD_LIMIT:
        raise InvalidListFile(f"{where}: {name} longer than {_FIELD_LIMIT // 1024} KiB")
    return text


def _suppression(address: str, values: dict[str, Any], where: str) -> Suppression:
    reason = (_field(values, "reason", where) or SuppressionReason.IMPORTED.value).strip().lower()
    if reason not in _REASONS:
        raise InvalidListFile(
            f"{where}: unknown reason {shown(reason)} (one of {', '.join(sorted(_REASONS))})"
        )
    created = (_field(values, "created_at", where) or "").strip() or None
    try:
        created_at = None if created is None else as_utc(datetime.fromisoformat(created))
    except (ValueError, OverflowError) as err:
        raise InvalidListFile(f"{where}: created_at is not ISO 8601: {shown(created)}") from err
    note, source = _field(values, "note", where), _field(values, "source", where)
    return Suppression(address, reason, created_at, note, source)
