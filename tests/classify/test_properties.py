"""Invariants of classification, checked with Hypothesis on arbitrary input."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bouncewarden.classify import classify
from bouncewarden.classify.patterns import OperatorRule
from bouncewarden.events import Kind, Reason, Severity, default_severity, is_hard
from bouncewarden.parse.report import RecipientFinding

_maybe_text = st.one_of(st.none(), st.text(max_size=300))
_statuses = st.one_of(st.none(), st.text(max_size=12), st.from_regex(r"\A[245]\.\d{1,3}\.\d{1,3}\Z"))
_replies = st.one_of(st.none(), st.text(max_size=5), st.from_regex(r"\A[245]\d\d\Z"))

_findings = st.builds(
    RecipientFinding,
    address=st.text(max_size=60),
    action=_maybe_text,
    status=_statuses,
    reply_code=_replies,
    diagnostic=_maybe_text,
    remote_mta=_maybe_text,
    reason_hint=st.one_of(st.none(), st.sampled_from(Reason)),
    feedback_type=st.one_of(st.none(), st.sampled_from(["abuse", "not-spam", "fraud"])),
    kind=st.sampled_from(Kind),
)


@given(_findings, st.one_of(st.none(), st.text(max_size=12)))
def test_classify_never_raises_and_severity_follows_reason(
    finding: RecipientFinding, command: str | None
) -> None:
    result = classify(finding, command=command)
    if result.reason is Reason.NOTACCEPT and result.severity is Severity.SOFT:
        # The one exception: a temporary "does not accept mail" (4.x.x status or 4xx reply).
        temporary = (finding.status or "").startswith("4") or (finding.reply_code or "").startswith("4")
        assert temporary
        return
    assert result.severity is default_severity(result.reason, finding.feedback_type)
    assert (result.severity is Severity.HARD) == is_hard(result.reason)


@given(_findings, st.text(max_size=40), st.sampled_from(Severity))
def test_broken_operator_rules_never_raise(
    finding: RecipientFinding, pattern: str, severity: Severity
) -> None:
    result = classify(finding, [OperatorRule(pattern, severity)])
    assert result.reason in set(Reason)
