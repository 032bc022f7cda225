"""MailMarshal SMTP (Marshal, later Trustwave SEG): its "Undeliverable Mail" notice.

    Your message:
       From:    sender@example.org
       Subject: Report

    Could not be delivered because of

    550 5.1.1 User unknown

    The following recipients were affected:
        user@example.com

    Additional Information
    ======================
    Original Sender:    <sender@example.org>
    Remote-MTA:         <192.0.2.25>

One reason for all the listed recipients; the remote host is the Remote-MTA field.
"""

from __future__ import annotations

import re

from bouncewarden.parse.message import BounceMessage
from bouncewarden.parse.mta._common import ADDRESS, fold, head, make_finding
from bouncewarden.parse.report import RecipientFinding

__all__ = ["NAME", "detect", "parse"]

NAME = "mailmarshal"

_SECTIONS = re.compile(
    r"^Could not be delivered because of\s*$(?P<reason>.*?)"
    r"^The following recipients were affected:\s*$(?P<recipients>.*?)(?=^\S|\Z)",
    re.MULTILINE | re.DOTALL,
)
_REMOTE = re.compile(r"^Remote-MTA:\s*<([^<>]+)>", re.MULTILINE)


def detect(message: BounceMessage) -> bool:
    """MailMarshal's "Could not be delivered because of" near the top."""
    return "Could not be delivered because of" in head(message, 600)


def parse(message: BounceMessage) -> list[RecipientFinding] | None:
    """One finding per affected recipient, all with the one reason."""
    sections = _SECTIONS.search(message.text)
    if sections is None:
        return None
    remote = _REMOTE.search(message.text)
    diagnostic = fold(sections.group("reason"))
    findings = [
        make_finding(a.group(0), diagnostic, remote_mta=remote.group(1) if remote else None)
        for a in ADDRESS.finditer(sections.group("recipients"))
    ]
    return findings or None
