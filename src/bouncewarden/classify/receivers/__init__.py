"""Receiving providers whose own wording we decode, one module per provider.

Big mailbox providers answer in their own vocabulary: private codes (Cox's `AUP#CXBL`, Orange's
`OFR_506`, GoDaddy's `IB212`), links to their error pages, and sentences that mean something
precise at that provider only (KDDI's "550 : User unknown" is a filter, not a missing user).
Each module offers `NAME`, `RECOGNISER` (its host, domain and telltale patterns),
`recognises(evidence)` (remote host, recipient domain or telltale text) and `reason(evidence)`,
the reason its table finds or None. `RECEIVERS` lists them in the order they are asked; the
first module that recognises the evidence and finds a reason wins, and the general patterns of
`classify.reasons` apply when none does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from bouncewarden.classify.receivers import (
    amazonses,
    aol,
    apple,
    att,
    barracuda,
    comcast,
    cox,
    franceptt,
    godaddy,
    google,
    kddi,
    mailru,
    messagelabs,
    microsoft,
    mimecast,
    netease,
    nttdocomo,
    proofpoint,
    sophos,
    spectrum,
    telekom,
    tencent,
    trendmicro,
    unitedinternet,
    yahoo,
    yandex,
    zoho,
)
from bouncewarden.classify.receivers._rules import Evidence, Recogniser
from bouncewarden.events import Reason
from bouncewarden.textscan.screen import ScreenedPattern, ScreenedTable

__all__ = ["RECEIVERS", "Evidence", "Receiver", "reason_from_receivers"]


class Receiver(Protocol):
    """The contract of a receiving-provider module."""

    NAME: str
    RECOGNISER: Recogniser

    def recognises(self, evidence: Evidence) -> bool:
        """Whether the reply came from (or is about) this provider."""
        ...

    def reason(self, evidence: Evidence) -> Reason | None:
        """The reason the provider's wording names, or None."""
        ...


# Providers with private codes first, so that their codes decide before wider wording.
RECEIVERS: tuple[Receiver, ...] = (
    kddi,
    nttdocomo,
    cox,
    godaddy,
    franceptt,
    tencent,
    netease,
    comcast,
    att,
    telekom,
    sophos,
    spectrum,
    messagelabs,
    mimecast,
    amazonses,
    microsoft,
    google,
    yahoo,
    aol,
    apple,
    yandex,
    mailru,
    unitedinternet,
    zoho,
    proofpoint,
    barracuda,
    trendmicro,
)


# Every provider's host, domain and telltale patterns in three screened tables (numbered by
# place in `RECEIVERS`): one scan of each piece of evidence finds the providers that recognise
# it, where asking each provider in turn cost three screens per provider and finding.
def _table(part: Callable[[Recogniser], ScreenedPattern | None]) -> ScreenedTable[int]:
    rows = ((number, part(receiver.RECOGNISER)) for number, receiver in enumerate(RECEIVERS))
    return ScreenedTable((number, [screened.regex]) for number, screened in rows if screened is not None)


_BY_HOST = _table(lambda recogniser: recogniser.hosts)
_BY_DOMAIN = _table(lambda recogniser: recogniser.domains)
_BY_TELLTALE = _table(lambda recogniser: recogniser.telltale)


def _recognising(evidence: Evidence) -> list[int]:
    """The numbers of the providers that recognise the evidence (as their `recognises`), in order."""
    found = _BY_TELLTALE.found(evidence.text, evidence.folded)
    if evidence.host:
        found |= _BY_HOST.found(evidence.host)
    if evidence.domain:
        found |= _BY_DOMAIN.found(evidence.domain)
    return sorted(found)


def reason_from_receivers(evidence: Evidence) -> tuple[str, Reason] | None:
    """(provider name, reason) from the first provider that recognises and decodes the reply."""
    for number in _recognising(evidence):
        receiver = RECEIVERS[number]
        reason = receiver.reason(evidence)
        if reason is not None:
            return receiver.NAME, reason
    return None
