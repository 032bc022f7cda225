"""`bouncewarden clean`: a mailing list without its suppressed and invalid rows, on both databases."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bouncewarden.cli import main
from feedback_files import ses_bounce, ses_complaint

T0 = datetime(2025, 11, 3, 9, 0, tzinfo=UTC)

LIST = (
    "id,name,email,plan\n"
    "1,Ann,ann@example.com,gold\n"
    "2,Bob,HARD@Example.com,silver\n"
    '3,"Carl, Jr.",angry@example.com,gold\n'
    "4,Dee,dee@example,silver\n"
    "5,Eve,Imported@Example.org,gold\n"
    "6,Fay,fay@example.net,\n"
)


def run(database_url: str, *arguments: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(main, [*arguments, "--db", database_url], input=stdin, catch_exceptions=False)


@pytest.fixture
def populated(database_url: str, tmp_path: Path) -> str:
    """A database with a hard bounce, a complaint and an imported suppression."""
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    (inputs / "hard.json").write_bytes(ses_bounce("hard@example.com", T0))
    (inputs / "complaint.json").write_bytes(ses_complaint("angry@example.com", T0))
    assert run(database_url, "ingest", str(inputs)).exit_code == 0
    suppressions = tmp_path / "old-list.csv"
    suppressions.write_text("address,reason\nimported@example.org,imported\n")
    assert run(database_url, "import", str(suppressions)).exit_code == 0
    return database_url


def test_clean_keeps_header_and_mailable_rows(populated: str, tmp_path: Path) -> None:
    source, target = tmp_path / "list.csv", tmp_path / "clean.csv"
    source.write_text(LIST)
    result = run(populated, "clean", str(source), "-o", str(target))
    assert result.exit_code == 0, result.output
    assert target.read_text() == ("id,name,email,plan\n1,Ann,ann@example.com,gold\n6,Fay,fay@example.net,\n")
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "rows read: 6",
        "kept:      2",
        "dropped:   4",
        "  suppressed: 3 (complaint 1, hard_bounce 1, imported 1)",
        "  invalid:    1",
    ]
    assert not list(tmp_path.glob(".*.partial"))


def test_clean_json_report(populated: str, tmp_path: Path) -> None:
    source, target = tmp_path / "list.csv", tmp_path / "clean.csv"
    source.write_text(LIST)
    result = run(populated, "clean", str(source), "-o", str(target), "--json")
    assert json.loads(result.stdout) == {
        "rows": 6,
        "kept": 2,
        "dropped": 4,
        "suppressed": 3,
        "suppressed_by_reason": {"complaint": 1, "hard_bounce": 1, "imported": 1},
        "invalid": 1,
    }


def test_clean_after_unsuppress_keeps_the_row(populated: str, tmp_path: Path) -> None:
    assert run(populated, "unsuppress", "hard@example.com", "--note", "fixed").exit_code == 0
    source, target = tmp_path / "list.csv", tmp_path / "clean.csv"
    source.write_text(LIST)
    run(populated, "clean", str(source), "-o", str(target))
    assert "2,Bob,HARD@Example.com,silver\n" in target.read_text()


def test_clean_from_stdin_to_stdout_with_other_column(populated: str) -> None:
    text = "Contact;Note\r\nangry@example.com;x\r\nnew@example.com;y\r\n"
    result = run(populated, "clean", "-", "-o", "-", "--column", "contact", "--json", stdin=text)
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == b"Contact;Note\r\nnew@example.com;y\r\n"
    assert json.loads(result.stderr)["suppressed_by_reason"] == {"complaint": 1}


def test_missing_column_is_misuse_and_writes_nothing(populated: str, tmp_path: Path) -> None:
    source, target = tmp_path / "list.csv", tmp_path / "clean.csv"
    source.write_text("name,mail\nAnn,ann@example.com\n")
    result = run(populated, "clean", str(source), "-o", str(target))
    assert result.exit_code == 2
    assert "no column 'email'" in result.output
    assert not target.exists()
    assert not list(tmp_path.glob(".*.partial"))


def test_output_is_required(populated: str, tmp_path: Path) -> None:
    source = tmp_path / "list.csv"
    source.write_text(LIST)
    assert run(populated, "clean", str(source)).exit_code == 2
