"""RFC 3834 auto-replies and vacation notices: kind autoreply, reason vacation, never a bounce."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bouncewarden.events import Kind, Reason, Severity
from bouncewarden.parse import ParsedReport, parse_message
from bouncewarden.parse.autoreply import is_autoreply
from bouncewarden.parse.message import BounceMessage


@pytest.mark.parametrize(
    ("name", "address"),
    [
        ("rfc3834-02.eml", "nekonyaan@example.org"),
        ("rfc3834-03.eml", "kijitora@apple.example.com"),
        ("rfc3834-05.eml", "foo@bar.net"),
    ],
)
def test_autoreply_samples(sample: Callable[..., bytes], name: str, address: str) -> None:
    result = parse_message(sample(name))
    assert isinstance(result, ParsedReport)
    assert result.parser == "rfc3834"
    [row] = result.recipients
    assert (row.address, row.kind, row.reason, row.severity) == (
        address,
        Kind.AUTOREPLY,
        Reason.VACATION,
        Severity.NONE,
    )


def test_bounce_marked_auto_replied_is_still_a_bounce(sample: Callable[..., bytes]) -> None:
    # Postfix marks its bounces "Auto-Submitted: auto-replied"; the daemon sender decides.
    message = BounceMessage(sample("rhost-google-02.eml"))
    assert message.header("Auto-Submitted") == "auto-replied"
    assert not is_autoreply(message)
    result = parse_message(sample("rhost-google-02.eml"))
    assert isinstance(result, ParsedReport)
    assert result.recipients[0].kind is Kind.BOUNCE


def test_plain_mail_is_not_a_bounce() -> None:
    result = parse_message(b"From: a@example.com\nTo: b@example.org\nSubject: lunch?\n\nnoon?\n")
    assert type(result).__name__ == "NotABounce"
