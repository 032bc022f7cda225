"""DragonFly Mail Agent (dma), the small MTA of DragonFly BSD and some Linux distributions.

dma writes one plain-text bounce per failed recipient, with no delivery-status part:

    This is the DragonFly Mail Agent v0.13 at mail.example.net.

    There was an error delivering your mail to <user@example.com>.

    mx.example.com [192.0.2.25] did not like our RCPT TO:
    550 5.1.1 <user@example.com>: Recipient address rejected: User unknown

    Original message follows.

The remote reply follows the "did not like our <command>:" line; a multi-line reply keeps
its "550-" prefixes and has blank lines between its lines. dma's own errors: "DNS lookup
failure: host ... not found" and "Could not deliver for the last N seconds. Giving up.".
The copy starts at "Original message follows." or "Message headers follow.".
"""

from __future__ import annotations

import re

from bouncewarden.events import Reason
from bouncewarden.parse.message import BounceMessage
from bouncewarden.parse.mta._common import cut_at, head, join_reply, make_finding
from bouncewarden.parse.report import RecipientFinding
from bouncewarden.textscan.screen import ScreenedPattern

__all__ = ["NAME", "detect", "parse"]

NAME = "dragonfly"

_SIGNATURE = ScreenedPattern.compile(r"^This is the DragonFly Mail Agent", re.MULTILINE)
_RECIPIENT = re.compile(r"^There was an error delivering your mail to <([^<>\s]+)>", re.MULTILINE)
_ORIGINAL = re.compile(r"^(?:Original message|Message headers) follow", re.MULTILINE)
_REMOTE = re.compile(r"^(\S+) \[[^\]]*\] did not like our ")
HINTS = (
    (re.compile(r"^DNS lookup failure: host \S+ not found"), Reason.HOSTUNKNOWN),
    (re.compile(r"^Could not deliver for the last \d+ seconds"), Reason.EXPIRED),
)


def detect(message: BounceMessage) -> bool:
    """dma's greeting at the top of the text."""
    return _SIGNATURE.search(head(message, 300)) is not None


def parse(message: BounceMessage) -> list[RecipientFinding] | None:
    """The one recipient dma names, with the reason that follows it."""
    text = cut_at(message.text, _ORIGINAL)
    recipient = _RECIPIENT.search(text)
    if recipient is None:
        return None
    diagnostic = join_reply(text[recipient.end() :].splitlines()[1:])
    remote = _REMOTE.search(diagnostic)
    hint = next((why for pattern, why in HINTS if pattern.search(diagnostic)), None)
    finding = make_finding(
        recipient.group(1),
        diagnostic,
        remote_mta=remote.group(1) if remote else None,
        reason_hint=hint,
    )
    return [finding]
