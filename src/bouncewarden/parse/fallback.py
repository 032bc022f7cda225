"""The last resort for plain-text bounces no standard path or MTA module could read.

Used only when the message looks like a bounce (a mailer-daemon or postmaster sender, an
empty Return-Path, or a subject such as "Undelivered Mail Returned to Sender", in English
or the other languages NDRs are written in). In order:

1. RFC 3464 fields pasted into the text ("Final-Recipient: rfc822; ...").
2. Addresses in the text before the returned message, on lines that also carry an error
   (an SMTP reply code, an RFC 3463 status or failure wording, see `failure_words`); the
   line and the lines after it up to a blank line are the diagnostic. In an SMTP session
   transcript, where the recipient's line got a 2xx reply, the first later 4xx/5xx reply is
   the diagnostic. An address alone on its line ("  user@example.com", "<user@...>",
   "user@example.com on 02/11/2026") may take its error from the heading just above it
   ("Delivery to the following recipients failed.").
3. The addresses of an `X-Failed-Recipients` header (Exim and others add it), or of the
   Subject ("Mail delivery failed: user@example.com").
4. The recipient encoded in a VERP bounce address (see `verp`).
5. The To and Cc of the returned message, unless it went to a mailing list (whose To is the
   list): all of them, or those whose local part the text names ("jonas... User unknown").
6. The recipient a Received field of the returned message names ("by mx.example.com ... for
   <user@example.com>"), which is how a list message says whom it was on its way to: the
   one such address, or those whose local part the text names.

A recipient found in 3-6 takes its cause from the text (`ndr_text.text_cause`), or, for a
report whose delivery-status part named no readable recipient ("Final-Recipient: rfc822;
unknown"), from that part's Status and Diagnostic-Code.

Never reported (`own_addresses`): the bounce's own sender and recipient, postmaster and
MAILER-DAEMON, the original's From and envelope sender, a list's own addresses, SRS and
BATV sender forms, the envelope sender a session transcript shows (MAIL FROM), and an
address the help text offers ("report problems to help@example.net").
Header lines of a returned message pasted without a marker line end the text searched.
"""

from __future__ import annotations

import re

from bouncewarden.parse.addresses import ADDRESS_PATTERN, addresses_in, strip_noise
from bouncewarden.parse.dsn import findings_from_status, reply_and_status
from bouncewarden.parse.failure_words import looks_like_ndr
from bouncewarden.parse.message import BounceMessage
from bouncewarden.parse.ndr_text import failure_at, memo_for, text_cause
from bouncewarden.parse.original import OriginalHeaders, split_original
from bouncewarden.parse.own_addresses import OwnAddresses, own_addresses
from bouncewarden.parse.report import RecipientFinding
from bouncewarden.parse.verp import decode_verp

__all__ = ["looks_like_bounce", "parse_fallback"]

# A sender named on the line: an SMTP transcript's "MAIL FROM:<...>" (or a wrapped "FROM:<...>"),
# MDaemon's "*  From: ...", "your message from news@example.org". Not an alias's "expanded from"
# or "generated from", which name the recipient as it was addressed.
_MAIL_FROM = re.compile(
    r"(?<!expanded )(?<!generated )\bfrom:?[ \t]*<?(" + ADDRESS_PATTERN.pattern + ")", re.IGNORECASE
)
# A header line of the returned message that names its sender side or identifies it; in an
# indented summary ("  To: user@example.com") only a recipient header is left in.
_SENDER_FIELD = re.compile(
    r"^[\s>]*(?:from|sender|reply-to|return-path|message-id|references|in-reply-to|errors-to|list-[\w-]+"
    r"|envelope-from|x-[\w-]+|received|dkim-signature|resent-from|mail from)\s*:",
    re.IGNORECASE,
)
# The first header field of a returned message pasted without a marker line.
_PASTED_HEADER = re.compile(
    r"^(?:Received|Return-Path|DKIM-Signature|Message-ID|X-[\w-]+|From|Date): ", re.IGNORECASE
)
# A line of the returned message quoted as in a reply ("> To: ..."); not a session
# transcript's ">>> RCPT To:<...>".
_QUOTED = re.compile(r"^[ \t]*>(?!>)")
# Help text naming an address to write to: "contact", "report problems to", "please reply to".
_CONTACT = re.compile(
    r"(?:contact(?:ing)?|report(?: \w+){0,3} to|write to|reply to|helpdesk"
    r"|(?:for|any) (?:help|assistance|questions)"
    r"|send (?:an? )?(?:e-?mail|mail|message|note) to|forward(?: \w+){0,3} to|kontaktieren|wenden sie sich"
    r"|contactez|contacte)\b[^@\n]*$",
    re.IGNORECASE,
)
_LIST_VERP_HEADERS = ("To", "X-Original-To", "Delivered-To", "Envelope-To")
_ACTION_FIELD = re.compile(r"^Action:[ \t]*(failed|delayed)\b", re.IGNORECASE | re.MULTILINE)
_STATUS_FIELD = re.compile(r"^Status:[ \t]*([245]\.\d{1,3}\.\d{1,3})", re.IGNORECASE | re.MULTILINE)
_DIAGNOSTIC_FIELD = re.compile(
    r"^Diagnostic-Code:[ \t]*[^;\n]*;[ \t]*(.+(?:\n[ \t]+.+)*)", re.IGNORECASE | re.MULTILINE
)
_RECEIVED_FOR = re.compile(r"\bfor\s+<?(" + ADDRESS_PATTERN.pattern + ")", re.IGNORECASE)


