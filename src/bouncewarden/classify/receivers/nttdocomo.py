"""NTT docomo mobile mail (docomo.ne.jp; MX mfsmax.docomo.ne.jp).

docomo answers "550 Unknown user <address>" both for an address that does not exist and for
a message the recipient's reception settings refuse (designated-domain or designated-address
reception, the usual case for bulk senders). When the refusal came after DATA the recipient had
been accepted, so the recipient refused the sender (rejected); without that knowledge the
refusal is taken for a filter rather than a missing mailbox.
"""

from __future__ import annotations

import re

from bouncewarden.classify.receivers._rules import Evidence, Recogniser
from bouncewarden.events import Reason

__all__ = ["NAME", "RECOGNISER", "reason", "recognises"]

NAME = "nttdocomo"

_HOSTS = re.compile(r"(?:^|\.)docomo\.ne\.jp\.?$")
_DOMAINS = re.compile(r"^(?:docomo\.ne\.jp|mopera\.net|[\w-]+\.docomo\.ne\.jp)$")
_UNKNOWN = re.compile(r"unknown user|user unknown", re.IGNORECASE)


RECOGNISER = Recogniser(hosts=_HOSTS, domains=_DOMAINS)


def recognises(evidence: Evidence) -> bool:
    """Replies from docomo's hosts or about docomo addresses."""
    return RECOGNISER.recognises(evidence)


def reason(evidence: Evidence) -> Reason | None:
    """Rejected after DATA, filtered otherwise, for docomo's "Unknown user"."""
    if not _UNKNOWN.search(evidence.text):
        return None
    return Reason.REJECTED if evidence.command == "DATA" else Reason.FILTERED
