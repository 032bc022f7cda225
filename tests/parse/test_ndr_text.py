"""Where a plain-text NDR puts each address's error (`parse.ndr_text`), and causes for
recipients found elsewhere (`parse.fallback`)."""

from __future__ import annotations

from pathlib import Path

from bouncewarden.parse import ParsedReport, parse_message
from bouncewarden.parse.ndr_text import failure_at, text_cause

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
