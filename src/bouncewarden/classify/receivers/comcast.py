"""Comcast (mx*.comcast.net; comcast.net).

Source: "Mail delivery error codes" (postmaster.comcast.net/mail-error-codes). A refusal names
a code and a link: BLnnnnnn the sending IP is on a block list (Comcast's own for spam-like
patterns, Spamhaus, Cloudmark, SenderScore), ESnnnnnn mail from dynamic or residential address
space, RLnnnnnn a rate limit; and plain words: "Not our Customer" (no such mailbox at Comcast),
"Too many sessions opened" (more than the allowed simultaneous connections), "Reverse DNS
failure" (the sending IP has no valid PTR record).
"""

from __future__ import annotations

import re

from bouncewarden.classify.receivers._rules import Evidence, Recogniser, compile_rules, first_reason
from bouncewarden.events import Reason

__all__ = ["NAME", "RECOGNISER", "reason", "recognises"]

NAME = "comcast"

_HOSTS = re.compile(r"(?:^|\.)comcast\.net\.?$")
_DOMAINS = re.compile(r"^comcast\.net$")
_TELLTALE = re.compile(r"postmaster\.comcast\.net|\b(?:BL|ES|RL)\d{6}\b", re.IGNORECASE)

_RULES = compile_rules(
    (
        (r"\bBL\d{6}\b|\bES\d{6}\b", Reason.BLOCKED),
        (r"\bRL\d{6}\b", Reason.SPEEDING),
        (r"not our customer", Reason.USERUNKNOWN),
        (r"too many sessions", Reason.TOOMANYCONN),
        (r"reverse dns|\bptr\b", Reason.REQUIREPTR),
    )
)


RECOGNISER = Recogniser(hosts=_HOSTS, domains=_DOMAINS, telltale=_TELLTALE)


def recognises(evidence: Evidence) -> bool:
    """Replies from Comcast's MX hosts, about comcast.net, or with its codes and links."""
    return RECOGNISER.recognises(evidence)


def reason(evidence: Evidence) -> Reason | None:
    """The reason Comcast's codes or wording name."""
    return first_reason(_RULES, evidence.text)
