"""GMX and mail.com (United Internet): the bounce of their outbound MTA.

It keeps Exim's opening sentence but prints addresses and reasons without indentation:

    This message was created automatically by mail delivery software.

    A message that you sent could not be delivered to one or more of
    its recipients. This is a permanent error. The following address
    failed:

    "user@example.com":
    SMTP error from remote server after RCPT command:
    host: mx.example.com
    5.2.2 <user@example.com>... Mailbox Full

    --- The header of the original message is following. ---

An address is written `"address":` (or `<address>` followed by "Reason:" and the reason).
Remote replies often lose their reply code. GMX's own "delivery retry timeout exceeded"
means it gave up.
"""

from __future__ import annotations

import re

from bouncewarden.events import Reason
from bouncewarden.parse.message import BounceMessage
from bouncewarden.parse.mta._common import parse_blocks
from bouncewarden.parse.report import RecipientFinding
from bouncewarden.textscan.screen import ScreenedPattern

__all__ = ["NAME", "detect", "parse"]

NAME = "gmx"

_SENDER = ScreenedPattern.compile(r"mailer-daemon@(?:[\w-]+\.)*(?:gmx\.[a-z.]+|mail\.com)\b")
_BLOCK_START = re.compile(r'^(?:"|<)(?P<address>[^"<>\s]+@[^"<>\s]+)(?:":|>)\s*$')
_ORIGINAL = re.compile(r"^--- The header of the original message is following", re.MULTILINE)
_REMOTE = re.compile(r"host: (\S+)")
HINTS = ((re.compile(r"retry timeout exceeded"), Reason.EXPIRED),)


def detect(message: BounceMessage) -> bool:
    """A GMX or mail.com daemon as sender."""
    return _SENDER.search(message.sender.lower()) is not None


def parse(message: BounceMessage) -> list[RecipientFinding] | None:
    """One finding per quoted or bracketed address line."""
    findings = parse_blocks(message.text, _BLOCK_START, _ORIGINAL, remote=_REMOTE, hints=HINTS)
    return findings or None
