"""`bouncewarden rules` and `parse --rules`: an operator's overrides from the command line."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from bouncewarden.cli import main

_FULL = (
    b"From: MAILER-DAEMON@mx.example.net\nTo: sender@example.com\nSubject: failure notice\n\n"
    b"Hi. This is the qmail-send program at mx.example.net.\n"
    b"<reader@example.org>:\n552 5.2.2 user is over quota\n"
)


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_rules_add_list_test_remove(tmp_path: Path) -> None:
    db = ["--db", f"sqlite:///{tmp_path / 'rules.db'}"]
    code, out = _run(
        "rules", "add", "user is over quota ==> hard userunknown", "--note", "their MTA lies", *db
    )
    assert code == 0 and out.strip() == "1"
    assert _run("rules", "add", "greylisted ==> soft", *db) == (0, "2\n")
    code, out = _run("rules", "list", *db)
    assert out.splitlines() == [
        "1\tuser is over quota ==> hard userunknown\t0\t-\ttheir MTA lies",
        "2\tgreylisted ==> soft\t0\t-",
    ]
    code, out = _run(
        "rules", "test", "user is over quota", "--reply-code", "552", "--status", "5.2.2", "--json", *db
    )
    assert json.loads(out) == {
        "rule_id": 1,
        "reason": "userunknown",
        "severity": "hard",
        "without_rules": {"reason": "mailboxfull", "severity": "soft"},
    }
    code, out = _run("rules", "test", "mailbox unavailable", *db)
    assert code == 0 and out.splitlines()[0] == "no rule matches"
    assert _run("rules", "remove", "1", *db)[0] == 0
    code, out = _run("rules", "remove", "1", *db)
    assert code == 1 and "no rule with id 1" in out
    assert [json.loads(_run("rules", "list", "--json", *db)[1])[0]["id"]] == [2]


def test_a_malformed_rule_is_refused_and_nothing_is_stored(tmp_path: Path) -> None:
    db = ["--db", f"sqlite:///{tmp_path / 'rules.db'}"]
    code, out = _run("rules", "add", "bad [ ==> hard", *db)
    assert code == 2 and "bad regular expression" in out
    assert _run("rules", "add", "fine ==> sideways", *db)[0] == 2
    assert _run("rules", "list", *db) == (0, "")


def test_parse_applies_a_rules_file(tmp_path: Path) -> None:
    bounce = tmp_path / "full.eml"
    bounce.write_bytes(_FULL)
    rules = tmp_path / "rules.txt"
    rules.write_text("# tried before adding them\nover quota ==> hard userunknown\n")
    [plain] = json.loads(_run("parse", str(bounce))[1])["recipients"]
    [ruled] = json.loads(_run("parse", "--rules", str(rules), str(bounce))[1])["recipients"]
    assert (plain["reason"], plain["hard"]) == ("mailboxfull", False)
    assert (ruled["reason"], ruled["hard"]) == ("userunknown", True)
    rules.write_text("broken [ ==> hard\n")
    code, out = _run("parse", "--rules", str(rules), str(bounce))
    assert code == 2 and "line 1" in out
