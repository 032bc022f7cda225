"""Sendmail V5 (and 8.x before DSN support): the session transcript with no recipient list.

The text is only the transcript, then the returned message:

       ----- Transcript of session follows -----
    While talking to mx.example.com:
    >>> RCPT To:<user@example.com>
    <<< 550 <user@example.com>... User unknown
    550 <user@example.com>... User unknown
    554 <other@example.org>... 550 Host unknown (Authoritative answer from name server)
       ----- Unsent message follows -----

A recipient appears in a `>>> RCPT To:<address>` command answered by the `<<<` reply, or
in sendmail's own line "NNN <address>... text", whose text may itself be the remote reply
(otherwise sendmail's code is the reply). The last `>>>` command before a `<<<` reply is the
one it answers (`>>> DATA` then per-recipient replies: a refusal of the message, not of the
address), and is kept on the finding. A multi-line reply ("<<< 550-5.7.1 ..." lines, then
"<<< 550 5.7.1 ...") is read as one.
When the remote server refused an earlier command (MAIL From), sendmail's line says only
"Remote protocol error": the `<<<` reply of that session is the diagnostic. Lines
"NNN host (mailer)... text" concern a host, not a recipient: when the transcript names no
address at all, the returned message's recipients at that host's domain are the ones that
failed ("421 example.com (smtp)... Deferred: Connection timed out" for `To: user@example.com`).

A local delivery has no SMTP session: the delivery program's own output comes first, then
sendmail's line for the address ("mail.local: unknown user: user" then "554 <user@example.com>...
Service unavailable"). That output is the real cause and leads the diagnostic; mail.local's
"unknown user" (no such local account) is the local mailbox authority's word: an unknown user.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bouncewarden.events import Reason
from bouncewarden.parse.message import BounceMessage
from bouncewarden.parse.mta._common import cut_at, fold, make_finding
from bouncewarden.parse.original import original_headers
from bouncewarden.parse.report import RecipientFinding

__all__ = ["NAME", "detect", "join_replies", "parse", "parse_transcript", "session_replies"]

NAME = "v5sendmail"

_TRANSCRIPT = re.compile(r"^\s*-+ Transcript of session follows -+\s*$", re.MULTILINE)
_UNSENT = re.compile(
    r"^\s*-+ (?:Unsent message follows|Original message follows|Message header follows)", re.MULTILINE
)
_SESSION = re.compile(r"^(?:While talking to|\.\.\. while talking to) (\S+?)\.?:\s*$")
_COMMAND = re.compile(r"^>>> RCPT To:\s*<([^<>\s]+@[^<>\s]+)>", re.IGNORECASE)
_ANY_COMMAND = re.compile(r"^>>> ?([A-Za-z]{4}\b|\.$)")
_REPLY = re.compile(r"^<<< ?(.*)$")
_RECIPIENT_LINE = re.compile(r"^(?:(\d{3}(?:[ -][245]\.\d+\.\d+)?) )?<?([^<>\s]+@[^<>\s]+?)>?\.\.\. (.*)$")
# "421 example.com (smtp)... Deferred: ...": sendmail's line about a host and its mailer.
_HOST_LINE = re.compile(r"^(\d{3}) ([a-z0-9-]+(?:\.[a-z0-9-]+)+)\.? \([\w-]+\)\.\.\. (.*)$", re.IGNORECASE)
_LEADING_REPLY = re.compile(r"^\d{3}\b")
# "mail.local: unknown user: user": a local delivery program's output (lower-case name).
_PROGRAM_OUTPUT = re.compile(r"^[a-z][\w.-]*: \S")
_LOCAL_UNKNOWN = re.compile(r"\bunknown user\b|\bno such (?:user|account)\b", re.IGNORECASE)


def detect(message: BounceMessage) -> bool:
    """A text that opens with sendmail's transcript heading."""
    return message.text.lstrip()[:60].startswith("----- Transcript of session follows")


