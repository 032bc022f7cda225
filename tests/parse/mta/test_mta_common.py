"""The helpers shared by the MTA parsers, on the line shapes real bounces use."""

from __future__ import annotations

import pytest

from bouncewarden.parse.message import BounceMessage
from bouncewarden.parse.mta._common import (
    add_status_part,
    first_address,
    inline_fields,
    join_reply,
    make_finding,
    original_header,
    smtp_codes,
    split_blocks,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("host mx.example.com [192.0.2.1]: 550 5.1.1 <a@example.com>: User unknown", ("550", "5.1.1")),
        ("returned was: 554 554 5.7.0 Header error (state 18).", ("554", "5.7.0")),
        ("550-5.7.26 Unauthenticated email", ("550", "5.7.26")),
        ("Remote host said: 550: 5.1.1 <a@example.com>... User Unknown", ("550", "5.1.1")),
        ("Unable to contact LDAP server. (#4.4.3)", (None, "4.4.3")),
        ("ERROR_CODE :550, ERROR_CODE :5.1.1 <a@example.com>", ("550", "5.1.1")),
        ("after MAIL FROM:<s@example.org> SIZE=222: 550 Unroutable sender address", ("550", None)),
        ("[(0) example.com. [192.0.2.222]:25: socket error]", (None, None)),
        ("connect to mx.example.com[203.0.113.5]:25: Connection timed out", (None, None)),
    ],
)
def test_smtp_codes(text: str, expected: tuple[str | None, str | None]) -> None:
    assert smtp_codes(text) == expected


def test_join_reply_drops_repeated_code_prefixes() -> None:
    lines = [
        "550-5.7.26 Unauthenticated email is",
        "",
        "550-5.7.26 not accepted.",
        "550 5.7.26  See the policy",
    ]
    assert join_reply(lines) == "550-5.7.26 Unauthenticated email is not accepted. See the policy"


def test_first_address_prefers_angle_brackets() -> None:
    assert first_address("kijitora@example.com <neko@example.net>: malformed") == "neko@example.net"
    assert first_address("  user@example.org.") == "user@example.org"
    assert first_address("no address here") is None


def test_split_blocks_keeps_the_rest_of_the_opening_line() -> None:
    import re

    start = re.compile(r"^<(?P<address>[^>]+)>:")
    blocks = split_blocks(["preamble", "<a@example.com>: first", "more", "<b@example.com>:", "x"], start)
    assert blocks == [("a@example.com", ["first", "more"]), ("b@example.com", ["x"])]


def test_make_finding_reads_codes_from_the_diagnostic() -> None:
    finding = make_finding("<a@example.com>", "550 5.1.1  user\n  unknown", remote_mta="mx.example.com")
    assert (finding.address, finding.status, finding.reply_code) == ("a@example.com", "5.1.1", "550")
    assert finding.diagnostic == "550 5.1.1 user unknown"


STATUS_REPORT = b"""\
From: MAILER-DAEMON@example.org
Subject: failure
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b"

--b
Content-Type: text/plain

User user@example.com is unknown here.

--b
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.org

Final-Recipient: rfc822; user@example.com
Action: failed
Status: 5.1.1 (unknown user)

--b
Content-Type: text/rfc822-headers

From: sender@example.net
To: "User" <user@example.com>,
  other@example.com
Subject: hello

--b--
"""


def test_inline_fields_and_status_part() -> None:
    message = BounceMessage(STATUS_REPORT)
    groups = inline_fields(message.delivery_status or "")
    assert groups == [
        {"final-recipient": "rfc822; user@example.com", "action": "failed", "status": "5.1.1 (unknown user)"}
    ]
    findings = add_status_part(message, [make_finding("user@example.com", "unknown here")])
    assert findings[0].status == "5.1.1"


def test_original_header_unfolds() -> None:
    message = BounceMessage(STATUS_REPORT)
    assert original_header(message, "to") == '"User" <user@example.com>, other@example.com'
    assert original_header(message, "Cc") == ""
