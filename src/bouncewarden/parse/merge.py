"""Merging what a delivery-status part and the human-readable text say about a recipient.

The RFC 3464 part decides who the recipients are and their Action; the text, read by the
MTA module for the family that wrote the bounce, often says more: the full remote reply
where the part has none or a truncated one, a specific status where the part has a
generic `5.0.0`, the MTA's own reason. Recipients are paired by address (or the part's
Original-Recipient), else by position when both list the same number.

Two statements of the text outrank the part. An expiry the MTA's text reports as a failure
(reason hint `expired`, action failed) is final even where the part, written from a delay
template, says "delayed": the finding becomes a failure, and a class-4 status from that
template is dropped (a final report is permanent; the placeholder then names the reason). A
generic status (X.0.0) in a part without Diagnostic-Code states nothing: where the text
names the reason (a hint), the text's specific status, if any, replaces it, or none does.
A status dropped this way still says which class the failure is in: the placeholder that
replaces it keeps that class (`RecipientFinding.temporary`).

Where the text names each recipient as the sender addressed it and the part names the
rewritten address (`parse.mta.TEXT_NAMES_RECIPIENT`), the text's address is reported.
"""

from __future__ import annotations

import re

from bouncewarden.classify.status import find_status
from bouncewarden.events import Kind, Reason
from bouncewarden.parse.report import RecipientFinding

__all__ = ["better_diagnostic", "mark_guessed_statuses", "merge_findings"]

_CODES = re.compile(r"(?<![\d.])(?:[45]\d\d|[45]\.\d{1,3}\.\d{1,3})(?![\d])")
_REMOTE_REPLY = re.compile(r"\s*(?:smtp\s*;\s*)?[45]\d\d(?![\d.])", re.IGNORECASE)


def better_diagnostic(first: str | None, second: str | None) -> str | None:
    """The more informative of two diagnostics.

    One that exists, then one with SMTP codes, then one that contains the other and says
    more (Postfix's text adds the host and the SMTP command to the remote reply).
    """
    if not first or not second:
        return first or second
    first_codes, second_codes = bool(_CODES.search(first)), bool(_CODES.search(second))
    if first_codes != second_codes:
        return first if first_codes else second
    folded_first, folded_second = " ".join(first.split()).lower(), " ".join(second.split()).lower()
    if len(folded_second) > len(folded_first) and folded_first in folded_second:
        return second
    return first


def _is_generic(status: str | None) -> bool:
    return status is None or status.endswith(".0.0")


def _is_final_expiry(target: RecipientFinding, source: RecipientFinding) -> bool:
    """Whether the text reports as a final expiry what the part calls "delayed"."""
    return (
        source.reason_hint is Reason.EXPIRED
        and source.action == "failed"
        and (target.action or "").lower() == "delayed"
    )


def _stated_status(target: RecipientFinding, source: RecipientFinding) -> str | None:
    """The status the merged finding keeps (see the module docstring)."""
    if _is_final_expiry(target, source) and (target.status or "").startswith("4."):
        return source.status if source.status and not source.status.startswith("4.") else None
    if target.diagnostic is None and source.reason_hint is not None and _is_generic(target.status):
        return None if _is_generic(source.status) else source.status
    if target.status is None or (_is_generic(target.status) and not _is_generic(source.status)):
        return source.status or target.status
    return target.status


def _temporary(
    target: RecipientFinding, source: RecipientFinding, stated: str | None, final: bool
) -> bool | None:
    """Whether a failure left without a status is temporary: the class of its placeholder.

    A final expiry is not (the report is final); else the class of the generic status the
    part stated, which the merge dropped; else what either side read of the format.
    """
    if target.status is None:
        if final:
            return False
        if stated and stated[0] in "45":
            return stated[0] == "4"
    return target.temporary if target.temporary is not None else source.temporary


def _answered_quit(target: RecipientFinding, source: RecipientFinding) -> bool:
    """Whether the part reports a success reply (a QUIT's "221") where the text has a failure."""
    return bool(target.reply_code and target.reply_code.startswith("2") and source.reply_code)


def _fill(target: RecipientFinding, source: RecipientFinding) -> None:
    final_expiry, stated = _is_final_expiry(target, source), target.status
    target.status = _stated_status(target, source)
    if _answered_quit(target, source):  # the part's reply and status are not the remote's
        target.reply_code = source.reply_code
        target.status = source.status or target.status
    target.temporary = _temporary(target, source, stated, final_expiry)
    if final_expiry:
        target.action, target.kind = "failed", Kind.BOUNCE
    target.diagnostic = better_diagnostic(target.diagnostic, source.diagnostic)
    target.reply_code = target.reply_code or source.reply_code
    target.remote_mta = target.remote_mta or source.remote_mta
    target.reason_hint = target.reason_hint or source.reason_hint
    target.feedback_type = target.feedback_type or source.feedback_type
    target.command = target.command or source.command


def merge_findings(
    status_findings: list[RecipientFinding],
    text_findings: list[RecipientFinding],
    *,
    text_names_recipient: bool = False,
) -> list[RecipientFinding]:
    """The status part's findings, completed from the text's; the list given is updated.

    `text_names_recipient`: the text names each recipient as the sender addressed it
    (`parse.mta.TEXT_NAMES_RECIPIENT`), so a recipient paired by position takes the text's
    address where the part names another.
    """
    if not text_findings:
        return status_findings
    by_address = {f.address.lower(): f for f in text_findings}
    same_count = len(text_findings) == len(status_findings)
    for position, finding in enumerate(status_findings):
        source = by_address.get(finding.address.lower())
        if source is None and finding.original_recipient:
            source = by_address.get(finding.original_recipient.lower())
        if source is None and same_count:
            source = text_findings[position]
            if text_names_recipient:
                finding.address, finding.original_recipient = source.address, None
        if source is not None:
            _fill(finding, source)
    return status_findings


def mark_guessed_statuses(findings: list[RecipientFinding]) -> None:
    """Mark the specific statuses that a family in `parse.mta.GUESSES_STATUS` wrote for a remote
    reply stating none of its own (`RecipientFinding.status_guessed`)."""
    for finding in findings:
        reply = finding.diagnostic or ""
        remote = _REMOTE_REPLY.match(reply) is not None
        finding.status_guessed = remote and not _is_generic(finding.status) and find_status(reply) is None
