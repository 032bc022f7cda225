"""AT&T: att.net, bellsouth.net, sbcglobal.net and the other former Bell domains (*.prodigy.net MX).

Sources: AT&T's postmaster pages, "Error Message Summary" (att.net block_enduser pages) and the
BellSouth postmaster's "E-mail Error List" (postmaster.bellsouth.net/error.htm). The codes and
their meaning: "521 <IP> is blocked" and "blocked by ldap:ou=rblmx" (the sending system was
identified as a source of spam), "550 unauthorized interface" (not a recognised source of mail),
"421-failure in DNS look-up" and "net 008 ... does not have a valid revers DNS entry" (the
sending IP has no valid reverse DNS), "550 [permfail] ... requires valid sender domain",
"550 [suspend] Mailbox currently suspended", "net 004 ... temporarily over quota", "net 006 ...
larger than the destination mail system is able to accept", "net 007 ... not allowed to relay",
"net 009: Invalid recipient".
"""

from __future__ import annotations

import re

from bouncewarden.classify.receivers._rules import Evidence, Recogniser, compile_rules, first_reason
from bouncewarden.events import Reason

__all__ = ["NAME", "RECOGNISER", "reason", "recognises"]

NAME = "att"

_HOSTS = re.compile(r"(?:^|\.)(?:prodigy\.net|att\.net|bellsouth\.net|sbcglobal\.net)\.?$")
_DOMAINS = re.compile(
    r"^(?:att|bellsouth|sbcglobal|pacbell|swbell|flash|prodigy|ameritech|wans|nvbell|snet)\.net$"
)
_TELLTALE = re.compile(
    r"abuse[_-]rbl@abuse-att\.net|\bnet 00\d:|\[(?:permfail|suspend)\]|dc=bellsouth", re.IGNORECASE
)

_RULES = compile_rules(
    (
        (r"revers(?:e)? dns|failure in dns look-?up", Reason.REQUIREPTR),
        (r"is_?\s?blocked|blocked by ldap|blocked for abuse|unauthorized interface", Reason.BLOCKED),
        (r"requires valid sender domain|without a valid sender domain", Reason.REJECTED),
        (r"\[suspend\]|mailbox currently suspended", Reason.SUSPEND),
        (r"over quota", Reason.MAILBOXFULL),
        (r"larger than the destination mail system", Reason.MESGTOOBIG),
        (r"not allowed to relay", Reason.NORELAYING),
        (r"invalid recipient", Reason.USERUNKNOWN),
    )
)


RECOGNISER = Recogniser(hosts=_HOSTS, domains=_DOMAINS, telltale=_TELLTALE)


def recognises(evidence: Evidence) -> bool:
    """Replies from AT&T's MX hosts, about its domains, or in its codes."""
    return RECOGNISER.recognises(evidence)


def reason(evidence: Evidence) -> Reason | None:
    """The reason AT&T's codes or wording name."""
    return first_reason(_RULES, evidence.text)
