"""Microsoft: Outlook.com/Hotmail consumer mail and Exchange Online (*.protection.outlook.com).

Wording from "Email non-delivery reports and SMTP errors in Exchange Online" (learn.microsoft.com)
and the Outlook.com postmaster pages. Exchange prefixes its own component ("RESOLVER.ADR.",
"STOREDRV.") to the reason; the consumer MX answers "550 Requested action not taken: mailbox
unavailable" for an address that does not exist; Directory Based Edge Blocking rejects unknown
recipients of a tenant with "Recipient address rejected: Access denied"; banned sending IPs get
5.7.606 to 5.7.649 with a pointer to sender.office.com, and 5.7.708 "traffic not accepted from
this IP". Outlook.com's consumer MX tags its refusals with the codes of its postmaster page
(mail.live.com/mail/troubleshooting.aspx): SC-00n, OU-00n and DY-00n refuse the sending network
(block list, reputation, dynamic space), RP-00n limit the rate ("We have limits for how many
messages can be sent per hour and per day"). 5.7.515 ("sending domain does not meet the
required authentication level", Outlook.com's rule for high-volume senders, who must pass SPF,
DKIM and DMARC) is an authentication refusal even where its text says "policy reasons".
5.7.133 to 5.7.136 (RESOLVER.RST.SenderNotAuthenticatedFor...) say that the recipient group,
mailbox, public folder or mail user takes mail from its own organisation only: that recipient's
restriction on who may write to it, `filtered`.
"""

from __future__ import annotations

import re

from bouncewarden.classify.receivers._rules import Evidence, Recogniser, compile_rules, first_reason
from bouncewarden.events import Reason

__all__ = ["NAME", "RECOGNISER", "reason", "recognises"]

NAME = "microsoft"

_HOSTS = re.compile(r"(?:^|\.)(?:outlook|hotmail|live|msn)\.com\.?$|\.outlook\.com\.?$|\.eop-")
# hotmail.com, hotmail.co.uk, hotmail.com.br, outlook.jp, live.fr, ...
_DOMAINS = re.compile(r"^(?:outlook|hotmail|live|msn|windowslive)\.[a-z.]+$")
_TELLTALE = re.compile(
    r"\bRESOLVER\.(?:ADR|RST)\.|\bSTOREDRV\.|sender\.office\.com|go\.microsoft\.com/fwlink|"
    r"protection\.outlook\.com|\.prod\.outlook\.com|\b(?:SC|OU|DY|RP)-00\d\b|\bOutlook\.com\b",
    re.IGNORECASE,
)

_RULES = compile_rules(
    (
        (r"RecipientNotFound|RecipNotFound|recipient not found|unknown recipient", Reason.USERUNKNOWN),
        (r"SenderNotAuthenticatedFor(?:Group|Recipient|PublicFolder|MailUser)", Reason.FILTERED),
        (r"requested action not taken: mailbox unavailable", Reason.USERUNKNOWN),
        (r"recipient address rejected: access denied", Reason.USERUNKNOWN),
        (r"RecipSizeLimit|message too large", Reason.MESGTOOBIG),
        (r"AuthRequired", Reason.SECURITYERROR),
        (r"banned sending ip|on our block ?list|blocked using|not accepted from this ip", Reason.BLOCKED),
        (r"block has been placed against your ip|\b(?:OU|DY)-00\d\b", Reason.BLOCKED),
        (r"\b5\.7\.515\b|required authentication level|must be authenticated with spf", Reason.AUTHFAILURE),
        (r"\bSC-00\d\b|rejected by outlook\.com for policy reasons", Reason.POLICYVIOLATION),
        (r"\bRP-00\d\b|limits for how many messages", Reason.SPEEDING),
        (r"does not pass dmarc|dmarc policy|\b(?:spf|dkim)\b.{0,40}\b(?:fail|not pass)", Reason.AUTHFAILURE),
        (r"spam abuse|spam content", Reason.SPAMDETECTED),
        (r"mailbox (?:is )?full|quota ?exceeded|ShutoffQuota", Reason.MAILBOXFULL),
        (r"Storage(?:Permanent|Transient)Exception", Reason.SYSTEMERROR),
        (r"RecipientDisabled|mailbox (?:is )?disabled", Reason.SUSPEND),
    )
)


RECOGNISER = Recogniser(hosts=_HOSTS, domains=_DOMAINS, telltale=_TELLTALE)


def recognises(evidence: Evidence) -> bool:
    """Replies from Microsoft hosts, about its consumer domains, or in Exchange's words."""
    return RECOGNISER.recognises(evidence)


def reason(evidence: Evidence) -> Reason | None:
    """The reason Microsoft's wording names."""
    return first_reason(_RULES, evidence.text)
