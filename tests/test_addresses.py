"""The one address validator and the one comparable form (`bouncewarden.addresses`)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st

from bouncewarden.addresses import address_problem, normalise_address, valid_address
from bouncewarden.cli import main
from bouncewarden.errors import InvalidAddress
from feedback_files import ses_bounce

T0 = datetime(2025, 11, 3, 9, 0, tzinfo=UTC)


def run(database_url: str, *arguments: str) -> Result:
    return CliRunner().invoke(main, [*arguments, "--db", database_url], catch_exceptions=False)


IMPOSSIBLE = [
    "",
    "   ",
    "no-at-sign.example.com",
    "@example.com",
    "user@",
    "a b@example.com",
    "a\tb@example.com",
    "a\nb@example.com",
    "a\rb@example.com",
    "nul\x00@example.com",
    "del\x7f@example.com",
    "c1\x85@example.com",
    "nbsp\u00a0@example.com",
    "line\u2028sep@example.com",
    "=cmd|' /c calc'!a0@x.com",
    "a,b@example.com",
    "a;b@example.com",
    'a"b@example.com',
    "x" * 65 + "@example.com",
    "user@" + "a" * 64 + ".example",
    "user@" + ("abcdefghi." * 26) + "example",
    "user@exa mple.com",
    "user@example..com",
    "user@-example.com",
    "user@foo_bar.example",
    "user@xn--zz.example",
    '"unterminated\\"@example.com',
]

POSSIBLE = [
    "user@example.com",
    "User.Name+tag@Example.COM",
    "+sum(1+1)@x.com",
    "@sum(a1)@x.com",
    "-2+3@x.com",
    '"a b"@example.com',
    "taro..@docomo.example",
    "user@[192.0.2.1]",
    "ユーザー@例え.テスト",
    "user@bücher.example",
    "<user@example.com>",
]


@pytest.mark.parametrize("address", IMPOSSIBLE, ids=repr)
def test_impossible_addresses_are_refused_with_a_reason(address: str) -> None:
    assert address_problem(address)
    with pytest.raises(InvalidAddress, match="not an email address"):
        valid_address(address)


@pytest.mark.parametrize("address", POSSIBLE, ids=repr)
def test_possible_addresses_pass(address: str) -> None:
    assert address_problem(address) is None
    assert valid_address(address) == normalise_address(address)


def test_idna_forms_are_one_identity() -> None:
    """Defect 6: `user@bücher.example` and `user@xn--bcher-kva.example` are one address."""
    unicode_form = normalise_address("user@bücher.example")
    assert unicode_form == normalise_address("USER@XN--BCHER-KVA.example") == "user@xn--bcher-kva.example"
    # UTS 46 maps full-width letters and dots too.
    assert normalise_address("user@ｅｘａｍｐｌｅ．ｃｏｍ") == "user@example.com"


def test_refusal_message_escapes_the_address() -> None:
    with pytest.raises(InvalidAddress) as caught:
        valid_address("evil\nrecorded x@example.com")
    assert "\n" not in str(caught.value)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gets_an_answer_and_valid_ones_normalise_stably(text: str) -> None:
    problem = address_problem(text)
    if problem is None:
        normal = normalise_address(text)
        assert address_problem(normal) is None
        assert normalise_address(normal) == normal
        assert "\x00" not in normal


@settings(max_examples=100, deadline=None)
@given(st.emails())
def test_generated_emails_are_possible(address: str) -> None:
    assert address_problem(address) is None


def test_idna_identity_through_ingest_check_and_clean(database_url: str, tmp_path: Path) -> None:
    """Defect 6: a hard bounce for `user@bücher.example` suppresses `user@xn--bcher-kva.example`.

    On main, `check` answered active for the A-label form and `clean` kept the row.
    """
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    (inputs / "hard.json").write_bytes(ses_bounce("user@bücher.example", T0))
    assert run(database_url, "ingest", str(inputs)).exit_code == 0
    checked = run(database_url, "check", "user@xn--bcher-kva.example", "USER@Bücher.Example")
    assert checked.stdout == (
        "user@xn--bcher-kva.example\tsuppressed\thard_bounce\nUSER@Bücher.Example\tsuppressed\thard_bounce\n"
    )
    mailing = tmp_path / "list.csv"
    mailing.write_text("email\nuser@xn--bcher-kva.example\nuser@bücher.example\nother@bücher.example\n")
    cleaned = tmp_path / "clean.csv"
    assert run(database_url, "clean", str(mailing), "-o", str(cleaned)).exit_code == 0
    assert cleaned.read_text() == "email\nother@bücher.example\n"
    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        stored = connection.execute(sa.text("SELECT recipient, address FROM events")).all()
    engine.dispose()
    # The address as reported stays for display; the identity is the IDNA form.
    assert [tuple(row) for row in stored] == [("user@bücher.example", "user@xn--bcher-kva.example")]
