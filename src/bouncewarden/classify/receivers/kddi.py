"""KDDI: au mobile mail (ezweb.ne.jp, au.com; MX lsean.ezweb.ne.jp, msmx.au.com) and UQ mobile.

au answers a recipient that does not exist with the address quoted ("550 <user@ezweb.ne.jp>:
User unknown", at RCPT TO). A message refused by the recipient's own reception filter (the
"specified reception" settings Japanese carriers offer) is answered after DATA with the same
words but an empty address slot: "550 : User unknown". That one is a filter (soft): the address
exists and would take mail from an allowed sender.
"""

from __future__ import annotations

import re

from bouncewarden.classify.receivers._rules import Evidence, Recogniser, compile_rules, first_reason
from bouncewarden.events import Reason

__all__ = ["NAME", "RECOGNISER", "reason", "recognises"]

NAME = "kddi"

_HOSTS = re.compile(r"(?:^|\.)(?:ezweb\.ne\.jp|au\.com|uqmobile\.jp)\.?$")
_DOMAINS = re.compile(r"^(?:ezweb\.ne\.jp|[a-z]+\.ezweb\.ne\.jp|au\.com|uqmobile\.jp)$")
_TELLTALE = re.compile(r"@(?:[a-z]+\.)?ezweb\.ne\.jp>?:\s*user unknown", re.IGNORECASE)

_RULES = compile_rules(
    (
        (r"(?:^|[\s>-])[45]\d\d:?\s+:\s*user unknown", Reason.FILTERED),
        (r"<[^<>\s]+@[^<>\s]+>:?\s*user unknown", Reason.USERUNKNOWN),
    )
)


RECOGNISER = Recogniser(hosts=_HOSTS, domains=_DOMAINS, telltale=_TELLTALE)


def recognises(evidence: Evidence) -> bool:
    """Replies from au's hosts, about au addresses, or quoting an ezweb address."""
    return RECOGNISER.recognises(evidence)


def reason(evidence: Evidence) -> Reason | None:
    """Filtered for the empty-address "User unknown", unknown user when the address is quoted."""
    return first_reason(_RULES, evidence.text)
