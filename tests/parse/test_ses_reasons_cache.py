"""`judge_bounce` remembers classifications; what it remembers must be what it would compute."""

from __future__ import annotations

import itertools

from bouncewarden.classify import OperatorRule, OperatorRules
from bouncewarden.events import Severity
from bouncewarden.parse.report import RecipientFinding
from bouncewarden.parse.ses_reasons import _classify_uncached, _hint, judge_bounce

_DIAGNOSTICS = (
    "smtp; 550 5.1.1 user unknown",
    "smtp; 550-5.1.1 The email account that you tried to reach does not exist. gsmtp",
    "smtp; 552 5.2.2 mailbox full",
    "smtp; 554 5.7.1 Service unavailable; client host blocked using zen.spamhaus.org",
    "smtp; 550 5.7.1 Unfortunately, messages from [192.0.2.1] weren't sent.",
    "smtp; 421 try again later",
)
_ADDRESSES = ("a@gmail.com", "b@example.org", "c@hotmail.com", "d@yahoo.co.jp", "<e@GMAIL.com> ")
_RULES = OperatorRules([OperatorRule("spamhaus", Severity.SENDER)])


def test_remembered_judgements_match_fresh_ones_whatever_the_order() -> None:
    cases = list(itertools.product(_DIAGNOSTICS, _ADDRESSES, ((), _RULES, list(_RULES))))
    for diagnostic, address, rules in cases + cases[::-1]:
        finding = RecipientFinding(address, action="failed", diagnostic=diagnostic)
        judged = judge_bounce("Permanent", "General", finding, rules)
        fresh = _classify_uncached(finding, _hint("Permanent", "General", finding), rules)
        assert (judged.reason, judged.severity) == (fresh.reason, fresh.severity), (diagnostic, address)


def test_operator_rules_are_part_of_what_is_remembered() -> None:
    finding = RecipientFinding("x@example.net", action="failed", diagnostic=_DIAGNOSTICS[3])
    assert judge_bounce("Permanent", "General", finding, _RULES).severity is Severity.SENDER
