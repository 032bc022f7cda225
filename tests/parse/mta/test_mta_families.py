"""Every MTA family parser on real bounces: the expected-results table in expected.tsv.

Each row of expected.tsv names a module of `bouncewarden.parse.mta`, a sample under
tests/samples/<family>/ and one recipient the module must report, with its status, SMTP reply
code, action and the SMTP command the reply answered where the report shows it ("-" for
none). A sample's rows list all its recipients, in order. The sample must also be picked by
the registry: the first module of `PARSERS` whose detect() is true and whose parse() gives
findings is the one named in the table.
"""

from __future__ import annotations

import csv
import importlib
from collections import defaultdict
from pathlib import Path

import pytest

from bouncewarden.events import Kind
from bouncewarden.parse.message import BounceMessage
from bouncewarden.parse.mta import PARSERS

SAMPLES = Path(__file__).parents[2] / "samples"
TABLE = Path(__file__).with_name("expected.tsv")


Row = tuple[str, str | None, str | None, str | None, str | None]


def _value(text: str) -> str | None:
    return None if text == "-" else text


def _table() -> dict[tuple[str, str], list[Row]]:
    rows: dict[tuple[str, str], list[Row]] = defaultdict(list)
    with TABLE.open(newline="") as handle:
        for row in csv.DictReader((line for line in handle if not line.startswith("#")), delimiter="\t"):
            fields = (row["status"], row["reply_code"], row["action"], row["command"])
            status, reply, action, command = (_value(field) for field in fields)
            rows[(row["module"], row["sample"])].append((row["address"], status, reply, action, command))
    return rows


CASES = sorted(_table().items())


def _load(sample: str, newline: bytes = b"\n") -> BounceMessage:
    data = (SAMPLES / sample).read_bytes()
    return BounceMessage(data.replace(b"\n", newline))


@pytest.mark.parametrize(("key", "expected"), CASES, ids=[f"{m}:{s}" for (m, s), _ in CASES])
def test_module_reads_sample(key: tuple[str, str], expected: list[Row]) -> None:
    module_name, sample = key
    module = importlib.import_module(f"bouncewarden.parse.mta.{module_name}")
    message = _load(sample)
    assert module.detect(message)
    findings = module.parse(message)
    assert findings is not None
    got = [(f.address, f.status, f.reply_code, f.action, f.command) for f in findings]
    assert got == expected
    assert all(f.diagnostic for f in findings if f.kind is Kind.BOUNCE)


@pytest.mark.parametrize(("key", "expected"), CASES, ids=[f"{m}:{s}" for (m, s), _ in CASES])
def test_registry_picks_module(key: tuple[str, str], expected: object) -> None:
    module_name, sample = key
    message = _load(sample)
    chosen = next(p for p in PARSERS if p.detect(message) and p.parse(message))
    assert chosen.NAME == importlib.import_module(f"bouncewarden.parse.mta.{module_name}").NAME


@pytest.mark.parametrize("newline", [b"\r\n", b"\r"], ids=["crlf", "cr"])
@pytest.mark.parametrize(("key", "expected"), CASES, ids=[f"{m}:{s}" for (m, s), _ in CASES])
def test_line_endings_do_not_matter(key: tuple[str, str], expected: object, newline: bytes) -> None:
    module_name, sample = key
    module = importlib.import_module(f"bouncewarden.parse.mta.{module_name}")
    lf, other = module.parse(_load(sample)), module.parse(_load(sample, newline))
    assert lf == other
