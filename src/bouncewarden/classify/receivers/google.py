"""Google: Gmail and Google Workspace (gmail-smtp-in.l.google.com, aspmx.l.google.com).

Wording from Google's "Gmail SMTP errors and codes" page (support.google.com/a/answer/3726730);
replies end in "- gsmtp" and link to support.google.com/mail/?p=<Topic>, and the topic names
the cause (NoSuchUser, DisabledUser, OverQuotaPerm, UnsolicitedRateLimitError, ...), except
UnsolicitedMessageError, which serves both a spam verdict on the message ("likely unsolicited
mail") and a low reputation of the sending IP address or domain: the wording decides. Gmail as a
*sender* writes its own notices too ("The recipient server did not accept our requests to
connect"): those describe the delivery attempt, not Google's mailboxes. "The email account that
you tried to reach does not exist" is left to the general tables, which weigh it against the
status and the SMTP command like any other "no such user" wording. "Its content presents a
potential security issue" points to "File types blocked in Gmail" (support.google.com/mail/
answer/6590): a refusal under Google's content and attachment guidelines (executable file
types, macros, password-protected archives), a precaution and not a virus found: a policy
refusal, `policyviolation`; so is "Our system detected an illegal attachment on your message".
"""

from __future__ import annotations

import re

from bouncewarden.classify.receivers._rules import Evidence, Recogniser, compile_rules, first_reason
from bouncewarden.events import Reason

__all__ = ["NAME", "RECOGNISER", "reason", "recognises"]

NAME = "google"

_HOSTS = re.compile(r"(?:^|\.)(?:google|googlemail|gmail)\.com\.?$")
_DOMAINS = re.compile(r"^(?:gmail|googlemail)\.com$")
_TELLTALE = re.compile(r"\bgsmtp\b|support\.google\.com/mail|\bgcdp\b", re.IGNORECASE)

_RULES = compile_rules(
    (
        (r"\?p=DisabledUser|account that you tried to reach is disabled", Reason.SUSPEND),
        (
            r"\?p=OverQuota|inbox is out of storage|account that you tried to reach is over quota",
            Reason.MAILBOXFULL,
        ),
        (r"receiving mail (?:at a rate|too quickly)|\?p=ReceivingRate", Reason.SPEEDING),
        (r"low reputation", Reason.BADREPUTATION),
        (r"likely unsolicited mail", Reason.SPAMDETECTED),
        (r"\?p=UnsolicitedMessageError", Reason.BADREPUTATION),
        (r"unusual rate of unsolicited mail|ip not in whitelist", Reason.BLOCKED),
        (r"not rfc 5322 compliant|multiple addresses in from", Reason.NOTCOMPLIANTRFC),
        (r"ptr record|reverse dns", Reason.REQUIREPTR),
        (r"sender is unauthenticated|unauthenticated email|dmarc policy|spf .{0,40}fail", Reason.AUTHFAILURE),
        (r"potential security issue|illegal attachment|violates .{0,40}policy", Reason.POLICYVIOLATION),
        (r"tls required", Reason.SECURITYERROR),
        (r"did not accept our requests to connect", Reason.EXPIRED),
    )
)


RECOGNISER = Recogniser(hosts=_HOSTS, domains=_DOMAINS, telltale=_TELLTALE)


def recognises(evidence: Evidence) -> bool:
    """Replies from Google's MX hosts, or about gmail.com recipients, or with Google's marks."""
    return RECOGNISER.recognises(evidence)


def reason(evidence: Evidence) -> Reason | None:
    """The reason Google's wording names."""
    return first_reason(_RULES, evidence.text)
