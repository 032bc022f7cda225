"""Yahoo! Mail (yahoo.com, yahoo.co.jp): the "Failure Notice" its outbound MTA returns.

Yahoo's MTA descends from qmail and its bounce keeps qmail's shape without the greeting:

    Sorry, we were unable to deliver your message to the following address.

    <user@example.com>:
    Remote host said: 550 5.1.1 <user@example.com>... User Unknown [RCPT_TO]

    --- Below this line is a copy of the message.

The SMTP stage that failed is appended in brackets ([RCPT_TO], [MAIL_FROM], [DATA]);
newer bounces drop "Remote host said:" and write the reply as "550: 5.1.1 text", and the
copy of the message is often an undecodable base64 blob.
"""

from __future__ import annotations

import re

from bouncewarden.parse.message import BounceMessage
from bouncewarden.parse.mta._common import head, parse_blocks
from bouncewarden.parse.mta.qmail import BLOCK_START, ORIGINAL_MARKER
from bouncewarden.parse.report import RecipientFinding
from bouncewarden.textscan.screen import ScreenedPattern

__all__ = ["NAME", "detect", "parse"]

NAME = "yahoo"

_SIGNATURE = ScreenedPattern.compile(r"^Sorry, we were unable to deliver your message", re.MULTILINE)


def detect(message: BounceMessage) -> bool:
    """Yahoo's apology line near the top of the text."""
    return _SIGNATURE.search(head(message)) is not None


def parse(message: BounceMessage) -> list[RecipientFinding] | None:
    """One finding per `<address>:` block."""
    return parse_blocks(message.text, BLOCK_START, ORIGINAL_MARKER) or None
