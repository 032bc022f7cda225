"""Every receiver and filter whose documented replies the scripted remote gives (documented.py)."""

from __future__ import annotations

from documented import Documented, Receiver
from receivers_filter import BARRACUDA, CISCO, MIMECAST, PROOFPOINT, SOPHOS, SYMANTEC, TREND_MICRO
from receivers_mail import COMCAST, GMAIL, ICLOUD, MICROSOFT, UNITED_INTERNET, YAHOO
from receivers_world import MAILRU, ORANGE, QQ, YANDEX, ZOHO

RECEIVERS: tuple[Receiver, ...] = (
    GMAIL,
    MICROSOFT,
    YAHOO,
    ICLOUD,
    COMCAST,
    UNITED_INTERNET,
    ORANGE,
    MAILRU,
    YANDEX,
    QQ,
    ZOHO,
    MIMECAST,
    PROOFPOINT,
    BARRACUDA,
    CISCO,
    TREND_MICRO,
    SOPHOS,
    SYMANTEC,
)

DOCUMENTED: tuple[Documented, ...] = tuple(reply for receiver in RECEIVERS for reply in receiver.replies)


def receiver_of(case: str) -> Receiver | None:
    """The receiver whose documented reply the case `case` got (None for the earlier cases)."""
    for receiver in RECEIVERS:
        if any(reply.prefix == case for reply in receiver.replies):
            return receiver
    return None
