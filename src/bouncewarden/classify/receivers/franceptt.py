"""Orange (orange.fr, wanadoo.fr) and La Poste (laposte.net), the former France Telecom / PTT.

Both answer in French and English with a private code: Orange `OFR_nnn` or `OFRnnn_nnn`, La
Poste `LPNnnn_nnn`. The words carry the meaning: "destinataire invalide / invalid recipient",
"compte du destinataire est bloque / recipient account is blocked", "adresse IP source bloquee
pour incident de spam / client host blocked for spamming issues", "Mail rejete / Mail rejected"
(Orange's content filter), "Service refuse, veuillez essayer plus tard / service refused,
please try later" (a refusal that names no cause; with Orange's code OFR_999 it is Orange
turning the connecting client away for its reputation or its rate, before any recipient is
named: a refusal of the sender, `blocked`).
"""

from __future__ import annotations

import re

from bouncewarden.classify.receivers._rules import Evidence, Recogniser, compile_rules, first_reason
from bouncewarden.events import Reason

__all__ = ["NAME", "RECOGNISER", "reason", "recognises"]

NAME = "franceptt"

_HOSTS = re.compile(r"(?:^|\.)(?:orange|wanadoo|laposte)\.(?:fr|net)\.?$")
_DOMAINS = re.compile(r"^(?:orange|wanadoo|laposte)\.(?:fr|net)$")
_TELLTALE = re.compile(r"\bOFR(?:_\d{3}|\d{3}_\d{3})\b|\bLPN\d{3}_\d{3}\b")

_RULES = compile_rules(
    (
        (r"destinataire invalide|invalid recipient", Reason.USERUNKNOWN),
        (r"compte du destinataire est bloqu|recipient account is blocked", Reason.SUSPEND),
        (r"bloquee? pour incident de spam|blocked for spamming", Reason.BLOCKED),
        (r"mail rejete|mail rejected", Reason.SPAMDETECTED),
        (r"client host rejected", Reason.POLICYVIOLATION),
        (r"\bOFR_999\b", Reason.BLOCKED),
        (r"service refuse", Reason.UNDEFINED),
    )
)


RECOGNISER = Recogniser(hosts=_HOSTS, domains=_DOMAINS, telltale=_TELLTALE)


def recognises(evidence: Evidence) -> bool:
    """Replies from Orange or La Poste hosts, about their domains, or with their codes."""
    return RECOGNISER.recognises(evidence)


def reason(evidence: Evidence) -> Reason | None:
    """The reason Orange's or La Poste's wording names."""
    return first_reason(_RULES, evidence.text)
