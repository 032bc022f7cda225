"""Shared helpers for the standard-format parser tests: the sample files beside them."""

from __future__ import annotations

from pathlib import Path

import pytest

STANDARD = Path(__file__).parents[1] / "samples" / "standard"


@pytest.fixture
def sample() -> SampleReader:
    """Read a file of tests/samples/standard/ as bytes."""
    return SampleReader()


class SampleReader:
    """Callable giving a standard sample's bytes, optionally with other line endings."""

    def __call__(self, name: str, newline: bytes = b"\n") -> bytes:
        data = (STANDARD / name).read_bytes()
        return data if newline == b"\n" else data.replace(b"\n", newline)
