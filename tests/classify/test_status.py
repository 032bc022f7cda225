"""RFC 3463 status codes, SMTP reply codes and the command a reply answered."""

from __future__ import annotations

import pytest

from bouncewarden.classify.command import SmtpCommand, command_from_text, normalise_command
from bouncewarden.classify.replycode import reason_from_reply
from bouncewarden.classify.status import (
    find_status,
    is_generic,
    parse_status,
    pseudo_status,
    reason_from_status,
)
from bouncewarden.events import Reason


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        ("5.1.1", Reason.USERUNKNOWN),
        ("4.1.1", Reason.USERUNKNOWN),
        ("5.1.2", Reason.HOSTUNKNOWN),
        ("5.1.6", Reason.HASMOVED),
        ("5.1.8", Reason.REJECTED),
        ("5.2.2", Reason.MAILBOXFULL),
        ("4.2.2", Reason.MAILBOXFULL),
        ("5.3.4", Reason.MESGTOOBIG),
        ("4.4.7", Reason.EXPIRED),
        ("5.7.13", Reason.SUSPEND),
        ("5.7.25", Reason.REQUIREPTR),
        ("5.7.26", Reason.AUTHFAILURE),
        ("5.7.606", Reason.BLOCKED),
        ("5.7.649", Reason.BLOCKED),
        ("5.7.509", Reason.AUTHFAILURE),
        ("5.1.10 (null MX)", Reason.NOTACCEPT),
        ("5.01.01", Reason.USERUNKNOWN),
    ],
)
def test_precise_statuses_name_a_reason(status: str, reason: Reason) -> None:
    assert reason_from_status(status) is reason
    assert not is_generic(status)


@pytest.mark.parametrize(
    "status", [None, "", "5.0.0", "4.0.0", "5.7.1", "5.7.0", "5.2.0", "2.0.0", "x.y.z", "6.1.1"]
)
def test_generic_or_malformed_statuses_name_none(status: str | None) -> None:
    assert reason_from_status(status) is None
    assert is_generic(status)


def test_parse_status_parts() -> None:
    parsed = parse_status("4.7.26 (multiple authentication checks failed)")
    assert parsed is not None
    assert (str(parsed), parsed.key, parsed.is_temporary) == ("4.7.26", "7.26", True)


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("550 5.1.1 <user@example.net>... User unknown", "5.1.1"),
        ("550-5.7.26 Unauthenticated email", "5.7.26"),
        ("sorry, no mailbox here by that name. (#5.1.1)", "5.1.1"),
        ("550 #5.1.0 Address rejected.", "5.1.0"),
        ("see RFC 1.2.3.4 for details", None),
        ("version 5.1.10.2 of the server", None),
    ],
)
def test_find_status(text: str, status: str | None) -> None:
    assert find_status(text) == status


def test_pseudo_status() -> None:
    assert pseudo_status(Reason.USERUNKNOWN) == "5.0.911"
    assert pseudo_status(Reason.EXPIRED, temporary=True) == "4.0.947"
    assert pseudo_status(Reason.FEEDBACK) is None


@pytest.mark.parametrize(
    ("reply", "reason"),
    [("552", Reason.MAILBOXFULL), ("556", Reason.NOTACCEPT), ("503", Reason.SYNTAXERROR), ("550", None)],
)
def test_reply_codes(reply: str, reason: Reason | None) -> None:
    assert reason_from_reply(reply) is reason


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("host mx.example.net said: 550 User unknown (in reply to RCPT TO command)", SmtpCommand.RCPT),
        ("said: 550 Rejected (in reply to end of DATA command)", SmtpCommand.DATA),
        ("SMTP error from remote mail server after MAIL FROM:<a@example.org> SIZE=10: 550", SmtpCommand.MAIL),
        ("SMTP error from remote mail server after initial connection: 554", SmtpCommand.CONNECT),
        ("192.0.2.1 does not like recipient. Remote host said: 550", SmtpCommand.RCPT),
        ("Connected to 192.0.2.1 but my name was rejected.", SmtpCommand.HELO),
        ("mx.example.net [192.0.2.1] did not like our final DATA: 550", SmtpCommand.DATA),
        ("Remote host said: 550 5.1.1 User Unknown [RCPT_TO]", SmtpCommand.RCPT),
        ("550 User unknown", None),
    ],
)
def test_command_from_text(text: str, command: SmtpCommand | None) -> None:
    assert command_from_text(text) is command


def test_normalise_command() -> None:
    assert normalise_command("RCPT TO:<a@example.net>") is SmtpCommand.RCPT
    assert normalise_command("ehlo") is SmtpCommand.HELO
    assert normalise_command("NOOP") is None
    assert normalise_command(None) is None


def test_wording_tables_are_lower_case() -> None:
    """reasons.py searches lower-cased text, so an upper-case letter in a pattern never matches."""
    import re

    from bouncewarden.classify import reasons

    for _verdict, pattern in reasons._SCREENED.patterns:
        assert not re.search(r"(?<!\\)[A-Z]", pattern.pattern), pattern.pattern
