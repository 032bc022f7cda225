"""What SES's own labels (bounce type and subtype, delay type) add to a recipient's DSN fields.

SES labels each bounce `Permanent`, `Transient` or `Undetermined` with a subtype (AWS SES guide,
"Bounce types"), but the label and the DSN can disagree, and DESIGN.md lets the DSN win:

- a non-existent domain arrives as `Transient`/`General` with `5.4.4` ("Invalid domain") and is
  hard (`hostunknown`);
- a DNS-blocklist refusal arrives as `Permanent`/`General` with `5.7.1` and is the sender's
  problem (`blocked`), never the recipient's;
- one Permanent bounce object may mix `failed`/`5.x.x` and `delayed`/`4.x.x` recipients, so every
  recipient is judged on its own.

So the classifier hears the DSN first (status and diagnostic, no hint). Only when that tells it
nothing does SES's label become the hint: a precise status meaning, else the subtype, else the
status class, else the bounce type. Three labels decide on their own: `Suppressed` and
`OnAccountSuppressionList` (SES refused to send; the address is already known bad; the latter is
not counted in SES's bounce rate), and `Transient`/`General` without any DSN, which is how SES
reports auto-replies (not a bounce at all).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from bouncewarden.classify import Classification, OperatorRule, classify
from bouncewarden.events import Kind, Reason, Severity
from bouncewarden.parse.report import RecipientFinding

__all__ = ["Judgement", "judge_bounce", "judge_delay"]

_SUPPRESSION_SUBTYPES = frozenset({"Suppressed", "OnAccountSuppressionList", "OnTenantSuppressionList"})
_UNCOUNTED_SUBTYPES = frozenset({"OnAccountSuppressionList", "OnTenantSuppressionList"})

# Subtypes whose name says what happened; `General` and `Undetermined` say nothing.
_SUBTYPE_REASONS: Mapping[str, Reason] = {
    "NoEmail": Reason.USERUNKNOWN,
    "MailboxFull": Reason.MAILBOXFULL,
    "MessageTooLarge": Reason.MESGTOOBIG,
    "ContentRejected": Reason.CONTENTERROR,
    "AttachmentRejected": Reason.CONTENTERROR,
    "EmailValidationSuppressed": Reason.USERUNKNOWN,
}

# What the bounce type alone implies. AWS: remove Permanent addresses at once.
_TYPE_REASONS: Mapping[str, Reason] = {
    "Permanent": Reason.USERUNKNOWN,
    "Transient": Reason.UNDEFINED,
    "Undetermined": Reason.UNDEFINED,
}

# RFC 3463 codes precise enough to name a reason (subject.detail, either class).
_STATUS_DETAIL_REASONS: Mapping[str, Reason] = {
    "1.1": Reason.USERUNKNOWN,
    "1.10": Reason.USERUNKNOWN,
    "1.2": Reason.HOSTUNKNOWN,
    "1.6": Reason.HASMOVED,
    "2.1": Reason.SUSPEND,
    "2.2": Reason.MAILBOXFULL,
    "3.4": Reason.MESGTOOBIG,
    "4.4": Reason.HOSTUNKNOWN,
    "4.7": Reason.EXPIRED,
}

_DELAY_REASONS: Mapping[str, Reason] = {
    "MailboxFull": Reason.MAILBOXFULL,
    "SpamDetected": Reason.SPAMDETECTED,
    "IPFailure": Reason.BLOCKED,
    "TransientCommunicationFailure": Reason.NETWORKERROR,
    "RecipientServerError": Reason.SYSTEMERROR,
    "InternalFailure": Reason.MAILERERROR,
    "BYOIPHostNameLookupUnavailable": Reason.REQUIREPTR,
    "SendingDeferral": Reason.SPEEDING,
}

_STATUS = re.compile(r"^([245])\.(\d{1,3})\.(\d{1,3})$")
_BLOCKLIST_WORDS = re.compile(
    r"block ?list|black ?list|dnsbl|\brbl\b|blocked using|listed (?:at|in|on)", re.I
)


@dataclass(frozen=True, slots=True)
class Judgement:
    """Kind, reason and severity for one SES recipient, and whether SES's rates count it."""

    kind: Kind
    reason: Reason
    severity: Severity
    counts_toward_rate: bool = True


