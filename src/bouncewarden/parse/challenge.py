"""Challenge-response and whitelisting requests: an auto-reply, never a failed recipient.

Services and programs that hold mail from unknown senders until the sender proves to be a
person answer with a request instead of a delivery: TMDA ("Your message attached below is
being held because the address ... has not been verified"), cPanel's BoxTrapper ("Your
email requires verification"), Spam Arrest, Boxbe, Bluebottle, Mailblocks, ChoiceMail and
EarthLink's spamBlocker ("I only accept mail from senders I have approved", "please confirm
you are human"), as their help pages describe. Mailing-list moderation notices ("held for
approval") are the same kind of reply. The message is delivered once the sender acts, so
the address is fine: the report is `autoreply` (reason `vacation`, severity none).

The recipient reported is the challenger: the returned message's recipient when the
challenge comes from a service address, else the From of the request.
"""

from __future__ import annotations

import re

from bouncewarden.events import Kind, Reason
from bouncewarden.parse.addresses import addresses_in, clean_address
from bouncewarden.parse.failure_words import looks_like_ndr
from bouncewarden.parse.message import BounceMessage
from bouncewarden.parse.original import OriginalHeaders
from bouncewarden.parse.own_addresses import is_list_software_address, is_role_address
from bouncewarden.parse.report import RecipientFinding
from bouncewarden.textscan.screen import ScreenedPattern, folded_for_screen

__all__ = ["is_challenge", "parse_challenge"]

_AGENT_HEADERS = ("x-delivery-agent", "x-boxtrapper", "x-mailblocks", "x-spamarrest", "x-challenge")
_AGENT = re.compile(r"tmda|boxtrapper|mailblocks|spam ?arrest|boxbe|bluebottle|choicemail|sendio", re.I)
# Wording that alone says "prove you are a person / be approved before your mail is delivered".
_STRONG = ScreenedPattern.compile(
    r"confirm (?:that )?you are (?:a )?(?:human|real|person|not a (?:robot|spammer|machine))"
    r"|verify (?:that )?you are (?:a )?(?:human|real|person|not)|(?:real|live) human being"
    r"|(?:list of|my) (?:approved|authori[sz]ed|allowed|trusted) (?:senders|contacts)"
    r"|(?:approved|authori[sz]ed) senders? list|white-?list(?:ed)? senders|guest list"
    r"|(?:has|have) not (?:yet )?been (?:verified|approved|confirmed)|challenge[- ]response"
    r"|spam ?arrest|boxbe|bluebottle|mailblocks|choicemail|spamblocker|boxtrapper"
    r"|requires? (?:that you )?verif|verification (?:is )?required|verify your (?:e-?mail )?address"
    r"|best[äa]tigen sie,? dass sie ein mensch|confirmer que vous [eê]tes",
    re.IGNORECASE,
)
_HELD = re.compile(
    r"\b(?:is|has been|are being|was|were|been) (?:being )?held\b|awaits? (?:moderator )?approval", re.I
)
_ACTION = re.compile(r"verif|confirm|approv|release|moderat", re.IGNORECASE)


def is_challenge(message: BounceMessage) -> bool:
    """Whether the message asks the sender to prove itself before the mail is delivered."""
    if message.delivery_status is not None or message.feedback_report is not None:
        return False
    if looks_like_ndr(message):  # "sender verification required" in an NDR is a refusal
        return False
    if any(_AGENT.search(value) for name in _AGENT_HEADERS if (value := message.header(name))):
        return True
    text = message.subject + "\n" + message.text[:4000]
    if _STRONG.search(text, folded_for_screen(text)):
        return True
    return _HELD.search(text) is not None and _ACTION.search(text) is not None


def _challenger(message: BounceMessage, original: OriginalHeaders) -> str | None:
    sender = clean_address(message.header("From")) or clean_address(message.header("Reply-To"))
    wanted = {a.lower(): a for a in original.recipients if not is_role_address(a)}
    if sender is not None and sender.lower() in wanted:
        return sender
    if len(wanted) == 1 and not original.get("list-id"):
        return next(iter(wanted.values()))
    named = [a for a in addresses_in(message.subject) if a.lower() in wanted]
    return named[0] if named else sender


def parse_challenge(message: BounceMessage, original: OriginalHeaders) -> list[RecipientFinding]:
    """One `autoreply` finding for the challenger, or none when no address names it or it is a
    list's own (a moderation notice: "Your message to Announce awaits moderator approval")."""
    address = _challenger(message, original)
    if address is None or is_role_address(address) or is_list_software_address(address):
        return []
    return [
        RecipientFinding(
            address=address,
            action=None,
            diagnostic=message.subject or "challenge-response request",
            reason_hint=Reason.VACATION,
            kind=Kind.AUTOREPLY,
        )
    ]
