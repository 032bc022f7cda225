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


def _parameters_one_by_one(rest: str) -> dict[str, str]:
    """The reference reading of Content-Type parameters, match by match."""
    return {
        m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3)
        for m in mime._PARAM.finditer(";" + rest)
    }


@settings(max_examples=500)
@given(
    st.lists(
        st.sampled_from(
            ['charset="utf-8"', "boundary=abc", 'name=""', "x = y", 'q="a\\"b"', "bad", "=", " ", "a=b=c"]
        ),
        max_size=5,
    )
)
def test_content_type_parameters_as_read_one_by_one(parameters: list[str]) -> None:
    rest = "; ".join(parameters)
    entity = mime.Entity([("Content-Type", "text/plain; " + rest)], b"")
    assert entity.content_type() == ("text/plain", _parameters_one_by_one(" " + rest))
