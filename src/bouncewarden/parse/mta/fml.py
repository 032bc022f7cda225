"""fml (the Japanese mailing-list manager, versions 4.x): its refusals of a post.

From <list>-admin@..., with an `X-MLServer: fml ...` header. The list refuses a post from
a non-member ("You are not a member of this mailing list <list@example.org>.") or stops a
loop ("Duplicated Message-ID in <list@example.org>."), naming the list address in angle
brackets; that address is the recipient that did not take the mail.
"""

from __future__ import annotations

import re

from bouncewarden.events import Reason
from bouncewarden.parse.message import BounceMessage
from bouncewarden.parse.mta._common import fold, make_finding
from bouncewarden.parse.report import RecipientFinding

__all__ = ["NAME", "detect", "parse"]

NAME = "fml"

# fml's own refusal sentences and what they plainly mean.
_REFUSALS = (
    (re.compile(r"^(You are not a member of this mailing list <([^<>\s]+)>.*)$", re.M), Reason.REJECTED),
    (re.compile(r"^(Duplicated Message-ID in <([^<>\s]+)>.*)$", re.M), Reason.SYSTEMERROR),
)


def detect(message: BounceMessage) -> bool:
    """fml's X-MLServer header."""
    return message.header("X-MLServer").startswith("fml")


def parse(message: BounceMessage) -> list[RecipientFinding] | None:
    """The list address of fml's refusal sentence."""
    for pattern, reason in _REFUSALS:
        refusal = pattern.search(message.text)
        if refusal:
            return [make_finding(refusal.group(2), fold(refusal.group(1)), reason_hint=reason)]
    return None
