"""Verizon Wireless MMS gateway (vzwpix.com MMSC): its "Undeliverable Message".

From "MMSC NDR Administrator", the text says the message could not be delivered to the
mobile, gives an error line, then copies the original headers:

    Message could not be delivered to mobile.
    Error: No valid recipients for this MM

    Original Message:
    From: sender <sender@example.org>
    To: 5555550100@vzwpix.com

The recipient is only in the copied To line. The MMSC is the recipient's own carrier: its
"No valid recipients" says the number is not one of its subscribers (an unknown user).
(Verizon's vtext.com gateway runs Apache James: see the `apachejames` module.)
"""

from __future__ import annotations

import re

from bouncewarden.events import Reason
from bouncewarden.parse.message import BounceMessage
from bouncewarden.parse.mta._common import ADDRESS, fold, make_finding
from bouncewarden.parse.report import RecipientFinding

__all__ = ["NAME", "detect", "parse"]

NAME = "verizon"

_NOTICE = re.compile(
    r"^(Message could not be delivered to mobile\..*?)^Original Message:\s*$(.*?)^To:([^\n]*)$",
    re.MULTILINE | re.DOTALL,
)
_NO_SUBSCRIBER = re.compile(r"\bno valid recipients?\b", re.IGNORECASE)


def detect(message: BounceMessage) -> bool:
    """The MMSC's NDR administrator as sender."""
    return "MMSC NDR" in message.sender or "vzwpix.com" in message.sender


def parse(message: BounceMessage) -> list[RecipientFinding] | None:
    """The recipients of the copied To line, with the error text."""
    notice = _NOTICE.search(message.text)
    if notice is None:
        return None
    diagnostic = fold(notice.group(1))
    hint = Reason.USERUNKNOWN if _NO_SUBSCRIBER.search(diagnostic) else None
    findings = [
        make_finding(a.group(0), diagnostic, reason_hint=hint) for a in ADDRESS.finditer(notice.group(3))
    ]
    return findings or None
