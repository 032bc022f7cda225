"""Literal screens: skip a regular-expression search that cannot match.

Testing a few substrings with `in` costs a fraction of a regex search, and the big ordered
tables of `reasons`, `command` and `receivers` usually find nothing for most of their entries,
so screening them first is most of the speed of classification. `ScreenedPattern` is a compiled
pattern with the strings one of which its every match contains (`textscan.literals`): it
searches only when the text holds one of them, and so returns exactly what `re` returns.

`ScreenedTable` does the same for an ordered table of patterns (first row found wins): one scan
of the text finds which of all the table's required strings occur (`_LiteralScanner`, an
Aho-Corasick automaton of them), and only the patterns those strings allow are searched, in
table order. `reasons`, `command` and operator rules are such tables.

Case-insensitive patterns are screened in the lower-cased text (`folded_for_screen`), which
callers work out once per text. `str.lower` alone would not do outside ASCII: `re` also matches
"ſ" to "s", the Kelvin sign to "k" and the dotted and dotless capital and small i to "i" (and
those are all: tried on every code point), so these four are made ASCII first; every other
character lower-cases to one character, so a string `re` finds keeps its place. Strings outside
ASCII of a case-insensitive pattern are not screened at all (`re` has more such equivalences,
Greek final sigma for one): such a pattern always searches.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import ahocorasick

from bouncewarden.textscan.literals import SELECTIVE, literal_screen

__all__ = ["ScreenedPattern", "ScreenedTable", "folded_for_screen"]

T = TypeVar("T")
V = TypeVar("V")


# The only characters outside ASCII that `re` matches to an ASCII letter when ignoring case.
_ASCII_LOOKALIKES = (("\u0130", "i"), ("\u0131", "i"), ("\u017f", "s"), ("\u212a", "k"))


def folded_for_screen(text: str) -> str:
    """The text for screening caseless patterns: lower-cased, `re`'s ASCII look-alikes made ASCII."""
    if not text.isascii():
        # (`str.replace` where one occurs: `str.translate` costs a dictionary look-up a character)
        for lookalike, letter in _ASCII_LOOKALIKES:
            if lookalike in text:
                text = text.replace(lookalike, letter)
    return text.lower()


def _screenable(literals: Iterable[str], caseless: bool) -> bool:
    """Whether strings can screen a pattern: any can be looked for by case, ASCII ones caselessly."""
    return not caseless or all(literal.isascii() for literal in literals)


@dataclass(frozen=True, slots=True)
class ScreenedPattern:
    """A compiled pattern with the strings one of which its every match contains."""

    regex: re.Pattern[str]
    literals: tuple[str, ...] | None
    caseless: bool

    @property
    def pattern(self) -> str:
        """The source of the expression, as `re.Pattern.pattern`."""
        return self.regex.pattern

    @classmethod
    def compile(cls, pattern: str, flags: int = 0) -> ScreenedPattern:
        """Compile pattern and derive its screen."""
        return cls.screen(re.compile(pattern, flags))

    @classmethod
    def screen(cls, pattern: re.Pattern[str], selective: int = SELECTIVE) -> ScreenedPattern:
        """A compiled pattern with its screen (`selective`: see `literals.literal_screen`)."""
        literals, caseless = literal_screen(pattern.pattern, pattern.flags, selective)
        if not literals or not _screenable(literals, caseless):
            return cls(pattern, None, caseless)
        return cls(pattern, tuple(sorted(literals)), caseless)

    def may_match(self, text: str, folded: str | None = None) -> bool:
        """False when the screen proves that the pattern occurs nowhere in text.

        `folded` is `folded_for_screen(text)`, worth passing when several caseless patterns
        look at the same text; it is worked out here when needed and not given.
        """
        literals = self.literals
        if literals is None:
            return True
        probe = text if not self.caseless else folded if folded is not None else folded_for_screen(text)
        # A plain loop: any() over a generator costs more than the tests themselves here.
        for literal in literals:  # noqa: SIM110
            if literal in probe:
                return True
        return False

    def search(self, text: str, folded: str | None = None) -> re.Match[str] | None:
        """`re.Pattern.search`, skipped when the screen proves it finds nothing."""
        # `may_match`, written out: this runs for every pattern of every table, a call costs.
        literals = self.literals
        if literals is None:
            return self.regex.search(text)
        probe = text if not self.caseless else folded if folded is not None else folded_for_screen(text)
        for literal in literals:
            if literal in probe:
                return self.regex.search(text)
        return None

    def match(self, text: str, folded: str | None = None) -> re.Match[str] | None:
        """`re.Pattern.match`, skipped when the screen proves it finds nothing."""
        return self.regex.match(text) if self.may_match(text, folded) else None

    def finditer(self, text: str, folded: str | None = None) -> Iterator[re.Match[str]]:
        """`re.Pattern.finditer`, skipped when the screen proves it finds nothing."""
        return self.regex.finditer(text) if self.may_match(text, folded) else iter(())


