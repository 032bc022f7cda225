"""Apple: iCloud Mail (mx01.mail.icloud.com, *.me.com, *.mac.com).

iCloud refuses a deleted or never-created address with "550 5.1.1 <...>: inactive email
address" and an address whose owner moved away with "recipient no longer on server"; its
refusals of every kind (DMARC, blocked senders, local policy) point at
support.apple.com/HT204137, so the link names the provider, not the cause; content refusals
say "rejected due to local policy" with a bracketed code ([CS01], [HM08]).
"""

from __future__ import annotations

import re

from bouncewarden.classify.receivers._rules import Evidence, Recogniser, compile_rules, first_reason
from bouncewarden.events import Reason

__all__ = ["NAME", "RECOGNISER", "reason", "recognises"]

NAME = "apple"

_HOSTS = re.compile(r"(?:^|\.)(?:icloud|me|mac|apple)\.com\.?$")
_DOMAINS = re.compile(r"^(?:icloud|me|mac)\.com$")
_TELLTALE = re.compile(r"support\.apple\.com/(?:[a-z-]+/)?HT204137", re.IGNORECASE)

_RULES = compile_rules(
    (
        (r"inactive email address", Reason.USERUNKNOWN),
        (r"dmarc", Reason.AUTHFAILURE),
        (r"due to local policy", Reason.POLICYVIOLATION),
        (r"user is over quota|mailbox is full", Reason.MAILBOXFULL),
    )
)


RECOGNISER = Recogniser(hosts=_HOSTS, domains=_DOMAINS, telltale=_TELLTALE)


def recognises(evidence: Evidence) -> bool:
    """Replies from iCloud's hosts, about iCloud domains, or with Apple's links."""
    return RECOGNISER.recognises(evidence)


def reason(evidence: Evidence) -> Reason | None:
    """The reason iCloud's wording names."""
    return first_reason(_RULES, evidence.text)
