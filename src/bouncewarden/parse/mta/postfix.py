"""Postfix: the human-readable part of its bounce, delay and delivery reports.

Postfix adds an RFC 3464 part, which the standard path reads; this module reads the text
when that part is missing (forwarded bounces, relays that strip it) or inlined as text:

    This is the mail system at host mail.example.org.

    I'm sorry to have to inform you that your message could not
    be delivered to one or more recipients. ...

                       The mail system

    <user@example.com>: host mx.example.com[192.0.2.25] said: 550 5.1.1
        <user@example.com>: Recipient address rejected: User unknown (in reply to
        RCPT TO command)

One block per recipient: "<address>:" (or "<address> (expanded from <alias>):") then the
reason, continued on lines indented four spaces. Postfix 2.2 and older say "This is the
Postfix program at host ...". Delay warnings announce "THIS IS A WARNING ONLY". When
Postfix cannot produce the report it writes "--- Delivery report unavailable ---": the
recipients are then those of the returned message's To header. Some relays inline the
delivery-status fields as text; their Status is used.
"""

from __future__ import annotations

import re

from bouncewarden.parse.message import BounceMessage
from bouncewarden.parse.mta._common import (
    ADDRESS,
    add_status_part,
    field_value,
    head,
    inline_fields,
    join_reply,
    make_finding,
    original_header,
)
from bouncewarden.parse.report import RecipientFinding
from bouncewarden.textscan.screen import ScreenedPattern

__all__ = ["NAME", "detect", "parse"]

NAME = "postfix"

_SIGNATURE = ScreenedPattern.compile(r"^This is the (?:mail system|Postfix program) at host ", re.MULTILINE)
_START = re.compile(
    r"^ ?<(?P<address>[^<>\s]+)>(?: \(expanded from <(?P<alias>[^<>\s]+)>\))?: ?(?P<rest>.*)$"
)
_REMOTE = re.compile(r"host (\S+?)\[[^\]]*\] said:")
_WARNING = re.compile(r"THIS IS A WARNING ONLY")
_UNAVAILABLE = re.compile(r"^\s*--- Delivery report unavailable ---", re.MULTILINE)


def detect(message: BounceMessage) -> bool:
    """Postfix's "This is the mail system at host" opening."""
    return _SIGNATURE.search(head(message, 400)) is not None


def _blocks(lines: list[str]) -> list[tuple[str, list[str]]]:
    blocks: list[tuple[str, list[str]]] = []
    for line in lines:
        opened = _START.match(line)
        if opened:
            blocks.append((opened.group("address"), [opened.group("rest")]))
        elif blocks and line[:1] in (" ", "\t") and line.strip():
            blocks[-1][1].append(line)
        elif blocks and line.strip():
            blocks.append(("", []))
    return [block for block in blocks if block[0]]


def parse(message: BounceMessage) -> list[RecipientFinding] | None:
    """One finding per "<address>: reason" block."""
    action = "delayed" if _WARNING.search(message.text[:2000]) else "failed"
    statuses = {
        (field_value(fields, "final-recipient") or "").lower(): fields.get("status")
        for fields in inline_fields(message.text)
    }
    findings = []
    for address, lines in _blocks(message.text.splitlines()):
        diagnostic = join_reply(lines)
        remote = _REMOTE.search(diagnostic)
        finding = make_finding(
            address, diagnostic, action=action, remote_mta=remote.group(1) if remote else None
        )
        finding.status = finding.status or statuses.get(address.lower())
        findings.append(finding)
    if not findings and _UNAVAILABLE.search(message.text):
        recipients = ADDRESS.finditer(original_header(message, "To"))
        findings = [make_finding(a.group(0), "Delivery report unavailable") for a in recipients]
    return add_status_part(message, findings) or None