class _LiteralScanner(Generic[V]):
    """Which of many strings occur in a text, found in one pass (an Aho-Corasick automaton).

    Each string carries a value; `values` gives the value of every occurrence of every string in
    a text, overlapping ones included (so a value may come more than once), in time linear in the
    text. `pyahocorasick` builds the automaton once.
    """

    def __init__(self, values: Mapping[str, V]) -> None:
        self._automaton: ahocorasick.Automaton | None = None
        if values:
            self._automaton = ahocorasick.Automaton()
            for string, value in values.items():
                self._automaton.add_word(string, value)
            self._automaton.make_automaton()

    def values(self, text: str) -> Iterator[V]:
        """The value of each occurrence of a string in text."""
        if self._automaton is None:
            return
        for _end, value in self._automaton.iter(text):
            yield value


# A table's strings are all looked for in one scan, so that more of them cost little, and
# longer ones leave fewer patterns to search: the longest shortest string ranks first.
_TABLE_SELECTIVE = 64


def _compiled(pattern: str | re.Pattern[str], flags: int) -> re.Pattern[str]:
    return re.compile(pattern, flags) if isinstance(pattern, str) else pattern


class ScreenedTable(Generic[T]):
    """An ordered table of (value, patterns): the value of the first row with a pattern found.

    One scan of the text finds which required strings of the whole table occur; then only the
    patterns those strings allow (and the patterns that require nothing) are searched, in table
    order. The result is the one a plain search of every row in order gives.
    """

    def __init__(self, rows: Iterable[tuple[T, Iterable[str | re.Pattern[str]]]], flags: int = 0) -> None:
        """Rows of (value, patterns); `flags` apply to the patterns given as strings."""
        self._patterns: list[tuple[T, ScreenedPattern]] = [
            (value, ScreenedPattern.screen(_compiled(pattern, flags), _TABLE_SELECTIVE))
            for value, patterns in rows
            for pattern in patterns
        ]
        # Patterns are numbered in table order, so that sorted numbers keep the order of rows.
        self._caseless = any(screened.caseless for _, screened in self._patterns)
        # A table with caseless patterns is scanned in the folded text (`folded_for_screen`),
        # where a case-sensitive pattern's ASCII strings show up lower-cased; strings outside
        # ASCII might not (see the module docstring), so their patterns always search.
        screened_by = {
            number: screened.literals
            for number, (_, screened) in enumerate(self._patterns)
            if screened.literals is not None and _screenable(screened.literals, self._caseless)
        }
        self._always = frozenset(range(len(self._patterns))) - screened_by.keys()
        needing: dict[str, set[int]] = {}
        for number, literals in screened_by.items():
            for literal in literals:
                needing.setdefault(literal.lower() if self._caseless else literal, set()).add(number)
        # Each string scanned for stands for the numbers of the patterns that need it.
        self._scanner = _LiteralScanner({string: frozenset(numbers) for string, numbers in needing.items()})

    @property
    def patterns(self) -> list[tuple[T, ScreenedPattern]]:
        """Every (value, pattern) of the table, in order."""
        return list(self._patterns)

    def first(self, text: str) -> T | None:
        """The value of the first row one of whose patterns occurs in text, or None."""
        for number in sorted(self._candidates(text)):
            value, screened = self._patterns[number]
            if screened.regex.search(text):
                return value
        return None

    def first_in_any(self, texts: Sequence[str]) -> T | None:
        """The value of the first row one of whose patterns occurs in one of texts, or None."""
        candidates: set[int] = set()
        for text in texts:
            candidates.update(self._candidates(text))
        for number in sorted(candidates):
            value, screened = self._patterns[number]
            if any(screened.regex.search(text) for text in texts):
                return value
        return None

    def found(self, text: str, folded: str | None = None) -> set[T]:
        """The values of every row one of whose patterns occurs in text.

        `folded` is `folded_for_screen(text)` when the caller has it already.
        """
        values: set[T] = set()
        for number in self._candidates(text, folded):
            value, screened = self._patterns[number]
            if value not in values and screened.regex.search(text):
                values.add(value)
        return values

    def _candidates(self, text: str, folded: str | None = None) -> Iterable[int]:
        """The numbers of the patterns that may occur in text."""
        probe = text if not self._caseless else folded if folded is not None else folded_for_screen(text)
        candidates = set(self._always)
        for numbers in self._scanner.values(probe):
            candidates |= numbers
        return candidates
