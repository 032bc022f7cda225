"""Mimecast (*.mimecast.com inbound gateways).

Mimecast's refusals link to its "SMTP error codes" community page and name the policy that
fired: "Host network not allowed" and "IP not allowed" (the customer's IP policy refuses the
connecting network), "Rejected by header based Anti-Spoofing policy", "Envelope blocked" (the
sender's address, domain or IP is on the customer's Blocked Senders policy, which an
administrator sets for the whole organisation: a refusal of the sender, `blocked`; "Envelope
blocked - User Entry" names one user's own block list: that recipient's filter, `filtered`),
"Invalid recipient" / "Recipient address rejected" for unknown addresses, "Message is too
large". Sources: Mimecast's "SMTP Error Codes" page (community.mimecast.com/docs/DOC-1369) and
its "Configuring Blocked Sender Policies" help.
"""

from __future__ import annotations

import re

from bouncewarden.classify.receivers._rules import Evidence, Recogniser, compile_rules, first_reason
from bouncewarden.events import Reason

__all__ = ["NAME", "RECOGNISER", "reason", "recognises"]

NAME = "mimecast"

_HOSTS = re.compile(r"(?:^|\.)mimecast(?:-offshore)?\.com\.?$")
_TELLTALE = re.compile(r"community\.mimecast\.com|mimecast\.com/docs", re.IGNORECASE)

_RULES = compile_rules(
    (
        (r"host network not allowed|ip not allowed|anti-spoofing policy", Reason.POLICYVIOLATION),
        (r"envelope blocked\W+user entry", Reason.FILTERED),
        (r"envelope blocked", Reason.BLOCKED),
        (r"rejected due to security policies", Reason.SPAMDETECTED),
        (r"invalid recipient", Reason.USERUNKNOWN),
        (r"message is too large", Reason.MESGTOOBIG),
    )
)


RECOGNISER = Recogniser(hosts=_HOSTS, telltale=_TELLTALE)


def recognises(evidence: Evidence) -> bool:
    """Replies from Mimecast's gateways or with its help links."""
    return RECOGNISER.recognises(evidence)


def reason(evidence: Evidence) -> Reason | None:
    """The reason Mimecast's wording names."""
    return first_reason(_RULES, evidence.text)
