"""Folding a diagnostic to one line before its wording is read (`classify.reasons`, `decide`)."""

from __future__ import annotations

import re

__all__ = ["fold_text"]

# "550-5.7.1 " repeated at the start of every line of a multi-line reply.
# (The look-behind comes after the first digit, so that `re` can skip ahead to a 2, 4 or 5.)
_CONTINUATION = re.compile(r"([245](?<=\s[245])\d\d)[ -]([245]\.\d{1,3}\.\d{1,3})\s")


def fold_text(text: str | None) -> str:
    """The diagnostic as one line: whitespace runs made single, repeated reply prefixes dropped.

    A multi-line reply folded by a parser reads "550-5.7.1 Messages with multiple 550-5.7.1
    addresses in From: ..."; the codes inside the sentence would hide its wording.
    """
    folded = " ".join((text or "").split())
    first = _CONTINUATION.search(" " + folded)
    if first is None:
        return folded
    head, tail = folded[: first.end() - 1], folded[first.end() - 1 :]
    return head + _CONTINUATION.sub(lambda m: "" if m.group(1, 2) == first.group(1, 2) else m.group(0), tail)
