"""The original message a bounce returns: its headers, recipients, sender and campaign.

Standard reports attach it as `message/rfc822` or `text/rfc822-headers` (RFC 3462, RFC 6522);
many MTAs paste it into the text after a marker line instead:

    ------ This is a copy of the message, including all the headers. ------
    --- Below this line is a copy of the message.
    ----- Original message -----
    ---------- Forwarded message ----------
    Included is a copy of the original message

`split_original(text)` cuts a bounce text at such a marker; `original_headers(message)`
reads the headers of the attached message, or of the pasted one, once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bouncewarden.parse.addresses import addresses_in, clean_address
from bouncewarden.parse.message import BounceMessage, decode_header_value
from bouncewarden.textscan.screen import ScreenedPattern

__all__ = [
    "CAMPAIGN_HEADERS",
    "ORIGINAL_MARKER",
    "OriginalHeaders",
    "original_headers",
    "parse_headers",
    "split_original",
]

# Lines that announce the returned message in plain-text bounces. Each alternative is a
# wording a widely used MTA writes (Exim, qmail, Postfix, sendmail, Exchange, Notes, ...).
# Screened (`textscan.screen`): searched only when the text holds one of its words.
# A match never leaves its line and only its line matters (`split_original`), so the dashes
# before a wording are written as one "-" after the leading run, which may hold dashes too:
# "-+" there made every split of a long line of dashes a try (half a millisecond a line).
ORIGINAL_MARKER = ScreenedPattern.compile(
    r"^[ \t>-]*(?:"
    r"- ?(?:This is a copy of|Below this line is a copy of|Original message|"
    r"The header of the original message|Returned message|Undelivered message|Message header"
    r"|original (?:message|header)|Forwarded message"
    r"|(?:The )?(?:original|returned|unsent) message (?:follows|headers?)"
    r"|Original Message Header ?-)"
    r"|Included is a copy of the original message"
    r"|Original message headers?:"
    r"|-Transcript of session follows"
    r"|\*+ ?Original message"
    r")",
    re.IGNORECASE | re.MULTILINE,
)

# Headers bulk senders use to name a campaign, most specific first.
CAMPAIGN_HEADERS: tuple[str, ...] = (
    "x-campaign-id",
    "x-campaignid",
    "x-campaign",
    "x-mailgun-campaign-id",
    "x-mc-campaign",
    "x-sg-campaign",
    "x-job",
    "x-mailer-campaign",
)

_HEADER = re.compile(r"^([!-9;-~]+):[ \t]*(.*(?:\n[ \t]+.*)*)", re.MULTILINE)
_WANTED_NAMES = ("message-id", "from", "return-path", "to", "cc", "subject", *CAMPAIGN_HEADERS)
# A wanted field at the start of a line. Searched in the block with a newline put in front, so
# that the expression starts with a plain "\n", which `re` looks for much faster than for `^`
# at every position (case-insensitive matching would lose that, hence the scoped flag).
_WANTED = re.compile(
    r"\n(?i:(" + "|".join(map(re.escape, _WANTED_NAMES)) + r"))[ \t]*:[ \t]*(.*(?:\n[ \t]+.*)*)"
)


@dataclass(frozen=True, slots=True)
class OriginalHeaders:
    """What the returned original message says about itself (empty fields when unknown)."""

    message_id: str | None = None
    sender: str | None = None
    return_path: str | None = None
    recipients: tuple[str, ...] = ()
    campaign: str | None = None
    subject: str | None = None
    block: str = ""

    @property
    def headers(self) -> tuple[tuple[str, str], ...]:
        """Every header field of the original as (lower-case name, unfolded value) pairs."""
        return parse_headers(self.block)

    def get(self, name: str) -> str | None:
        """The first value of a header of the original message, or None."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key == wanted), None)


def split_original(text: str) -> tuple[str, str | None]:
    """(text before the original-message marker, text after it, or None without a marker)."""
    found = ORIGINAL_MARKER.search(text)
    if found is None:
        return text, None
    rest = text[found.end() :]
    newline = rest.find("\n")
    return text[: found.start()], rest[newline + 1 :] if newline >= 0 else ""


def _header_block(text: str) -> str:
    stripped = text.lstrip("\n")
    end = stripped.find("\n\n")
    return stripped if end < 0 else stripped[: end + 1]


def parse_headers(text: str) -> tuple[tuple[str, str], ...]:
    """The header block at the start of text as (lower-case name, unfolded value) pairs."""
    return tuple(
        (found.group(1).lower(), " ".join(found.group(2).split()))
        for found in _HEADER.finditer(_header_block(text))
    )


def _wanted(block: str) -> dict[str, str]:
    """The first value of each header the report needs, found in one scan of the block."""
    values: dict[str, str] = {}
    for found in _WANTED.finditer("\n" + block):
        values.setdefault(found.group(1).lower(), " ".join(found.group(2).split()))
    return values


def _from_block(block: str) -> OriginalHeaders:
    values = _wanted(block)
    recipients = tuple(
        dict.fromkeys(
            address
            for name in ("to", "cc")
            for address in addresses_in(decode_header_value(values.get(name, "")))
        )
    )
    return OriginalHeaders(
        message_id=values.get("message-id", "").strip() or None,
        sender=clean_address(decode_header_value(values.get("from", ""))),
        return_path=clean_address(values.get("return-path")),
        recipients=recipients,
        campaign=next((values[name] for name in CAMPAIGN_HEADERS if values.get(name)), None),
        subject=decode_header_value(values["subject"]) if "subject" in values else None,
        block=block,
    )


def original_headers(message: BounceMessage) -> OriginalHeaders:
    """The headers of the returned message: attached if there is one, else pasted in the text."""
    if message.original:
        block = _header_block(message.original)
        if _HEADER.match(block):
            return _from_block(block)
    _, pasted = split_original(message.text)
    if pasted:
        return _from_block(_header_block(pasted.lstrip(" \n")))
    return OriginalHeaders()
