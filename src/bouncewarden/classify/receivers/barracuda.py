"""Barracuda Email Security Service and the Barracuda Email Security Gateway (*.ess.barracudanetworks.com).

Sources: Barracuda Campus, "Barracuda Email Security Service SMTP error codes" and "Barracuda
Reputation Block List" (barracudacentral.org). The gateway refuses a sending IP on its
reputation list with "blocked using Barracuda Reputation" and a link to
barracudanetworks.com/reputation; too many simultaneous connections with "Too many concurrent
SMTP connections"; an unknown recipient (after LDAP or recipient verification) with "No such
user" / "invalid recipient"; the verdict of its filters on one recipient with "550 permanent
failure for one or more recipients (ADDRESS:blocked)", a block by the recipient organisation's
policy.
"""

from __future__ import annotations

import re

from bouncewarden.classify.receivers._rules import Evidence, Recogniser, compile_rules, first_reason
from bouncewarden.events import Reason

__all__ = ["NAME", "RECOGNISER", "reason", "recognises"]

NAME = "barracuda"

_HOSTS = re.compile(r"\.barracudanetworks\.com\.?$")
_TELLTALE = re.compile(r"barracudanetworks\.com/reputation|barracudacentral\.org", re.IGNORECASE)

_RULES = compile_rules(
    (
        (r"barracuda reputation|barracudanetworks\.com/reputation|barracudacentral", Reason.BLOCKED),
        (r"too many concurrent (?:smtp )?connections", Reason.TOOMANYCONN),
        (r"no such user|invalid recipient|recipient unknown|user unknown", Reason.USERUNKNOWN),
        (r"permanent failure for one or more recipients \([^)]*:blocked\)", Reason.BLOCKED),
    )
)


RECOGNISER = Recogniser(hosts=_HOSTS, telltale=_TELLTALE)


def recognises(evidence: Evidence) -> bool:
    """Replies from Barracuda's hosted gateways or with its reputation links."""
    return RECOGNISER.recognises(evidence)


def reason(evidence: Evidence) -> Reason | None:
    """The reason Barracuda's wording names."""
    return first_reason(_RULES, evidence.text)
