"""The last resort for plain-text bounces no standard path or MTA module could read.

Used only when the message looks like a bounce (a mailer-daemon or postmaster sender, an
empty Return-Path, or a subject such as "Undelivered Mail Returned to Sender", in English
or the other languages NDRs are written in). In order:

1. RFC 3464 fields pasted into the text ("Final-Recipient: rfc822; ...").
2. Addresses in the text before the returned message, on lines that also carry an error
   (an SMTP reply code, an RFC 3463 status or failure wording, see `failure_words`); the
   line and the lines after it up to a blank line are the diagnostic. In an SMTP session
   transcript, where the recipient's line got a 2xx reply, the first later 4xx/5xx reply is
   the diagnostic.
3. The recipient encoded in a VERP bounce address (see `verp`).
4. The To and Cc of the returned message, unless it went to a mailing list (whose To is the
   list): all of them, or those whose local part the text names ("jonas... User unknown").

Never reported (`own_addresses`): the bounce's own sender and recipient, postmaster and
MAILER-DAEMON, the original's From and envelope sender, a list's own addresses, SRS and
BATV sender forms, and the envelope sender a session transcript shows (MAIL FROM).
Header lines of a returned message pasted without a marker line end the text searched.
"""

from __future__ import annotations

import re

from bouncewarden.parse.addresses import addresses_in
from bouncewarden.parse.dsn import findings_from_status, reply_and_status
from bouncewarden.parse.failure_words import FAILURE_WORDS, NDR_SUBJECT
from bouncewarden.parse.message import BounceMessage
from bouncewarden.parse.original import OriginalHeaders, split_original
from bouncewarden.parse.own_addresses import OwnAddresses, own_addresses
from bouncewarden.parse.report import RecipientFinding
from bouncewarden.parse.verp import decode_verp

__all__ = ["looks_like_bounce", "parse_fallback"]

_DAEMON = re.compile(
    r"mailer[-_ ]?daemon|postmaster|mail delivery|mail ?administrator|mailadmin|system administrator"
    r"|mail ?system|postm[äa]st|postmeister|mail[-_ ]?(?:server|gateway|router)",
    re.I,
)
_REFUSAL = re.compile(r"(?<![\w.])[45]\d\d[ -](?:[45]\.\d{1,3}\.\d{1,3}\b)?")
# The envelope sender as an SMTP transcript shows it ("MAIL FROM:<...>" or a wrapped "FROM:<...>").
_MAIL_FROM = re.compile(r"\bFROM:\s*<([^<>\s]+)>", re.IGNORECASE)
# A header line of the returned message that names its sender side or identifies it; in an
# indented summary ("  To: user@example.com") only a recipient header is left in.
_SENDER_FIELD = re.compile(
    r"^\s*(?:from|sender|reply-to|return-path|message-id|references|in-reply-to|errors-to|list-[\w-]+"
    r"|envelope-from|x-[\w-]+|received|dkim-signature|resent-from|mail from)\s*:",
    re.IGNORECASE,
)
# The first header field of a returned message pasted without a marker line.
_PASTED_HEADER = re.compile(r"^(?:Received|Return-Path|DKIM-Signature|Message-ID|X-[\w-]+): ", re.IGNORECASE)
_LIST_VERP_HEADERS = ("To", "X-Original-To", "Delivered-To", "Envelope-To")


def looks_like_bounce(message: BounceMessage) -> bool:
    """Whether headers say this is a non-delivery report of some kind."""
    if _DAEMON.search(message.sender) or NDR_SUBJECT.search(message.subject):
        return True
    return message.header("Return-Path").strip() in ("<>", "") and bool(message.original)


def _paragraph_after(lines: list[str], index: int) -> str:
    block = [lines[index]]
    for line in lines[index + 1 : index + 6]:
        if not line.strip():
            break
        block.append(line)
    return " ".join(" ".join(block).split())


def _later_refusal(lines: list[str], index: int) -> str | None:
    """The first line after index that carries a 4xx/5xx SMTP reply, if any."""
    return next((" ".join(line.split()) for line in lines[index + 1 :] if _REFUSAL.search(line)), None)


def _text_lines(message: BounceMessage) -> list[str]:
    """The lines of the bounce's own text: up to the returned message, marked or not."""
    before, _ = split_original(message.text)
    lines = before.split("\n")
    for index in range(1, len(lines) - 1):
        if _PASTED_HEADER.match(lines[index]) and not lines[index - 1].strip():
            following = lines[index + 1]
            if following[:1] in (" ", "\t") or re.match(r"^[\w-]+: ", following):
                return lines[:index]
    return lines


def _finding(lines: list[str], index: int) -> RecipientFinding | None:
    diagnostic = _paragraph_after(lines, index)
    reply, status = reply_and_status(diagnostic)
    if reply is not None and reply.startswith("2"):
        # An SMTP transcript: the recipient was accepted, a later reply refused the mail.
        diagnostic = _later_refusal(lines, index) or diagnostic
        reply, status = reply_and_status(diagnostic)
    if not FAILURE_WORDS.search(diagnostic):
        return None
    return RecipientFinding(
        address="", action="failed", status=status, reply_code=reply, diagnostic=diagnostic
    )


def _addresses_in_text(lines: list[str], own: OwnAddresses) -> list[RecipientFinding]:
    findings: dict[str, RecipientFinding] = {}
    for index, line in enumerate(lines):
        if "@" not in line or _SENDER_FIELD.match(line):
            continue
        senders = {found.group(1).lower() for found in _MAIL_FROM.finditer(line)}
        for address in addresses_in(line):
            key = address.lower()
            if key in findings or key in senders or address in own:
                continue
            finding = _finding(lines, index)
            if finding is not None:
                finding.address = address
                findings[key] = finding
    return list(findings.values())


def _named_locals(lines: list[str], recipients: list[str]) -> list[str]:
    """The recipients whose local part the text names as a word of its own ("jonas... unknown")."""
    text = "\n".join(lines)
    named = []
    for address in recipients:
        local = re.escape(address.rpartition("@")[0])
        if re.search(r"(?<![\w.@+=-])" + local + r"(?![\w@+=-]|\.\w)", text, re.IGNORECASE):
            named.append(address)
    return named


def _from_original(lines: list[str], original: OriginalHeaders, own: OwnAddresses) -> list[RecipientFinding]:
    if own.is_list_message:
        return []  # the To of a list message is the list: its subscriber is not in it
    recipients = [a for a in original.recipients if a not in own]
    if len(recipients) > 1:
        recipients = _named_locals(lines, recipients) or recipients
    return [RecipientFinding(address=a, action="failed") for a in recipients]


def _from_verp(message: BounceMessage) -> list[RecipientFinding]:
    for name in _LIST_VERP_HEADERS:
        for value in message.headers(name):
            for address in addresses_in(value):
                decoded = decode_verp(address)
                if decoded is not None:
                    return [RecipientFinding(address=decoded.recipient, action="failed")]
    return []


def parse_fallback(message: BounceMessage, original: OriginalHeaders) -> list[RecipientFinding]:
    """Findings read by the generic rules above, or none."""
    if "final-recipient" in message.text.lower():
        findings = findings_from_status(message.text)
        if findings:
            return findings
    if not looks_like_bounce(message):
        return []
    own = own_addresses(message, original)
    lines = _text_lines(message)
    return _addresses_in_text(lines, own) or _from_verp(message) or _from_original(lines, original, own)
