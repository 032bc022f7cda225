"""parse_file names each result after the file as pathlib does, without building a Path."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from bouncewarden.parse import _base_name, parse_file


@given(st.text(alphabet="/.ab", max_size=12))
def test_base_name_is_the_path_name(path: str) -> None:
    assert _base_name(path) == Path(path).name


def test_unreadable_file_keeps_its_name(tmp_path: Path) -> None:
    missing = tmp_path / "gone.eml"
    [(name, _result)] = list(parse_file(str(missing) + "/"))
    assert name == "gone.eml"
    assert _base_name(missing) == "gone.eml"
