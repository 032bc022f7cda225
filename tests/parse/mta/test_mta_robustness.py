"""No MTA parser raises, whatever the input: arbitrary bytes and damaged real samples."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from bouncewarden.parse.message import BounceMessage
from bouncewarden.parse.mta import PARSERS

SAMPLES = sorted((Path(__file__).parents[2] / "samples").glob("*/*.eml"))


def _run_all(data: bytes) -> None:
    message = BounceMessage(data)
    for parser in PARSERS:
        parser.detect(message)
        findings = parser.parse(message)
        assert findings is None or all(f.address for f in findings)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes(data: bytes) -> None:
    _run_all(data)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(SAMPLES),
    st.integers(min_value=0, max_value=20_000),
    st.integers(min_value=0, max_value=400),
    st.binary(max_size=40),
)
def test_damaged_samples(sample: Path, start: int, length: int, noise: bytes) -> None:
    data = sample.read_bytes()
    start = min(start, len(data))
    _run_all(data[:start] + noise + data[start + length :])


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(SAMPLES), st.integers(min_value=0, max_value=20_000))
def test_truncated_samples(sample: Path, cut: int) -> None:
    _run_all(sample.read_bytes()[:cut])
