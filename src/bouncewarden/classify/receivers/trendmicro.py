"""Trend Micro Email Security and its Email Reputation Services (*.tmes.trendmicro.com/.eu/.co.jp).

Source: Trend Micro Email Security online help, "Email Reputation Services" and its SMTP reply
list (docs.trendmicro.com). A sending IP that ERS lists is refused ("550 5.7.1 Mail from IP
refused by Trend Micro Email Reputation Service") or deferred ("450 4.7.1 Mail from IP deferred
using Trend Micro Email Reputation database") with a link to mail-abuse.com's lookup: a block of
the sender's IP, whatever the status says.
"""

from __future__ import annotations

import re

from bouncewarden.classify.receivers._rules import Evidence, Recogniser, compile_rules, first_reason
from bouncewarden.events import Reason

__all__ = ["NAME", "RECOGNISER", "reason", "recognises"]

NAME = "trendmicro"

_HOSTS = re.compile(r"\.tmes\.trendmicro\.(?:com|eu|co\.jp)\.?$")
_TELLTALE = re.compile(r"mail-abuse\.com/cgi-bin/lookup|trend micro email reputation", re.IGNORECASE)

_RULES = compile_rules(
    (
        (r"email reputation|mail-abuse\.com", Reason.BLOCKED),
        (r"user unknown|invalid recipient|no such user", Reason.USERUNKNOWN),
    )
)


RECOGNISER = Recogniser(hosts=_HOSTS, telltale=_TELLTALE)


def recognises(evidence: Evidence) -> bool:
    """Replies from Trend Micro's hosted MX or naming its reputation service."""
    return RECOGNISER.recognises(evidence)


def reason(evidence: Evidence) -> Reason | None:
    """The reason Trend Micro's wording names."""
    return first_reason(_RULES, evidence.text)
