"""GoDaddy: mailboxes hosted on secureserver.net (smtp.secureserver.net, mailstore1...).

GoDaddy's inbound servers end refusals with a private code `IBnnn` and its help page "Fix
rejected email with a bounce error" (godaddy.com/help/40685) explains them: IB401 SMTP
authentication attempted on an inbound server; IB501 and IB502 a blank or IP-literal From:;
IB506 a From: domain without valid DNS; IB508 an SPF record that does not authorise the sending
IP; IB212 content judged to be spam; IB1nn connections refused from a listed IP; IB5nn rate
limits. The page's recipient bounces read "Account storage limit", "Account does not exist" and
"Account disabled".
"""

from __future__ import annotations

import re

from bouncewarden.classify.receivers._rules import Evidence, Recogniser, compile_rules, first_reason
from bouncewarden.events import Reason

__all__ = ["NAME", "RECOGNISER", "reason", "recognises"]

NAME = "godaddy"

_HOSTS = re.compile(r"(?:^|\.)secureserver\.net\.?$")
_TELLTALE = re.compile(r"\bIB\d{3}\b|x\.co/srbounce")

_RULES = compile_rules(
    (
        (r"\bIB401\b|authentication not allowed on ibsmtp", Reason.SECURITYERROR),
        (
            r"\bIB50[12]\b|blank from: addresses|ip addresses are not allowed as a from",
            Reason.NOTCOMPLIANTRFC,
        ),
        (r"\bIB506\b|from: domain is invalid", Reason.REJECTED),
        (r"\bIB508\b|spf record", Reason.AUTHFAILURE),
        (r"\bIB212\b|judged to be spam", Reason.SPAMDETECTED),
        (r"\bIB1\d\d\b", Reason.BLOCKED),
        (r"\bIB5(?:0[3-5]|1\d)\b", Reason.SPEEDING),
        (r"account storage limit", Reason.MAILBOXFULL),
        (r"account disabled", Reason.SUSPEND),
    )
)


RECOGNISER = Recogniser(hosts=_HOSTS, telltale=_TELLTALE)


def recognises(evidence: Evidence) -> bool:
    """Replies from secureserver.net hosts or with GoDaddy's IB codes."""
    return RECOGNISER.recognises(evidence)


def reason(evidence: Evidence) -> Reason | None:
    """The reason GoDaddy's code or wording names."""
    return first_reason(_RULES, evidence.text)