def _precise_status_hint(status: str | None) -> Reason | None:
    match = _STATUS.match(status or "")
    if match is None:
        return None
    klass, subject, detail = match.groups()
    precise = _STATUS_DETAIL_REASONS.get(f"{subject}.{detail}")
    if precise is not None and (klass == "5" or precise in (Reason.MAILBOXFULL, Reason.EXPIRED)):
        return precise
    return None


def _policy_status_hint(status: str | None, diagnostic: str | None) -> Reason | None:
    """X.7.X is RFC 3463's security or policy subject: a refusal of the sender, not the address."""
    match = _STATUS.match(status or "")
    if match is None or match.group(2) != "7":
        return None
    return Reason.BLOCKED if _BLOCKLIST_WORDS.search(diagnostic or "") else Reason.POLICYVIOLATION


def _hint(bounce_type: str, sub_type: str, finding: RecipientFinding) -> Reason:
    precise = _precise_status_hint(finding.status)
    if precise is not None:
        return precise
    if sub_type in _SUBTYPE_REASONS:
        return _SUBTYPE_REASONS[sub_type]
    policy = _policy_status_hint(finding.status, finding.diagnostic)
    if policy is not None:
        return policy
    if (finding.status or "").startswith("4"):
        return Reason.UNDEFINED  # a delayed recipient inside a Permanent bounce object
    return _TYPE_REASONS.get(bounce_type, Reason.UNDEFINED)


def _classify_with_hint(
    finding: RecipientFinding, hint: Reason, rules: Sequence[OperatorRule]
) -> Classification:
    """The DSN alone first; SES's label only where the DSN said nothing classifiable."""
    plain = classify(replace(finding, reason_hint=None), rules)
    if plain.reason is not Reason.UNDEFINED or hint is Reason.UNDEFINED:
        return plain
    return classify(replace(finding, reason_hint=hint), rules)


def _has_dsn(finding: RecipientFinding) -> bool:
    return bool(finding.action or finding.status or finding.diagnostic)


def judge_bounce(
    bounce_type: str, sub_type: str, finding: RecipientFinding, rules: Sequence[OperatorRule] = ()
) -> Judgement:
    """Judge one bounced recipient of an SES bounce labelled `bounce_type`/`sub_type`."""
    if bounce_type == "Transient" and sub_type == "General" and not _has_dsn(finding):
        return Judgement(Kind.AUTOREPLY, Reason.VACATION, Severity.NONE, counts_toward_rate=False)
    counted = sub_type not in _UNCOUNTED_SUBTYPES
    if sub_type in _SUPPRESSION_SUBTYPES:
        return Judgement(Kind.BOUNCE, Reason.USERUNKNOWN, Severity.HARD, counts_toward_rate=counted)
    result = _classify_with_hint(finding, _hint(bounce_type, sub_type, finding), rules)
    return Judgement(Kind.BOUNCE, result.reason, result.severity, counts_toward_rate=counted)


def judge_delay(
    delay_type: str | None, finding: RecipientFinding, rules: Sequence[OperatorRule] = ()
) -> Judgement:
    """Judge one delayed recipient: SES is still retrying, so SES's rates do not count it."""
    hint = (
        _precise_status_hint(finding.status)
        or _DELAY_REASONS.get(delay_type or "")
        or _policy_status_hint(finding.status, finding.diagnostic)
    )
    result = _classify_with_hint(finding, hint or Reason.UNDEFINED, rules)
    return Judgement(Kind.DELAY, result.reason, result.severity, counts_toward_rate=False)
