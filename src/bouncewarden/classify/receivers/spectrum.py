"""Charter Spectrum (charter.net, rr.com and the other Time Warner Cable / Road Runner domains).

Sources: Charter's "Postmaster Services" page (spectrum.net/support/internet/charter-postmaster-
services): mail its anti-spam system flags is refused with "550 Message Rejected"; and the
notes collected on Spam Resource ("Charter/Roadrunner bounces?", 2019): "550 5.1.0 sender
rejected AUP#I-1310" (and 1320, 1330) put the sending server in a rate-limited time-out of five
minutes to a day, a limit of the sender's rate, not a refusal of its address.
"""

from __future__ import annotations

import re

from bouncewarden.classify.receivers._rules import Evidence, Recogniser, compile_rules, first_reason
from bouncewarden.events import Reason

__all__ = ["NAME", "RECOGNISER", "reason", "recognises"]

NAME = "spectrum"

_HOSTS = re.compile(r"(?:^|\.)(?:charter\.net|rr\.com|twc\.com|spectrum\.net|brighthouse\.com)\.?$")
_DOMAINS = re.compile(r"^(?:charter\.net|(?:[a-z]+\.)?rr\.com|twc\.com|brighthouse\.com|bresnan\.net)$")
_TELLTALE = re.compile(r"\bAUP#I-\d{4}\b", re.IGNORECASE)

_RULES = compile_rules(
    (
        (r"\bAUP#I-13[123]0\b", Reason.SPEEDING),
        (r"^5\d\d(?:[ -]5\.\d\.\d+)? message rejected\.?$", Reason.SPAMDETECTED),
    )
)


RECOGNISER = Recogniser(hosts=_HOSTS, domains=_DOMAINS, telltale=_TELLTALE)


def recognises(evidence: Evidence) -> bool:
    """Replies from Spectrum's MX hosts, about its domains, or with its AUP codes."""
    return RECOGNISER.recognises(evidence)


def reason(evidence: Evidence) -> Reason | None:
    """The reason Spectrum's codes or wording name."""
    return first_reason(_RULES, evidence.text)
