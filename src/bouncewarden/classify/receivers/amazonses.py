"""Amazon SES as a *receiving* service (inbound-smtp.<region>.amazonaws.com).

A domain that receives through SES refuses mail with the Bounce action of a receipt rule: the
rule's owner picks the SMTP reply, the status and the message, from the console's templates
("Mailbox does not exist", "Mailbox full", "Message too large", "Message content rejected") or
their own words (AWS SES developer guide, "Bounce action"). So "550 5.1.1 Mailbox does not
exist" from SES inbound says that a rule bounced the message, which is a filter of the
receiving domain, not a verdict on a mailbox that SES does not host: `filtered`. The other
templates mean what they say and are left to the general wording.
"""

from __future__ import annotations

import re

from bouncewarden.classify.receivers._rules import Evidence, Recogniser, compile_rules, first_reason
from bouncewarden.events import Reason

__all__ = ["NAME", "RECOGNISER", "reason", "recognises"]

NAME = "amazonses"

_HOSTS = re.compile(r"(?:^|\.)inbound-smtp\.[a-z0-9-]+\.amazonaws\.com\.?$")

_RULES = compile_rules(((r"\bmailbox does not exist\b", Reason.FILTERED),))


RECOGNISER = Recogniser(hosts=_HOSTS)


def recognises(evidence: Evidence) -> bool:
    """Replies from (or reports written by) SES's inbound SMTP endpoints."""
    return RECOGNISER.recognises(evidence)


def reason(evidence: Evidence) -> Reason | None:
    """The reason a receipt rule's bounce template names."""
    return first_reason(_RULES, evidence.text)
