"""The parse pipeline: raw bytes in, a classified report (or a typed refusal) out.

Order of the attempts (STYLE.md, "Plugging in a new format"):

1. complaints: RFC 5965 ARF and older complaint formats (`arf`);
2. RFC 3464 delivery-status parts (`dsn`), completed by the MTA module that recognises the
   text (a better diagnostic, a specific status where the part has a generic one);
3. challenge-response requests (`challenge`) and RFC 3834 auto-replies (`autoreply`);
4. the MTA modules of `parse.mta.PARSERS` whose cheap `detect` says yes, in registry order;
5. the generic fallback for plain-text bounces (`fallback`).

A plain text that says it is only a warning (`delay_notice`) makes its failures delays. One
report gives one row per recipient: an address read twice (a transcript that repeats it)
is kept once, its first reading.

Every finding is then classified (`bouncewarden.classify.classify`) into a RecipientResult.
A delay notice whose cause nothing names (`onhold`, `undefined`) is `expired`: all it says is
that delivery time is running out, and that is the word Sisimai, whose vocabulary DESIGN.md
uses, gives it. (SES delays keep their own labels: `parse.ses_reasons`.)
`parse_message` never raises: anything unexpected becomes `Unparseable` with the reason. An
MTA module that fails is skipped and named in the report's `defects`, so one faulty plug-in
cannot hide a bounce the others read.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bouncewarden.classify import Classification, OperatorRule, classify, pseudo_status
from bouncewarden.events import Kind, Reason, default_severity
from bouncewarden.parse.addresses import tidy_address
from bouncewarden.parse.arf import is_feedback, parse_feedback
from bouncewarden.parse.autoreply import is_autoreply, parse_autoreply
from bouncewarden.parse.challenge import is_challenge, parse_challenge
from bouncewarden.parse.delay_notice import is_delay_notice, is_success_notice
from bouncewarden.parse.dsn import findings_from_status, parse_date
from bouncewarden.parse.fallback import parse_fallback
from bouncewarden.parse.merge import mark_guessed_statuses, merge_findings
from bouncewarden.parse.message import BounceMessage
from bouncewarden.parse.mta import GUESSES_STATUS, PARSERS, TEXT_NAMES_RECIPIENT
from bouncewarden.parse.original import OriginalHeaders, original_headers
from bouncewarden.parse.own_addresses import list_addresses
from bouncewarden.parse.report import (
    NotABounce,
    ParsedReport,
    ParseResult,
    RecipientFinding,
    RecipientResult,
    Unparseable,
)
from bouncewarden.parse.verp import verp_from_headers

__all__ = ["parse_bounce_message", "parse_message"]


@dataclass(slots=True)
class _Attempt:
    """What the stages found so far, and the oddities met on the way."""

    findings: list[RecipientFinding] = field(default_factory=list)
    parser: str = ""
    defects: list[str] = field(default_factory=list)


def _mta_findings(message: BounceMessage, attempt: _Attempt) -> tuple[str, list[RecipientFinding]]:
    """The first MTA module that detects and reads the message: (its name, its findings)."""
    for module in PARSERS:
        try:
            if module.detect(message):
                findings = module.parse(message)
                if findings:
                    return module.NAME, findings
        except Exception as err:  # the plug-in boundary: skip a faulty module, note it
            attempt.defects.append(f"{module.NAME}: {type(err).__name__}: {err}")
    return "", []


def _find(message: BounceMessage, original: OriginalHeaders) -> _Attempt:
    attempt = _Attempt(defects=list(message.defects))
    if is_feedback(message):
        attempt.findings, attempt.parser = parse_feedback(message), "arf"
        return attempt
    if message.delivery_status is not None:
        attempt.findings = findings_from_status(message.delivery_status)
        if attempt.findings:
            name, extra = _mta_findings(message, attempt)
            attempt.findings = merge_findings(
                attempt.findings, extra, text_names_recipient=name in TEXT_NAMES_RECIPIENT
            )
            if name in GUESSES_STATUS:
                mark_guessed_statuses(attempt.findings)
            attempt.parser = "dsn+" + name if name else "dsn"
            return attempt
        attempt.defects.append("delivery-status part without a readable recipient")
    elif is_challenge(message):  # an auto-reply, or nothing at all: never a failure
        attempt.findings, attempt.parser = parse_challenge(message, original), "challenge"
        return attempt
    if is_autoreply(message):
        attempt.findings, attempt.parser = parse_autoreply(message), "rfc3834"
        if attempt.findings:
            return attempt
    attempt.parser, attempt.findings = _mta_findings(message, attempt)
    if attempt.findings:  # the list's own addresses and the original's sender never failed
        never = list_addresses(original) | {a.lower() for a in (original.sender, original.return_path) if a}
        attempt.findings = [f for f in attempt.findings if f.address.lower() not in never]
    if not attempt.findings:
        attempt.findings, attempt.parser = parse_fallback(message, original), "fallback"
    if attempt.findings:
        _mark_notices(message, attempt.findings)
    return attempt


def _mark_notices(message: BounceMessage, findings: list[RecipientFinding]) -> None:
    """Plain-text warnings make their failures delays, success reports deliveries."""
    failures = [f for f in findings if f.kind is Kind.BOUNCE and f.action in (None, "failed")]
    if not failures:
        return
    if is_delay_notice(message):
        for finding in failures:
            finding.action = "delayed"
    elif all((f.reply_code or "2").startswith("2") for f in failures) and is_success_notice(message):
        for finding in failures:
            finding.action, finding.kind = "delivered", Kind.DELIVERY


def _one_per_recipient(findings: list[RecipientFinding]) -> list[RecipientFinding]:
    """The findings with each (address, kind) once, the first reading of a repeated address kept;
    each address tidied (`tidy_address`: no "SMTP=", quotes, brackets, trailing dot)."""
    seen: set[tuple[str, Kind]] = set()
    kept = []
    for finding in findings:
        finding.address = tidy_address(finding.address)
        key = (finding.address.lower(), finding.kind)
        if key not in seen:
            seen.add(key)
            kept.append(finding)
    return kept


def _kind(finding: RecipientFinding) -> Kind:
    if finding.kind is Kind.BOUNCE and (finding.action or "").lower() == "delayed":
        return Kind.DELAY
    return finding.kind


_TEMPORARY_WORDS = re.compile(r"temporar|persistent", re.IGNORECASE)


def _says_temporary(finding: RecipientFinding) -> bool:
    """Whether a failure without a status is known to be temporary, for its placeholder's class.

    The reply code decides; else what the parser read of the format (`finding.temporary`);
    else the diagnostic's own words ("temporary", "persistent"). The Action alone does not:
    a delay notice tells that delivery is still being tried, not that its cause is temporary,
    and the reference data gives such a cause a class-5 placeholder.
    """
    if finding.reply_code and finding.reply_code[0] in "45":
        return finding.reply_code[0] == "4"
    if finding.temporary is not None:
        return finding.temporary
    return _TEMPORARY_WORDS.search(finding.diagnostic or "") is not None


def _status(finding: RecipientFinding, kind: Kind, reason: Reason) -> str | None:
    """The report's status; for a failure that states none, a placeholder naming the reason."""
    if finding.status is not None or kind not in (Kind.BOUNCE, Kind.DELAY):
        return finding.status
    return pseudo_status(reason, _says_temporary(finding))


