"""Cox Communications (cox.net, mx.*.cloudfilter.net for Cox).

Cox ends each refusal with an `AUP#<CODE>` and a link to its "Email error codes" page
(cox.com/residential/support/email-error-codes.html, postmaster.cox.net). The codes, per that
page: CXBL and CDRBL the sending IP is blocked (permanently or for up to a day) for spam-like
behaviour; IPBLnnnn the IP is on Spamhaus, Return Path, ivmSIP or Cloudmark; URLBLnnnn a URL in
the message is listed; CXTHRT and CXMXRT too many messages for the sender's limits; CXCNCT too
many connections; CXDNS the connecting IP has no usable reverse DNS; CXSNDR the sender's domain
fails its DNS or authentication checks; CXSMTP an SMTP protocol violation; CXMJ the sending Cox
account is blocked.
"""

from __future__ import annotations

import re

from bouncewarden.classify.receivers._rules import Evidence, Recogniser, compile_rules, first_reason
from bouncewarden.events import Reason

__all__ = ["NAME", "RECOGNISER", "reason", "recognises"]

NAME = "cox"

_HOSTS = re.compile(r"(?:^|\.)cox\.(?:net|com)\.?$|\.cloudfilter\.net\.?$")
_DOMAINS = re.compile(r"^cox\.(?:net|com)$")
_TELLTALE = re.compile(r"AUP#[A-Z]{2,}|cox\.com/[\w/-]*error-codes|postmaster\.cox\.net", re.IGNORECASE)

_RULES = compile_rules(
    (
        (r"AUP#(?:CXBL|CDRBL|IPBL\d*|RBL)\b", Reason.BLOCKED),
        (r"AUP#URLBL\d*\b", Reason.SPAMDETECTED),
        (r"AUP#(?:CXTHRT|CXMXRT)\b", Reason.SPEEDING),
        (r"AUP#CXCNCT\b", Reason.TOOMANYCONN),
        (r"AUP#CXDNS\b", Reason.REQUIREPTR),
        (r"AUP#CXSNDR\b", Reason.AUTHFAILURE),
        (r"AUP#CXSMTP\b", Reason.SYNTAXERROR),
        (r"AUP#CXMJ\b", Reason.REJECTED),
    )
)


RECOGNISER = Recogniser(hosts=_HOSTS, domains=_DOMAINS, telltale=_TELLTALE)


def recognises(evidence: Evidence) -> bool:
    """Replies from Cox's MX hosts, about cox.net recipients, or with Cox's AUP codes."""
    return RECOGNISER.recognises(evidence)


def reason(evidence: Evidence) -> Reason | None:
    """The reason Cox's AUP code names."""
    return first_reason(_RULES, evidence.text)
