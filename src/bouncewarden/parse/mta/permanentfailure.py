"""An unidentified MTA that writes "This is an automatically generated Delivery Status
Notification" with bulleted recipients and a "Technical details" section.

From "Mail Delivery System <Mail.Delivery.System@...>", Subject "Delivery status
notification"; newer versions add a delivery-status part (read by the standard path):

          This is an automatically generated Delivery Status Notification.

    Delivery to the following recipients failed permanently:

       * user@example.com

                             Technical details:

    SMTP:RCPT host 192.0.2.8: 553 5.3.0 <user@example.com>... No such user here

"Delivery" is misspelt "Delevery" by some versions. The technical details give the SMTP
command, the remote host and its reply, one line per failure.
"""

from __future__ import annotations

import re

from bouncewarden.parse.message import BounceMessage
from bouncewarden.parse.mta._common import fold, head, make_finding
from bouncewarden.parse.report import RecipientFinding

__all__ = ["NAME", "detect", "parse"]

NAME = "permanentfailure"

_SIGNATURE = "This is an automatically generated Delivery Status Notification"
_LIST = re.compile(
    r"^De(?:li|le)very to the following recipients (failed permanently|has been delayed):\s*$"
    r"(?P<recipients>.*?)(?=^\s*Technical details:|\Z)(?P<details>.*)",
    re.MULTILINE | re.DOTALL,
)
_BULLET = re.compile(r"^\s*\* (\S+@\S+)\s*$", re.MULTILINE)
# "SMTP:RCPT host 192.0.2.8: 553 ...": protocol, the command answered, the host, its reply.
_DETAIL = re.compile(r"^\S+:(\S+) host ([^\s:]+): (.*)$", re.MULTILINE)


def detect(message: BounceMessage) -> bool:
    """The DSN sentence opening the text."""
    return _SIGNATURE in head(message, 300)


def parse(message: BounceMessage) -> list[RecipientFinding] | None:
    """One finding per bulleted recipient, with the technical detail that names it."""
    listed = _LIST.search(message.text)
    if listed is None:
        return None
    action = "failed" if listed.group(1) == "failed permanently" else "delayed"
    details = [d.groups() for d in _DETAIL.finditer(listed.group("details"))]
    findings = []
    for bullet in _BULLET.finditer(listed.group("recipients")):
        address = bullet.group(1)
        command, host, reply = next(
            (d for d in details if address.lower() in d[2].lower()),
            details[0] if details else (None, None, ""),
        )
        findings.append(make_finding(address, fold(reply), action=action, remote_mta=host, command=command))
    return findings or None
