"""Oracle Communications (Sun Java System, Sun ONE, iPlanet) Messaging Server.

Subject "Delivery Notification: Delivery has failed" (or "... has been delayed"). Its
delivery-status part is standard, but the text also gives, per recipient, the address
the sender used when the server rewrote it (a source route or an internal form):

    Your message cannot be delivered to the following recipients:

      Recipient address: @smtp.example.net:user@server
      Original address: user@example.com
      Reason: LMTP transmission failure has occurred
      Diagnostic code: smtp;522 5.2.0 Delivery failed: Over quota
      Remote system: dns;mx.example.com (TCP|192.0.2.1|48044|192.0.2.25|25) (mx ESMTP)

The Reason line is the server's own summary; the Diagnostic code is the remote reply.
"""

from __future__ import annotations

import re

from bouncewarden.parse.message import BounceMessage
from bouncewarden.parse.mta._common import ADDRESS, add_status_part, fold, head, make_finding
from bouncewarden.parse.report import RecipientFinding
from bouncewarden.textscan.screen import ScreenedPattern

__all__ = ["NAME", "detect", "parse"]

NAME = "messagingserver"

_SIGNATURE = ScreenedPattern.compile(
    r"^Your message cannot be delivered to the following recipients:|"
    r"^Your message has been delayed",
    re.MULTILINE,
)
_FIELD = re.compile(r"^\s+(Recipient address|Original address|Reason|Diagnostic code|Remote system):\s*(.*)$")


def detect(message: BounceMessage) -> bool:
    """The server's report sentence near the top."""
    return message.text.startswith("This report relates to a message") or (
        _SIGNATURE.search(head(message, 800)) is not None
    )


def _finding(fields: dict[str, str], action: str) -> RecipientFinding | None:
    recipient = fields.get("Recipient address", "")
    original = fields.get("Original address", "")
    address = original if ADDRESS.fullmatch(original) else recipient
    if not ADDRESS.search(address):
        return None
    code = fields.get("Diagnostic code", "").partition(";")
    diagnostic = code[2] if code[1] else fields.get("Reason", "")
    remote = fields.get("Remote system", "").partition(";")[2].split(" ")[0] or None
    return make_finding(address, fold(diagnostic), action=action, remote_mta=remote)


def parse(message: BounceMessage) -> list[RecipientFinding] | None:
    """One finding per "Recipient address:" group."""
    action = "delayed" if "has been delayed" in message.subject else "failed"
    groups: list[dict[str, str]] = []
    for line in message.text.splitlines():
        field = _FIELD.match(line)
        if field and field.group(1) == "Recipient address":
            groups.append({})
        if field and groups:
            groups[-1][field.group(1)] = field.group(2).strip()
    findings = [f for fields in groups if (f := _finding(fields, action)) is not None]
    return add_status_part(message, findings) or None
