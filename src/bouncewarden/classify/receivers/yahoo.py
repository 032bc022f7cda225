"""Yahoo Inc.: Yahoo Mail, AOL Mail and Verizon-hosted mail (*.yahoodns.net).

Wording from Yahoo's "SMTP Error Codes" page (senders.yahooinc.com/smtp-error-codes, formerly
postmaster.verizonmedia.com). Deferrals carry a bracketed code: `[TS01]`..`[TSS09]` say that
mail from the sending server is deferred for its volume, complaints or reputation, a refusal of
the sender; "All messages from <IP> will be permanently deferred" (its codes [TS03], [TSS09],
which name it where a relay cut the text: Yahoo help article SLN3436, traffic characteristic of
unsolicited bulk mail) turns that server away for good, a block; a deferral "due to user
complaints" alone ([TSS02], [TS01]) is for the sender's reputation with Yahoo's users;
"[RCPT_TO]"-style tags name the command. "554 5.7.9 Message not accepted for policy reasons" is
a content policy refusal.
"""

from __future__ import annotations

import re

from bouncewarden.classify.receivers._rules import Evidence, Recogniser, compile_rules, first_reason
from bouncewarden.events import Reason

__all__ = ["NAME", "RECOGNISER", "reason", "recognises"]

NAME = "yahoo"

_HOSTS = re.compile(r"(?:^|\.)(?:yahoodns\.net|yahoo\.com|yahoo\.co\.[a-z]{2}|yahoo\.[a-z]{2})\.?$")
_DOMAINS = re.compile(r"^(?:yahoo|ymail|rocketmail)\.(?:com|[a-z]{2}|co\.[a-z]{2}|com\.[a-z]{2})$")
_TELLTALE = re.compile(
    r"postmaster\.(?:yahooinc|verizonmedia|yahoo)\.com|senders\.yahooinc\.com|\[TSS?\d\d\]"
    r"|\bmail\.[a-z0-9]+\.yahoo\.com\b|\byahoo\.com account\b",
    re.IGNORECASE,
)

_RULES = compile_rules(
    (
        (r"\[TSS09\]|\[TS03\]|all messages from .{1,60} permanently deferred", Reason.BLOCKED),
        (r"deferred due to user complaints", Reason.BADREPUTATION),
        (r"\[TSS?\d\d\]|temporarily deferred due to (?:unexpected volume|user complaints)", Reason.REJECTED),
        (r"not accepted for policy reasons", Reason.POLICYVIOLATION),
        (r"user doesn'?t have a .{1,40} account|mailbox unavailable|no such user", Reason.USERUNKNOWN),
        (r"user is receiving mail too quickly", Reason.SPEEDING),
        (r"max message per connection|too many connections", Reason.TOOMANYCONN),
    )
)


RECOGNISER = Recogniser(hosts=_HOSTS, domains=_DOMAINS, telltale=_TELLTALE)


def recognises(evidence: Evidence) -> bool:
    """Replies from Yahoo's MX hosts, about Yahoo domains, or with Yahoo's codes."""
    return RECOGNISER.recognises(evidence)


def reason(evidence: Evidence) -> Reason | None:
    """The reason Yahoo's wording names."""
    return first_reason(_RULES, evidence.text)
