"""An unidentified MTA whose bounces come from "Mail Deliver System" (sic).

Subject "Returned Mail: <reason>", multipart/mixed with the original attached; the text
lists one recipient per line with the reason in brackets:

    The original message was received at Thu, 29 Apr 2010 23:34:45 +0900 (JST)
    from sender@example.org

    ---The following addresses had delivery errors---

    user@example.com [User unknown]
"""

from __future__ import annotations

import re

from bouncewarden.parse.message import BounceMessage
from bouncewarden.parse.mta._common import head, make_finding
from bouncewarden.parse.report import RecipientFinding

__all__ = ["NAME", "detect", "parse"]

NAME = "returnedmail"

_HEADING = "---The following addresses had delivery errors---"
_LINE = re.compile(r"^<?([^\s<>]+@[^\s<>]+?)>? \[(.*)\]\s*$", re.MULTILINE)


def detect(message: BounceMessage) -> bool:
    """The "addresses had delivery errors" heading near the top."""
    return _HEADING in head(message, 600)


def parse(message: BounceMessage) -> list[RecipientFinding] | None:
    """One finding per "address [reason]" line after the heading."""
    listed = message.text.partition(_HEADING)[2]
    findings = [make_finding(line.group(1), line.group(2)) for line in _LINE.finditer(listed)]
    return findings or None
