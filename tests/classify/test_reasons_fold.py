"""Folding a diagnostic: repeated reply prefixes are found as the plain look-behind form finds them."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bouncewarden.classify import folding

# The plain form of `folding._CONTINUATION`, whose look-behind comes first.
_PLAIN = re.compile(r"(?<=\s)([245]\d\d)[ -]([245]\.\d{1,3}\.\d{1,3})\s")


@settings(max_examples=500)
@given(
    st.lists(
        st.sampled_from(["550", "5.7.1", "-", " ", "\n", "4", "2.0.0", "x", "550-5.7.1 ", "."]), max_size=12
    )
)
def test_continuation_found_as_the_plain_form_finds_it(pieces: list[str]) -> None:
    text = "".join(pieces)
    expected = [(m.span(), m.groups()) for m in _PLAIN.finditer(text)]
    assert [(m.span(), m.groups()) for m in folding._CONTINUATION.finditer(text)] == expected


def test_fold_text_drops_repeated_prefixes() -> None:
    folded = folding.fold_text("550-5.7.1 Messages with multiple\n550-5.7.1 addresses in From: header")
    assert folded == "550-5.7.1 Messages with multiple addresses in From: header"
