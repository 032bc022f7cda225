"""The whole parse pipeline on bounces written by real MTAs run on 127.0.0.1.

tests/samples/real/<mta>/ holds bounces that Debian's postfix and exim4 wrote when a
scripted remote server (tests/samples/real/generate.py) refused mail with known replies;
expected.tsv beside them says, per sample and recipient, the status, reason, hard flag,
severity and kind that the remote's reply means. The expectations come from the script,
not from our output: a failing row is a parser or classifier error (or a changed MTA).
The tests read the committed samples only: no MTA is needed to run them.

pending.txt names the samples (of the documented receivers' replies, added before the
classifier learnt them) that the parser does not read right yet: their checks are expected
to fail (strict xfail), so a sample that starts passing fails the suite until its line is
removed from pending.txt.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest

from bouncewarden.parse import ParsedReport, parse_message

REAL = Path(__file__).parents[1] / "samples" / "real"
TABLE = REAL / "expected.tsv"
PENDING = REAL / "pending.txt"

Row = tuple[str, str | None, str, bool, str, str]


def _table() -> dict[str, list[Row]]:
    rows: dict[str, list[Row]] = defaultdict(list)
    with TABLE.open(newline="") as handle:
        lines = (line for line in handle if not line.startswith("#"))
        for row in csv.DictReader(lines, delimiter="\t"):
            status = None if row["status"] == "-" else row["status"]
            hard = {"true": True, "false": False}[row["hard"]]
            rows[row["sample"]].append(
                (row["address"], status, row["reason"], hard, row["severity"], row["kind"])
            )
    return rows


def _pending() -> set[str]:
    lines = (line.split("#", 1)[0].strip() for line in PENDING.read_text().splitlines())
    return {line for line in lines if line}


CASES = sorted(_table().items())
PENDING_SAMPLES = _pending()


def _case(sample: str, expected: list[Row]) -> object:
    if sample in PENDING_SAMPLES:
        mark = pytest.mark.xfail(strict=True, reason="pending.txt: not read right yet (issue 10)")
        return pytest.param(sample, expected, id=sample, marks=mark)
    return pytest.param(sample, expected, id=sample)


def test_every_sample_has_rows() -> None:
    samples = {path.relative_to(REAL).as_posix() for path in REAL.glob("*/*.eml")}
    assert samples == {sample for sample, _ in CASES}


def test_pending_names_known_samples() -> None:
    unknown = PENDING_SAMPLES - {sample for sample, _ in CASES}
    assert not unknown


@pytest.mark.parametrize("newline", [b"\n", b"\r\n"], ids=["lf", "crlf"])
@pytest.mark.parametrize(("sample", "expected"), [_case(sample, rows) for sample, rows in CASES])
def test_real_bounce(sample: str, expected: list[Row], newline: bytes) -> None:
    report = parse_message((REAL / sample).read_bytes().replace(b"\n", newline))
    assert isinstance(report, ParsedReport)
    found = sorted(
        (r.address, r.status, r.reason.value, r.hard, r.severity.value, r.kind.value)
        for r in report.recipients
    )
    assert found == sorted(expected)
