"""Trend Micro InterScan Messaging Security Suite (IMSS, InterScan MSS): its notices.

The sender's display name is "InterScan MSS" or the text says "Message from InterScan
Messaging Security Suite". Two shapes: a session excerpt,

    Sent <<< RCPT TO:<user@example.com>
    Received >>> 550 5.1.1 <user@example.com>... user unknown

or a sentence,

    The following mail could not be delivered.
    Reason:  Unable to deliver message to <user@example.com> (and other recipients in the same domain).
"""

from __future__ import annotations

import re

from bouncewarden.parse.message import BounceMessage
from bouncewarden.parse.mta._common import make_finding
from bouncewarden.parse.report import RecipientFinding
from bouncewarden.textscan.screen import ScreenedPattern

__all__ = ["NAME", "detect", "parse"]

NAME = "trendmicro"

_SIGNATURE = ScreenedPattern.compile(r"InterScan|^Sent <<< RCPT TO:", re.MULTILINE)
_SESSION = re.compile(r"^Sent <<< RCPT TO:\s*<([^<>\s]+)>\s*\n\s*Received >>> (.+)$", re.MULTILINE)
_SENTENCE = re.compile(r"^Reason:\s+(.*?<([^<>\s]+@[^<>\s]+)>.*)$", re.MULTILINE)


def detect(message: BounceMessage) -> bool:
    """InterScan in the sender or the text, or its "Sent <<<" session line."""
    return "InterScan" in message.sender or _SIGNATURE.search(message.text[:1500]) is not None


def parse(message: BounceMessage) -> list[RecipientFinding] | None:
    """One finding per refused RCPT, or per address in the reason sentence."""
    findings = [make_finding(s.group(1), s.group(2)) for s in _SESSION.finditer(message.text)]
    if not findings:
        findings = [make_finding(s.group(2), s.group(1)) for s in _SENTENCE.finditer(message.text)]
    return findings or None