def _own_line(
    own: re.Match[str], answer: str | None, sent: str | None, output: list[str], action: str, host: str | None
) -> RecipientFinding:
    """The finding of sendmail's own "NNN <address>... text" line."""
    code, address, text = own.groups()
    command = None
    hint = None
    if answer and host:
        text, command = answer, sent
    elif code and not _LEADING_REPLY.match(text):
        text = f"{code} {text}"
    if output and not host:
        hint = Reason.USERUNKNOWN if _LOCAL_UNKNOWN.search(" ".join(output)) else None
        text = " ".join([*output, text])
    return make_finding(
        address, fold(text), action=action, remote_mta=host, command=command, reason_hint=hint
    )


_CONTINUED = re.compile(r"^\d{3}-")


def join_replies(lines: Iterable[str]) -> list[str]:
    """The stripped lines, each multi-line `<<<` reply ("550-...", then "550 ...") made one."""
    joined: list[str] = []
    open_reply = False
    for raw in lines:
        line = raw.strip()
        reply = _REPLY.match(line)
        if reply and open_reply:
            joined[-1] = f"{joined[-1]} {reply.group(1)}"
        else:
            joined.append(line)
        open_reply = reply is not None and _CONTINUED.match(reply.group(1)) is not None
    return joined


def session_replies(lines: Iterable[str]) -> list[tuple[str | None, str]]:
    """Each whole `<<<` reply of a transcript with the command it answered, in order."""
    replies: list[tuple[str | None, str]] = []
    sent: str | None = None
    for line in join_replies(lines):
        if command := _ANY_COMMAND.match(line):
            sent = "DATA" if command.group(1) == "." else command.group(1).upper()
        elif reply := _REPLY.match(line):
            replies.append((sent, reply.group(1)))
    return replies


def parse_transcript(lines: Iterable[str], action: str = "failed") -> list[RecipientFinding]:
    """Findings from the lines of a sendmail session transcript, one per address."""
    found: dict[str, RecipientFinding] = {}
    host: str | None = None
    asked: str | None = None
    answer: str | None = None
    sent: str | None = None  # the last command sent: the one a `<<<` reply answers
    output: list[str] = []  # a local delivery program's lines before sendmail's own line
    for line in join_replies(lines):
        if session := _SESSION.match(line):
            host, asked, answer, sent = session.group(1), None, None, None
        elif command := _ANY_COMMAND.match(line):
            sent = "DATA" if command.group(1) == "." else command.group(1).upper()
            rcpt = _COMMAND.match(line)
            asked = rcpt.group(1) if rcpt else None
        elif reply := _REPLY.match(line):
            answer = reply.group(1)
            if asked and asked.lower() not in found:
                found[asked.lower()] = make_finding(
                    asked, answer, action=action, remote_mta=host, command=sent
                )
                answer = None
            asked = None
        elif (own := _RECIPIENT_LINE.match(line)) and own.group(2).lower() not in found:
            found[own.group(2).lower()] = _own_line(own, answer, sent, output, action, host)
            answer, output = None, []
        elif host is None and _PROGRAM_OUTPUT.match(line):
            output.append(line)
    return list(found.values())


def parse(message: BounceMessage) -> list[RecipientFinding] | None:
    """One finding per recipient named in the transcript."""
    text = cut_at(message.text, _UNSENT)
    start = _TRANSCRIPT.search(text)
    if start is None:
        return None
    lines = text[start.end() :].splitlines()
    return parse_transcript(lines) or _host_failures(message, lines) or None


def _host_failures(message: BounceMessage, lines: list[str]) -> list[RecipientFinding]:
    """The original's recipients at the domain of a host that sendmail's own lines name."""
    host_lines = [named.groups() for line in lines if (named := _HOST_LINE.match(line.strip()))]
    if not host_lines:
        return []
    recipients = original_headers(message).recipients
    found: dict[str, RecipientFinding] = {}
    for code, host, text in host_lines:
        host = host.lower()
        for address in recipients:
            domain = address.rpartition("@")[2].lower()
            if (host == domain or host.endswith("." + domain)) and address not in found:
                found[address] = make_finding(address, f"{code} {text}", remote_mta=host)
    return list(found.values())
