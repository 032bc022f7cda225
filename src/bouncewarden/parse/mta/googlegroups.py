"""Google Groups: the refusal Google sends when a post to a group is not accepted.

It comes from mailer-daemon@googlemail.com with Subject "Delivery Status Notification
(Failure)", an `X-Failed-Recipients:` header naming the group address, and a text in the
sender's language that names the group and says it may not exist or the sender may not
post to it, signed "Google Groups" and linking groups.google.com:

    Hello sender@example.org,

    We're writing to let you know that the group you tried to contact (team) may not
    exist, or you may not have permission to post messages to the group. ...

    ----- Original message -----

The text carries no status and no reply code; it states plainly that the post was
refused, whatever the language.
"""

from __future__ import annotations

import re

from bouncewarden.events import Reason
from bouncewarden.parse.message import BounceMessage
from bouncewarden.parse.mta._common import cut_at, make_finding
from bouncewarden.parse.mta.exim import failed_recipients
from bouncewarden.parse.report import RecipientFinding
from bouncewarden.textscan.screen import ScreenedPattern

__all__ = ["NAME", "detect", "parse"]

NAME = "googlegroups"

_SIGNATURE = ScreenedPattern.compile(r"groups\.google\.com|^Google Groups\s*$", re.MULTILINE)
_ORIGINAL = re.compile(r"^----- Original message -----", re.MULTILINE)


def detect(message: BounceMessage) -> bool:
    """A Google daemon bounce for a googlegroups.com address that speaks of a group."""
    return (
        "googlegroups.com" in message.header("X-Failed-Recipients")
        and "mailer-daemon@google" in message.sender.lower()
        and _SIGNATURE.search(message.text[:3000]) is not None
    )


def parse(message: BounceMessage) -> list[RecipientFinding] | None:
    """One finding per group address, with Google's explanation as diagnostic."""
    explanation = cut_at(message.text, _ORIGINAL)
    findings = [
        make_finding(address, explanation, reason_hint=Reason.REJECTED)
        for address in failed_recipients(message)
    ]
    return findings or None
