"""Yandex Mail (mx.yandex.ru, mx.yandex.net; yandex.ru, yandex.com, ya.ru, narod.ru).

Source: Yandex Mail help, "Non-delivery reports" (yandex.com/support/mail/bounces/yandex/...).
Its pages explain each reply: "Message rejected under suspicion of SPAM" is a verdict on the
message's content; "Client host [IP] blocked using ..." and "Blocked by spam statistics" block
a sending server that sent only spam for a day; "Policy rejection on the target address" means
the *recipient's* account was blocked for breaking the user agreement (the owner can unblock
it: an address-level, temporary state, not a refusal of the sender); "No such user!" an address
that does not exist; "Mailbox size limit exceeded" a recipient out of storage; "Message infected
by virus" a virus found in the message. "Policy rejection on the target address" is Yandex's own
sentence (the help pages list it as Yandex's reply, no other receiver's), so it names Yandex
even when the reply comes through a relay.
"""

from __future__ import annotations

import re

from bouncewarden.classify.receivers._rules import Evidence, Recogniser, compile_rules, first_reason
from bouncewarden.events import Reason

__all__ = ["NAME", "RECOGNISER", "reason", "recognises"]

NAME = "yandex"

_HOSTS = re.compile(r"(?:^|\.)yandex\.(?:ru|net|com|ua|by|kz|com\.tr)\.?$")
_DOMAINS = re.compile(r"^(?:yandex\.(?:ru|com|ua|by|kz|com\.tr)|ya\.ru|narod\.ru)$")
_TELLTALE = re.compile(
    r"\bya\.cc/|yandex\.(?:ru|com)/support/mail|no such user!|policy rejection on the target address",
    re.IGNORECASE,
)

_RULES = compile_rules(
    (
        (r"policy rejection on the target address", Reason.SUSPEND),
        (r"under suspicion of spam", Reason.SPAMDETECTED),
        (r"infected by (?:a )?virus", Reason.VIRUSDETECTED),
        (r"blocked by spam statistics|blocked using", Reason.BLOCKED),
        (r"no such user|user not found|user does not exist", Reason.USERUNKNOWN),
        (r"mailbox size limit exceeded|mailbox (?:is )?full|over ?quota", Reason.MAILBOXFULL),
    )
)


RECOGNISER = Recogniser(hosts=_HOSTS, domains=_DOMAINS, telltale=_TELLTALE)


def recognises(evidence: Evidence) -> bool:
    """Replies from Yandex's MX hosts, about Yandex domains, or with its help links."""
    return RECOGNISER.recognises(evidence)


def reason(evidence: Evidence) -> Reason | None:
    """The reason Yandex's wording names."""
    return first_reason(_RULES, evidence.text)
