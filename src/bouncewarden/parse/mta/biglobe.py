"""BIGLOBE (biglobe.ne.jp): the returned mail of its own mail servers.

From postmaster@biglobe.ne.jp, Subject "Returned mail: ...", in a sendmail-like frame:

       ----- The following addresses had delivery problems -----
    user@example.ne.jp

       ----- Non-delivered information -----
    The number of messages in recipient's mailbox exceeded the local limit.

The reason is BIGLOBE's own sentence; "mailbox exceeded the local limit" is a full
mailbox.
"""

from __future__ import annotations

import re

from bouncewarden.events import Reason
from bouncewarden.parse.message import BounceMessage
from bouncewarden.parse.mta._common import ADDRESS, fold, make_finding
from bouncewarden.parse.report import RecipientFinding

__all__ = ["NAME", "detect", "parse"]

NAME = "biglobe"

_SECTIONS = re.compile(
    r"^\s*-+ The following addresses had delivery problems -+\s*$(?P<addresses>.*?)"
    r"^\s*-+ Non-delivered information -+\s*$(?P<reason>.*?)(?=^\s*-{3,}|\Z)",
    re.MULTILINE | re.DOTALL,
)
HINTS = ((re.compile(r"recipient's mailbox exceeded the local limit"), Reason.MAILBOXFULL),)


def detect(message: BounceMessage) -> bool:
    """BIGLOBE's postmaster as sender."""
    return "biglobe.ne.jp" in message.sender.lower()


def parse(message: BounceMessage) -> list[RecipientFinding] | None:
    """The addresses of the problem list, each with the non-delivered information."""
    sections = _SECTIONS.search(message.text)
    if sections is None:
        return None
    diagnostic = fold(sections.group("reason"))
    hint = next((why for pattern, why in HINTS if pattern.search(diagnostic)), None)
    findings = [
        make_finding(address.group(0), diagnostic, reason_hint=hint)
        for address in ADDRESS.finditer(sections.group("addresses"))
    ]
    return findings or None
