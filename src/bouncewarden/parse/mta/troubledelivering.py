"""An unidentified MTA whose bounce says "We had trouble delivering your message".

From "mailer-daemon", Subject "There was an error sending your mail", the original
headers attached:

    We had trouble delivering your message. Full details follow:

    Subject: 'Report'
    Date: 'Thu, 29 Apr 2012 23:34:45 +0000'

    1 error(s):

    SMTP Server <mx.example.com> rejected recipient <user@example.com> (Error following
    RCPT command). It responded as follows: [550 5.1.1 User unknown]
"""

from __future__ import annotations

import re

from bouncewarden.parse.message import BounceMessage
from bouncewarden.parse.mta._common import fold, head, make_finding
from bouncewarden.parse.report import RecipientFinding

__all__ = ["NAME", "detect", "parse"]

NAME = "troubledelivering"

_SIGNATURE = "We had trouble delivering your message"
_ERROR = re.compile(
    r"SMTP Server <([^<>\s]+)> rejected recipient <([^<>\s]+)>\s+\(([^)]*)\)\.\s+"
    r"It responded as follows:\s+\[(.*?)\]",
    re.DOTALL,
)


def detect(message: BounceMessage) -> bool:
    """The apology opening the text."""
    return _SIGNATURE in head(message, 200)


def parse(message: BounceMessage) -> list[RecipientFinding] | None:
    """One finding per rejected recipient, with the server's answer."""
    findings = [
        make_finding(error.group(2), fold(error.group(4)), remote_mta=error.group(1))
        for error in _ERROR.finditer(message.text)
    ]
    return findings or None
