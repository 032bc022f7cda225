"""parse_file names each result after the file as pathlib does (without building a Path); reads it whole."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from bouncewarden.parse import Unparseable, _base_name, _read, parse_file


@given(st.text(alphabet="/.ab", max_size=12))
def test_base_name_is_the_path_name(path: str) -> None:
    assert _base_name(path) == Path(path).name


def test_unreadable_file_keeps_its_name(tmp_path: Path) -> None:
    missing = tmp_path / "gone.eml"
    [(name, _result)] = list(parse_file(str(missing) + "/"))
    assert name == "gone.eml"
    assert _base_name(missing) == "gone.eml"


def test_directory_is_unparseable_with_the_system_reason(tmp_path: Path) -> None:
    [(_name, result)] = list(parse_file(tmp_path))
    assert isinstance(result, Unparseable) and result.reason.endswith("Is a directory")


def test_file_larger_than_one_read_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "big.eml"
    data = bytes(range(256)) * (5 * 4096 + 1)  # a little over 5 MiB
    path.write_bytes(data)
    assert _read(path) == data
