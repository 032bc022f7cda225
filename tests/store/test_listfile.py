"""The suppression-list file: formats, detection, optional header, refusals."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bouncewarden.store.listfile import (
    InvalidListFile,
    ListFormat,
    detect_format,
    physical_lines,
    read_suppressions,
    write_suppressions,
)
from bouncewarden.store.queries import Suppression


def read(lines: list[str] | str, list_format: ListFormat, where: str, **options: object) -> list[Suppression]:
    text = lines if isinstance(lines, str) else "".join(lines)
    return list(
        read_suppressions(physical_lines(io.BytesIO(text.encode()), where), list_format, where, **options)
    )  # type: ignore[arg-type]


ROWS = [
    Suppression("a@example.com", "hard_bounce", datetime(2025, 1, 2, 3, 4, 5, 6, tzinfo=UTC), None, "ses"),
    Suppression(
        "b@example.com", "manual", datetime(2025, 1, 2, tzinfo=UTC), 'said "stop",\nby phone', "cli:ops"
    ),
]


@pytest.mark.parametrize("list_format", list(ListFormat))
def test_write_then_read_is_lossless(list_format: ListFormat) -> None:
    handle = io.StringIO(newline="")
    assert write_suppressions(ROWS, handle, list_format) == 2
    assert read(handle.getvalue(), list_format, "x") == ROWS


def test_csv_layout() -> None:
    handle = io.StringIO(newline="")
    write_suppressions(ROWS[:1], handle, ListFormat.CSV)
    assert handle.getvalue() == (
        "address,reason,created_at,note,source\r\na@example.com,hard_bounce,2025-01-02T03:04:05.000006+00:00,,ses\r\n"
    )


def test_plain_address_list_without_header() -> None:
    rows = read(["One@Example.com\n", "\n", "<two@example.com>\n"], ListFormat.CSV, "list")
    assert [(row.address, row.reason, row.created_at, row.source) for row in rows] == [
        ("one@example.com", "imported", None, None),
        ("two@example.com", "imported", None, None),
    ]


def test_header_columns_in_any_order() -> None:
    lines = ["reason,address\n"]
    with pytest.raises(InvalidListFile):  # no `address` first: the header is read as data
        read([*lines, "complaint,a@example.com\n"], ListFormat.CSV, "f")
    lines = ["address,source,reason\n", "a@example.com,esp,COMPLAINT\n"]
    (row,) = read(lines, ListFormat.CSV, "f")
    assert (row.address, row.source, row.reason) == ("a@example.com", "esp", "complaint")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not-an-address\n", "not an email address"),
        ("a@example.com,deleted\n", "unknown reason 'deleted'"),
        ("a@example.com,manual,yesterday\n", "created_at is not ISO 8601"),
        ("a b@example.com\n", "not an email address"),
    ],
)
def test_bad_rows_are_refused_with_file_and_line(line: str, message: str) -> None:
    with pytest.raises(InvalidListFile, match=re.escape(f"f.csv:1: {message}")):
        read([line], ListFormat.CSV, "f.csv")


def test_bad_json_lines() -> None:
    with pytest.raises(InvalidListFile, match=r"l\.jsonl:2: not a JSON object"):
        read(['{"address": "a@example.com"}\n', "[1]\n"], ListFormat.JSONL, "l.jsonl")
    with pytest.raises(InvalidListFile, match=r"l\.jsonl:1"):
        read(["{oops\n"], ListFormat.JSONL, "l.jsonl")


def test_format_detection() -> None:
    assert detect_format(Path("x.CSV"), '{"address": 1}') is ListFormat.CSV
    assert detect_format(Path("x.jsonl"), "address") is ListFormat.JSONL
    assert detect_format(Path("x.ndjson"), "") is ListFormat.JSONL
    assert detect_format(Path("x.txt"), '  {"address": "a@example.com"}') is ListFormat.JSONL
    assert detect_format(Path("-"), "a@example.com") is ListFormat.CSV
