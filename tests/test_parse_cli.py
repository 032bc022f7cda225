"""The `bouncewarden parse` command: the JSON-lines contract, standard input, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from bouncewarden.cli import main

STANDARD = Path(__file__).parent / "samples" / "standard"
KEYS = {
    "address",
    "action",
    "status",
    "reply_code",
    "reason",
    "hard",
    "severity",
    "kind",
    "diagnostic",
    "remote_mta",
    "feedback_type",
}


def _lines(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_jsonl_contract() -> None:
    result = CliRunner().invoke(
        main, ["parse", str(STANDARD / "rfc3464-01.eml"), str(STANDARD / "arf-16.eml")]
    )
    assert result.exit_code == 0, result.output
    first, second = _lines(result.output)
    assert first["file"] == "rfc3464-01.eml"
    [row] = first["recipients"]
    assert set(row) == KEYS
    assert (row["address"], row["status"], row["reply_code"], row["kind"]) == (
        "userunknown@bouncehammer.jp",
        "5.1.1",
        "550",
        "bounce",
    )
    assert row["hard"] is (row["severity"] == "hard")
    assert second["file"] == "arf-16.eml" and len(second["recipients"]) == 7
    # A complaint has no status and no reply code: printed as "", the keys kept.
    assert {(r["status"], r["reply_code"]) for r in second["recipients"]} == {("", "")}


def test_mbox_gives_one_line_with_the_recipients_of_every_message() -> None:
    result = CliRunner().invoke(main, ["parse", "--format", "jsonl", str(STANDARD / "rhost-cox-01.eml")])
    [line] = _lines(result.output)
    assert line["file"] == "rhost-cox-01.eml"
    assert [(r["address"], r["message"]) for r in line["recipients"]] == [
        ("recipient55@cox.net", 1),
        ("recipient55@cox.net", 2),
    ]
    assert [m["message"] for m in line["messages"]] == [1, 2]
    assert all(m["parser"] for m in line["messages"])


def test_pretty_format_lists_every_message_of_an_mbox() -> None:
    result = CliRunner().invoke(main, ["parse", "--format", "pretty", str(STANDARD / "rhost-cox-01.eml")])
    assert "(message 1)" in result.output and "(message 2)" in result.output


def test_bad_input_gets_its_line_and_exit_zero(tmp_path: Path) -> None:
    empty = tmp_path / "empty.eml"
    empty.write_bytes(b"")
    letter = tmp_path / "letter.eml"
    letter.write_bytes(b"From: a@example.com\nSubject: hi\n\nhello\n")
    result = CliRunner().invoke(
        main, ["parse", str(tmp_path / "missing.eml"), str(empty), str(letter), str(tmp_path)]
    )
    assert result.exit_code == 0
    lines = _lines(result.output)
    assert [line["file"] for line in lines] == ["missing.eml", "empty.eml", "letter.eml", tmp_path.name]
    assert all(line["recipients"] == [] for line in lines)
    assert "error" in lines[0] and "error" in lines[1] and "not_a_bounce" in lines[2] and "error" in lines[3]


def test_misuse_is_an_error() -> None:
    assert CliRunner().invoke(main, ["parse"]).exit_code == 2
    assert CliRunner().invoke(main, ["parse", "--format", "xml", "x.eml"]).exit_code == 2


def test_pretty_format() -> None:
    result = CliRunner().invoke(main, ["parse", "--format", "pretty", str(STANDARD / "rfc3464-01.eml")])
    assert result.exit_code == 0
    assert "userunknown@bouncehammer.jp" in result.output and "5.1.1" in result.output


def test_standard_input_through_the_installed_command() -> None:
    data = (STANDARD / "rfc3834-02.eml").read_bytes().replace(b"\n", b"\r\n")
    done = subprocess.run(
        [sys.executable, "-c", "from bouncewarden.cli import main; main()", "parse", "-"],
        input=data,
        capture_output=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    [line] = _lines(done.stdout.decode())
    assert line["file"] == "-"
    [row] = line["recipients"]
    assert (row["address"], row["kind"], row["reason"]) == ("nekonyaan@example.org", "autoreply", "vacation")
