"""Zoho Mail: the bounce and delay notice of Zoho's outbound MTA.

From mailer-daemon@mail.zoho.com (X-Mailer: Zoho Mail), no delivery-status part. A bounce
gives one line per recipient, with the remote reply code and status as fields:

    user@example.com Invalid Address, ERROR_CODE :550, ERROR_CODE :5.1.1 <user@example.com>... User Unknown

A delay notice ("Mail Delivery Status Notification (Delay)") lists recipients as

    [Status: Error, Address: <user@example.com>, ResponseCode 421, , Host not reachable.]
"""

from __future__ import annotations

import re

from bouncewarden.parse.message import BounceMessage
from bouncewarden.parse.mta._common import make_finding
from bouncewarden.parse.report import RecipientFinding

__all__ = ["NAME", "detect", "parse"]

NAME = "zoho"

_BOUNCE_LINE = re.compile(r"^(\S+@\S+) (.*\bERROR_CODE :.*)$", re.MULTILINE)
_ERROR_CODE = re.compile(r"ERROR_CODE :(\S+?),?\s")
_DELAY_LINE = re.compile(
    r"^\[Status: [^,]*, Address: <([^<>\s]+)>, (ResponseCode (\d{3})?,.*?)\]\s*$", re.MULTILINE
)


def detect(message: BounceMessage) -> bool:
    """Zoho's daemon as sender, or Zoho Mail as the mailer."""
    return "zoho" in message.sender.lower() or message.header("X-Mailer").startswith("Zoho Mail")


def parse(message: BounceMessage) -> list[RecipientFinding] | None:
    """One finding per recipient line of a bounce or a delay notice."""
    findings = []
    for line in _BOUNCE_LINE.finditer(message.text):
        diagnostic = _ERROR_CODE.sub("", line.group(2) + " ")
        codes = _ERROR_CODE.findall(line.group(2) + " ")
        reply = next((c for c in codes if c.isdigit()), None)
        status = next((c for c in codes if "." in c), None)
        findings.append(make_finding(line.group(1), diagnostic, status=status, reply_code=reply))
    for line in _DELAY_LINE.finditer(message.text):
        findings.append(
            make_finding(line.group(1), line.group(2), action="delayed", reply_code=line.group(3))
        )
    return findings or None
