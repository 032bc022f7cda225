"""NetEase (163.com, 126.com, yeah.net; *.mxmail.netease.com).

Source: NetEase Mail's "退信代码说明" (help.mail.163.com, the list of bounce codes). Its replies
carry a code of two parts, the area and the cause: DT:SPM spam content, DT:RBL the sending IP
in a block list, HL:ICC too many concurrent connections from the IP, HL:IFC too many messages
from the IP in a short time, HL:REP / HL:MEP / HL:IPB / HL:IHU an IP suspended for abnormal
sending, MI:DMC too many messages in one connection, MI:SFQ / MI:STC a sender over its rate or
daily limit, MI:SPF and MI:DMA failed SPF and DMARC checks, MI:IMF an invalid MAIL FROM, RP:DRC
/ RP:RCL too many recipients in one connection, RP:TRC a daily recipient limit, WM:BLI / WM:BLU
an IP or user not on the allowed list; and plain words for the mailbox ("User not found",
"User suspended").
"""

from __future__ import annotations

import re

from bouncewarden.classify.receivers._rules import Evidence, Recogniser, compile_rules, first_reason
from bouncewarden.events import Reason

__all__ = ["NAME", "RECOGNISER", "reason", "recognises"]

NAME = "netease"

_HOSTS = re.compile(r"(?:^|\.)(?:netease\.com|163\.com|126\.com|yeah\.net)\.?$")
_DOMAINS = re.compile(r"^(?:163|126|188|vip\.163|vip\.126)\.com$|^yeah\.net$")
_TELLTALE = re.compile(r"mail\.163\.com/help|\b(?:DT|HL|MI|RP|WM):[A-Z]{3}\b", re.IGNORECASE)

_RULES = compile_rules(
    (
        (r"\bDT:SPM\b", Reason.SPAMDETECTED),
        (r"\bDT:RBL\b|\bWM:BL[IU]\b|\bHL:(?:REP|MEP|IPB|IHU)\b", Reason.BLOCKED),
        (r"\bHL:ICC\b|\bMI:DMC\b|\bRP:(?:DRC|RCL)\b", Reason.TOOMANYCONN),
        (r"\bHL:IFC\b|\bMI:(?:SFQ|STC)\b|\bRP:TRC\b", Reason.SPEEDING),
        (r"\bMI:(?:SPF|DMA)\b", Reason.AUTHFAILURE),
        (r"\bMI:IMF\b", Reason.REJECTED),
        (r"user (?:suspended|has been disabled|is disabled)", Reason.SUSPEND),
        (r"user not found|mailbox not found|no such user", Reason.USERUNKNOWN),
        (r"quota exceeded|mailbox (?:is )?full|over ?quota", Reason.MAILBOXFULL),
    )
)


RECOGNISER = Recogniser(hosts=_HOSTS, domains=_DOMAINS, telltale=_TELLTALE)


def recognises(evidence: Evidence) -> bool:
    """Replies from NetEase's MX hosts, about its domains, or with its codes."""
    return RECOGNISER.recognises(evidence)


def reason(evidence: Evidence) -> Reason | None:
    """The reason NetEase's codes or wording name."""
    return first_reason(_RULES, evidence.text)
