"""McAfee Email Gateway (formerly IronMail / Secure Computing): its "Delivery Status".

Subject "Delivery Status", the text lists each address with the reason in parentheses:

        --- The following addresses had delivery problems ---

    <user@example.com>   (5.1.1 <user@example.com>... User unknown)

Its delivery-status part names the recipient only as Original-Recipient and keeps the
whole remote reply in Diagnostic-Code, so the reply code is read from there.
"""

from __future__ import annotations

import re

from bouncewarden.parse.message import BounceMessage
from bouncewarden.parse.mta._common import (
    add_status_part,
    field_value,
    head,
    inline_fields,
    make_finding,
    smtp_codes,
)
from bouncewarden.parse.report import RecipientFinding
from bouncewarden.textscan.screen import ScreenedPattern

__all__ = ["NAME", "detect", "parse"]

NAME = "mcafee"

_HEADING = ScreenedPattern.compile(r"^\s*--- The following addresses had delivery problems ---", re.MULTILINE)
_LINE = re.compile(r"^<([^<>\s]+)>\s+\((.*)\)\s*$", re.MULTILINE)


def detect(message: BounceMessage) -> bool:
    """The gateway's heading at the top, under Subject "Delivery Status"."""
    return message.subject.startswith("Delivery Status") and _HEADING.search(head(message, 300)) is not None


def parse(message: BounceMessage) -> list[RecipientFinding] | None:
    """One finding per "<address> (reason)" line, with the reply from the status part."""
    status_part = message.delivery_status or ""
    diagnostics = {
        (field_value(fields, "original-recipient") or "").strip("<>").lower(): field_value(
            fields, "diagnostic-code"
        )
        for fields in inline_fields(status_part, key="original-recipient")
    }
    findings = []
    for line in _LINE.finditer(message.text):
        address, reason = line.group(1), line.group(2)
        diagnostic = diagnostics.get(address.lower()) or reason
        reply, status = smtp_codes(diagnostic)
        findings.append(make_finding(address, diagnostic, reply_code=reply, status=status))
    return add_status_part(message, findings) or None