_UNCAUSED = frozenset({Reason.ONHOLD, Reason.UNDEFINED})


def _classify(finding: RecipientFinding, kind: Kind, rules: Sequence[OperatorRule]) -> Classification:
    verdict = classify(finding, rules)
    if kind is not Kind.DELAY or verdict.reason not in _UNCAUSED or verdict.rule is not None:
        return verdict  # not an uncaused delay, or the operator said so
    return Classification(Reason.EXPIRED, default_severity(Reason.EXPIRED))


def _result(finding: RecipientFinding, rules: Sequence[OperatorRule]) -> RecipientResult:
    kind = _kind(finding)
    if kind is Kind.DELIVERY and finding.reason_hint is None:
        finding.reason_hint = Reason.DELIVERED
    verdict = _classify(finding, kind, rules)
    return RecipientResult(
        address=finding.address,
        action=finding.action,
        status=_status(finding, kind, verdict.reason),
        reply_code=finding.reply_code,
        reason=verdict.reason,
        severity=verdict.severity,
        kind=kind,
        diagnostic=finding.diagnostic,
        remote_mta=finding.remote_mta,
        reporting_mta=finding.reporting_mta,
        feedback_type=finding.feedback_type,
        original_recipient=finding.original_recipient,
    )


def _occurred_at(message: BounceMessage, findings: list[RecipientFinding]) -> datetime | None:
    own = parse_date(message.header("Date"))
    if own is not None:
        return own
    return next((f.arrival_date for f in findings if f.arrival_date is not None), None)


def parse_bounce_message(message: BounceMessage, rules: Sequence[OperatorRule] = ()) -> ParseResult:
    """Read and classify an already parsed message (may raise: see `parse_message`)."""
    original = original_headers(message)
    attempt = _find(message, original)
    attempt.findings = _one_per_recipient(attempt.findings)
    if not attempt.findings:
        return NotABounce("no delivery report, complaint or auto-reply found")
    verp = verp_from_headers(message.headers("To"))
    return ParsedReport(
        recipients=tuple(_result(f, rules) for f in attempt.findings),
        parser=attempt.parser,
        message_id=message.header("Message-ID").strip() or None,
        original_message_id=original.message_id,
        original_sender=(verp.return_path if verp else None) or original.return_path or original.sender,
        campaign=original.campaign,
        occurred_at=_occurred_at(message, attempt.findings),
        defects=tuple(attempt.defects),
    )


def parse_message(data: bytes, rules: Sequence[OperatorRule] = ()) -> ParseResult:
    """Parse one raw email into a report, NotABounce or Unparseable; never raises."""
    if not data.strip():
        return Unparseable("empty input")
    try:
        return parse_bounce_message(BounceMessage(data), rules)
    except Exception as err:  # the one boundary: bad input is a value, never a crash
        return Unparseable(f"{type(err).__name__}: {err}")
