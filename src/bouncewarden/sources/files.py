"""The files source: files and folders -> raw inputs (`parse.reader.RawInput`) for the reader.

What a path holds is decided by its content, not its name:

- a folder with `cur/` and `new/` is a Maildir (RFC-less, see the qmail `maildir(5)` page): its
  messages are the files in `new/` and `cur/`; `tmp/` holds deliveries still being written and
  is left alone. Maildir++ subfolders (`.Sent/`, `.Bounces/`) are Maildirs too.
- any other folder is walked recursively; hidden entries (`.git`, `.DS_Store`) are skipped.
- a file whose first line is an mbox From_ line is an mbox (`bouncewarden.parse.mbox`); it
  is read line by line and cut into messages as it goes, so a large mailbox never sits in
  memory whole.
- a file whose first non-blank byte is `{` is JSON: an SES notification or event, an SNS
  envelope or an SQS message body. A boto3 `ReceiveMessage` response (`{"Messages": [...]}`)
  gives one input per message body.
- anything else is one email message (`.eml`); the parser decides whether it is feedback.

A file that cannot be read still gives an input, with `problem` set, so the recorder can
quarantine it with the reason instead of losing it; so does a symbolic link that points
nowhere, and a file over `MAX_MESSAGE_BYTES`, which is refused by its size before it is read.
Every input of one run carries the time the run read it and the run's source label.
"""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from bouncewarden.intake import RawInput, is_json
from bouncewarden.parse.email_checks import MAX_MESSAGE_BYTES
from bouncewarden.parse.mbox import is_mbox, split_mbox

__all__ = ["SOURCE", "find_files", "is_maildir", "read_bytes", "read_file"]

SOURCE = "file"

_MAILDIR_PARTS = ("new", "cur")
_MBOX_SEPARATOR = b"From "
# A header field line: a name of printable characters but the colon, then a colon.
_HEADER_LINE = re.compile(rb"[!-9;-~]+:")
# How much of a file to look at to tell JSON, mbox and email apart.
_SNIFF_BYTES = 4096
# What is kept in quarantine of an input refused by its size.
_OVERSIZED_KEPT = 64 * 1024


def is_maildir(folder: Path) -> bool:
    """True when `folder` has the `new/` and `cur/` subfolders of a Maildir."""
    return all((folder / part).is_dir() for part in _MAILDIR_PARTS)


def _folder_entries(folder: Path) -> list[Path]:
    try:
        return sorted(entry for entry in folder.iterdir() if not entry.name.startswith("."))
    except OSError:
        return []


def _maildir_files(folder: Path) -> Iterator[Path]:
    for part in _MAILDIR_PARTS:
        yield from (entry for entry in _folder_entries(folder / part) if _is_readable_entry(entry))
    # Maildir++ keeps subfolders as hidden Maildirs beside cur/ new/ tmp/.
    try:
        subfolders = sorted(entry for entry in folder.iterdir() if entry.name.startswith("."))
    except OSError:
        return
    for entry in subfolders:
        if entry.is_dir() and is_maildir(entry):
            yield from _maildir_files(entry)


def _is_readable_entry(entry: Path) -> bool:
    """A file, or a symbolic link that points nowhere (read_file then says so; never skipped silently)."""
    return entry.is_file() or (entry.is_symlink() and not entry.exists())


def _walk(folder: Path, seen: set[Path]) -> Iterator[Path]:
    try:
        real = folder.resolve()
    except OSError:
        return
    if real in seen:  # a symbolic link back up the tree
        return
    seen.add(real)
    if is_maildir(folder):
        yield from _maildir_files(folder)
        return
    for entry in _folder_entries(folder):
        if entry.is_dir():
            yield from _walk(entry, seen)
        elif _is_readable_entry(entry):
            yield entry


def find_files(paths: Iterable[Path]) -> Iterator[Path]:
    """Every file under `paths` (files as given, folders walked, Maildirs read), in name order."""
    seen: set[Path] = set()
    for path in paths:
        if path.is_dir():
            yield from _walk(path, seen)
        else:
            yield path


