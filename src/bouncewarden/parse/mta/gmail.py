"""Gmail (and Google Workspace) outbound: Google's plain-text bounce and delay warning.

From "Mail Delivery Subsystem <mailer-daemon@googlemail.com>", Subject "Delivery Status
Notification (Failure)" or "(Delay)", with `X-Failed-Recipients:`, no delivery-status part:

    Delivery to the following recipient failed permanently:

         user@example.com

    Technical details of permanent failure:
    Google tried to deliver your message, but it was rejected by the server for the
    recipient domain example.com by mx.example.com. [192.0.2.25].

    The error that the other server returned was:
    550 5.1.1 <user@example.com>: Recipient address rejected: User unknown

    ----- Original message -----

Newer bounces (with a delivery-status part) open with a headline such as "** Address not
found **", name the recipient in "Your message wasn't delivered to <address> because ..." or
"There was a (temporary) problem delivering your message to <address>."
and give the reply after "The response from the remote server was:".

Delay warnings say "Delivery to the following recipient has been delayed:" and "Technical
details of temporary failure:"; the heading of the details names the failure temporary or
permanent, which matters where the reply states no code. Older texts repeat the reply code
("550 550 5.1.1 ...") and end with "(state 14)": the state of Google's SMTP client when the
reply came, which names the command it answered (13 the greeting or EHLO, 14 RCPT TO, 15, 17
and 18 the DATA stage, as the replies seen with each state show). Google's own wording
states some categories plainly: the account does not exist or is over quota, the domain was
not found, or the receiving servers refused every connection until Google gave up.
"""

from __future__ import annotations

import re

from bouncewarden.events import Reason
from bouncewarden.parse.message import BounceMessage
from bouncewarden.parse.mta._common import ADDRESS, add_status_part, cut_at, fold, head, make_finding
from bouncewarden.parse.report import RecipientFinding
from bouncewarden.textscan.screen import ScreenedPattern

__all__ = ["NAME", "detect", "parse"]

NAME = "gmail"

_SIGNATURE = ScreenedPattern.compile(
    r"^(?:Delivery to the following recipients? (?:failed|has been delayed)"
    r"|Your message wasn't delivered to |There was a (?:temporary )?problem delivering"
    r"|\*\* [A-Z][\w ]+ \*\*$)",
    re.MULTILINE,
)
# The newer layout: a headline, a sentence naming the recipient, then the remote reply.
_SENTENCE = re.compile(
    r"^(?:Your message wasn't delivered to|There was a (temporary )?problem delivering your message to)"
    r" (\S+@\S+?)(?: because|\.\s)",
    re.MULTILINE,
)
_RESPONSE = re.compile(r"^The response(?: from the remote server)? was:\s*$(.*)", re.MULTILINE | re.DOTALL)
_LIST = re.compile(
    r"^Delivery to the following recipients? (failed permanently|has been delayed):\s*\n"
    r"((?:[ \t]*\n|[ \t]+\S+\n)+)",
    re.MULTILINE,
)
_DETAILS = re.compile(r"^Technical details of (permanent|temporary) failure:", re.MULTILINE)
_ORIGINAL = re.compile(r"^----- (?:Original message|Message header follows) -----", re.MULTILINE)
_REMOTE = re.compile(r"rejected by the server for the recipient domain \S+ by (\S+?)\.? \[")
_STATE = re.compile(r"\(state (\d{1,2})\)\.?\s*$")
_STATE_COMMANDS = {"13": "HELO", "14": "RCPT", "15": "DATA", "17": "DATA", "18": "DATA"}
HINTS = (
    (re.compile(r"email account that you tried to reach does not exist"), Reason.USERUNKNOWN),
    (re.compile(r"email account that you tried to reach is over quota"), Reason.MAILBOXFULL),
    (re.compile(r"email account that you tried to reach is disabled"), Reason.SUSPEND),
    (
        re.compile(r"DNS Error: (?:Domain name not found|DNS server returned answer with no data)"),
        Reason.HOSTUNKNOWN,
    ),
    (re.compile(r"recipient server did not accept our requests to connect"), Reason.EXPIRED),
    (re.compile(r"doesn't receive email according to the administrator"), Reason.NOTACCEPT),
)


def detect(message: BounceMessage) -> bool:
    """Google's daemon as sender and its "Delivery to the following recipient" line."""
    return "mailer-daemon@g" in message.sender.lower() and _SIGNATURE.search(head(message, 600)) is not None


def _parse_sentence(text: str) -> list[RecipientFinding] | None:
    sentence = _SENTENCE.search(text)
    if sentence is None:
        return None
    response = _RESPONSE.search(text)
    diagnostic = fold(response.group(1) if response else text[sentence.end() :])
    hint = next((why for pattern, why in HINTS if pattern.search(diagnostic)), None)
    action = "delayed" if sentence.group(1) else "failed"
    return [make_finding(sentence.group(2), diagnostic, action=action, reason_hint=hint)]


def parse(message: BounceMessage) -> list[RecipientFinding] | None:
    """One finding per listed recipient, all sharing Google's technical details."""
    text = cut_at(message.text, _ORIGINAL)
    listed = _LIST.search(text)
    if listed is None:
        findings = _parse_sentence(text)
        return add_status_part(message, findings) if findings else None
    action = "delayed" if listed.group(1) == "has been delayed" else "failed"
    details = _DETAILS.search(text)
    diagnostic = fold(text[details.end() :] if details else text[listed.end() :])
    remote = _REMOTE.search(diagnostic)
    hint = next((why for pattern, why in HINTS if pattern.search(diagnostic)), None)
    state = _STATE.search(diagnostic)
    findings = [
        make_finding(
            address.group(0),
            diagnostic,
            action=action,
            remote_mta=remote.group(1) if remote else None,
            reason_hint=hint,
            command=_STATE_COMMANDS.get(state.group(1)) if state else None,
        )
        for address in ADDRESS.finditer(listed.group(2))
    ]
    for finding in findings:  # the heading of the details says which the failure was
        finding.temporary = details.group(1) == "temporary" if details else None
    return findings or None
