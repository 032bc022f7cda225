"""Tencent: QQ Mail and Tencent Exmail (mx*.qq.com, *.exmail.qq.com).

QQ's replies point at service.mail.qq.com/cgi-bin/help with an error number and say what was
limited: "Connection frequency limited" (too many connections from the sending server), "Ip
frequency limited", "Domain frequency limited" and "Sender frequency limited" (Tencent's help:
the sending IP, domain or address sent more messages per minute, hour or day than QQ allows and
is held back for a while: a rate, `speeding`), "Mailbox not found" (no such mailbox), "Mailbox
unavailable or access denied" (the recipient got many messages in a short time and QQ holds back
mail to it for a while, a rate as well: `speeding`, never a missing address), "Mailbox is full",
"DMARC check failed", "Mail content denied" (a content filter), "Mail is rejected by recipients"
(the recipient's own block list or filter rules) and "Suspected spam sender" (the sending domain
or operator sent much spam). Source: Tencent Exmail's help on bounce codes
(service.exmail.qq.com/cgi-bin/help?id=20022).
"""

from __future__ import annotations

import re

from bouncewarden.classify.receivers._rules import Evidence, Recogniser, compile_rules, first_reason
from bouncewarden.events import Reason

__all__ = ["NAME", "RECOGNISER", "reason", "recognises"]

NAME = "tencent"

_HOSTS = re.compile(r"(?:^|\.)(?:qq\.com|exmail\.qq\.com|foxmail\.com)\.?$")
_DOMAINS = re.compile(r"^(?:qq|foxmail|vip\.qq)\.com$")
_TELLTALE = re.compile(r"service\.(?:exmail|mail)\.qq\.com", re.IGNORECASE)

_RULES = compile_rules(
    (
        (r"connection frequency limited", Reason.TOOMANYCONN),
        (r"(?:ip|domain|sender) frequency limited", Reason.SPEEDING),
        (r"rejected by recipients?\b", Reason.FILTERED),
        (r"suspected spam sender", Reason.BLOCKED),
        (r"dmarc check failed", Reason.AUTHFAILURE),
        (r"mailbox unavailable or access denied", Reason.SPEEDING),
        (r"mailbox not found", Reason.USERUNKNOWN),
        (r"mailbox is full|quota", Reason.MAILBOXFULL),
        (r"content denied|spam", Reason.SPAMDETECTED),
    )
)


RECOGNISER = Recogniser(hosts=_HOSTS, domains=_DOMAINS, telltale=_TELLTALE)


def recognises(evidence: Evidence) -> bool:
    """Replies from Tencent's hosts, about QQ domains, or with QQ's help links."""
    return RECOGNISER.recognises(evidence)


def reason(evidence: Evidence) -> Reason | None:
    """The reason QQ's wording names."""
    return first_reason(_RULES, evidence.text)
