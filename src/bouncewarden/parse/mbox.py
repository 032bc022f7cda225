"""Splitting an mbox file into its messages.

An mbox is messages one after another, each opened by a "From_" line (the envelope sender
and a ctime date) that is not part of the message:

    From MAILER-DAEMON  Fri Feb 13 02:45:46 2015
    Return-Path: <>
    ...

Writers differ: mboxo/mboxrd quote body lines that start with "From " as ">From "
(mboxrd also quotes ">From " as ">>From "), some omit the blank line before the next
From_ line, and a single saved message often keeps its From_ line. A line counts as a
separator only when it looks like a From_ line (a sender, then a date with a time) and the
next line is a header, so "From here on..." in a body does not split a message. Line
endings are made LF first.
"""

from __future__ import annotations

import re

from bouncewarden.parse.message import normalise_newlines

__all__ = ["is_mbox", "split_mbox"]

_FROM_LINE = re.compile(rb"^From \S+ +[^\n]*?\d{1,2}:\d\d[^\n]*\n(?=[!-9;-~]+:)", re.MULTILINE)
_QUOTED_FROM = re.compile(rb"^>(>*From )", re.MULTILINE)


def is_mbox(data: bytes) -> bool:
    """Whether data starts with a From_ line (an mbox, or one message saved with its envelope)."""
    return data.startswith(b"From ") and _FROM_LINE.match(normalise_newlines(data[:4096])) is not None


def split_mbox(data: bytes) -> list[bytes]:
    """The messages of an mbox, without their From_ lines and with ">From " unquoted."""
    data = normalise_newlines(data)
    starts = [found for found in _FROM_LINE.finditer(data)]
    if not starts or starts[0].start() != 0:
        return [data]
    messages = []
    for index, found in enumerate(starts):
        end = starts[index + 1].start() if index + 1 < len(starts) else len(data)
        body = _QUOTED_FROM.sub(rb"\1", data[found.end() : end])
        messages.append(body)
    return messages
