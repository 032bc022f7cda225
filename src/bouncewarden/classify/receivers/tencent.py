"""Tencent: QQ Mail and Tencent Exmail (mx*.qq.com, *.exmail.qq.com).

QQ's replies point at service.mail.qq.com/cgi-bin/help with an error number and say what was
limited: "Connection frequency limited", "Ip frequency limited" and "Domain frequency limited"
(too many connections or messages from the sender), "Mailbox not found" or "Mailbox unavailable
or access denied" (no such mailbox), "Mailbox is full", "DMARC check failed", "Mail content
denied" (a content filter).
"""

from __future__ import annotations

import re

from bouncewarden.classify.receivers._rules import Evidence, Recogniser, compile_rules, first_reason
from bouncewarden.events import Reason

__all__ = ["NAME", "reason", "recognises"]

NAME = "tencent"

_HOSTS = re.compile(r"(?:^|\.)(?:qq\.com|exmail\.qq\.com|foxmail\.com)\.?$")
_DOMAINS = re.compile(r"^(?:qq|foxmail|vip\.qq)\.com$")
_TELLTALE = re.compile(r"service\.(?:exmail|mail)\.qq\.com", re.IGNORECASE)

_RULES = compile_rules(
    (
        (r"(?:connection|ip|domain) frequency limited", Reason.TOOMANYCONN),
        (r"dmarc check failed", Reason.AUTHFAILURE),
        (r"mailbox not found|mailbox unavailable or access denied", Reason.USERUNKNOWN),
        (r"mailbox is full|quota", Reason.MAILBOXFULL),
        (r"content denied|spam", Reason.SPAMDETECTED),
    )
)


_RECOGNISER = Recogniser(hosts=_HOSTS, domains=_DOMAINS, telltale=_TELLTALE)


def recognises(evidence: Evidence) -> bool:
    """Replies from Tencent's hosts, about QQ domains, or with QQ's help links."""
    return _RECOGNISER.recognises(evidence)


def reason(evidence: Evidence) -> Reason | None:
    """The reason QQ's wording names."""
    return first_reason(_RULES, evidence.text)
