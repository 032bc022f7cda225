"""Helpers shared by the MTA family parsers.

Non-standard bounces differ in their wording but are built from the same few pieces: a
preamble, one block per recipient (an address line, then the reason, often the remote
server's reply), and a marker line after which the original message is pasted. The
helpers here find addresses, cut the text at the marker, split it into recipient blocks,
fold the remote reply into one line and pick the SMTP reply code and the RFC 3463 status
out of it, so that each family module only states the line shapes of its MTA.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from bouncewarden.events import Reason
from bouncewarden.parse.message import BounceMessage
from bouncewarden.parse.report import RecipientFinding

__all__ = [
    "ADDRESS",
    "Block",
    "add_status_part",
    "cut_at",
    "field_value",
    "first_address",
    "fold",
    "head",
    "inline_fields",
    "join_reply",
    "make_finding",
    "original_header",
    "parse_blocks",
    "smtp_codes",
    "split_blocks",
]

# An address as bounces print it: no display name, no comments; `%` appears in
# source-routed local parts (user%domain@relay).
ADDRESS = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)*", re.ASCII)
_ANGLE_ADDRESS = re.compile(r"<\s*([^<>\s@]+@[^<>\s]+?)\s*>")

# "550 5.1.1 text", "550-5.7.26 text", "550 text": a reply code at a word start that is
# followed by a separator, with the enhanced status right after it when there is one.
_REPLY = re.compile(r"(?<![\w.\-/\[#=])([45][0-7]\d)(?=[\s:,-]|$)[\s:,-]*([245]\.\d{1,3}\.\d{1,3}(?![\w.]))?")
_STATUS = re.compile(r"(?<![\w.])([245]\.\d{1,3}\.\d{1,3})(?![\w]|\.\d)")
# A continuation line of a multi-line SMTP reply: "550-5.7.26 more text".
_CONTINUATION = re.compile(r"^([245]\d\d)[ -](?:[245]\.\d{1,3}\.\d{1,3}\s)?\s*")

Block = tuple[str, list[str]]


def fold(text: str) -> str:
    """Collapse runs of whitespace (line breaks included) into single spaces."""
    return " ".join(text.split())


def head(message: BounceMessage, limit: int = 1200) -> str:
    """The first characters of the bounce text: what a cheap `detect` may look at."""
    return message.text[:limit]


def first_address(text: str) -> str | None:
    """The first address in text, preferring one written in angle brackets."""
    angled = _ANGLE_ADDRESS.search(text)
    if angled and ADDRESS.fullmatch(angled.group(1)):
        return angled.group(1)
    found = ADDRESS.search(text)
    return found.group(0).rstrip(".") if found else None


def cut_at(text: str, marker: re.Pattern[str]) -> str:
    """The text before the first match of marker (the whole text when it is absent)."""
    found = marker.search(text)
    return text[: found.start()] if found else text


def split_blocks(
    lines: Iterable[str], start: re.Pattern[str], stop: re.Pattern[str] | None = None
) -> list[Block]:
    """Group lines into (address, following lines) blocks.

    `start` matches the line that opens a recipient block and has a group named
    `address`; what follows the match on that line belongs to the block. Lines before the
    first block are the preamble and are dropped; `stop` ends the last block.
    """
    blocks: list[Block] = []
    for line in lines:
        if stop is not None and stop.search(line):
            break
        opened = start.search(line)
        if opened:
            rest = line[opened.end() :].strip()
            blocks.append((opened.group("address"), [rest] if rest else []))
        elif blocks:
            blocks[-1][1].append(line)
    return blocks


def join_reply(lines: Sequence[str]) -> str:
    """Fold lines into one, dropping the code prefix that repeats on reply continuations."""
    parts: list[str] = []
    code: str | None = None
    for line in lines:
        text = line.strip()
        if not text:
            continue
        prefix = _CONTINUATION.match(text)
        if prefix and code == prefix.group(1):
            text = text[prefix.end() :]
        elif prefix:
            code = prefix.group(1)
        parts.append(text)
    return fold(" ".join(parts))


def smtp_codes(text: str) -> tuple[str | None, str | None]:
    """(reply code, enhanced status) found in a diagnostic, each None when absent.

    The status next to the reply code wins; otherwise the first status anywhere in the
    text (qmail and others print their own as "(#5.1.1)").
    """
    reply: str | None = None
    status: str | None = None
    found = _REPLY.search(text)
    if found:
        reply, status = found.group(1), found.group(2)
    if status is None:
        anywhere = _STATUS.search(text)
        status = anywhere.group(1) if anywhere else None
    return reply, status


def make_finding(
    address: str,
    diagnostic: str,
    *,
    action: str = "failed",
    remote_mta: str | None = None,
    reason_hint: Reason | None = None,
    status: str | None = None,
    reply_code: str | None = None,
    command: str | None = None,
) -> RecipientFinding:
    """A finding whose reply code and status come from the diagnostic unless given."""
    diagnostic = fold(diagnostic)
    found_reply, found_status = smtp_codes(diagnostic)
    return RecipientFinding(
        address=address.strip().strip("<>").strip(),
        action=action,
        status=status or found_status,
        reply_code=reply_code or found_reply,
        diagnostic=diagnostic or None,
        remote_mta=remote_mta,
        reason_hint=reason_hint,
        command=command,
    )


def parse_blocks(
    text: str,
    start: re.Pattern[str],
    end: re.Pattern[str],
    *,
    action: str = "failed",
    remote: re.Pattern[str] | None = None,
    hints: Sequence[tuple[re.Pattern[str], Reason]] = (),
) -> list[RecipientFinding]:
    """Findings from the recipient blocks of text, up to the `end` marker.

    `remote` finds the remote host in a block (its first group); `hints` pairs an MTA's
    own wording with the reason it plainly states.
    """
    findings = []
    for address, lines in split_blocks(cut_at(text, end).splitlines(), start):
        diagnostic = join_reply(lines)
        host = remote.search(diagnostic) if remote else None
        hint = next((reason for pattern, reason in hints if pattern.search(diagnostic)), None)
        findings.append(
            make_finding(
                address,
                diagnostic,
                action=action,
                remote_mta=host.group(1) if host else None,
                reason_hint=hint,
            )
        )
    return findings


_FIELD = re.compile(r"^([A-Za-z-]+):[ \t]*(.*(?:\n[ \t]+.*)*)", re.MULTILINE)
_GROUP_BREAK = re.compile(r"\n[ \t]*\n")


def inline_fields(text: str, key: str = "final-recipient") -> list[dict[str, str]]:
    """Per-recipient delivery-status fields printed in the text (lower-case names).

    Some MTAs print the RFC 3464 fields in the human-readable part instead of, or as well
    as, a delivery-status part. Groups are separated by blank lines; only groups with a
    Final-Recipient are returned.
    """
    groups = []
    for group in _GROUP_BREAK.split(text):
        if key not in group.lower():  # most groups are prose: no field named key in them
            continue
        fields = {m.group(1).lower(): fold(m.group(2)) for m in _FIELD.finditer(group)}
        if key in fields:
            groups.append(fields)
    return groups


def field_value(fields: dict[str, str], name: str) -> str | None:
    """A typed field's value without its type ("rfc822; a@b" -> "a@b"), None when absent."""
    value = fields.get(name, "")
    return value.partition(";")[2].strip() if ";" in value else value.strip() or None


