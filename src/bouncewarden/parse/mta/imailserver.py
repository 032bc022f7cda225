"""Ipswitch IMail Server: its "Undeliverable Mail" notice.

X-Mailer "<SMTP32 vN>", From "Postmaster", Subject "Undeliverable Mail". The text is one
line per recipient, "<reason>: <address>", then "Original message follows.":

    Unknown user: user@example.com
    User mailbox exceeds allowed size: user@example.com
    Invalid final delivery userid: user@example.com
    Delivery failed 20 attempts: user@example.com

Remote refusals show the reply after the address ("Host ... rejected: 550 ..."). IMail's
own reasons name their category plainly.
"""

from __future__ import annotations

import re

from bouncewarden.events import Reason
from bouncewarden.parse.message import BounceMessage
from bouncewarden.parse.mta._common import ADDRESS, cut_at, make_finding
from bouncewarden.parse.report import RecipientFinding

__all__ = ["NAME", "detect", "parse"]

NAME = "imailserver"

_ORIGINAL = re.compile(r"^Original message follows\.", re.MULTILINE)
_LINE = re.compile(r"^([A-Z][^:\n]{3,80}): *(?:<)?(" + ADDRESS.pattern + r")>?(.*)$", re.MULTILINE)
HINTS = (
    (re.compile(r"^(?:Unknown user|Invalid final delivery userid)"), Reason.USERUNKNOWN),
    (re.compile(r"^User mailbox exceeds allowed size"), Reason.MAILBOXFULL),
    (re.compile(r"^Delivery failed \d+ attempts"), Reason.EXPIRED),
)


def detect(message: BounceMessage) -> bool:
    """IMail's SMTP32 mailer header."""
    return message.header("X-Mailer").startswith("<SMTP32 ")


def parse(message: BounceMessage) -> list[RecipientFinding] | None:
    """One finding per "reason: address" line."""
    findings = []
    for line in _LINE.finditer(cut_at(message.text, _ORIGINAL)):
        reason = line.group(1).strip()
        hint = next((why for pattern, why in HINTS if pattern.search(reason)), None)
        diagnostic = f"{reason}: {line.group(2)}{line.group(3)}"
        findings.append(make_finding(line.group(2), diagnostic, reason_hint=hint))
    return findings or None
