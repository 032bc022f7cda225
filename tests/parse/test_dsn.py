"""RFC 3464 delivery-status parts: field grouping quirks and per-recipient findings."""

from __future__ import annotations

from collections.abc import Callable

from bouncewarden.events import Kind
from bouncewarden.parse.dsn import findings_from_status, parse_delivery_status, reply_and_status
from bouncewarden.parse.message import BounceMessage


def test_blocks_with_blank_lines() -> None:
    status = parse_delivery_status(
        "Reporting-MTA: dns; mx.example.net\nArrival-Date: Wed, 16 Oct 2013 14:15:34 +0900\n\n"
        "Final-Recipient: rfc822; one@example.com\nAction: failed\nStatus: 5.1.1\n\n"
        "Final-Recipient: rfc822; two@example.com\nAction: delayed\nStatus: 4.2.2\n"
    )
    assert status.message_fields["reporting-mta"] == "dns; mx.example.net"
    assert [r["final-recipient"] for r in status.recipients] == [
        "rfc822; one@example.com",
        "rfc822; two@example.com",
    ]


def test_recipients_without_blank_lines_and_folded_values() -> None:
    status = parse_delivery_status(
        "Reporting-MTA: dns; mx.example.net\n"
        "Final-Recipient: rfc822; one@example.com\nAction: failed\nStatus: 5.1.1\n"
        "Diagnostic-Code: smtp; 550 5.1.1 <one@example.com>: Recipient address\n"
        "    rejected: User unknown\n"
        "Original-Recipient: rfc822; alias@example.com\n"
        "Final-Recipient: rfc822; two@example.com\nAction: failed\nStatus: 5.2.2\n"
    )
    assert status.message_fields == {"reporting-mta": "dns; mx.example.net"}
    assert len(status.recipients) == 2
    assert status.recipients[0]["diagnostic-code"].endswith("Recipient address rejected: User unknown")
    assert status.recipients[1]["original-recipient"] == "rfc822; alias@example.com"


def test_status_before_final_recipient(sample: Callable[..., bytes]) -> None:
    message = BounceMessage(sample("rhost-facebook-04.eml"))
    [finding] = findings_from_status(message.delivery_status or "")
    assert (finding.address, finding.status, finding.reply_code, finding.action) == (
        "kijitora@facebook.com",
        "5.1.1",
        "550",
        "failed",
    )


def test_action_first_and_original_after_final(sample: Callable[..., bytes]) -> None:
    for name, address in (
        ("lhost-receivingses-02.eml", "userunknown@neko.example.jp"),
        ("lhost-postfix-05.eml", "kijitora@example.org"),
    ):
        findings = findings_from_status(BounceMessage(sample(name)).delivery_status or "")
        assert [f.address for f in findings] == [address]


def test_source_routed_final_recipient_gives_way_to_original(sample: Callable[..., bytes]) -> None:
    [finding] = findings_from_status(
        BounceMessage(sample("lhost-messagingserver-02.eml")).delivery_status or ""
    )
    assert finding.address == "kijitora@example.net"


def test_remote_reply_status_beats_status_field(sample: Callable[..., bytes]) -> None:
    [finding] = findings_from_status(BounceMessage(sample("lhost-amazonses-01.eml")).delivery_status or "")
    assert (finding.status, finding.reply_code) == ("5.7.1", "550")


def test_x_actual_recipient_and_pipe_address() -> None:
    [finding] = findings_from_status(
        "Final-Recipient: RFC822; user\nX-Actual-Recipient: rfc822; user@mx.example.com\n"
        "Action: failed\nStatus: 5.0.0 (permanent failure)\n"
    )
    assert (finding.address, finding.status) == ("user@mx.example.com", "5.0.0")


def test_actions_give_kinds() -> None:
    text = "".join(
        f"Final-Recipient: rfc822; {action}@example.com\nAction: {action}\nStatus: 2.0.0\n\n"
        for action in ("failed", "delayed", "delivered", "relayed", "expanded")
    )
    kinds = [f.kind for f in findings_from_status(text)]
    assert kinds == [Kind.BOUNCE, Kind.DELAY, Kind.DELIVERY, Kind.DELIVERY, Kind.DELIVERY]


def test_reply_and_status() -> None:
    assert reply_and_status("550-5.1.1 The email account does not exist") == ("550", "5.1.1")
    assert reply_and_status("5.1.0 - Unknown address error 550-'5.2.2 full'") == ("550", "5.2.2")
    assert reply_and_status("421 service not available") == ("421", None)
    assert reply_and_status("Host unknown") == (None, None)
    assert reply_and_status(None) == (None, None)
