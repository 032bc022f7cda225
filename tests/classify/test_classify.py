"""Table-driven tests of `classify`: each row of cases.tsv is what a report says -> reason, severity."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bouncewarden.classify import Classification, classify
from bouncewarden.events import Kind, Reason, Severity, is_hard
from bouncewarden.parse.report import RecipientFinding

_CASES = Path(__file__).with_name("cases.tsv")


def _rows() -> list[dict[str, str]]:
    lines = [line for line in _CASES.read_text().splitlines() if not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


def _value(text: str) -> str | None:
    return None if text == "-" else text


@pytest.mark.parametrize("row", _rows(), ids=lambda row: f"{row['reason']}:{row['diagnostic'][:40]}")
def test_case(row: dict[str, str]) -> None:
    finding = RecipientFinding(
        address=row["address"],
        action=_value(row["action"]),
        status=_value(row["status"]),
        reply_code=_value(row["reply"]),
        diagnostic=_value(row["diagnostic"]),
        remote_mta=_value(row["remote_mta"]),
        kind=Kind(row["kind"]),
    )
    result = classify(finding, command=_value(row["command"]))
    assert result == Classification(Reason(row["reason"]), Severity(row["severity"]))


def test_table_covers_every_reason() -> None:
    covered = {Reason(row["reason"]) for row in _rows()}
    assert covered == set(Reason)


def test_hard_only_for_address_reasons() -> None:
    for row in _rows():
        assert (row["severity"] == "hard") == is_hard(Reason(row["reason"]))


def test_not_spam_feedback_has_no_severity() -> None:
    finding = RecipientFinding(address="user@example.net", kind=Kind.COMPLAINT, feedback_type="not-spam")
    assert classify(finding) == Classification(Reason.FEEDBACK, Severity.NONE)


def test_parser_hint_used_when_nothing_else_speaks() -> None:
    finding = RecipientFinding(address="user@example.net", status="5.0.0", reason_hint=Reason.SUSPEND)
    assert classify(finding).reason is Reason.SUSPEND


def test_parser_hint_confirms_an_unknown_user() -> None:
    finding = RecipientFinding(
        address="user@example.net",
        status="5.2.1",
        diagnostic="550 5.2.1 <user@example.net>... User Unknown",
        reason_hint=Reason.USERUNKNOWN,
    )
    assert classify(finding).reason is Reason.USERUNKNOWN


def test_wording_beats_the_hint() -> None:
    finding = RecipientFinding(
        address="user@example.net",
        diagnostic="550 5.7.1 blocked using bl.spamcop.net",
        reason_hint=Reason.USERUNKNOWN,
    )
    assert classify(finding) == Classification(Reason.BLOCKED, Severity.SENDER)


def test_a_temporary_null_mx_answer_is_not_hard() -> None:
    text = "The domain example.net does not receive email according to the administrator: returned Null MX"
    permanent = RecipientFinding(address="user@example.net", status="5.1.10", diagnostic=text)
    temporary = RecipientFinding(address="user@example.net", status="4.0.0", diagnostic=text)
    by_reply = RecipientFinding(address="user@example.net", reply_code="451", diagnostic=text)
    assert classify(permanent) == Classification(Reason.NOTACCEPT, Severity.HARD)
    assert classify(temporary) == Classification(Reason.NOTACCEPT, Severity.SOFT)
    assert classify(by_reply) == Classification(Reason.NOTACCEPT, Severity.SOFT)


def test_the_reporting_mta_stands_for_the_remote_host_when_none_is_named() -> None:
    # MessageLabs writes its own report: "542 <address> Rejected" is an unregistered recipient.
    text = "542 user@example.net Rejected"
    own = RecipientFinding(
        address="user@example.net", diagnostic=text, reporting_mta="server-7.bemta-1.messagelabs.com"
    )
    elsewhere = RecipientFinding(address="user@example.net", diagnostic=text, reporting_mta="mx.example.org")
    assert classify(own) == Classification(Reason.USERUNKNOWN, Severity.HARD)
    assert classify(elsewhere).reason is Reason.ONHOLD
    auth = RecipientFinding(
        address="user@example.net",
        diagnostic="550-Please turn on SMTP Authentication in your mail client.",
        reporting_mta="server-7.bemta-1.messagelabs.com",
    )
    assert classify(auth).reason is Reason.SECURITYERROR


def test_amazon_ses_inbound_mailbox_does_not_exist_is_a_receipt_rule() -> None:
    def finding(reporting_mta: str) -> RecipientFinding:
        return RecipientFinding(
            address="user@example.net",
            status="5.1.1",
            reply_code="550",
            diagnostic="550 5.1.1 Mailbox does not exist",
            reporting_mta=reporting_mta,
        )

    assert classify(finding("inbound-smtp.us-west-2.amazonaws.com")) == Classification(
        Reason.FILTERED, Severity.SOFT
    )
    assert classify(finding("mx.example.org")) == Classification(Reason.USERUNKNOWN, Severity.HARD)


def test_guessed_status_weighs_with_its_class_only() -> None:
    # sendmail writes 5.1.1 for any refused RCPT: as a guess it proves no unknown user
    said = dict(address="user@example.net", status="5.1.1", diagnostic="550 Request refused", command="RCPT")
    assert classify(RecipientFinding(**said)).reason is Reason.USERUNKNOWN
    guessed = classify(RecipientFinding(**said, status_guessed=True))
    assert guessed.reason is not Reason.USERUNKNOWN and guessed.severity is not Severity.HARD
