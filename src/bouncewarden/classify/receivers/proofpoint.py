"""Proofpoint (Proofpoint Protection Server / Essentials, mx*.pphosted.com, *.ppe-hosted.com).

Sources: Proofpoint Essentials "Error codes" and the IP reputation pages (ipcheck.proofpoint.com,
support.proofpoint.com/dnsbl-lookup.cgi). A refusal by Proofpoint's reputation service reads
"Blocked - see https://ipcheck.proofpoint.com/?ip=..."; a customer's policy "Local Policy
Violation"; an unknown recipient "User Unknown" or "Invalid recipient".
"""

from __future__ import annotations

import re

from bouncewarden.classify.receivers._rules import Evidence, Recogniser, compile_rules, first_reason
from bouncewarden.events import Reason

__all__ = ["NAME", "RECOGNISER", "reason", "recognises"]

NAME = "proofpoint"

_HOSTS = re.compile(r"\.(?:pphosted|ppe-hosted)\.com\.?$")
_TELLTALE = re.compile(r"ipcheck\.proofpoint\.com|proofpoint\.com/dnsbl-lookup", re.IGNORECASE)

_RULES = compile_rules(
    (
        (r"ipcheck\.proofpoint\.com|dnsbl-lookup", Reason.BLOCKED),
        (r"policy violation", Reason.POLICYVIOLATION),
        (r"user unknown|no such user|invalid recipient", Reason.USERUNKNOWN),
    )
)


RECOGNISER = Recogniser(hosts=_HOSTS, telltale=_TELLTALE)


def recognises(evidence: Evidence) -> bool:
    """Replies from Proofpoint-hosted MX hosts or with its reputation links."""
    return RECOGNISER.recognises(evidence)


def reason(evidence: Evidence) -> Reason | None:
    """The reason Proofpoint's wording names."""
    return first_reason(_RULES, evidence.text)
