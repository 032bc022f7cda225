"""Classification: from what a report says to a reason and a severity.

`classify(finding)` is the one entry point the parsers use. The kind of feedback fixes some
outcomes (a complaint is `feedback`, an auto-reply `vacation`, a delivery `delivered`); for
bounces and delays it weighs the receiving provider's wording, the general wording of the
diagnostic, the enhanced status code (RFC 3463), the parser's hint and the SMTP reply code, in
that order (see `classify.decide`). Operator rules win over all of them.

Severity follows the reason (`events.default_severity`): only an address that cannot receive
mail is `hard`; refusals of the sender (blocklists, authentication, content, rate) are `sender`
and are never held against the recipient. One exception: a domain that "does not accept mail"
is hard only when the report says so permanently; with a temporary status or reply (4.x.x,
4xx) the DNS answer may still change, so it counts as `soft`.

Also offered here for parsers: `pseudo_status`, a placeholder status naming a reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from bouncewarden.classify.decide import decide_reason
from bouncewarden.classify.patterns import (
    OperatorRule,
    OperatorRules,
    RuleSyntaxError,
    match_rule,
    parse_rule,
    parse_rules,
)
from bouncewarden.classify.status import parse_status, pseudo_status
from bouncewarden.events import Kind, Reason, Severity, default_severity

if TYPE_CHECKING:  # parse imports classify at run time; this way round is for types only
    from bouncewarden.parse.report import RecipientFinding

__all__ = [
    "Classification",
    "OperatorRule",
    "OperatorRules",
    "RuleSyntaxError",
    "classify",
    "match_rule",
    "parse_rule",
    "parse_rules",
    "pseudo_status",
]

_KIND_REASONS = {
    Kind.AUTOREPLY: Reason.VACATION,
    Kind.DELIVERY: Reason.DELIVERED,
    Kind.COMPLAINT: Reason.FEEDBACK,
}


@dataclass(frozen=True, slots=True)
class Classification:
    """The reason and severity given to one finding, and the operator rule that decided, if any."""

    reason: Reason
    severity: Severity
    rule: OperatorRule | None = None


def _reason(finding: RecipientFinding, command: str | None) -> Reason:
    fixed = _KIND_REASONS.get(finding.kind)
    if fixed is not None:
        return fixed
    if finding.reason_hint in (Reason.FEEDBACK, Reason.VACATION):
        return finding.reason_hint
    return decide_reason(finding, command)


def _is_temporary(finding: RecipientFinding) -> bool:
    parsed = parse_status(finding.status)
    if parsed is not None:
        return parsed.is_temporary
    return (finding.reply_code or "").startswith("4")


def _severity(reason: Reason, finding: RecipientFinding) -> Severity:
    if reason is Reason.NOTACCEPT and _is_temporary(finding):
        return Severity.SOFT
    return default_severity(reason, finding.feedback_type)


def classify(
    finding: RecipientFinding, rules: Sequence[OperatorRule] = (), *, command: str | None = None
) -> Classification:
    """The reason and severity of one finding.

    `command` is the SMTP command the remote reply answered ("RCPT", "DATA", ...) when the
    caller knows it; else the finding's own `command`, which a parser read from a session
    transcript; else the diagnostic is searched for it. A status the reporting MTA guessed
    (`status_guessed`) weighs with its class only: the remote's words decide.
    """
    rule = match_rule(rules, finding.diagnostic, reply_code=finding.reply_code, status=finding.status)
    stage = command or finding.command
    if finding.status_guessed and finding.status:  # only its class is the remote's
        finding = replace(finding, status=f"{finding.status[0]}.0.0", status_guessed=False)
    reason = rule.reason if rule is not None and rule.reason is not None else _reason(finding, stage)
    severity = rule.severity if rule is not None else _severity(reason, finding)
    return Classification(reason, severity, rule)
