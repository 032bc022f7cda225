"""Where a plain-text NDR puts each address's error (`parse.ndr_text`), and causes for
recipients found elsewhere (`parse.fallback`)."""

from __future__ import annotations

from pathlib import Path

from bouncewarden.parse import ParsedReport, parse_message
from bouncewarden.parse.ndr_text import failure_at, memo_for, states_failure, text_cause

SAMPLES = Path(__file__).parents[1] / "samples" / "plaintext"


def test_same_line_and_paragraph() -> None:
    lines = ["<a@example.com>: host mx.example.com said: 550 5.1.1 no such user", "", "bye"]
    found = failure_at(lines, 0)
    assert found is not None and (found.reply_code, found.status) == ("550", "5.1.1")
    lines = ["<a@example.com>:", "Sorry, no mailbox here by that name. (#5.1.1)"]
    found = failure_at(lines, 0)
    assert found is not None and found.status == "5.1.1"


def test_heading_above_a_bare_address() -> None:
    lines = ["Delivery to the following recipients failed.", "", "       a@example.com", ""]
    found = failure_at(lines, 2)
    assert found is not None and found.diagnostic == "Delivery to the following recipients failed."


def test_cause_in_the_next_paragraph() -> None:
    lines = [
        'Your message wasn\'t delivered to "a@example.com".',
        "",
        "550 5.1.1 The account does not exist.",
    ]
    found = failure_at(lines, 0)
    assert found is not None and found.status == "5.1.1"
    assert found.diagnostic is not None and found.diagnostic.endswith("does not exist.")


def test_no_failure_no_finding() -> None:
    assert failure_at(["This message was sent to a@example.com by our newsletter.", ""], 0) is None
    # the next paragraph names another address: it is that one's, not this one's
    lines = ["Copy to a@example.com", "", "b@example.com: 550 unknown"]
    assert failure_at(lines, 0) is None


def test_an_accepted_rcpt_takes_the_later_refusal() -> None:
    lines = [">>> RCPT To:<a@example.com>", "<<< 250 ok", ">>> DATA", "<<< 554 5.7.1 spam refused"]
    found = failure_at(lines, 0)
    assert found is not None and (found.reply_code, found.status) == ("554", "5.7.1")


def test_text_cause_prefers_a_code() -> None:
    lines = ["Your message could not be delivered.", "", "Remote said: 552 5.2.2 over quota"]
    assert text_cause(lines).status == "5.2.2"


def test_unreadable_final_recipient_keeps_the_status_part_cause() -> None:
    report = parse_message((SAMPLES / "dsn-invalid-final-recipient.eml").read_bytes())
    assert isinstance(report, ParsedReport)
    [row] = report.recipients
    assert (row.address, row.status, row.reply_code) == ("nils@example.com", "5.1.1", "550")
    assert row.address != report.original_sender


def test_each_entry_of_a_list_keeps_its_own_cause() -> None:
    lines = [
        "The message was undeliverable to the following:",
        "\ta@example.com (mailbox full)",
        "\tb@example.com (user not found)",
    ]
    first, second = failure_at(lines, 1), failure_at(lines, 2)
    assert first is not None and first.diagnostic == "a@example.com (mailbox full)"
    assert second is not None and second.diagnostic == "b@example.com (user not found)"


def test_every_entry_of_a_long_list_gets_the_heading() -> None:
    lines = ["The following addresses failed:", *(f"  user{n}@example.com" for n in range(40)), ""]
    memo = memo_for(lines)
    assert all(failure_at(lines, index, memo) is not None for index in range(1, 41))


def test_digits_in_an_address_are_no_reply_code() -> None:
    assert not states_failure("user500@example.com")
    assert states_failure("user500@example.com: 550 mailbox unavailable")
    assert failure_at(["user450@example.com", "", "user451@example.com"], 0) is None


def test_help_text_addresses_are_not_recipients() -> None:
    data = (
        b"From: MAILER-DAEMON@mx.example.net\nSubject: Returned mail\nTo: bounces@example.org\n\n"
        b"Please report problems to helpdesk@example.net.\nFor help, write to noc@example.net\n\n"
        b"<gone@example.com>: 550 user unknown\n"
    )
    report = parse_message(data)
    assert isinstance(report, ParsedReport)
    assert [r.address for r in report.recipients] == ["gone@example.com"]
