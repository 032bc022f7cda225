"""Operator rules: parsing `PATTERN ==> SEVERITY [REASON]` and their precedence over our tables."""

from __future__ import annotations

import pytest

from bouncewarden.classify import Classification, OperatorRule, classify, parse_rule, parse_rules
from bouncewarden.classify.patterns import RuleSyntaxError, match_rule
from bouncewarden.events import Reason, Severity
from bouncewarden.parse.report import RecipientFinding

_BLOCKED = RecipientFinding(
    address="user@example.net",
    status="5.7.1",
    reply_code="550",
    diagnostic=(
        "550 5.7.1 Unfortunately, messages from [192.0.2.9] weren't sent (blocked using zen.spamhaus.org)"
    ),
)


def test_parse_rule_with_severity_only() -> None:
    assert parse_rule("550 5.7.1 Unfortunately, messages from ==> hard") == OperatorRule(
        "550 5.7.1 Unfortunately, messages from", Severity.HARD
    )


def test_parse_rule_with_reason() -> None:
    assert parse_rule("quota exceeded ==> Soft MailboxFull") == OperatorRule(
        "quota exceeded", Severity.SOFT, Reason.MAILBOXFULL
    )


@pytest.mark.parametrize(
    "line",
    [
        "no arrow here",
        "==> hard",
        "x ==> ",
        "x ==> fatal",
        "x ==> hard nosuchreason",
        "x ==> hard a b",
        "(x ==> hard",
    ],
)
def test_parse_rule_refuses_malformed_lines(line: str) -> None:
    with pytest.raises(RuleSyntaxError):
        parse_rule(line)


def test_parse_rules_skips_comments_and_blanks() -> None:
    rules = parse_rules("# operator overrides\n\nfoo ==> soft\n  bar ==> sender blocked\n")
    assert [rule.pattern for rule in rules] == ["foo", "bar"]


def test_operator_rule_wins_over_everything() -> None:
    rules = [parse_rule("550 5.7.1 Unfortunately, messages from ==> hard")]
    assert classify(_BLOCKED, rules) == Classification(Reason.BLOCKED, Severity.HARD, rules[0])


def test_operator_rule_may_set_the_reason() -> None:
    rules = [parse_rule("weren't sent ==> soft undefined")]
    assert classify(_BLOCKED, rules) == Classification(Reason.UNDEFINED, Severity.SOFT, rules[0])


def test_without_rules_the_blocklist_refusal_is_the_senders() -> None:
    assert classify(_BLOCKED) == Classification(Reason.BLOCKED, Severity.SENDER)


def test_rule_matches_codes_stated_outside_the_diagnostic() -> None:
    rule = parse_rule("^550 5\\.2\\.2 over quota ==> hard")
    assert match_rule([rule], "over quota", reply_code="550", status="5.2.2") is rule
    assert match_rule([rule], "over quota", reply_code="552", status="5.2.2") is None


def test_first_matching_rule_wins() -> None:
    first, second = parse_rule("spamhaus ==> soft"), parse_rule("unfortunately ==> hard")
    assert match_rule([first, second], _BLOCKED.diagnostic) is first


def test_an_invalid_pattern_is_matched_literally() -> None:
    rule = OperatorRule("[unclosed", Severity.HARD)
    assert match_rule([rule], "text with [unclosed bracket") is rule
    assert match_rule([rule], "nothing like it") is None
