"""Receiving providers whose own wording we decode, one module per provider.

Big mailbox providers answer in their own vocabulary: private codes (Cox's `AUP#CXBL`, Orange's
`OFR_506`, GoDaddy's `IB212`), links to their error pages, and sentences that mean something
precise at that provider only (KDDI's "550 : User unknown" is a filter, not a missing user).
Each module offers `NAME`, `recognises(evidence)` (remote host, recipient domain or telltale
text) and `reason(evidence)`, the reason its table finds or None. `RECEIVERS` lists them in the
order they are asked; the first module that recognises the evidence and finds a reason wins,
and the general patterns of `classify.reasons` apply when none does.
"""

from __future__ import annotations

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
from bouncewarden.classify.receivers._rules import Evidence
from bouncewarden.events import Reason

__all__ = ["RECEIVERS", "Evidence", "Receiver", "reason_from_receivers"]


class Receiver(Protocol):
    """The contract of a receiving-provider module."""

    NAME: str

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


def reason_from_receivers(evidence: Evidence) -> tuple[str, Reason] | None:
    """(provider name, reason) from the first provider that recognises and decodes the reply."""
    for receiver in RECEIVERS:
        if receiver.recognises(evidence):
            reason = receiver.reason(evidence)
            if reason is not None:
                return receiver.NAME, reason
    return None
