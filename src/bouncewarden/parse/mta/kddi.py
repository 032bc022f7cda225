"""KDDI's mail systems (au: ezweb.ne.jp; au one net: dion.ne.jp): their "Returned Mail".

The EZweb gateway (From Postmaster@ezweb.ne.jp, Subject "Mail System Error - Returned
Mail") writes a Japanese paragraph, then one English explanation and the addresses in
angle brackets, in one of these shapes:

    Each of the following recipients was rejected by a remote mail server.
        Recipient: <user@ezweb.ne.jp>
        >>> RCPT TO:<user@ezweb.ne.jp>
        <<< 550 <user@ezweb.ne.jp>: User unknown

    The user(s) account is disabled.
    <user@ezweb.ne.jp>

    Your message was not delivered within 0 days and 1 hours.
    Remote host is not responding.
    The following recipients did not receive this message:
    <user@ezweb.ne.jp>

Some gateways print the address above the explanation. au one net writes
"Your mail sent on: DATE / Could not be delivered to: <address> / As their mailbox is full.".
The ">>> RCPT TO:" line names the command the reply answered. A notice refused by au's
reception filter carries the header "X-SPASIGN: NG" (au's filter verdict): `filtered`.
"""

from __future__ import annotations

import re

from bouncewarden.events import Reason
from bouncewarden.parse.message import BounceMessage
from bouncewarden.parse.mta._common import cut_at, fold, make_finding
from bouncewarden.parse.report import RecipientFinding
from bouncewarden.textscan.screen import ScreenedPattern

__all__ = ["NAME", "detect", "parse"]

NAME = "kddi"

_SIGNATURE = ScreenedPattern.compile(
    r"^Each of the following recipients was rejected|^The user\(s\) account is disabled"
    r"|^Your message was not delivered within|^The following recipients did not receive"
    r"|Could not be delivered to: <",
    re.MULTILINE,
)
_ORIGINAL = re.compile(r"^(?:-{20,}\s*$|From: |Return-Path: )", re.MULTILINE)
_ANGLED = re.compile(r"<([^<>\s]+@[^<>\s]+)>")
_REPLY = re.compile(r"^\s*<<< (.+)$", re.MULTILINE)
_SENT = re.compile(r"^\s*>>> ([A-Za-z]{4})\b", re.MULTILINE)
_ENGLISH = re.compile(r"^[ -~]*[A-Za-z]{3}[ -~]*$")
HINTS = (
    (re.compile(r"account is disabled"), Reason.SUSPEND),
    (re.compile(r"As their mailbox is full"), Reason.MAILBOXFULL),
    (re.compile(r"was not delivered within \d+ days and \d+ hours"), Reason.EXPIRED),
)


def detect(message: BounceMessage) -> bool:
    """A KDDI gateway as sender, with one of its English explanations."""
    sender = message.sender.lower()
    return ("ezweb.ne.jp" in sender or "dion.ne.jp" in sender or "au.com" in sender) and (
        _SIGNATURE.search(message.text[:2000]) is not None
    )


def parse(message: BounceMessage) -> list[RecipientFinding] | None:
    """Each address in angle brackets, with the remote reply or the English explanation."""
    text = cut_at(message.text, _ORIGINAL)
    replies = _REPLY.findall(text)
    explanation = " ".join(
        line.strip()
        for line in text.splitlines()
        if _ENGLISH.match(line) and not _ANGLED.search(line) and not line.lstrip().startswith(">>>")
    )
    diagnostic = fold(" ".join(replies) or explanation)
    hint = next((why for pattern, why in HINTS if pattern.search(explanation)), None)
    if hint is None and message.header("X-SPASIGN").strip().upper() == "NG":
        hint = Reason.FILTERED
    sent = _SENT.findall(text)
    command = sent[-1].upper() if sent and replies else None
    addresses = dict.fromkeys(_ANGLED.findall(text))
    findings = [make_finding(address, diagnostic, reason_hint=hint, command=command) for address in addresses]
    return findings or None