def looks_like_bounce(message: BounceMessage) -> bool:
    """Whether headers say this is a non-delivery report of some kind."""
    if looks_like_ndr(message):
        return True
    if message.header("Return-Path").strip() not in ("<>", ""):
        return False
    return bool(message.original) or split_original(message.text)[1] is not None


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


def _is_contact(line: str, address: str) -> bool:
    """Whether the line offers the address for help ("report problems to help@example.com")."""
    before = line[: max(line.find(address), 0)][-80:]
    return _CONTACT.search(before) is not None


def _addresses_in_text(lines: list[str], own: OwnAddresses) -> list[RecipientFinding]:
    findings: dict[str, RecipientFinding] = {}
    memo = memo_for(lines)
    for index, line in enumerate(lines):
        if "@" not in line or _SENDER_FIELD.match(line) or _QUOTED.match(line):
            continue
        senders = {strip_noise(found.group(1)).lower() for found in _MAIL_FROM.finditer(line)}
        for address in addresses_in(line):
            key = address.lower()
            if key in findings or key in senders or address in own or _is_contact(line, address):
                continue
            finding = failure_at(lines, index, memo)
            if finding is not None:
                finding.address = address
                findings[key] = finding
    return list(findings.values())


def _naming_line(lines: list[str], address: str) -> int | None:
    """The first line naming the address's local part as a word of its own ("jonas... unknown")."""
    local = re.compile(r"(?<![\w.@+=-])" + re.escape(address.rpartition("@")[0]) + r"(?![\w@+=-]|\.\w)", re.I)
    return next((index for index, line in enumerate(lines) if local.search(line)), None)


def _status_part_cause(message: BounceMessage) -> RecipientFinding | None:
    """The Status and Diagnostic-Code of a delivery-status part whose recipient was unreadable."""
    fields = message.delivery_status or ""
    status = _STATUS_FIELD.search(fields)
    diagnostic = _DIAGNOSTIC_FIELD.search(fields)
    if status is None and diagnostic is None:
        return None
    text = diagnostic.group(1).strip() if diagnostic else None
    reply, stated = reply_and_status(text)
    action = _ACTION_FIELD.search(fields)
    return RecipientFinding(
        address="",
        action=action.group(1).lower() if action else "failed",
        status=status.group(1) if status else stated,
        reply_code=reply,
        diagnostic=text,
    )


def _failures(lines: list[str], recipients: list[str], narrow: bool) -> list[RecipientFinding]:
    """A finding per recipient, its cause read from the text. With `narrow`, only the recipients
    whose local part the text names; when it names none, a lone recipient still, else nobody."""
    named = {address: _naming_line(lines, address) for address in recipients}
    if narrow:
        recipients = [a for a in recipients if named[a] is not None] or (
            recipients if len(recipients) == 1 else []
        )
    findings = []
    for address in recipients:
        finding = text_cause(lines, named[address])
        finding.address = address
        findings.append(finding)
    return findings


def _from_original(lines: list[str], original: OriginalHeaders, own: OwnAddresses) -> list[RecipientFinding]:
    if own.is_list_message:
        return []  # the To of a list message is the list: its subscriber is not in it
    recipients = [a for a in original.recipients if a not in own]
    if len(recipients) > 1 and any(_naming_line(lines, a) is not None for a in recipients):
        return _failures(lines, recipients, narrow=True)
    return _failures(lines, recipients, narrow=False)


def _from_headers(lines: list[str], message: BounceMessage, own: OwnAddresses) -> list[RecipientFinding]:
    for values in (message.headers("X-Failed-Recipients"), [message.subject]):
        named = [a for a in dict.fromkeys(a for v in values for a in addresses_in(v)) if a not in own]
        if named:
            return _failures(lines, named, narrow=False)
    return []


def _from_received(lines: list[str], original: OriginalHeaders, own: OwnAddresses) -> list[RecipientFinding]:
    named = dict.fromkeys(
        address
        for name, value in original.headers
        if name == "received"
        for found in _RECEIVED_FOR.finditer(value)
        if (address := strip_noise(found.group(1))) not in own
    )
    return _failures(lines, list(named), narrow=True)


def _from_verp(lines: list[str], message: BounceMessage, original: OriginalHeaders) -> list[RecipientFinding]:
    """The recipient a VERP bounce address names: the bounce's own, else the original's Return-Path
    (a bounce sent to the author instead of the envelope sender)."""
    values = [v for name in _LIST_VERP_HEADERS for v in message.headers(name)]
    for value in [*values, original.return_path or ""]:
        for address in addresses_in(value):
            decoded = decode_verp(address)
            if decoded is not None:
                return _failures(lines, [decoded.recipient], narrow=False)
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
    in_text = _addresses_in_text(lines, own)
    if in_text:
        return in_text
    found = (
        _from_headers(lines, message, own)
        or _from_verp(lines, message, original)
        or _from_original(lines, original, own)
        or _from_received(lines, original, own)
    )
    cause = _status_part_cause(message) if len(found) == 1 else None
    if cause is not None:  # a delivery-status part with an unreadable recipient still says why
        cause.address = found[0].address
        return [cause]
    return found
