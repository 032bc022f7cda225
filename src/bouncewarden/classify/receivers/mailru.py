"""Mail.ru (mxs.mail.ru; mail.ru, inbox.ru, list.ru, bk.ru, internet.ru).

Source: Mail.ru Postmaster and help pages on delivery errors (help.mail.ru, postmaster.mail.ru).
Mail.ru answers "Message was not accepted -- invalid mailbox. Local mailbox X is unavailable:"
followed by the cause: "user not found" (no such address), "account is disabled" or "account is
blocked" (an address its owner or Mail.ru switched off), "mailbox is full"; a content verdict
reads "spam message rejected" with a link to help.mail.ru/notspam-support, and the sending
server's rate "ratelimit exceeded" / "too many messages".
"""

from __future__ import annotations

import re

from bouncewarden.classify.receivers._rules import Evidence, Recogniser, compile_rules, first_reason
from bouncewarden.events import Reason

__all__ = ["NAME", "RECOGNISER", "reason", "recognises"]

NAME = "mailru"

_HOSTS = re.compile(r"(?:^|\.)mail\.ru\.?$")
_DOMAINS = re.compile(r"^(?:mail|inbox|list|bk|internet)\.ru$")
_TELLTALE = re.compile(
    r"help\.mail\.ru|postmaster\.mail\.ru|corp\.mail\.ru|message was not accepted -- invalid mailbox",
    re.IGNORECASE,
)

_RULES = compile_rules(
    (
        (r"account is (?:disabled|blocked|frozen)|mailbox is (?:disabled|blocked|frozen)", Reason.SUSPEND),
        (r"mailbox (?:is )?full|over ?quota|quota exceeded", Reason.MAILBOXFULL),
        (r"user not found|no such user|invalid mailbox", Reason.USERUNKNOWN),
        (r"spam message rejected|notspam-support", Reason.SPAMDETECTED),
        (r"rate ?limit|too many (?:messages|mails)", Reason.SPEEDING),
    )
)


RECOGNISER = Recogniser(hosts=_HOSTS, domains=_DOMAINS, telltale=_TELLTALE)


def recognises(evidence: Evidence) -> bool:
    """Replies from Mail.ru's MX hosts, about its domains, or with its help links."""
    return RECOGNISER.recognises(evidence)


def reason(evidence: Evidence) -> Reason | None:
    """The reason Mail.ru's wording names."""
    return first_reason(_RULES, evidence.text)
