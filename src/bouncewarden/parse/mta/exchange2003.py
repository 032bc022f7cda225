"""Microsoft Exchange 5.5 to 2003: the non-delivery report written by its SMTP connector.

No delivery-status part; Subject "Undeliverable: <subject>", From "System Administrator":

    Your message

      To:      user@example.com
      Subject: Report
      Sent:    Thu, 29 Apr 2007 16:51:29 -0500

    did not reach the following recipient(s):

    user@example.com on Thu, 29 Apr 2007 16:51:51 -0500
        The recipient name is not recognized
        The MTS-ID of the original message is: c=us;a= ;p=example;l=SERVER0704291651
        MSEXCH:IMS:EXAMPLE:SITE:SERVER 0 (000C05A6) Unknown Recipient

Older versions say "Your message did not reach some or all of the intended recipients."
and "The following recipient(s) could not be reached:". Each recipient line ends with
" on <date>"; its indented lines are the reason, with the X.400 MTS-ID (noise) and the
Exchange component and its error code. "The recipient name is not recognized" (code
000C05A6) is Exchange's own word for an unknown recipient.
"""

from __future__ import annotations

import re

from bouncewarden.events import Reason
from bouncewarden.parse.message import BounceMessage
from bouncewarden.parse.mta._common import head, join_reply, make_finding
from bouncewarden.parse.report import RecipientFinding
from bouncewarden.textscan.screen import ScreenedPattern

__all__ = ["NAME", "detect", "parse"]

NAME = "exchange2003"

_SIGNATURE = ScreenedPattern.compile(
    r"^\s*(?:did not reach the following recipient|The following recipient\(s\) could not be reached)",
    re.MULTILINE,
)
_RECIPIENT = re.compile(r"^\s*(?P<address>[^\s@]+@\S+) on \S.*$")
_NOISE = re.compile(r"^\s*(?:The MTS-ID of the original message is:|;)")
HINTS = ((re.compile(r"The recipient name is not recognized|\(000C05A6\)"), Reason.USERUNKNOWN),)


def detect(message: BounceMessage) -> bool:
    """Exchange's "did not reach the following recipient(s)" near the top."""
    return _SIGNATURE.search(head(message, 800)) is not None


def parse(message: BounceMessage) -> list[RecipientFinding] | None:
    """One finding per "address on date" line, with the indented reason under it."""
    lines = message.text.splitlines()
    start = next((i for i, line in enumerate(lines) if _SIGNATURE.match(line)), len(lines))
    findings: list[RecipientFinding] = []
    reasons: list[list[str]] = []
    for line in lines[start + 1 :]:
        recipient = _RECIPIENT.match(line)
        if recipient:
            findings.append(make_finding(recipient.group("address"), ""))
            reasons.append([])
        elif _NOISE.match(line):
            continue
        elif findings and line[:1].isspace():
            reasons[-1].append(line)
        elif findings and line.strip() and not line[:1].isspace():
            break
    for finding, reason in zip(findings, reasons, strict=True):
        finding.diagnostic = join_reply(reason) or None
        finding.reason_hint = next((w for p, w in HINTS if p.search(finding.diagnostic or "")), None)
    return findings or None
