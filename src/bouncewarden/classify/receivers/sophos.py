"""Sophos Central Email (Sophos Email Security): refusals tagged XGEMAIL_nnnn.

Source: Sophos Central Email help, "SMTP error codes" (docs.sophos.com/central/customer/help/
en-us/ManageYourProducts/EmailSecurity/SMTPErrorCodes). Each code names the check that refused
the message: 0001 no valid DKIM signature, 0002 SPF, 0003 DMARC, 0004 the sending IP on an RBL,
0005 the sender's domain on a DBL, 0006 a TLS version the policy does not allow, 0007 the
customer's licence expired, 0008 an administrator's block list, 0009 the recipient's own block
list, 0010 a recipient domain Sophos does not protect, 0011 a recipient that does not exist,
0012 the size limit, 0013 too many recipients for a large message, 0014 and 0015 the recipient's
inbound rate limits (from one sender, from all senders).
"""

from __future__ import annotations

import re

from bouncewarden.classify.receivers._rules import Evidence, Recogniser, compile_rules, first_reason
from bouncewarden.events import Reason

__all__ = ["NAME", "RECOGNISER", "reason", "recognises"]

NAME = "sophos"

_TELLTALE = re.compile(r"\bXGEMAIL_\d{4}\b", re.IGNORECASE)

_RULES = compile_rules(
    (
        (r"\bXGEMAIL_000[123]\b", Reason.AUTHFAILURE),
        (r"\bXGEMAIL_000[458]\b", Reason.BLOCKED),
        (r"\bXGEMAIL_0006\b", Reason.SECURITYERROR),
        (r"\bXGEMAIL_0007\b", Reason.SYSTEMERROR),
        (r"\bXGEMAIL_0009\b", Reason.FILTERED),
        (r"\bXGEMAIL_0010\b", Reason.NORELAYING),
        (r"\bXGEMAIL_0011\b", Reason.USERUNKNOWN),
        (r"\bXGEMAIL_0012\b", Reason.MESGTOOBIG),
        (r"\bXGEMAIL_0013\b", Reason.TOOMANYCONN),
        (r"\bXGEMAIL_001[45]\b", Reason.SPEEDING),
    )
)


RECOGNISER = Recogniser(telltale=_TELLTALE)


def recognises(evidence: Evidence) -> bool:
    """Replies carrying a Sophos XGEMAIL code."""
    return RECOGNISER.recognises(evidence)


def reason(evidence: Evidence) -> Reason | None:
    """The reason the XGEMAIL code names."""
    return first_reason(_RULES, evidence.text)
