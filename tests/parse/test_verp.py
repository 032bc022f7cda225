"""VERP: decoding the recipient from a bounce address, and the round trip."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from bouncewarden.parse import ParsedReport, parse_message
from bouncewarden.parse.addresses import is_address
from bouncewarden.parse.verp import (
    VerpTemplate,
    decode_envelope_recipient,
    decode_verp,
    encode_verp,
    unwrap_sender,
    verp_from_headers,
)


def test_decode_plus_and_minus_forms() -> None:
    plus = decode_verp("bounces+user=example.org@return.example.com")
    minus = decode_verp("bounce-user=example.org@return.example.com")
    assert plus is not None and minus is not None
    assert (plus.recipient, plus.return_path) == ("user@example.org", "bounces@return.example.com")
    assert (minus.recipient, minus.return_path) == ("user@example.org", "bounce@return.example.com")


def test_not_verp() -> None:
    assert decode_verp("user@example.org") is None
    assert decode_verp("SRS0=HHH=TT=example.org=user@forwarder.example.net") is None
    assert decode_verp("bounces+user=localhost@return.example.com") is None


def test_from_headers() -> None:
    found = verp_from_headers(['"Bounces" <bounces+a.b=example.net@return.example.com>'])
    assert found is not None and found.recipient == "a.b@example.net"


@given(st.emails(), st.sampled_from(["+", "-"]))
def test_round_trip(recipient: str, separator: str) -> None:
    local, _, domain = recipient.rpartition("@")
    assume("=" not in local and "@" not in local and not local.startswith('"'))
    assume(not domain.startswith("["))
    decoded = decode_verp(encode_verp(recipient, "bounces@return.example.com", separator))
    assert decoded is not None
    assert decoded.recipient.lower() == recipient.lower()
    assert decoded.return_path == "bounces@return.example.com"


def test_unreadable_bounce_falls_back_to_verp() -> None:
    data = (
        b"From: MAILER-DAEMON@mx.example.net\nTo: bounces+reader=example.org@return.example.com\n"
        b"Subject: Undelivered Mail Returned to Sender\n\nSomething went wrong.\n"
    )
    result = parse_message(data)
    assert isinstance(result, ParsedReport)
    assert [r.address for r in result.recipients] == ["reader@example.org"]
    assert result.original_sender == "bounces@return.example.com"


def test_list_names_with_hyphens_and_ezmlm_numbers() -> None:
    mailman = decode_verp("announce-bounces+reader=example.org@lists.example.com")
    ezmlm = decode_verp("announce-return-417-reader=example.org@lists.example.com")
    assert mailman is not None and ezmlm is not None
    assert (mailman.recipient, mailman.return_path) == (
        "reader@example.org",
        "announce-bounces@lists.example.com",
    )
    assert ezmlm.recipient == "reader@example.org"


def test_signed_and_rewritten_senders_are_not_recipients() -> None:
    assert decode_verp("prvs=0412ab34cd=bounces@mail.example.org") is None
    assert unwrap_sender("prvs=0412ab34cd=bounces@mail.example.org") == "bounces@mail.example.org"
    assert unwrap_sender("prvs=bounces=0412ab34cd@mail.example.org") == "bounces@mail.example.org"
    assert unwrap_sender("SRS0=HhYq=2B=example.org=news@fwd.example.net") == "news@example.org"
    assert (
        unwrap_sender("SRS1=Xy=fwd.example.com==HhYq=2B=example.org=news@b.example.net") == "news@example.org"
    )
    assert unwrap_sender("reader@example.org") == "reader@example.org"


_IDS = st.from_regex(r"[A-Za-z0-9_]{1,12}", fullmatch=True)


@given(st.emails(), _IDS, _IDS)
def test_template_round_trip(recipient: str, campaign: str, message_id: str) -> None:
    local = recipient.rpartition("@")[0]
    assume("=" not in local and is_address(recipient))
    template = VerpTemplate("b.{campaign}.{message_id}.{local}={domain}")
    address = template.encode(recipient, "return.example.com", campaign=campaign, message_id=message_id)
    decoded = template.decode(address)
    assert decoded is not None
    assert (decoded.recipient, decoded.campaign, decoded.message_id) == (recipient, campaign, message_id)
    assert decoded.return_path == "b@return.example.com"


def test_templates_are_checked_and_tried_before_plain_verp() -> None:
    for bad in ("b.{local}", "{recipient}={domain}", "{local}={domain}.{local}"):
        with pytest.raises(ValueError, match="VERP template"):
            VerpTemplate(bad)
    template = VerpTemplate("r-{campaign}-{local}={domain}")
    found = decode_envelope_recipient("r-spring-user=example.org@bounces.example.com", [template])
    assert found is not None and (found.recipient, found.campaign) == ("user@example.org", "spring")
    plain = decode_envelope_recipient("bounces+user=example.org@bounces.example.com", [template])
    assert plain is not None and (plain.recipient, plain.campaign) == ("user@example.org", None)
