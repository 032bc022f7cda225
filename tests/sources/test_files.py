"""Walking files and folders into raw inputs: forms told by content, mbox, Maildir, SQS responses."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

from bouncewarden.intake import EMAIL, JSON, RawInput
from bouncewarden.sources.files import find_files, read_file
from shared_files import SES_SAMPLES

T0 = datetime(2025, 11, 3, 9, 0, tzinfo=UTC)
BOUNCE = Path(__file__).parents[1] / "samples" / "postfix" / "rfc3464-34.eml"

MESSAGE = b"From: MAILER-DAEMON@example.org\nTo: sender@example.com\nSubject: one\n\nbody one\n"
OTHER = b"From: MAILER-DAEMON@example.org\nTo: sender@example.com\nSubject: two\n\nbody two\n"


def read_inputs(paths: list[Path], *, received_at: datetime) -> list[RawInput]:
    """Every input under `paths`, as `ingest` reads them."""
    return [raw for path in find_files(paths) for raw in read_file(path, received_at=received_at)]


def _mbox(*messages: bytes) -> bytes:
    parts = [b"From MAILER-DAEMON  Fri Feb 13 02:45:46 2015\n" + message + b"\n" for message in messages]
    return b"".join(parts)


def test_email_file_is_one_email_input(tmp_path: Path) -> None:
    path = tmp_path / "bounce.txt"
    path.write_bytes(MESSAGE)
    [raw] = read_file(path, received_at=T0)
    assert raw.media_type == EMAIL
    assert raw.data == MESSAGE
    assert raw.origin == str(path)
    assert raw.problem is None


def test_json_is_told_by_content_not_extension(tmp_path: Path) -> None:
    path = tmp_path / "no-extension"
    sample = (SES_SAMPLES / "notification" / "bounce-permanent-noemail.json").read_bytes()
    path.write_bytes(b"\n  " + sample)
    [raw] = read_file(path, received_at=T0)
    assert raw.media_type == JSON
    assert raw.data.strip() == sample.strip()


def test_eml_named_file_holding_json_is_json(tmp_path: Path) -> None:
    path = tmp_path / "looks-like.eml"
    path.write_bytes((SES_SAMPLES / "sqs" / "body-raw-event-delivery.json").read_bytes())
    assert [raw.media_type for raw in read_file(path, received_at=T0)] == [JSON]


def test_mbox_is_split_into_messages(tmp_path: Path) -> None:
    path = tmp_path / "bounces"
    path.write_bytes(_mbox(MESSAGE, OTHER, MESSAGE))
    inputs = list(read_file(path, received_at=T0))
    assert [raw.origin for raw in inputs] == [f"{path}#1", f"{path}#2", f"{path}#3"]
    assert [raw.data for raw in inputs] == [MESSAGE, OTHER, MESSAGE]
    assert all(raw.media_type == EMAIL for raw in inputs)


def test_mbox_body_line_starting_with_from_does_not_split(tmp_path: Path) -> None:
    body = b"From: a@example.org\nSubject: x\n\nfirst paragraph\n\nFrom here on, it is all body.\nmore\n"
    path = tmp_path / "mbox"
    path.write_bytes(_mbox(body, OTHER))
    inputs = list(read_file(path, received_at=T0))
    assert [raw.data for raw in inputs] == [body, OTHER]


def test_mbox_quoted_from_lines_are_unquoted(tmp_path: Path) -> None:
    body = b"From: a@example.org\nSubject: x\n\nquoted:\n\n>From the archive\n"
    path = tmp_path / "mbox"
    path.write_bytes(_mbox(body))
    [raw] = read_file(path, received_at=T0)
    assert raw.data.endswith(b"\nFrom the archive\n")


def test_mbox_crlf_messages(tmp_path: Path) -> None:
    path = tmp_path / "mbox"
    path.write_bytes(_mbox(MESSAGE, OTHER).replace(b"\n", b"\r\n"))
    assert [raw.data for raw in read_file(path, received_at=T0)] == [MESSAGE, OTHER]


def test_maildir_reads_new_and_cur_not_tmp(tmp_path: Path) -> None:
    maildir = tmp_path / "Maildir"
    for part in ("new", "cur", "tmp"):
        (maildir / part).mkdir(parents=True)
    (maildir / "new" / "1700000000.1.host").write_bytes(MESSAGE)
    (maildir / "cur" / "1700000001.2.host:2,S").write_bytes(OTHER)
    (maildir / "tmp" / "1700000002.3.host").write_bytes(b"half written")
    (maildir / ".Bounces" / "new").mkdir(parents=True)
    (maildir / ".Bounces" / "cur").mkdir()
    (maildir / ".Bounces" / "new" / "1700000003.4.host").write_bytes(MESSAGE)
    data = [raw.data for raw in read_inputs([maildir], received_at=T0)]
    assert data == [MESSAGE, OTHER, MESSAGE]


def test_folders_are_walked_recursively_in_name_order(tmp_path: Path) -> None:
    (tmp_path / "b" / "deeper").mkdir(parents=True)
    (tmp_path / "a.eml").write_bytes(MESSAGE)
    (tmp_path / "b" / "deeper" / "c.json").write_text("{}")
    (tmp_path / "b" / "z.eml").write_bytes(OTHER)
    (tmp_path / ".hidden").write_bytes(MESSAGE)
    found = [path.relative_to(tmp_path).as_posix() for path in find_files([tmp_path])]
    assert found == ["a.eml", "b/deeper/c.json", "b/z.eml"]


def test_symlink_loop_is_walked_once(tmp_path: Path) -> None:
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "m.eml").write_bytes(MESSAGE)
    os.symlink(tmp_path, tmp_path / "dir" / "loop")
    assert [path.name for path in find_files([tmp_path])] == ["m.eml"]


def test_receive_message_response_gives_one_input_per_body(tmp_path: Path) -> None:
    source = SES_SAMPLES / "sqs" / "receive-message-response-raw.json"
    path = tmp_path / "response.json"
    path.write_bytes(source.read_bytes())
    bodies = [message["Body"] for message in json.loads(source.read_bytes())["Messages"]]
    inputs = list(read_file(path, received_at=T0))
    assert [raw.data.decode() for raw in inputs] == bodies
    assert [raw.origin for raw in inputs] == [f"{path}#{n}" for n in range(1, len(bodies) + 1)]
    assert all(raw.media_type == JSON for raw in inputs)


def test_unreadable_file_gives_an_input_with_the_error(tmp_path: Path) -> None:
    path = tmp_path / "gone.eml"  # a file that disappears between listing and reading
    [raw] = read_file(path, received_at=T0)
    assert raw.problem is not None
    assert "cannot read" in raw.problem and str(path) in raw.problem


def test_real_sample_reads_whole(tmp_path: Path) -> None:
    [raw] = read_file(BOUNCE, received_at=T0)
    assert raw.data == BOUNCE.read_bytes()