_HEADER_LINE = re.compile(r"^(?P<name>[\w-]+):[ \t]*(?P<value>.*(?:\n[ \t]+.*)*)", re.MULTILINE)


def original_header(message: BounceMessage, name: str) -> str:
    """A header of the attached or pasted original message ('' when absent)."""
    text = message.original or ""
    head_end = text.find("\n\n")
    for found in _HEADER_LINE.finditer(text[: head_end if head_end >= 0 else len(text)]):
        if found.group("name").lower() == name.lower():
            return fold(found.group("value"))
    return ""


def _is_generic(status: str) -> bool:
    return status.endswith(".0.0")


def add_status_part(message: BounceMessage, findings: list[RecipientFinding]) -> list[RecipientFinding]:
    """Fill missing statuses from the bounce's delivery-status part, where it has one.

    Recipients are matched by Final- or Original-Recipient, or by position when both
    list the same number of recipients (MTAs that rewrite the address). Fields printed in
    the text stand in for a status part that broken MIME structure hid. A specific status
    there replaces a generic one (X.0.0) read from the text.
    """
    groups = inline_fields(message.delivery_status or "") or inline_fields(message.text)
    if not groups:
        return findings
    by_address = {
        (field_value(fields, name) or "").strip("<>").lower(): fields
        for fields in groups
        for name in ("original-recipient", "final-recipient")
    }
    for position, finding in enumerate(findings):
        fields = by_address.get(finding.address.lower())
        if fields is None and len(groups) == len(findings):
            fields = groups[position]
        found = _STATUS.match((fields or {}).get("status", ""))
        part = found.group(1) if found else None
        if part and (finding.status is None or (_is_generic(finding.status) and not _is_generic(part))):
            finding.status = part
    return findings
