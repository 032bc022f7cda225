"""Microsoft Exchange 2007 and later, Exchange Online (Office 365, Outlook.com): the NDR text.

Exchange sends a delivery-status part too, but its text names the recipient as the
sender wrote it and keeps the whole remote reply. The text is localised (English,
French, Italian, Japanese ...); the parts this module reads are not:

    Delivery has failed to these recipients or groups:

    user@example.com<mailto:user@example.com>
    The email address you entered couldn't be found. ...

    Diagnostic information for administrators:

    Generating server: MAILHOST.example.com

    user@example.com
    Remote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'

    Original message headers:

In the diagnostic section each recipient is a line holding only its address, followed by
the remote host (Exchange Online), then "Remote Server returned '<reply>'", Exchange 2007's
"#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##", or dated lines "<date> - Server
at <host> returned '<reply>'", newest first. The list at the top gives each recipient
as "Name<mailto:address>", used when the diagnostic section is missing. Exchange Online's
newer layout opens "Your message to <address> couldn't be delivered." and gives the reply
on a "Status code:" line.
"""

from __future__ import annotations

import re

from bouncewarden.parse.message import BounceMessage
from bouncewarden.parse.mta._common import ADDRESS, add_status_part, make_finding
from bouncewarden.parse.report import RecipientFinding
from bouncewarden.textscan.screen import ScreenedPattern

__all__ = ["NAME", "detect", "parse"]

NAME = "exchange2007"

# A list entry: "address<mailto:address>" or "Name<mailto:address>", never a header line.
_MAILTO = ScreenedPattern.compile(r"^(?![ \t])[^:<>\n]*<mailto:([^<>\s]+@[^<>\s]+)>", re.MULTILINE)
_RETURNED = re.compile(r"(?:Remote Server|Server at (\S+)(?: \([^)]*\))?) returned '(.*)'")
_HASHED = re.compile(r"^#(\d{3} .*?)\s*##")
_HOST = re.compile(r"^[\w-]+(?:\.[\w-]+)+$")
# Exchange Online's newer layout: a headline sentence, a "Status code:" line for admins.
_HEADLINE = ScreenedPattern.compile(r"^Your message to (\S+@\S+) couldn't be delivered\.", re.MULTILINE)
_STATUS_CODE = re.compile(r"^Status code: (.+)$", re.MULTILINE)


def detect(message: BounceMessage) -> bool:
    """Exchange's NDR header, its "<mailto:" recipient list or its headline near the top."""
    text = message.text[:3000]
    return (
        message.has_header("X-MS-Exchange-Message-Is-Ndr")
        or _MAILTO.search(text) is not None
        or _HEADLINE.search(text) is not None
    )


def _diagnostics(lines: list[str]) -> dict[str, tuple[str, str | None]]:
    """Per address of the diagnostic section: (remote reply, remote host)."""
    found: dict[str, tuple[str, str | None]] = {}
    current: str | None = None
    host: str | None = None
    for line in (raw.strip() for raw in lines):
        if ADDRESS.fullmatch(line):
            current, host = line, None
        elif current and _HOST.match(line):
            host = line
        elif current and (returned := _RETURNED.search(line)):
            found.setdefault(current.lower(), (returned.group(2), host or returned.group(1)))
        elif current and (hashed := _HASHED.match(line)):
            found.setdefault(current.lower(), (hashed.group(1), host))
    return found


def parse(message: BounceMessage) -> list[RecipientFinding] | None:
    """One finding per recipient of the list, with its diagnostic line."""
    lines = message.text.splitlines()
    diagnostics = _diagnostics(lines)
    listed = list(dict.fromkeys(m.group(1) for m in _MAILTO.finditer(message.text)))
    if not listed and not diagnostics and (headline := _HEADLINE.search(message.text)):
        code = _STATUS_CODE.search(message.text)
        diagnostics = {headline.group(1).lower(): (code.group(1) if code else "", None)}
    addresses = listed or list(diagnostics)
    by_position = list(diagnostics.values()) if len(diagnostics) == len(addresses) else []
    findings = []
    for position, address in enumerate(addresses):
        fallback = by_position[position] if by_position else ("", None)
        reply, host = diagnostics.get(address.lower(), fallback)
        findings.append(make_finding(address, reply, remote_mta=host))
    return add_status_part(message, findings) or None
