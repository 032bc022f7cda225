"""Sendmail 8 (and MTAs imitating its wording): the human-readable part of its bounce.

Sendmail normally adds an RFC 3464 part, which the standard path reads; this module reads
the text when that part is missing or the bounce was forwarded as text ("> " quoted):

       ----- The following addresses had permanent fatal errors -----
    <user@example.com>
        (reason: 550 5.1.1 <user@example.com>... User unknown)
        (expanded from: <alias@example.org>)

       ----- Transcript of session follows -----
    ... while talking to mx.example.com.:
    >>> RCPT To:<user@example.com>
    <<< 550 5.1.1 <user@example.com>... User unknown

Delay warnings say "transient non-fatal errors"; newer ones (8.12 and later) open with a
"THIS IS A WARNING MESSAGE ONLY" banner and give only the transcript. An address reached
through an alias is reported as the alias ("expanded from"), as sendmail's own
delivery-status part does. The "(reason: ...)" line is the remote reply, or the first line
of it: the transcript gives the whole reply (and the command it answered), and the reply
when the reason has no code or a success code: after a 421 sendmail says QUIT and reports
the server's "221 Bye" as the reason. A local recipient is listed by its bare user name,
made whole from the Final-Recipient. Filters that imitate sendmail (e.g. Active!hunter)
write ">>> address <address>" in the list and a bare reply as transcript.
"""

from __future__ import annotations

import re

from bouncewarden.parse.message import BounceMessage
from bouncewarden.parse.mta._common import (
    add_status_part,
    cut_at,
    field_value,
    first_address,
    fold,
    inline_fields,
    make_finding,
    smtp_codes,
)
from bouncewarden.parse.mta.v5sendmail import parse_transcript, session_replies
from bouncewarden.parse.report import RecipientFinding
from bouncewarden.textscan.screen import ScreenedPattern

__all__ = ["NAME", "detect", "parse"]

NAME = "sendmail"

_LIST = ScreenedPattern.compile(
    r"^(?:> ?)?[ \t]*-+ The following addresses had (permanent fatal|transient non-fatal) errors -+[ \t]*$",
    re.MULTILINE,
)
_TRANSCRIPT = re.compile(r"^[ \t]*-+ Transcript of session follows -+[ \t]*$", re.MULTILINE)
_SECTION_END = re.compile(r"^[ \t]*-{3,}", re.MULTILINE)
_ORIGINAL = re.compile(
    r"^[ \t]*-+ (?:Original message|Message header|Unsent message) follows|^Reporting-MTA:",
    re.MULTILINE,
)
_REASON = re.compile(r"^\s*\(reason: (.*)\)\s*$")
_EXPANDED = re.compile(r"^\s*\(expanded from: <?([^<>()\s]+)>?\)\s*$")
_QUOTE = re.compile(r"^> ?", re.MULTILINE)
_LOCAL = re.compile(r"^<?([\w.+=-]+)>?$")


_WARNING = ScreenedPattern.compile(r"^[ \t]*\*\*[ \t]+THIS IS A WARNING MESSAGE ONLY[ \t]+\*\*", re.MULTILINE)


def detect(message: BounceMessage) -> bool:
    """Sendmail's "The following addresses had ... errors" heading, or its warning banner."""
    head = message.text[:3000]
    return _LIST.search(head) is not None or _WARNING.search(head) is not None


def _warning(message: BounceMessage) -> list[RecipientFinding] | None:
    """A delay warning of sendmail 8.12 and later: the banner, then only the transcript."""
    text = cut_at(message.text, _ORIGINAL)
    transcript = _TRANSCRIPT.search(text)
    if _WARNING.search(text) is None or transcript is None:
        return None
    findings = parse_transcript(text[transcript.end() :].splitlines(), "delayed")
    return add_status_part(message, findings) or None


def _listed(section: str) -> list[tuple[str, str]]:
    """(address, reason) pairs of the address list."""
    listed: list[tuple[str, str]] = []
    for line in section.splitlines():
        reason = _REASON.match(line)
        expanded = _EXPANDED.match(line)
        if reason and listed:
            listed[-1] = (listed[-1][0], reason.group(1))
        elif expanded and listed and "@" in expanded.group(1):
            listed[-1] = (expanded.group(1), listed[-1][1])
        elif line.strip() and not line[:1].isspace():
            address = first_address(line) or _LOCAL.match(line.strip())
            if isinstance(address, re.Match):
                address = address.group(1)
            if address:
                listed.append((address, ""))
    return listed


def _qualified(message: BounceMessage, text: str, address: str) -> str | None:
    """A bare local part made whole from the Final-Recipient that has it, if any."""
    if "@" in address:
        return address
    for fields in inline_fields(message.delivery_status or "") + inline_fields(text):
        final = (field_value(fields, "final-recipient") or "").strip("<>")
        if final.partition("@")[0].lower() == address.lower() and "@" in final:
            return final
    return None


def parse(message: BounceMessage) -> list[RecipientFinding] | None:
    """One finding per listed address, with its reason or its transcript reply."""
    text = message.text
    heading = _LIST.search(text)
    if heading is not None and text[heading.start()] == ">":
        text = _QUOTE.sub("", text)
        heading = _LIST.search(text)
    if heading is None:
        return _warning(message)
    action = "delayed" if heading.group(1).startswith("transient") else "failed"
    body = cut_at(text[heading.end() :], _ORIGINAL)
    end = _SECTION_END.search(body)
    transcript = _TRANSCRIPT.search(body)
    session = body[transcript.end() :] if transcript else ""
    lines = session.splitlines()
    replies = {f.address.lower(): f for f in parse_transcript(lines, action)}
    whole_replies = session_replies(lines)
    findings = []
    for listed, reason in _listed(body[: end.start()] if end else body):
        address = _qualified(message, text, listed)
        if address is None:
            continue
        found = replies.get(address.lower())
        command = found.command if found else None
        reply = smtp_codes(reason)[0]
        if (not reply or reply.startswith("2")) and found is not None:
            findings.append(
                make_finding(
                    address,
                    found.diagnostic or "",
                    action=action,
                    remote_mta=found.remote_mta,
                    command=command,
                    reason_hint=found.reason_hint,
                )
            )
        else:
            whole = _whole_reply(reason, whole_replies)
            diagnostic = whole[1] if whole else reason or fold(session)
            command = command or (whole[0] if whole else None)
            findings.append(make_finding(address, diagnostic, action=action, command=command))
    return add_status_part(message, findings) or None


def _whole_reply(reason: str, replies: list[tuple[str | None, str]]) -> tuple[str | None, str] | None:
    """(command, reply) of the transcript's whole reply (`session_replies`) the one-line reason begins."""
    start = " ".join(reason.split())
    if not start:
        return None
    for command, reply in replies:
        if len(reply) > len(start) and " ".join(reply.split()).startswith(start):
            return command, reply
    return None
