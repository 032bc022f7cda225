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