def _mbox_chunks(handle: BinaryIO) -> Iterator[bytes]:
    """The mbox cut before each `From ` line that follows an empty line and precedes a header.

    Reading line by line keeps a large mailbox out of memory; each chunk (one message, with
    its From_ line) then goes to `split_mbox`, which has the last word on separators and
    undoes the `>From ` quoting.
    """
    chunk: list[bytes] = []
    size = 0
    pending: bytes | None = None  # a `From ` line, until the next line says whether it opens a message
    previous_blank = True
    for line in handle:
        if pending is not None:
            if _HEADER_LINE.match(line) and chunk:
                yield b"".join(chunk)
                chunk, size = [], 0
            chunk.append(pending)
            pending = None
        elif previous_blank and line.startswith(_MBOX_SEPARATOR):
            pending = line
            previous_blank = False
            continue
        # Past the limit the message is refused anyway (screen.email_problem): keep only enough
        # of it to say so, so a huge message never sits in memory whole.
        if size <= MAX_MESSAGE_BYTES:
            chunk.append(line)
        size += len(line)
        previous_blank = line in (b"\n", b"\r\n")
    if pending is not None:
        chunk.append(pending)
    if chunk:
        yield b"".join(chunk)


def _split_mbox(handle: BinaryIO, origin: str, source: str, at: datetime) -> Iterator[RawInput]:
    """The messages of an mbox, numbered from 1 in `origin`."""
    number = 0
    for chunk in _mbox_chunks(handle):
        for message in split_mbox(chunk):
            number += 1
            yield RawInput(_without_separator_blank(message), f"{origin}#{number}", at, source)


def _without_separator_blank(message: bytes) -> bytes:
    # The empty line before the next From_ line belongs to the mbox, not to the message.
    return message[:-1] if message.endswith(b"\n\n") else message


def _split_receive_response(data: bytes, origin: str, source: str, at: datetime) -> list[RawInput] | None:
    """The bodies of a boto3 `ReceiveMessage` response, or None when `data` is not one."""
    if b'"Messages"' not in data or b'"ReceiptHandle"' not in data:
        return None
    try:
        document = json.loads(data)
    except (ValueError, RecursionError):
        return None
    messages = document.get("Messages") if isinstance(document, dict) else None
    if not isinstance(messages, list) or not messages:
        return None
    bodies = [message.get("Body") if isinstance(message, dict) else None for message in messages]
    if not all(isinstance(body, str) for body in bodies):
        return None
    return [
        RawInput(str(body).encode("utf-8"), f"{origin}#{number}", at, source)
        for number, body in enumerate(bodies, start=1)
    ]


def _oversized(handle: BinaryIO, head: bytes, size: int, origin: str, source: str, at: datetime) -> RawInput:
    """A file refused by its size: only its first bytes are kept, as evidence of what it was."""
    kept = (head + handle.read(_OVERSIZED_KEPT - len(head)))[:_OVERSIZED_KEPT]
    problem = (
        f"{size} bytes exceed the {MAX_MESSAGE_BYTES}-byte limit for one input"
        f" (not read; the first {len(kept)} bytes are kept)"
    )
    return RawInput(kept, origin, at, source, problem=problem)


def _size(handle: BinaryIO) -> int | None:
    try:
        return os.fstat(handle.fileno()).st_size
    except (OSError, io.UnsupportedOperation):
        return None


def _inputs(handle: BinaryIO, origin: str, source: str, at: datetime) -> Iterator[RawInput]:
    head = handle.read(_SNIFF_BYTES)
    if is_mbox(head):
        handle.seek(0)
        yield from _split_mbox(handle, origin, source, at)
        return
    size = _size(handle)
    if size is not None and size > MAX_MESSAGE_BYTES:
        yield _oversized(handle, head, size, origin, source, at)
        return
    data = head + handle.read()
    if is_json(head):
        yield from _split_receive_response(data, origin, source, at) or [RawInput(data, origin, at, source)]
        return
    yield RawInput(data, origin, at, source)


def read_bytes(data: bytes, origin: str, *, received_at: datetime, source: str = SOURCE) -> list[RawInput]:
    """The inputs held in `data` (standard input, say), cut as a file's would be."""
    return list(_inputs(io.BytesIO(data), origin, source, received_at))


def read_file(path: Path, *, received_at: datetime, source: str = SOURCE) -> Iterator[RawInput]:
    """The inputs one file holds (see the module docstring); an unreadable file gives one with `problem`.

    A file over `MAX_MESSAGE_BYTES` is refused by its size before it is read (an mbox is cut
    into messages first, and each message is held to the same limit).
    """
    origin = str(path)
    if path.is_symlink() and not path.exists():
        target = os.readlink(path)
        problem = f"dangling symbolic link to {target!r}, not read"
        yield RawInput(b"", origin, received_at, source, problem=problem)
        return
    try:
        with path.open("rb") as handle:
            yield from _inputs(handle, origin, source, received_at)
    except OSError as err:
        problem = f"cannot read {origin}: {err.strerror or err}"
        yield RawInput(b"", origin, received_at, source, problem=problem)
