"""The last resort for plain-text bounces no standard path or MTA module could read.

Used only when the message looks like a bounce (a mailer-daemon or postmaster sender, an
empty Return-Path, or a subject such as "Undelivered Mail Returned to Sender"). In order:

1. RFC 3464 fields pasted into the text ("Final-Recipient: rfc822; ...").
2. Addresses in the text before the returned message, on lines that also carry an error
   (an SMTP reply code, an RFC 3463 status or failure wording); the line and the lines
   after it up to a blank line are the diagnostic. In an SMTP session transcript, where
   the recipient's line got a 2xx reply, the first later 4xx/5xx reply is the diagnostic.
3. The recipient encoded in a VERP bounce address (see `verp`).
4. The To of the returned message.
"""

from __future__ import annotations

import re

from bouncewarden.parse.addresses import addresses_in, clean_address
from bouncewarden.parse.dsn import findings_from_status, reply_and_status
from bouncewarden.parse.message import BounceMessage
from bouncewarden.parse.original import OriginalHeaders, split_original
from bouncewarden.parse.report import RecipientFinding
from bouncewarden.parse.verp import verp_from_headers

__all__ = ["looks_like_bounce", "parse_fallback"]

_DAEMON = re.compile(r"mailer[-_ ]?daemon|postmaster|mail delivery|mail ?administrator|mailadmin", re.I)
_SUBJECT = re.compile(
    r"undeliver|returned mail|delivery (?:status|fail|notification|problem|report)|failure notice"
    r"|non[- ]?delivery|could not be delivered|not delivered|mail delivery failed|bounce"
    r"|rejected|delivery has failed|warning: could not send|undelivered",
    re.IGNORECASE,
)
_ERROR = re.compile(
    r"(?<![\d.])[45]\d\d(?![\d.])|(?<![\d.])[45]\.\d{1,3}\.\d{1,3}|unknown|not exist|no such|invalid"
    r"|reject|refused|denied|failed|full|quota|disabled|unavailable|not found|undeliverable"
    r"|blocked|timed? ?out|expired|did not reach|could not|couldn't|unable to|not delivered",
    re.IGNORECASE,
)
_REFUSAL = re.compile(r"(?<![\w.])[45]\d\d[ -](?:[45]\.\d{1,3}\.\d{1,3}\b)?")
# The envelope sender as an SMTP transcript shows it ("MAIL FROM:<...>" or a wrapped "FROM:<...>").
_MAIL_FROM = re.compile(r"\bFROM:\s*<([^<>\s]+)>", re.IGNORECASE)
_DAEMON_LOCAL = re.compile(r"^(?:mailer-daemon|postmaster|double-bounce|root|abuse)@", re.IGNORECASE)


def looks_like_bounce(message: BounceMessage) -> bool:
    """Whether headers say this is a non-delivery report of some kind."""
    if _DAEMON.search(message.sender) or _SUBJECT.search(message.subject):
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


def _addresses_in_text(message: BounceMessage, exclude: set[str]) -> list[RecipientFinding]:
    before, _ = split_original(message.text)
    lines = before.split("\n")
    findings: dict[str, RecipientFinding] = {}
    for index, line in enumerate(lines):
        senders = {found.group(1).lower() for found in _MAIL_FROM.finditer(line)}
        for address in addresses_in(line):
            key = address.lower()
            if key in exclude or key in findings or key in senders or _DAEMON_LOCAL.match(address):
                continue
            diagnostic = _paragraph_after(lines, index)
            reply, status = reply_and_status(diagnostic)
            if reply is not None and reply.startswith("2"):
                # An SMTP transcript: the recipient was accepted, a later reply refused the mail.
                diagnostic = _later_refusal(lines, index) or diagnostic
                reply, status = reply_and_status(diagnostic)
            if not _ERROR.search(diagnostic):
                continue
            findings[key] = RecipientFinding(
                address=address, action="failed", status=status, reply_code=reply, diagnostic=diagnostic
            )
    return list(findings.values())


def parse_fallback(message: BounceMessage, original: OriginalHeaders) -> list[RecipientFinding]:
    """Findings read by the generic rules above, or none."""
    if "final-recipient" in message.text.lower():
        findings = findings_from_status(message.text)
        if findings:
            return findings
    if not looks_like_bounce(message):
        return []
    exclude = {
        a.lower() for a in (clean_address(message.header("From")), original.sender, original.return_path) if a
    }
    exclude.update(a.lower() for a in addresses_in(message.header("To")))
    findings = _addresses_in_text(message, exclude)
    if findings:
        return findings
    verp = verp_from_headers(message.headers("To") + message.headers("X-Original-To"))
    if verp is not None:
        return [RecipientFinding(address=verp.recipient, action="failed")]
    return [RecipientFinding(address=a, action="failed") for a in original.recipients]
