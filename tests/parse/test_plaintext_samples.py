"""Plain-text bounces written from MTA documentation (tests/samples/plaintext/).

expected.tsv names, per sample, who the report is about and its kind; the rows follow from
what each text says (README.md there), never from our output. A sample the table marks
"-"/none must give no row at all: the only addresses it holds are the bounce's own, the
list's or the sender's.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest

from bouncewarden.parse import NotABounce, ParsedReport, parse_message

SAMPLES = Path(__file__).parents[1] / "samples" / "plaintext"


def _table() -> dict[str, set[tuple[str, str]]]:
    rows: dict[str, set[tuple[str, str]]] = defaultdict(set)
    with (SAMPLES / "expected.tsv").open(newline="") as handle:
        for row in csv.DictReader((line for line in handle if not line.startswith("#")), delimiter="\t"):
            found = rows[row["sample"]]  # a sample without rows still gets its key
            if row["address"] != "-":
                found.add((row["address"], row["kind"]))
    return rows


CASES = sorted(_table().items())


def test_every_sample_has_rows() -> None:
    assert {path.name for path in SAMPLES.glob("*.eml")} == {sample for sample, _ in CASES}


@pytest.mark.parametrize("newline", [b"\n", b"\r\n"], ids=["lf", "crlf"])
@pytest.mark.parametrize(("sample", "expected"), CASES, ids=[sample for sample, _ in CASES])
def test_plaintext_bounce(sample: str, expected: set[tuple[str, str]], newline: bytes) -> None:
    result = parse_message((SAMPLES / sample).read_bytes().replace(b"\n", newline))
    if not expected:
        assert isinstance(result, NotABounce)
        return
    assert isinstance(result, ParsedReport)
    found = [(r.address.lower(), r.kind.value) for r in result.recipients]
    assert len(found) == len(set(found)), "one row per recipient"
    assert set(found) == expected


def _as_list_bounce(data: bytes) -> bytes:
    """The sample as if its original had gone out through a mailing list (RFC 2369/2919 headers)."""
    list_headers = (
        b"List-Id: Announcements <announce.lists.example.org>\n"
        b"List-Post: <mailto:announce@lists.example.org>\n"
        b"Sender: announce-bounces@lists.example.org\n"
    )
    head, _, body = data.partition(b"\n\n")
    head = head.replace(b"To: bounces@mail.example.org", b"To: announce-bounces@lists.example.org")
    return (
        head
        + b"\n\n"
        + body.replace(
            b"From: Example News <news@example.org>\n",
            b"From: Example News <news@example.org>\n" + list_headers,
        )
    )


LIST_CASES = [
    (sample, expected)
    for sample, expected in CASES
    if expected
    and all(kind == "bounce" for _, kind in expected)
    and b"From: Example News <news@example.org>\n" in (SAMPLES / sample).read_bytes()
]


@pytest.mark.parametrize(("sample", "expected"), LIST_CASES, ids=[sample for sample, _ in LIST_CASES])
def test_the_same_bounce_from_a_mailing_list(sample: str, expected: set[tuple[str, str]]) -> None:
    """A list message's To is the list: the recipient comes from the text alone, or nothing does."""
    data = _as_list_bounce((SAMPLES / sample).read_bytes())
    result = parse_message(data)
    text = data.split(b"\n\n", 1)[1].split(b"Return-Path: <bounces@mail.example.org>", 1)[0].lower()
    named = {(address, kind) for address, kind in expected if address.encode() in text}
    if not named:
        assert isinstance(result, NotABounce)
        return
    assert isinstance(result, ParsedReport)
    assert {(r.address.lower(), r.kind.value) for r in result.recipients} == named
