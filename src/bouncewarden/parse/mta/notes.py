"""Lotus Notes / Domino SMTP MTA (R4, R5): the plain-text "Undeliverable message".

Older Domino servers (Subject "Undeliverable message", no delivery-status part) write:

    ------- Failure Reasons  --------

    User  not listed in public Name & Address Book
    user@example.com

    ------- Returned Message --------

The reason line(s) come first and the address under them. "not listed in ... Name &
Address Book" is Domino's own wording for an unknown recipient. Newer Domino versions
send RFC 3464 reports (see the `domino` module).
"""

from __future__ import annotations

import re

from bouncewarden.events import Reason
from bouncewarden.parse.message import BounceMessage
from bouncewarden.parse.mta._common import ADDRESS, fold, make_finding
from bouncewarden.parse.report import RecipientFinding

__all__ = ["NAME", "detect", "parse"]

NAME = "notes"

_REASONS = re.compile(
    r"^-+ Failure Reasons\s+-+\s*$(.*?)(?:^-+ Returned Message|\Z)", re.MULTILINE | re.DOTALL
)
HINTS = ((re.compile(r"not listed in (?:the )?public Name & Address Book", re.I), Reason.USERUNKNOWN),)


def detect(message: BounceMessage) -> bool:
    """Domino's "Failure Reasons" heading at the top."""
    return message.text.lstrip()[:40].startswith("------- Failure Reasons")


def parse(message: BounceMessage) -> list[RecipientFinding] | None:
    """Each address line, with the reason lines above it."""
    section = _REASONS.search(message.text)
    if section is None:
        return None
    findings = []
    reason: list[str] = []
    fresh = False
    for line in section.group(1).splitlines():
        text = line.strip()
        if ADDRESS.fullmatch(text):
            diagnostic = fold(" ".join(reason))
            hint = next((why for pattern, why in HINTS if pattern.search(diagnostic)), None)
            findings.append(make_finding(text, diagnostic, reason_hint=hint))
            fresh = True
        elif text:
            reason = [text] if fresh else [*reason, text]
            fresh = False
    return findings or None
