"""`export` and `import` against hostile lists (issue 8, defects 4, 5 and 7), on both databases."""

from __future__ import annotations

import csv
import io
import json
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result

from bouncewarden.cli import main
from bouncewarden.service import Service
from store_helpers import begin

# Every hostile address of issue 8; the ones no mail system can carry are refused by every door.
FORMULAS = ["=cmd|' /c calc'!a0@x.com", "+sum(1+1)@x.com", "@sum(a1)@x.com", "-2+3@x.com"]
POSSIBLE = [
    "+sum(1+1)@x.com",
    "@sum(a1)@x.com",
    "-2+3@x.com",
    "'=quoted-already@x.com",
    "''-twice@x.com",
    "\"=cmd|' /c calc'!a0\"@x.com",
    "user@bücher.example",
]
IMPOSSIBLE = [
    "=cmd|' /c calc'!a0@x.com",
    "space in@x.com",
    "tab\tin@x.com",
    "new\nline@x.com",
    "nul\x00@x.com",
    "carriage\rreturn@x.com",
]


def run(database_url: str, *arguments: str, stdin: bytes | None = None) -> Result:
    return CliRunner().invoke(main, [*arguments, "--db", database_url], input=stdin)


def suppressed(service: Service) -> list[tuple[str, str | None, str | None]]:
    return [(row.address, row.reason, row.note) for row in service.admin.iter_suppressions()]


def wipe(service: Service) -> None:
    with begin(service) as connection:
        for table in ("transitions", "events", "addresses"):
            connection.execute(sa.text(f"DELETE FROM {table}"))


def hostile_list(tmp_path: Path) -> Path:
    path = tmp_path / "hostile.jsonl"
    rows = [
        {"address": address, "reason": "manual", "note": f'=HYPERLINK("{n}")'}
        for n, address in enumerate(POSSIBLE + IMPOSSIBLE)
    ]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def test_export_neutralises_formulas_and_raw_does_not(
    service: Service, database_url: str, tmp_path: Path
) -> None:
    """Defect 4: cells starting with = + - @ (or quotes before them) get one single quote in front."""
    assert run(database_url, "import", str(hostile_list(tmp_path))).exit_code == 3
    safe = run(database_url, "export", "--format", "csv").stdout_bytes.decode()
    cells = [cell for row in csv.reader(io.StringIO(safe, newline="")) for cell in row]
    assert not [cell for cell in cells if cell[:1] in {"=", "+", "-", "@", "\t", "\r"}]
    assert "'+sum(1+1)@x.com" in cells and "'@sum(a1)@x.com" in cells and "'-2+3@x.com" in cells
    assert "''=quoted-already@x.com" in cells and "'''-twice@x.com" in cells
    assert '\'=HYPERLINK("0")' in cells
    assert "\x00" not in safe
    raw = run(database_url, "export", "--format", "csv", "--unsafe-raw").stdout_bytes.decode()
    raw_cells = [cell for row in csv.reader(io.StringIO(raw, newline="")) for cell in row]
    assert "+sum(1+1)@x.com" in raw_cells and '=HYPERLINK("0")' in raw_cells


def test_nul_and_impossible_addresses_are_never_stored(
    service: Service, database_url: str, tmp_path: Path
) -> None:
    """Defects 4 and 5: NUL, tab, newline and spaces are skipped by name; PostgreSQL raised DataError."""
    result = run(database_url, "import", str(hostile_list(tmp_path)))
    assert result.exit_code == 3, result.output
    assert "Traceback" not in result.output
    for number, address in enumerate(IMPOSSIBLE, start=len(POSSIBLE) + 1):
        assert f"skipped {tmp_path / 'hostile.jsonl'}:{number}: not an email address" in result.stderr
        assert repr(address)[:20] in result.stderr
    stored = [address for address, _, _ in suppressed(service)]
    assert len(stored) == len(POSSIBLE)
    assert not any(character in address for address in stored for character in "\x00\t\n\r")
    assert [address for address in stored if " " in address] == ["\"=cmd|' /c calc'!a0\"@x.com"]


@pytest.mark.parametrize("options", [(), ("--unsafe-raw",)], ids=["neutralised", "raw"])
@pytest.mark.parametrize("list_format", ["csv", "jsonl"])
def test_hostile_list_round_trips(
    service: Service, database_url: str, tmp_path: Path, list_format: str, options: tuple[str, ...]
) -> None:
    """Defect 5: what export writes, import reads back into a fresh database, row for row."""
    assert run(database_url, "import", str(hostile_list(tmp_path))).exit_code == 3
    run(database_url, "suppress", "-lead@x.com", "--reason", "@note\twith\r\nbreaks")
    before = list(service.admin.iter_suppressions())
    exported = tmp_path / f"export.{list_format}"
    assert run(database_url, "export", "-o", str(exported), *options).exit_code == 0
    assert stat.S_IMODE(exported.stat().st_mode) == 0o600
    wipe(service)
    result = run(database_url, "import", str(exported), *options)
    assert result.exit_code == 0, result.output
    assert list(service.admin.iter_suppressions()) == before


