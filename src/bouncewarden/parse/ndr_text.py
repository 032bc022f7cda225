"""Reading the prose of a plain-text non-delivery report: where each address's error is.

A plain-text NDR puts a recipient and its error together in a few shapes (the MTA texts
`fallback` lists): on one line ("<user@example.com>: host mx said: 550 ..."), in a paragraph
(the address, then the reply on the lines below it), under a heading ("Delivery to the
following recipients failed." above a bare address), or with the cause in the next paragraph
('Your message wasn't delivered to "user@example.com".' then "The address couldn't be
found ..."). In an SMTP session transcript the recipient's RCPT may be accepted (2xx) and a
later reply refuse the mail. `failure_at` reads those shapes for the address on a line;
`text_cause` gives the report's cause for a recipient found elsewhere (VERP, the original).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

from bouncewarden.parse.addresses import ADDRESS_PATTERN, addresses_in
from bouncewarden.parse.dsn import reply_and_status
from bouncewarden.parse.failure_words import FAILURE_WORDS
from bouncewarden.parse.report import RecipientFinding

__all__ = ["TextMemo", "failure_at", "memo_for", "states_failure", "text_cause"]

_REFUSAL = re.compile(r"(?<![\w.])[45]\d\d[ -](?:[45]\.\d{1,3}\.\d{1,3}\b)?")
_WORD = re.compile(r"[A-Za-z]{2,}")
_PARAGRAPH_LINES = 6


def _joined(block: list[str]) -> str:
    return " ".join(" ".join(block).split())


def _paragraph_at(lines: list[str], index: int, entry: bool = False) -> tuple[str, int]:
    """(line index and the lines after it up to a blank line, joined; the index after them).

    With `entry`, the paragraph of one recipient in a list of them: it also ends before a line
    that names another address ("pia@... (mailbox full)" then "quirin@... (user not found)").
    """
    own = {a.lower() for a in _addresses(lines[index])} if entry else set()
    end = index + 1
    while end < len(lines) and end < index + _PARAGRAPH_LINES and lines[end].strip():
        if entry and "@" in lines[end] and not {a.lower() for a in _addresses(lines[end])} <= own:
            break
        end += 1
    return _joined(lines[index:end]), end


def _addresses(line: str) -> list[str]:
    return list(addresses_in(line))


@dataclass(slots=True)
class TextMemo:
    """What `failure_at` works out once per text when it reads many of the text's addresses:
    the lines with a 4xx/5xx reply, and the heading found above each bare entry."""

    refusals: list[int]
    headings: dict[int, str] = field(default_factory=dict)


def memo_for(lines: list[str]) -> TextMemo:
    """A fresh memo for the lines of one text."""
    return TextMemo([index for index, line in enumerate(lines) if _REFUSAL.search(line)])


def _later_refusal(lines: list[str], index: int, memo: TextMemo) -> str | None:
    """The first line after index that carries a 4xx/5xx SMTP reply, if any."""
    position = bisect_right(memo.refusals, index)
    return " ".join(lines[memo.refusals[position]].split()) if position < len(memo.refusals) else None


def _heading_above(lines: list[str], index: int, memo: TextMemo) -> str:
    """`_heading_before`, shared by the consecutive entries of one list (worked out once)."""
    if index - 1 in memo.headings and _is_bare_entry(lines[index - 1]):
        heading = memo.headings[index - 1]
    else:
        heading = _heading_before(lines, index)
    memo.headings[index] = heading
    return heading


def _heading_before(lines: list[str], index: int) -> str:
    """The paragraph just above line index (across one blank line), joined; '' at the top.

    Bare address lines right above (the other entries of the same list) are passed over, so
    that every entry of "The following addresses failed:" gets that heading.
    """
    block: list[str] = []
    position = index - 1
    while position >= 0 and _is_bare_entry(lines[position]):
        position -= 1
    if position >= 0 and not lines[position].strip():
        position -= 1
    while position >= 0 and lines[position].strip() and len(block) < 3:
        block.insert(0, lines[position])
        position -= 1
    return _joined(block)


def _is_bare_entry(line: str) -> bool:
    """Whether the line is a bare address entry of a list ("  user@example.com")."""
    return "@" in line and ADDRESS_PATTERN.search(line) is not None and _is_bare(line)


def states_failure(text: str) -> bool:
    """Whether the text states a failure, leaving its addresses out ("user500@" is no reply code)."""
    return FAILURE_WORDS.search(ADDRESS_PATTERN.sub(" ", text) if "@" in text else text) is not None


def _is_bare(line: str) -> bool:
    """Whether the line holds little besides its addresses (a list entry, not a sentence)."""
    return len(_WORD.findall(ADDRESS_PATTERN.sub(" ", line))) <= 3


def _has_code(text: str) -> bool:
    return reply_and_status(text) != (None, None)


def _cause_after(lines: list[str], end: int) -> str:
    """The next one or two paragraphs after end that state an error and name no other address."""
    parts: list[str] = []
    position = end
    for _ in range(2):
        while position < len(lines) and not lines[position].strip():
            position += 1
        if position >= len(lines):
            break
        text, position = _paragraph_at(lines, position)
        if ADDRESS_PATTERN.search(text) or text.endswith(":"):
            break  # another recipient's entry, or the heading of another list of them
        parts.append(text)
        if _has_code(text) or states_failure(text):
            return " ".join(parts)
    return ""


def failure_at(lines: list[str], index: int, memo: TextMemo | None = None) -> RecipientFinding | None:
    """The failure the text states for the address on line index, or None (address left empty).

    Pass one `memo_for(lines)` when reading many addresses of one text."""
    memo = memo if memo is not None else memo_for(lines)
    paragraph, end = _paragraph_at(lines, index, entry=True)
    diagnostic = paragraph
    if not _has_code(paragraph):
        cause = _cause_after(lines, end)
        if cause and (_is_bare(lines[index]) or end - index == 1):
            diagnostic = f"{paragraph} {cause}"
    if not states_failure(diagnostic) and _is_bare(lines[index]):
        heading = _heading_above(lines, index, memo)
        if states_failure(heading):
            diagnostic = heading
    reply, status = reply_and_status(diagnostic)
    if reply is not None and reply.startswith("2"):
        # An SMTP transcript: the recipient was accepted, a later reply refused the mail;
        # with no refusal after it, an accepted recipient did not fail.
        refusal = _later_refusal(lines, index, memo)
        if refusal is None:
            return None
        diagnostic = refusal
        reply, status = reply_and_status(diagnostic)
    if not states_failure(diagnostic):
        return None
    return RecipientFinding(
        address="", action="failed", status=status, reply_code=reply, diagnostic=diagnostic
    )


def text_cause(lines: list[str], index: int | None = None) -> RecipientFinding:
    """A failure for a recipient found outside the text: the paragraph at index, else the text's
    first paragraph with a reply code or status, else its first with failure wording."""
    if index is not None:
        found = failure_at(lines, index)
        if found is not None:
            return found
    paragraphs = [_joined(block.split("\n")) for block in "\n".join(lines).split("\n\n")]
    chosen = next((p for p in paragraphs if _has_code(p)), None) or next(
        (p for p in paragraphs if states_failure(p)), None
    )
    reply, status = reply_and_status(chosen)
    return RecipientFinding(address="", action="failed", status=status, reply_code=reply, diagnostic=chosen)
