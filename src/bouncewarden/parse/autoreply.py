"""Auto-replies and vacation notices (RFC 3834): feedback, never a bounce.

RFC 3834 section 5 has responders mark their mail `Auto-Submitted: auto-replied`. Many do
not, so vendor marks count too: `X-Autoreply`/`X-Autorespond` (various), `Precedence:
auto_reply`, `X-Apple-Action: VACATION` (iCloud), and subjects in the forms Exchange,
Outlook, Gmail and others write ("Automatic reply: ...", "Auto reply: ...", "Out of
Office: ...", "AutoReply: ..."), in several languages. `Auto-Submitted: auto-generated` is
what bounces themselves carry, so it does not count.

The recipient reported is the responder: the address in From.
"""

from __future__ import annotations

import re

from bouncewarden.events import Kind, Reason
from bouncewarden.parse.addresses import clean_address
from bouncewarden.parse.message import BounceMessage
from bouncewarden.parse.report import RecipientFinding

__all__ = ["is_autoreply", "parse_autoreply"]

_FLAG_HEADERS = ("x-autoreply", "x-autorespond", "x-autoresponder", "x-mail-autoreply")
_SUBJECT = re.compile(
    r"^\s*(?:automatic reply|auto[- ]?reply|auto[- ]?response|autosvar|auto:|out of (?:the )?office"
    r"|vacation(?: reply| notice)?:|on vacation|abwesenheitsnotiz|automatische antwort"
    r"|r[ée]ponse automatique|respuesta autom[áa]tica|risposta automatica|automatisch antwoord"
    r"|自動応答|自动回复)",
    re.IGNORECASE,
)
_DAEMON = re.compile(r"mailer-daemon|postmaster|mail delivery", re.IGNORECASE)


def is_autoreply(message: BounceMessage) -> bool:
    """Whether the message is an automatic reply rather than a delivery report."""
    if message.delivery_status is not None or _DAEMON.search(message.sender):
        return False
    if message.header("Auto-Submitted").strip().lower().startswith("auto-replied"):
        return True
    if any(message.header(name) for name in _FLAG_HEADERS):
        return True
    if message.header("Precedence").strip().lower() == "auto_reply":
        return True
    if message.header("X-Apple-Action").strip().upper() == "VACATION":
        return True
    return _SUBJECT.match(message.subject) is not None


def parse_autoreply(message: BounceMessage) -> list[RecipientFinding]:
    """One `vacation` finding for the responder, or none when From holds no address."""
    address = clean_address(message.header("From")) or clean_address(message.header("Reply-To"))
    if address is None:
        return []
    return [
        RecipientFinding(
            address=address,
            action=None,
            diagnostic=message.subject or None,
            reason_hint=Reason.VACATION,
            kind=Kind.AUTOREPLY,
        )
    ]
