"""Splitting mbox files, and parse_file over .eml and mbox files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bouncewarden.parse import ParsedReport, Unparseable, parse_file
from bouncewarden.parse.mbox import is_mbox, split_mbox

_MESSAGE = b"From: a@example.com\nSubject: s\n\nFrom here on, a body line.\n>From quoted\n"


def test_split_two_messages_without_blank_separator() -> None:
    data = b"From x@example.com  Thu Jul  2 12:05:05 2020\n" + _MESSAGE
    data += b"From y@example.com Mon 1 Jan 2015 00:00:00 +0900\n" + _MESSAGE
    assert is_mbox(data)
    messages = split_mbox(data)
    assert len(messages) == 2
    assert messages[0].startswith(b"From: a@example.com") and b"\nFrom quoted\n" in messages[0]
    assert b"From here on, a body line." in messages[1]


def test_plain_message_is_not_mbox() -> None:
    assert not is_mbox(_MESSAGE)
    assert split_mbox(_MESSAGE) == [_MESSAGE]


def test_cr_only_mbox() -> None:
    data = (b"From x@example.com Thu Jul  2 12:05:05 2020\n" + _MESSAGE).replace(b"\n", b"\r")
    assert is_mbox(data) and len(split_mbox(data)) == 1


def test_parse_file_mbox_gives_one_result_per_message(sample: Callable[..., bytes], tmp_path: Path) -> None:
    path = tmp_path / "two.mbox"
    path.write_bytes(sample("rhost-cox-01.eml"))
    results = list(parse_file(path))
    assert [name for name, _ in results] == ["two.mbox", "two.mbox"]
    assert all(isinstance(r, ParsedReport) and r.recipients for _, r in results)


def test_parse_file_missing(tmp_path: Path) -> None:
    [(name, result)] = list(parse_file(tmp_path / "absent.eml"))
    assert name == "absent.eml" and isinstance(result, Unparseable) and "absent.eml" in result.reason
