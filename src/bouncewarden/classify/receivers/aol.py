"""AOL: the codes of AOL's own mail platform (mx.aol.com), before it moved to Yahoo's.

AOL answered with a colon-separated code per refusal (AOL postmaster "SMTP error codes"):
`DYN:T1` dynamic IP range, `RLY:B1`..`RLY:B3`, `RLY:BL`, `RLY:NW` and `CON:B1` sending IP
blocked or on a blocklist, `DNS:NR` no reverse DNS, `RTR:BB` temporarily blocked for spam,
`HVU:B1` blocked for bad URLs or content, `IPTS04` throttled. Replies about AOL mailboxes
mostly use the plain "mailbox unavailable" and "over quota" wording the general tables know.
"""

from __future__ import annotations

import re

from bouncewarden.classify.receivers._rules import Evidence, Recogniser, compile_rules, first_reason
from bouncewarden.events import Reason

__all__ = ["NAME", "RECOGNISER", "reason", "recognises"]

NAME = "aol"

_HOSTS = re.compile(r"(?:^|\.)(?:aol|aim)\.com\.?$")
_DOMAINS = re.compile(r"^(?:aol|aim)\.(?:com|[a-z]{2})$")
_TELLTALE = re.compile(r"\b(?:DYN|RLY|CON|DNS|RTR|HVU):[A-Z]{1,2}\d?\b|\bIPTS\d\d\b")

_RULES = compile_rules(
    (
        (r"\bDNS:NR\b", Reason.REQUIREPTR),
        (r"\bIPTS\d\d\b", Reason.SPEEDING),
        (r"\bHVU:B\d\b", Reason.SPAMDETECTED),
        (r"\b(?:DYN:T\d|RLY:(?:B\d|BL|NW|IR|CH)|CON:B\d|RTR:(?:BB|RD|GE))\b", Reason.BLOCKED),
    )
)


RECOGNISER = Recogniser(hosts=_HOSTS, domains=_DOMAINS, telltale=_TELLTALE)


def recognises(evidence: Evidence) -> bool:
    """Replies from AOL's hosts, about AOL domains, or with AOL's codes."""
    return RECOGNISER.recognises(evidence)


def reason(evidence: Evidence) -> Reason | None:
    """The reason AOL's code names."""
    return first_reason(_RULES, evidence.text)
