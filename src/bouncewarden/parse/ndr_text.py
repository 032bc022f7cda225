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

from bouncewarden.parse.addresses import ADDRESS_PATTERN
from bouncewarden.parse.dsn import reply_and_status
from bouncewarden.parse.failure_words import FAILURE_WORDS
from bouncewarden.parse.report import RecipientFinding

__all__ = ["failure_at", "text_cause"]

_REFUSAL = re.compile(r"(?<![\w.])[45]\d\d[ -](?:[45]\.\d{1,3}\.\d{1,3}\b)?")
_WORD = re.compile(r"[A-Za-z]{2,}")
_PARAGRAPH_LINES = 6


def _joined(block: list[str]) -> str:
    return " ".join(" ".join(block).split())


def _paragraph_at(lines: list[str], index: int) -> tuple[str, int]:
    """(line index and the lines after it up to a blank line, joined; the index after them)."""
    end = index + 1
    while end < len(lines) and end < index + _PARAGRAPH_LINES and lines[end].strip():
        end += 1
    return _joined(lines[index:end]), end


def _later_refusal(lines: list[str], index: int) -> str | None:
    """The first line after index that carries a 4xx/5xx SMTP reply, if any."""
    return next((" ".join(line.split()) for line in lines[index + 1 :] if _REFUSAL.search(line)), None)


def _heading_before(lines: list[str], index: int) -> str:
    """The paragraph just above line index (across one blank line), joined; '' at the top."""
    block: list[str] = []
    position = index - 1
    if position >= 0 and not lines[position].strip():
        position -= 1
    while position >= 0 and lines[position].strip() and len(block) < 3:
        block.insert(0, lines[position])
        position -= 1
    return _joined(block)


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
        if _has_code(text) or FAILURE_WORDS.search(text):
            return " ".join(parts)
    return ""


def failure_at(lines: list[str], index: int) -> RecipientFinding | None:
    """The failure the text states for the address on line index, or None (address left empty)."""
    paragraph, end = _paragraph_at(lines, index)
    diagnostic = paragraph
    if not _has_code(paragraph):
        cause = _cause_after(lines, end)
        if cause and (_is_bare(lines[index]) or end - index == 1):
            diagnostic = f"{paragraph} {cause}"
    if not FAILURE_WORDS.search(diagnostic) and _is_bare(lines[index]):
        heading = _heading_before(lines, index)
        if FAILURE_WORDS.search(heading):
            diagnostic = heading
    reply, status = reply_and_status(diagnostic)
    if reply is not None and reply.startswith("2"):
        # An SMTP transcript: the recipient was accepted, a later reply refused the mail;
        # with no refusal after it, an accepted recipient did not fail.
        refusal = _later_refusal(lines, index)
        if refusal is None:
            return None
        diagnostic = refusal
        reply, status = reply_and_status(diagnostic)
    if not FAILURE_WORDS.search(diagnostic):
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
        (p for p in paragraphs if FAILURE_WORDS.search(p)), None
    )
    reply, status = reply_and_status(chosen)
    return RecipientFinding(address="", action="failed", status=status, reply_code=reply, diagnostic=chosen)
