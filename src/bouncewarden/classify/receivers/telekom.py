"""Deutsche Telekom: t-online.de and magenta.de (mx*.t-online.de).

Source: "postmaster.t-online.de", sections 4.6 and 4.7 (why mail or a connection is refused).
Telekom's refusals end in a bracketed category: "(BL)" the sending IP is on its block list,
"(DIAL)" a dial-up or transient IP, or a host without the imprint its policy asks for, "(NOWL)"
an IP of no or bad reputation that Telekom has not yet allowed ("None/bad reputation"); the
words before it are generic ("A problem occurred").
"""

from __future__ import annotations

import re

from bouncewarden.classify.receivers._rules import Evidence, Recogniser, compile_rules, first_reason
from bouncewarden.events import Reason

__all__ = ["NAME", "RECOGNISER", "reason", "recognises"]

NAME = "telekom"

_HOSTS = re.compile(r"(?:^|\.)t-online\.de\.?$")
_DOMAINS = re.compile(r"^(?:t-online|magenta)\.de$")
_TELLTALE = re.compile(r"rx\.t-online\.de|postmaster\.t-online\.de", re.IGNORECASE)

_RULES = compile_rules(
    (
        (r"\(NOWL\)|bad reputation", Reason.BADREPUTATION),
        (r"\(BL\)|\(DIAL\)|dialup|transient ip", Reason.BLOCKED),
    )
)


RECOGNISER = Recogniser(hosts=_HOSTS, domains=_DOMAINS, telltale=_TELLTALE)


def recognises(evidence: Evidence) -> bool:
    """Replies from Telekom's MX hosts, about its domains, or naming its postmaster."""
    return RECOGNISER.recognises(evidence)


def reason(evidence: Evidence) -> Reason | None:
    """The reason Telekom's bracketed category or wording names."""
    return first_reason(_RULES, evidence.text)
