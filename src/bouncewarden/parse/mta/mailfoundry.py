"""MailFoundry (an e-mail security gateway): its "Message delivery has failed" notice.

    Unable to deliver message to: <user@example.com>
    Delivery failed for the following reason:
    Server mx.example.com[192.0.2.25] failed with: 550 <user@example.com> No such user here

    This has been a permanent failure.  No further delivery attempts will be made.

One recipient per notice; the remote reply follows "failed with:" or "responded with
failure:".
"""

from __future__ import annotations

import re

from bouncewarden.parse.message import BounceMessage
from bouncewarden.parse.mta._common import fold, head, make_finding
from bouncewarden.parse.report import RecipientFinding

__all__ = ["NAME", "detect", "parse"]

NAME = "mailfoundry"

_NOTICE = re.compile(
    r"^Unable to deliver message to: <([^<>\s]+)>\s*\n(?:\s*\n)*"
    r"Delivery failed for the following reason:\s*\n(.*?)(?:^This has been a permanent failure|\Z)",
    re.MULTILINE | re.DOTALL,
)
_REMOTE = re.compile(r"^(?:Server )?([\w.-]+)\[[^\]]*\] (?:failed with|responded with failure):")


def detect(message: BounceMessage) -> bool:
    """MailFoundry's two opening lines."""
    text = head(message, 400)
    return "Unable to deliver message to: <" in text and "Delivery failed for the following reason" in text


def parse(message: BounceMessage) -> list[RecipientFinding] | None:
    """The recipient and the reason under it."""
    findings = []
    for notice in _NOTICE.finditer(message.text):
        diagnostic = fold(notice.group(2))
        remote = _REMOTE.search(diagnostic)
        findings.append(
            make_finding(notice.group(1), diagnostic, remote_mta=remote.group(1) if remote else None)
        )
    return findings or None
