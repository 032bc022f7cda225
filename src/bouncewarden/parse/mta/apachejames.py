"""Apache James: the bounce written by its Bounce/DSNBounce mailets.

Seen from Java mail gateways such as Verizon's vtext.com. The text reads:

    Error: Invalid user address

    Error message below:
    550 - Requested action not taken: no such user here

    Message details:
      Subject: Report
      Sent date: Wed Jun 12 02:21:53 GMT 2013
      MAIL FROM: sender@example.org
      RCPT TO: user@example.com
      From: sender@example.org

The "Error:" line is James's summary of the JavaMail exception: "Invalid user address" is
the one for addresses the remote server refused in reply to RCPT TO, kept as the finding's
SMTP command (the reply itself names no command).

Its MIME headers are often malformed (a boundary parameter on an unfolded line), so the
text may only be found in the raw message: both are read.
"""

from __future__ import annotations

import re

from bouncewarden.parse.message import BounceMessage
from bouncewarden.parse.mta._common import ADDRESS, fold, make_finding
from bouncewarden.parse.report import RecipientFinding

__all__ = ["NAME", "detect", "parse"]

NAME = "apachejames"

_MARKERS = (b"Error message below:", b"Message details:")
_NOTICE = re.compile(
    r"^Error message below:\s*$(?P<reply>.*?)^Message details:\s*$(?P<details>.*?)(?=^\S|\Z)",
    re.MULTILINE | re.DOTALL,
)
_RECIPIENTS = re.compile(r"^\s*RCPT TO:(.*)$", re.MULTILINE)
_ERROR = re.compile(r"^Error: (.*)$", re.MULTILINE)
_REFUSED_AT_RCPT = re.compile(r"^invalid (?:user )?address", re.IGNORECASE)


def _text(message: BounceMessage) -> str:
    if "Error message below:" in message.text:
        return message.text
    return message.raw.decode("utf-8", "replace")


def detect(message: BounceMessage) -> bool:
    """James's "Error message below:" and "Message details:" headings."""
    raw = message.raw[:8000]
    return all(marker in raw for marker in _MARKERS)


def parse(message: BounceMessage) -> list[RecipientFinding] | None:
    """One finding per RCPT TO address of the details, with the error message."""
    text = _text(message)
    notice = _NOTICE.search(text)
    if notice is None:
        return None
    error = _ERROR.search(text[: notice.start()])
    diagnostic = fold(notice.group("reply")) or (error.group(1) if error else "")
    command = "RCPT" if error and _REFUSED_AT_RCPT.match(error.group(1)) else None
    findings = [
        make_finding(address.group(0), diagnostic, command=command)
        for line in _RECIPIENTS.finditer(notice.group("details"))
        for address in ADDRESS.finditer(line.group(1))
    ]
    return findings or None
