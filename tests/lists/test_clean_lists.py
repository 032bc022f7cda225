"""List hygiene: address syntax, and streaming a CSV without suppressed or invalid rows."""

from __future__ import annotations

import io

import pytest

from bouncewarden.lists.clean import ColumnNotFound, clean_csv, is_usable_address, load_suppressed


@pytest.mark.parametrize(
    "address",
    [
        "someone@example.com",
        "first.last+tag@mail.example.co.uk",
        "o'brien@example.org",
        "x@example.museum",
        "user@xn--bcher-kva.example",
        "jörg@bücher.example",
        "a" * 64 + "@example.com",
    ],
)
def test_usable_addresses(address: str) -> None:
    assert is_usable_address(address)


@pytest.mark.parametrize(
    "address",
    [
        "",
        "plainaddress",
        "@example.com",
        "someone@",
        "someone@localhost",
        "some one@example.com",
        ".leading@example.com",
        "trailing.@example.com",
        "double..dot@example.com",
        "two@@example.com",
        "a@b@example.com",
        "someone@-example.com",
        "someone@example-.com",
        "someone@example..com",
        "someone@example.123",
        "someone@[192.0.2.1]",
        '"quoted"@example.com',
        "a" * 65 + "@example.com",
        "someone@" + "a" * 64 + ".com",
        "someone@" + ".".join(["abcdefghij"] * 25) + ".com",
    ],
)
def test_unusable_addresses(address: str) -> None:
    assert not is_usable_address(address)


def clean(text: str, suppressed: dict[str, str], column: str = "email") -> tuple[str, dict[str, object]]:
    target = io.StringIO()
    report = clean_csv(io.StringIO(text, newline=""), target, suppressed=suppressed, column=column)
    return target.getvalue(), report.as_dict()


def test_rows_are_dropped_by_reason_and_everything_else_kept() -> None:
    # As the store holds them: normalised (the rows of the list are normalised as they are read).
    suppressed = load_suppressed([[("gone@example.com", "hard_bounce"), ("angry@example.com", "complaint")]])
    text = (
        "id,Email,name\n"
        "1,ok@example.com,Ann\n"
        "2,GONE@example.COM,Bob\n"
        '3, <angry@example.com> ,"Carl, Jr."\n'
        "4,not-an-address,Dee\n"
        "5,,Empty\n"
        "6\n"
        '7,fine@example.org,"multi\nline"\n'
    )
    output, report = clean(text, suppressed)
    assert output == 'id,Email,name\n1,ok@example.com,Ann\n7,fine@example.org,"multi\nline"\n'
    assert report == {
        "rows": 7,
        "kept": 2,
        "dropped": 5,
        "suppressed": 2,
        "suppressed_by_reason": {"complaint": 1, "hard_bounce": 1},
        "invalid": 3,
    }


def test_delimiter_line_ending_and_bom_are_kept() -> None:
    text = "\ufeffname;email\r\nAnn;ann@example.com\r\nBob;bob@example.com\r\n"
    output, report = clean(text, load_suppressed([[("bob@example.com", "manual")]]))
    assert output == "\ufeffname;email\r\nAnn;ann@example.com\r\n"
    assert report["kept"] == 1


def test_other_column_name() -> None:
    output, _ = clean("Contact\nann@example.com\n", {}, column="contact")
    assert output == "Contact\nann@example.com\n"


def test_missing_column_is_an_error() -> None:
    with pytest.raises(ColumnNotFound, match="no column 'email'"):
        clean("name,address\nAnn,ann@example.com\n", {})


def test_empty_input_gives_empty_output() -> None:
    assert clean("", {}) == (
        "",
        {"rows": 0, "kept": 0, "dropped": 0, "suppressed": 0, "suppressed_by_reason": {}, "invalid": 0},
    )
