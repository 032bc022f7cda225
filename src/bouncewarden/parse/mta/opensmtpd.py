"""OpenSMTPD: the bounce and delay warning of versions before 6.x's RFC 3464 reports.

From "Mailer Daemon", Subject "Delivery status notification: error" (or ": warning"):

        Hi!

        This is the MAILER-DAEMON, please DO NOT REPLY to this e-mail.

        An error has occurred while attempting to deliver a message for
        the following list of recipients:

    user@example.com: 550 5.1.1 <user@example.com>... User Unknown

        Below is a copy of the original message:

Recipients are the unindented "address: reason" lines. Delay warnings say "A message is
delayed for more than N minutes for the following list of recipients:" and that it is
"only a temporary failure report". OpenSMTPD's own reasons: "Domain does not exist",
"Network error on destination MXs", "Destination seem to reject all mails". OpenSMTPD 6 adds
a delivery-status part whose Status is only 5.0.0 and which has no Diagnostic-Code: the
text keeps the remote reply.

"Envelope expired" is final whatever the template says: when an envelope's lifetime ends,
OpenSMTPD's queue bounces it as an error and deletes it (smtpd/queue.c), yet some versions
word that bounce with the delay template ("delayed for more than 0 seconds", "Action:
delayed", "Status: 4.4.7"). The finding is a failure, and its reason is `expired`.
"""

from __future__ import annotations

import re

from bouncewarden.events import Reason
from bouncewarden.parse.message import BounceMessage
from bouncewarden.parse.mta._common import add_status_part, cut_at, head, make_finding
from bouncewarden.parse.report import RecipientFinding
from bouncewarden.textscan.screen import ScreenedPattern

__all__ = ["NAME", "detect", "parse"]

NAME = "opensmtpd"

_SIGNATURE = ScreenedPattern.compile(r"This is the MAILER-DAEMON, please DO NOT REPLY to this e-?mail")
_ORIGINAL = re.compile(r"^\s*Below is a copy of the original message:", re.MULTILINE)
_LINE = re.compile(r"^([^\s:]+@[^\s:]+): (.+)$", re.MULTILINE)
_DELAYED = re.compile(r"A message is delayed for more than")
HINTS = (
    (re.compile(r"^Domain does not exist"), Reason.HOSTUNKNOWN),
    (re.compile(r"^Envelope expired"), Reason.EXPIRED),
)


def detect(message: BounceMessage) -> bool:
    """The MAILER-DAEMON's request not to reply, at the top."""
    return _SIGNATURE.search(head(message, 300)) is not None


def parse(message: BounceMessage) -> list[RecipientFinding] | None:
    """One finding per "address: reason" line."""
    text = cut_at(message.text, _ORIGINAL)
    action = "delayed" if _DELAYED.search(text) else "failed"
    findings = []
    for line in _LINE.finditer(text):
        hint = next((why for pattern, why in HINTS if pattern.search(line.group(2))), None)
        final = "failed" if hint is Reason.EXPIRED else action
        findings.append(make_finding(line.group(1), line.group(2), action=final, reason_hint=hint))
    return add_status_part(message, findings) or None
