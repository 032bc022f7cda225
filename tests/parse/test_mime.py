"""The MIME reader's header block: fields read in one call, as a field-by-field reading does."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bouncewarden.parse import mime


def _field_by_field(block: str) -> tuple[list[tuple[str, str]], int]:
    """The reference: read fields one at a time until a line is no field."""
    headers: list[tuple[str, str]] = []
    position = 0
    while position < len(block):
        found = mime._FIELD.match(block, position)
        if found is None:
            break
        headers.append((found.group(1), found.group(2)))
        position = found.end()
    return headers, position


_LINES = st.sampled_from(
    [
        "Subject: x",
        "From:a@example.com",
        "X-Empty:",
        " folded",
        "\tmore",
        "Name :value",
        "no colon here",
        "",
        "Received: from a\n by b",
        "Bad Name: v",
        ":",
        "é: v",
        "To: é",
    ]
)


@settings(max_examples=500)
@given(st.lists(st.one_of(_LINES, st.text(alphabet="ab: \t\n-é", max_size=8)), max_size=8), st.booleans())
def test_all_fields_match_field_by_field_reading(lines: list[str], final_newline: bool) -> None:
    block = "\n".join(lines) + ("\n" if final_newline else "")
    headers, position = _field_by_field(block)
    fields = mime._all_fields(block)
    if fields is not None:
        assert (fields, len(block)) == (headers, position)
    else:
        assert position < len(block)


def test_parse_entity_keeps_the_defect_path() -> None:
    entity = mime.parse_entity(b"Subject: x\nnot a field\nTo: a@example.com\n\nbody\n")
    assert entity.headers == [("Subject", "x")]
    assert entity.defects == ["MissingHeaderBodySeparatorDefect"]
    assert entity.body == b"not a field\nTo: a@example.com\n\nbody\n"
