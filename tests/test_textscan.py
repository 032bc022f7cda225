"""Literal screens: the strings derived from expressions, and searches equal to re.search."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bouncewarden.classify import command, reasons
from bouncewarden.classify.receivers import _rules
from bouncewarden.textscan.literals import required_literals
from bouncewarden.textscan.screen import ScreenedPattern, ScreenedTable, _LiteralScanner, folded_for_screen


@pytest.mark.parametrize(
    ("pattern", "flags", "expected"),
    [
        (r"\bquota (?:exceeded|full|reached)", 0, {"quota "}),
        (r"not authori[sz]ed", 0, {"not authori"}),
        (r"authori[sz]ed", 0, {"authori"}),
        (r"ab[sz]", 0, {"abs", "abz"}),
        (r"e-?mail", 0, {"email", "e-mail"}),
        (r"a\bb(?=c)", 0, {"ab"}),
        (r"x{2,5}yz", 0, {"yz"}),
        (r"a|b.c", 0, {"a", "b"}),
        (r"(?>ab)c", 0, {"abc"}),
        (r"AUP#CXBL\b", re.IGNORECASE, {"aup#cxbl"}),
        (r"(?i:Foo)bar", 0, {"foobar"}),
        (r"[0-3]x", 0, {"0x", "1x", "2x", "3x"}),
    ],
)
def test_required_literals(pattern: str, flags: int, expected: set[str]) -> None:
    assert required_literals(pattern, flags) == expected


@pytest.mark.parametrize("pattern", [r"(?:ab)*", r"ab|", r"\d+", r"[^a]b?", r"(a)?\1", r"[a-z]+", "("])
def test_no_screen_when_nothing_is_required(pattern: str) -> None:
    assert required_literals(pattern) is None


def test_caseless_screen_folds_what_re_folds() -> None:
    """re matches the long s to "s", the Kelvin sign to "k", dotted and dotless i to "i"."""
    screened = ScreenedPattern.compile("spam kit", re.IGNORECASE)
    assert folded_for_screen("\u017fpam \u212a\u0130t") == "spam kit"
    assert screened.search("\u017fpam \u212a\u0131t") is not None
    assert screened.search("SPAM KIT \u00e9t\u00e9") is not None
    assert screened.search("ham \u00e9t\u00e9") is None


def test_only_four_characters_outside_ascii_match_an_ascii_letter_ignoring_case() -> None:
    letter = re.compile("[a-z]", re.IGNORECASE)
    found = {chr(code) for code in range(0x80, 0x110000) if letter.match(chr(code))}
    assert found == {"\u0130", "\u0131", "\u017f", "\u212a"}
    assert all(folded_for_screen(char).isascii() for char in found)


def test_caseless_screen_keeps_to_ascii_strings() -> None:
    """re has more equivalences outside ASCII (final sigma, ...): only ASCII strings screen."""
    screened = ScreenedPattern.compile("stra\u00dfe", re.IGNORECASE)
    assert screened.literals is not None and all(literal.isascii() for literal in screened.literals)
    assert screened.search("STRA\u1e9eE") is not None
    assert ScreenedPattern.compile("\u03c3\u03bf\u03c6", re.IGNORECASE).literals is None


def _table_patterns() -> list[ScreenedPattern]:
    found = [pattern for _verdict, pattern in reasons._SCREENED.patterns]
    found += [pattern for _command, pattern in command._WORDS.patterns]
    return found


_TEXT = st.text(alphabet="abcdeiklmnoprstuy ABEIKLS.-:;<>@0159\u017f\u212a\u0130\u0131", max_size=40)
# Pieces of real wording, so that matches happen often enough to mean something.
_WORDS = st.sampled_from(
    [
        "user unknown",
        "mailbox is full",
        "quota exceeded",
        "blocked using spamhaus",
        "in reply to rcpt to",
        "relay access denied",
        "SPF check failed",
        "host not found",
        "550 5.1.1 ",
        "timed out",
        "account disabled",
        "after end of data",
        "Message rejected as spam",
        "RCPT",
        "does not exist",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_TEXT, _WORDS), max_size=6))
def test_screened_tables_search_like_re(pieces: list[str]) -> None:
    text = " ".join(pieces)
    for case in (text, text.lower(), text.upper()):
        folded = folded_for_screen(case)
        for screened in _table_patterns():
            expected = screened.regex.search(case)
            found = screened.search(case, folded)
            assert (found and found.span()) == (expected and expected.span()), screened.pattern


_ATOMS = st.sampled_from(
    ["a", "b", "ab", "K", "s", "[ab]", "[a-c]", ".", r"\b", r"\s", "^", "$", r"(?=a)", r"(?<!b)", r"\d", "i"]
)


@st.composite
def _expressions(draw: st.DrawFn, depth: int = 0) -> str:
    parts = draw(st.lists(_ATOMS if depth > 1 else st.one_of(_ATOMS, _expressions(depth + 1)), max_size=4))
    body = "".join(parts)
    shape = draw(
        st.sampled_from(["{}", "(?:{})", "(?:{})?", "(?:{})+", "(?:{}|b)", "(?:{}){{0,2}}", "(?i:{})"])
    )
    return shape.format(body)


@settings(max_examples=400, deadline=None)
@given(_expressions(), st.text(alphabet="abcAB sSKk\u017f\u212ai\u0130\u01311", max_size=12), st.booleans())
def test_any_screened_expression_searches_like_re(pattern: str, text: str, caseless: bool) -> None:
    flags = re.IGNORECASE if caseless else 0
    screened = ScreenedPattern.compile(pattern, flags)
    compiled = re.compile(pattern, flags)
    expected = compiled.search(text)
    found = screened.search(text)
    assert (found and found.span()) == (expected and expected.span())
    at_start, expected_at_start = screened.match(text), compiled.match(text)
    assert (at_start and at_start.span()) == (expected_at_start and expected_at_start.span())
    assert [m.span() for m in screened.finditer(text)] == [m.span() for m in compiled.finditer(text)]
    assert screened.may_match(text) or expected is None


def test_receiver_evidence_is_folded_once() -> None:
    evidence = _rules.Evidence(text="550 5.1.1 User Unknown")
    assert evidence.folded == "550 5.1.1 user unknown"
    assert _rules.Evidence(text="Ko\u212a").folded == "kok"


def test_table_gives_the_first_row_found() -> None:
    table = ScreenedTable(
        [
            ("quota", [r"\bquota (?:exceeded|full)"]),
            ("user", [r"user unknown", r"no such user"]),
            ("any", [r"\d+"]),
        ]
    )
    assert table.first("550 no such user here; quota exceeded") == "quota"
    assert table.first("no such user") == "user"
    assert table.first("error 42") == "any"
    assert table.first("nothing") is None


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(_TEXT, _WORDS), max_size=6))
def test_tables_choose_like_searching_row_by_row(pieces: list[str]) -> None:
    text = " ".join(pieces)
    for table, case in ((reasons._SCREENED, text.lower()), (command._WORDS, text)):
        expected = next((value for value, p in table.patterns if p.regex.search(case)), None)
        assert table.first(case) == expected


@settings(max_examples=300, deadline=None)
@given(
    st.sets(st.text(alphabet="ab.(|", min_size=1, max_size=4), min_size=1, max_size=12),
    st.text(alphabet="ab.(|c", max_size=20),
)
def test_scanner_finds_every_string_even_overlapping(strings: set[str], text: str) -> None:
    assert set(_LiteralScanner({s: s for s in strings}).values(text)) == {s for s in strings if s in text}


def test_deeply_nested_pattern_gets_no_screen() -> None:
    pattern = "(?:" * 400 + "a" + ")" * 400
    screened = ScreenedPattern.compile(pattern)
    assert screened.search("xa") is not None


def test_table_mixing_caseless_and_case_sensitive_patterns() -> None:
    table = ScreenedTable(
        [("data", [re.compile("DATA refused")]), ("spam", [re.compile("spam", re.IGNORECASE)])]
    )
    assert table.first("550 DATA refused") == "data"
    assert table.first("550 data refused") is None
    assert table.first("550 SPAM") == "spam"
