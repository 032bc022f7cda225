"""MessageLabs / Symantec Email Security.cloud (cluster*.messagelabs.com, *.bemta-*.messagelabs.com).

The filtering service answers for its customers' domains in a few fixed sentences: "553-you
are trying to use me [server-N.messagelabs.com] as a relay" (the recipient domain is not a
customer's), "550 Invalid recipient <...> (#5.1.1)", "553 Sorry, your email address has been
blacklisted" (the sender address) and "550-Requested action aborted [7]" style refusals of the
connecting IP. Its own reports (Reporting-MTA *.messagelabs.com) answer "542 <address>
Rejected" for a recipient that is not a registered address of the customer, and "Please turn
on SMTP Authentication in your mail client" to unauthenticated submission. "553-Message
filtered. Refer to the Troubleshooting page" is the service's anti-spam verdict on the message
(Symantec Email Security.cloud troubleshooting page), not a recipient's own filter.
"""

from __future__ import annotations

import re

from bouncewarden.classify.receivers._rules import Evidence, Recogniser, compile_rules, first_reason
from bouncewarden.events import Reason

__all__ = ["NAME", "RECOGNISER", "reason", "recognises"]

NAME = "messagelabs"

_HOSTS = re.compile(r"(?:^|\.)messagelabs\.com\.?$")
_TELLTALE = re.compile(r"messagelabs\.com|symanteccloud\.com", re.IGNORECASE)

_RULES = compile_rules(
    (
        (r"use me .{0,60}as a relay", Reason.NORELAYING),
        (r"connection rejected by policy", Reason.BLOCKED),
        (r"\bmessage filtered\b", Reason.SPAMDETECTED),
        (r"your email address has been (?:black|block)listed", Reason.REJECTED),
        (r"invalid recipient", Reason.USERUNKNOWN),
        (r"^542 \S+ rejected\b", Reason.USERUNKNOWN),
        (r"turn on smtp authentication", Reason.SECURITYERROR),
        (r"requested action aborted \[\d+\]", Reason.BLOCKED),
    )
)


RECOGNISER = Recogniser(hosts=_HOSTS, telltale=_TELLTALE)


def recognises(evidence: Evidence) -> bool:
    """Replies from MessageLabs hosts."""
    return RECOGNISER.recognises(evidence)


def reason(evidence: Evidence) -> Reason | None:
    """The reason MessageLabs' wording names."""
    return first_reason(_RULES, evidence.text)
