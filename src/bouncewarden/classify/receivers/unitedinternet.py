"""United Internet: GMX, WEB.DE, mail.com, 1&1 and IONOS (mx*.gmx.net, mx-ha*.web.de, *.kundenserver.de).

Sources: "Error messages when sending emails to GMX" (postmaster.gmx.net/en/error-messages),
the WEB.DE postmaster's "Fehlermeldungen" (postmaster.web.de), and "SMTP Error Messages for the
1&1 Mail Server" (help.1and1.com). Their servers give no enhanced status, only the reply code,
the cause in words and a link to a postmaster page: "IP address is block listed", "Bad DNS PTR
resource record", "Reject due to SPF policy", "Rate limit reached", "Requested action not
taken: mailbox unavailable" (the recipient does not exist), "Requested mail action aborted:
exceeded storage allocation" (the recipient's mailbox is full), "Reject due to content
restrictions" (the content was classified as spam), "Sender address is not allowed".
"""

from __future__ import annotations

import re

from bouncewarden.classify.receivers._rules import Evidence, Recogniser, compile_rules, first_reason
from bouncewarden.events import Reason

__all__ = ["NAME", "RECOGNISER", "reason", "recognises"]

NAME = "unitedinternet"

_HOSTS = re.compile(
    r"(?:^|\.)(?:gmx\.(?:net|de|com|at|ch)|web\.de|kundenserver\.de|ionos\.(?:de|com|co\.uk|es|fr|it)|1and1\.(?:com|co\.uk|es|fr)|1und1\.de)\.?$"
)
_DOMAINS = re.compile(r"^(?:gmx\.(?:net|de|com|at|ch|fr|es|co\.uk)|web\.de|mail\.com|online\.de|email\.de)$")
_TELLTALE = re.compile(r"postmaster\.(?:gmx|web)\.(?:net|de|com)|\bNemesis ESMTP\b", re.IGNORECASE)

_RULES = compile_rules(
    (
        (r"block ?listed", Reason.BLOCKED),
        (r"\bptr\b|reverse dns", Reason.REQUIREPTR),
        (r"\bspf\b|\bdmarc\b|\bdkim\b", Reason.AUTHFAILURE),
        (r"rate limit", Reason.SPEEDING),
        (r"too many connections", Reason.TOOMANYCONN),
        (r"exceeded storage allocation|mailbox (?:is )?full|quota", Reason.MAILBOXFULL),
        (r"mailbox unavailable|mailbox (?:does not|doesn'?t) exist|user unknown", Reason.USERUNKNOWN),
        (r"content restrictions", Reason.SPAMDETECTED),
        (r"sender address (?:is )?not allowed|sender address blocked", Reason.REJECTED),
    )
)


RECOGNISER = Recogniser(hosts=_HOSTS, domains=_DOMAINS, telltale=_TELLTALE)


def recognises(evidence: Evidence) -> bool:
    """Replies from United Internet's MX hosts, about its domains, or with its postmaster links."""
    return RECOGNISER.recognises(evidence)


def reason(evidence: Evidence) -> Reason | None:
    """The reason United Internet's wording names."""
    return first_reason(_RULES, evidence.text)
