"""Zoho Mail (mx.zoho.com, mx.zoho.eu, ...; zoho.com, zohomail.com).

Source: Zoho Mail help, "Email bounce back errors" (zoho.com/mail/help). Zoho words its refusals
"User does not exist" (no such address), "Email flagged as Spam", "Mailbox full" or "quota
exceeded", and "account is disabled" / "blocked" for an address switched off by its organisation.
"""

from __future__ import annotations

import re

from bouncewarden.classify.receivers._rules import Evidence, Recogniser, compile_rules, first_reason
from bouncewarden.events import Reason

__all__ = ["NAME", "RECOGNISER", "reason", "recognises"]

NAME = "zoho"

_HOSTS = re.compile(r"(?:^|\.)zoho(?:mail)?\.(?:com|eu|in|jp|com\.au|com\.cn)\.?$")
_DOMAINS = re.compile(r"^zoho(?:mail)?\.(?:com|eu|in|jp|com\.au)$")
_TELLTALE = re.compile(r"zoho\.com/mail/help", re.IGNORECASE)

_RULES = compile_rules(
    (
        (r"account (?:is )?(?:disabled|blocked|suspended|inactive)", Reason.SUSPEND),
        (r"user does not exist|no such user|invalid (?:address|recipient)", Reason.USERUNKNOWN),
        (r"flagged as spam|detected as spam", Reason.SPAMDETECTED),
        (r"mailbox (?:is )?full|quota exceeded", Reason.MAILBOXFULL),
    )
)


RECOGNISER = Recogniser(hosts=_HOSTS, domains=_DOMAINS, telltale=_TELLTALE)


def recognises(evidence: Evidence) -> bool:
    """Replies from Zoho's MX hosts, about Zoho domains, or with Zoho's help links."""
    return RECOGNISER.recognises(evidence)


def reason(evidence: Evidence) -> Reason | None:
    """The reason Zoho's wording names."""
    return first_reason(_RULES, evidence.text)
