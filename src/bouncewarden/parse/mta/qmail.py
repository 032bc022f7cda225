"""qmail (and netqmail, qmail-ldap, vpopmail setups): qmail-send's bounce text.

qmail writes no delivery-status part. Its bounce, usually Subject "failure notice", reads:

    Hi. This is the qmail-send program at mx.example.net.
    I'm afraid I wasn't able to deliver your message to the following addresses.
    This is a permanent error; I've given up. Sorry it didn't work out.

    <user@example.com>:
    192.0.2.25 does not like recipient.
    Remote host said: 550 5.1.1 <user@example.com>: User unknown
    Giving up on 192.0.2.25.

    --- Below this line is a copy of the message.

One `<address>:` block per recipient. qmail's own errors end in its status in the form
"(#5.1.1)"; the remote reply follows "Remote host said:" or "remote host ... said:", and a
multi-line reply keeps its "550-" prefixes. Patched versions prefix the reason with
"From: <sender> RCPT: <address>" and end at "--- Enclosed is a copy of the message.".

A rebranded qmail seen at hosting providers opens "Message from example.net." then
"Unable to deliver message to the following address(es)." and ends at "--- Original
message follows."; its blocks and qmail-remote texts are qmail's.
"""

from __future__ import annotations

import re

from bouncewarden.events import Reason
from bouncewarden.parse.message import BounceMessage
from bouncewarden.parse.mta._common import head, parse_blocks
from bouncewarden.parse.report import RecipientFinding
from bouncewarden.textscan.screen import ScreenedPattern

__all__ = ["NAME", "detect", "parse"]

NAME = "qmail"

_SIGNATURE = ScreenedPattern.compile(
    r"This is the qmail-send program at|I wasn't able to deliver your message"
    r"|^Unable to deliver message to the following address",
    re.MULTILINE,
)
BLOCK_START = re.compile(r"^\s*<(?P<address>[^<>\s]+@[^<>\s]+)>:")
ORIGINAL_MARKER = re.compile(
    r"^--- ?(?:Below this line is a copy|Enclosed (?:is a copy|are the original headers)"
    r"|Original message follows)",
    re.MULTILINE,
)
_REMOTE = re.compile(
    r"(?:remote host |Connected to |\s|^)([\d.]+|[\w-]+(?:\.[\w-]+)+) "
    r"(?:said|but|does not like recipient|failed after I sent)"
)
# qmail's own error texts (qmail-local, qmail-remote), each stating its category.
HINTS = (
    (re.compile(r"Sorry, no mailbox here by that name"), Reason.USERUNKNOWN),
    (re.compile(r"Sorry, I couldn't find any host (?:named|by that name)"), Reason.HOSTUNKNOWN),
)


def detect(message: BounceMessage) -> bool:
    """qmail-send's greeting, or its apology line, near the top of the text."""
    return _SIGNATURE.search(head(message)) is not None


def parse(message: BounceMessage) -> list[RecipientFinding] | None:
    """One finding per `<address>:` block."""
    findings = parse_blocks(message.text, BLOCK_START, ORIGINAL_MARKER, remote=_REMOTE, hints=HINTS)
    return findings or None
