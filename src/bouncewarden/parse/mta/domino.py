"""IBM (HCL, Lotus) Domino 6 and later: the text of its "DELIVERY FAILURE" report.

Subject "DELIVERY FAILURE: <reason>". The text names the recipient as the sender wrote it,
while the delivery-status part may name it after Domino rewrote it (another domain,
Notes form), and its Diagnostic-Code ("X-Notes; ...") is folded mid-word:

    Your message

      Subject: Report

    was not delivered to:

      user@example.com

    because:

      User user (user@example.com) not listed in Domino Directory

The reason is in the server's language. "Not listed in Domino Directory" (in Japanese
"... は Domino ディレクトリには見つかりません") says the recipient is not in the server's own
directory, the authority on its mailboxes: an unknown user, given as the reason hint (the
delivery-status part's copy of the Japanese text is often undecodable).
"""

from __future__ import annotations

import re

from bouncewarden.events import Reason
from bouncewarden.parse.message import BounceMessage
from bouncewarden.parse.mta._common import ADDRESS, add_status_part, fold, make_finding
from bouncewarden.parse.report import RecipientFinding

__all__ = ["NAME", "detect", "parse"]

NAME = "domino"

_REPORT = re.compile(
    r"^was not delivered to:\s*$(?P<recipients>.*?)^because:\s*$(?P<reason>.*?)(?=^\S|\Z)",
    re.MULTILINE | re.DOTALL,
)
_NOT_IN_DIRECTORY = re.compile(
    r"not listed in (?:the )?(?:Domino Directory|public Name & Address Book)"
    r"|Domino ディレクトリには見つかりません",
    re.IGNORECASE,
)


def detect(message: BounceMessage) -> bool:
    """Domino's subject and its "was not delivered to:" line."""
    return message.subject.startswith("DELIVERY FAILURE:") and "was not delivered to:" in message.text[:1500]


def parse(message: BounceMessage) -> list[RecipientFinding] | None:
    """Each address under "was not delivered to:", with the reason under "because:"."""
    report = _REPORT.search(message.text)
    if report is None:
        return None
    diagnostic = fold(report.group("reason"))
    hint = Reason.USERUNKNOWN if _NOT_IN_DIRECTORY.search(diagnostic) else None
    findings = [
        make_finding(a.group(0), diagnostic, reason_hint=hint)
        for a in ADDRESS.finditer(report.group("recipients"))
    ]
    return add_status_part(message, findings) or None