def test_a_legacy_database_exports_and_the_rest_imports(
    service: Service, database_url: str, tmp_path: Path
) -> None:
    """Defect 5: rows an older version stored (a space, a tab) no longer refuse the whole export."""
    with begin(service) as connection:
        for address in ["old space@x.com", "old\ttab@x.com", "fine@x.com"]:
            connection.execute(
                sa.text(
                    "INSERT INTO addresses (address, state, suppression_reason, soft_count, retry_announced,"
                    " updated_at) VALUES (:a, 'suppressed', 'hard_bounce', 0, false, CURRENT_TIMESTAMP)"
                ),
                {"a": address},
            )
    exported = tmp_path / "legacy.csv"
    assert run(database_url, "export", "-o", str(exported)).exit_code == 0
    wipe(service)
    result = run(database_url, "import", str(exported))
    assert result.exit_code == 3
    assert "read 3 rows, 1 addresses: 1 suppressed, 0 already suppressed, 2 skipped" in result.stdout
    assert [address for address, _, _ in suppressed(service)] == ["fine@x.com"]


UNREADABLE = [
    (b"address\r\nok@x.com\r\nbad\xff@x.com\r\n", "3: not UTF-8 (byte 0xff at column 4)"),
    (b'address,note\r\nok@x.com,"' + b"n" * (130 * 1024) + b'"\r\n', "2: a field is longer than 128 KiB"),
    (
        b'address,note\r\nok@x.com,"two\r\nlines"\r\nb@x.com,"open\r\nnever closed\r\n',
        "4: a quoted field opened here is never closed",
    ),
    (b'address,note\r\nok@x.com,"a\r\nb\r\nc"\r\nb@x.com,x"y"z\r\nc@x.com,fine\r\n"x,"y"z\r\n', "7:"),
]


@pytest.mark.parametrize(
    ("content", "message"), UNREADABLE, ids=["utf8", "huge-field", "unterminated", "bad-quote"]
)
def test_unreadable_csv_names_file_and_physical_line(
    service: Service, database_url: str, tmp_path: Path, content: bytes, message: str
) -> None:
    """Defect 7: `FILE:LINE: what is wrong`, physical lines, no traceback, nothing stored."""
    path = tmp_path / "list.csv"
    path.write_bytes(content)
    result = run(database_url, "import", str(path))
    assert result.exit_code == 1
    assert f"Error: {path}:{message}" in result.output
    assert "Traceback" not in result.output and "never closed\r\n" not in result.output
    assert len(result.output) < 400  # the rest of the file is not printed
    assert suppressed(service) == []


def test_deeply_nested_json_line_is_refused(service: Service, database_url: str, tmp_path: Path) -> None:
    """Defect 7: a deeply nested JSON Lines row was a RecursionError traceback."""
    path = tmp_path / "list.jsonl"
    path.write_text('{"address": "ok@x.com"}\n{"address": ' + "[" * 100_000 + "]" * 100_000 + "}\n")
    result = run(database_url, "import", str(path))
    assert result.exit_code == 1
    assert f"Error: {path}:2: not a JSON object" in result.output
    assert "Traceback" not in result.output
    assert suppressed(service) == []


def test_row_errors_after_a_multiline_field_count_physical_lines(
    service: Service, database_url: str, tmp_path: Path
) -> None:
    """Defect 7: line numbers count the lines inside quoted fields, as `export` writes them."""
    path = tmp_path / "list.csv"
    path.write_bytes(
        b'address,reason,created_at,note\r\na@x.com,manual,,"one\r\ntwo\r\nthree"\r\nb@x.com,nonsense\r\n'
    )
    result = run(database_url, "import", str(path))
    assert result.exit_code == 1
    assert f"Error: {path}:5: unknown reason 'nonsense'" in result.output
    assert suppressed(service) == []


def test_import_from_standard_input(service: Service, database_url: str) -> None:
    result = run(
        database_url, "import", "-", stdin=b"address,note\r\n'+sum(1+1)@x.com,'=note\r\nbad\xff@x.com\r\n"
    )
    assert result.exit_code == 1
    assert "Error: -:3: not UTF-8" in result.output
    assert suppressed(service) == []
    result = run(database_url, "import", "-", stdin=b"address,note\r\n'+sum(1+1)@x.com,'=note\r\n")
    assert result.exit_code == 0, result.output
    assert suppressed(service) == [("+sum(1+1)@x.com", "imported", "=note")]


def test_history_prints_imported_notes_escaped(service: Service, database_url: str, tmp_path: Path) -> None:
    """Defect 3: a note from an imported file cannot add a forged line to `history`."""
    path = tmp_path / "list.jsonl"
    path.write_text(
        json.dumps({"address": "a@x.com", "note": "ok\n2025-01-01T00:00:00\tchange\tforged"}) + "\n"
    )
    assert run(database_url, "import", str(path)).exit_code == 0
    with begin(service) as connection:
        connection.execute(sa.text("UPDATE transitions SET note = :n"), {"n": "line\nforged"})
    shown = run(database_url, "history", "a@x.com").stdout.splitlines()
    assert len(shown) == 2 and shown[1].endswith("line\\nforged")
