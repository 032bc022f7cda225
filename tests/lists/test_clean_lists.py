"""List hygiene: address syntax, and streaming a CSV without suppressed or invalid rows."""

from __future__ import annotations

import io

import pytest

from bouncewarden.lists import clean as clean_module
from bouncewarden.lists.clean import ColumnNotFound, clean_csv, is_usable_address
from bouncewarden.service import Service
from bouncewarden.store.queries import Suppression


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


def suppress(service: Service, *entries: tuple[str, str]) -> Service:
    """`service` with `entries` (address, reason) on its suppression list."""
    rows = [Suppression(address, reason, None, None, None) for address, reason in entries]
    service.admin.import_suppressions(rows, label="test", actor="test")
    return service


def clean(text: str, service: Service, column: str = "email") -> tuple[str, dict[str, object]]:
    target = io.StringIO()
    report = clean_csv(io.StringIO(text, newline=""), target, statuses=service.admin.statuses, column=column)
    return target.getvalue(), report.as_dict()


def test_rows_are_dropped_by_reason_and_everything_else_kept(service: Service) -> None:
    suppress(service, ("gone@example.com", "hard_bounce"), ("angry@example.com", "complaint"))
    service.admin.suppress(["soft@example.com"], note=None, actor="test")
    service.admin.unsuppress(["soft@example.com"], note=None, actor="test")  # known, no longer suppressed
    text = (
        "id,Email,name\n"
        "1,ok@example.com,Ann\n"
        "2,GONE@example.COM,Bob\n"
        '3, <angry@example.com> ,"Carl, Jr."\n'
        "4,not-an-address,Dee\n"
        "5,,Empty\n"
        "6\n"
        '7,fine@example.org,"multi\nline"\n'
        "8,soft@example.com,Fay\n"
    )
    output, report = clean(text, service)
    assert (
        output
        == 'id,Email,name\n1,ok@example.com,Ann\n7,fine@example.org,"multi\nline"\n8,soft@example.com,Fay\n'
    )
    assert report == {
        "rows": 8,
        "kept": 3,
        "dropped": 5,
        "suppressed": 2,
        "suppressed_by_reason": {"complaint": 1, "hard_bounce": 1},
        "invalid": 3,
    }


def test_internationalised_domain_matches_its_stored_idna_form(service: Service) -> None:
    suppress(service, ("user@xn--bcher-kva.example", "complaint"))
    output, report = clean("email\nuser@Bücher.example\nother@bücher.example\n", service)
    assert output == "email\nother@bücher.example\n"
    assert report["suppressed_by_reason"] == {"complaint": 1}


def test_rows_beyond_one_lookup_keep_their_order(service: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    # Rows go to the store a few thousand at a time; with batches of three, the batch edges
    # fall between a suppressed row and the next, and the last batch is a short one.
    monkeypatch.setattr(clean_module, "_ROWS_PER_LOOKUP", 3)
    suppress(
        service, ("r2@example.com", "manual"), ("r3@example.com", "imported"), ("r7@example.com", "manual")
    )
    text = "email\n" + "".join(f"r{row}@example.com\n" for row in range(1, 9))
    output, report = clean(text, service)
    assert output == "email\n" + "".join(f"r{row}@example.com\n" for row in (1, 4, 5, 6, 8))
    assert report["suppressed_by_reason"] == {"imported": 1, "manual": 2}
    assert report["kept"] == 5


def test_rows_before_an_unreadable_line_are_written(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(clean_module, "_ROWS_PER_LOOKUP", 2)
    suppress(service, ("b@example.com", "manual"))
    target = io.StringIO()
    text = "email\na@example.com\nb@example.com\nc@example.com\n" + "x" * 200_000 + "\nd@example.com\n"
    with pytest.raises(clean_module.UnreadableList, match=r"^5: not readable as CSV: field larger"):
        clean_csv(io.StringIO(text, newline=""), target, statuses=service.admin.statuses)
    assert target.getvalue() == "email\na@example.com\nc@example.com\n"


def test_addresses_no_database_could_hold_are_only_checked_by_syntax(service: Service) -> None:
    # A list read with surrogateescape gives undecodable bytes as lone surrogates; neither they
    # nor a NUL can be sent to a database, and no stored address holds them.
    suppress(service, ("gone@example.com", "complaint"))
    text = "email\nbad\udcff@example.com\nnul\x00@example.com\ngone@example.com\nok@example.com\n"
    output, report = clean(text, service)
    assert output == "email\nbad\udcff@example.com\nok@example.com\n"
    assert report == {
        "rows": 4,
        "kept": 2,
        "dropped": 2,
        "suppressed": 1,
        "suppressed_by_reason": {"complaint": 1},
        "invalid": 1,
    }


def test_delimiter_line_ending_and_bom_are_kept(service: Service) -> None:
    suppress(service, ("bob@example.com", "manual"))
    text = "\ufeffname;email\r\nAnn;ann@example.com\r\nBob;bob@example.com\r\n"
    output, report = clean(text, service)
    assert output == "\ufeffname;email\r\nAnn;ann@example.com\r\n"
    assert report["kept"] == 1


def test_other_column_name(service: Service) -> None:
    output, _ = clean("Contact\nann@example.com\n", service, column="contact")
    assert output == "Contact\nann@example.com\n"


def test_missing_column_is_an_error(service: Service) -> None:
    with pytest.raises(ColumnNotFound, match="no column 'email'"):
        clean("name,address\nAnn,ann@example.com\n", service)


def test_empty_input_gives_empty_output(service: Service) -> None:
    assert clean("", service) == (
        "",
        {"rows": 0, "kept": 0, "dropped": 0, "suppressed": 0, "suppressed_by_reason": {}, "invalid": 0},
    )
