"""Literal screens: skip a regular-expression search that cannot match.

Most of our patterns cannot match unless the text contains some plain string: every match of
`\\bquota (?:exceeded|full|reached)` contains "quota ", and every match of
`(?:rejected|refused) by` one of "rejected by" and "refused by". Testing a few substrings with
`in` costs a fraction of a regex search, and the big ordered tables of `reasons`, `command` and
`receivers` usually find nothing for most of their entries, so screening them first is most of
the speed of classification.

`required_literals` derives such strings from the expression itself by walking the parse tree
of Python's own `re` parser, so that nobody maintains them by hand and a rule added to a table
is screened the day it is written. The analysis only ever errs towards "no screen": a construct
it does not know makes it give up (None) and the search always runs. A screen is therefore a
necessary condition only, and `ScreenedPattern.search` returns exactly what `re.search` does.

For each node of the tree the walk computes the finite set of strings the node can match, when
there is one and it is small (a literal, a short alternation of literals, `[sz]`, `x?`), and
otherwise a set of strings one of which every match of the node contains. Zero-width nodes
(`\\b`, `^`, look-arounds) match the empty string, so `a\\bb` needs "ab". In a sequence, the
exact sets of neighbouring nodes multiply ("authori" x {"s", "z"} x "ed"), and the best of the
candidates (longest shortest string, then fewest strings) becomes the screen.

Case-insensitive patterns are screened in the lower-cased text, which is only sound for ASCII
text: `re` folds "ſ" to "s" and the Kelvin sign to "k", `str.lower` does not. Callers pass the
lower-cased text for ASCII input and None otherwise (`folded_for_screen`), and a pattern with no
folded text to look at simply searches.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:  # typeshed describes re's parser under its pre-3.11 module names
    import sre_constants as _constants
    import sre_parse as _parser
else:
    from re import _constants, _parser

__all__ = ["ScreenedPattern", "folded_for_screen", "required_literals"]

# An exact set larger than this stops growing: the run so far becomes a candidate.
_MAX_EXACT = 16

_ZERO_WIDTH = frozenset({_constants.AT, _constants.ASSERT, _constants.ASSERT_NOT})
_REPEATS = frozenset({_constants.MAX_REPEAT, _constants.MIN_REPEAT, _constants.POSSESSIVE_REPEAT})

Strings = frozenset[str]


@dataclass(frozen=True, slots=True)
class _Facts:
    """What a node can match: `exact`, every string it can match (when few); `required`, a set
    one of whose strings every match contains. None: unknown."""

    exact: Strings | None = None
    required: Strings | None = None


_UNKNOWN = _Facts()
_EMPTY = _Facts(exact=frozenset({""}))


# Strings this long are selective enough: beyond it, fewer strings (fewer tests) rank first.
_SELECTIVE = 4


def _rank(strings: Strings) -> tuple[int, int, int]:
    shortest = min(map(len, strings))
    return min(shortest, _SELECTIVE), -len(strings), shortest


def _better(first: Strings | None, second: Strings | None) -> Strings | None:
    """The better of two screens: strings of a selective length, then fewest, then longest."""
    if first is None or second is None:
        return first if second is None else second
    return first if _rank(first) >= _rank(second) else second


def _usable(strings: Strings) -> Strings | None:
    """A set as a screen: None when it holds the empty string (it would screen nothing)."""
    return None if "" in strings else strings


def _char(code: int, caseless: bool) -> Strings | None:
    char = chr(code)
    if not caseless:
        return frozenset({char})
    # Outside ASCII, `re` folds characters that `str.lower` leaves alone: no screen.
    return frozenset({char.lower()}) if char.isascii() else None


def _char_set(items: Iterable[tuple[object, object]], caseless: bool) -> _Facts:
    """`[sz]`, `[0-9]`: small sets of plain characters; anything else in the brackets is unknown."""
    codes: list[int] = []
    for op, value in items:
        if op is _constants.LITERAL:
            codes.append(cast(int, value))
        elif op is _constants.RANGE:
            low, high = cast("tuple[int, int]", value)
            if high - low >= _MAX_EXACT:
                return _UNKNOWN
            codes.extend(range(low, high + 1))
        else:
            return _UNKNOWN
    chars: set[str] = set()
    for code in codes:
        found = _char(code, caseless)
        if found is None:
            return _UNKNOWN
        chars |= found
    return _Facts(exact=frozenset(chars)) if len(chars) <= _MAX_EXACT else _UNKNOWN


def _repeat(low: int, high: int, body: _Facts) -> _Facts:
    if high == 0:
        return _EMPTY
    if low == high == 1:
        return body
    if low == 0 and high == 1 and body.exact is not None:
        return _Facts(exact=body.exact | {""})
    if low >= 1:
        # One pass of the body at least: its screen holds, its exact set no longer does.
        return _Facts(required=body.required)
    return _UNKNOWN


def _branch(alternatives: Sequence[_Facts]) -> _Facts:
    exact: Strings | None = frozenset()
    required: Strings | None = frozenset()
    for facts in alternatives:
        exact = exact | facts.exact if exact is not None and facts.exact is not None else None
        required = required | facts.required if required is not None and facts.required else None
    if exact is not None and len(exact) > _MAX_EXACT:
        exact = None
    return _Facts(exact=exact, required=required)


def _node(op: object, value: object, caseless: bool) -> _Facts:
    """The facts of one (opcode, argument) node of the parse tree."""
    if op is _constants.LITERAL:
        return _Facts(exact=_char(cast(int, value), caseless))
    if op in _ZERO_WIDTH:
        return _EMPTY
    if op is _constants.IN:
        return _char_set(cast("list[tuple[object, object]]", value), caseless)
    if op is _constants.BRANCH:
        _, alternatives = cast("tuple[None, list[_parser.SubPattern]]", value)
        return _branch([_sequence(alternative, caseless) for alternative in alternatives])
    if op is _constants.SUBPATTERN:
        return _sequence(cast("tuple[object, int, int, _parser.SubPattern]", value)[3], caseless)
    if op is _constants.ATOMIC_GROUP:
        return _sequence(cast("_parser.SubPattern", value), caseless)
    if op in _REPEATS:
        low, high, body = cast("tuple[int, int, _parser.SubPattern]", value)
        return _repeat(low, high, _sequence(body, caseless))
    return _UNKNOWN


def _sequence(pattern: _parser.SubPattern, caseless: bool) -> _Facts:
    """Facts of nodes matched one after the other: exact runs multiply, the best run screens."""
    run: Strings | None = frozenset({""})
    whole = True  # whether `run` is still every string the whole sequence can match
    best: Strings | None = None
    for op, value in pattern.data:
        facts = _node(op, value, caseless)
        if run is not None:
            # Every part of a run is required too: "quota " screens as well as the longer
            # "quota exceeded" | "quota full" | ..., with one test instead of several.
            best = _better(best, _usable(run))
        if facts.exact is not None and run is not None:
            product = frozenset(a + b for a in run for b in facts.exact)
            if len(product) <= _MAX_EXACT:
                run = product
                continue
        whole = False
        run = facts.exact
        if run is None:
            best = _better(best, facts.required)
    if run is not None:
        best = _better(best, _usable(run))
    return _Facts(exact=run if whole else None, required=best)


def _is_caseless(pattern: _parser.SubPattern) -> bool:
    """Whether some group of the tree turns case-insensitive matching on (`(?i:...)`)."""
    for op, value in pattern.data:
        if op is _constants.SUBPATTERN and cast("tuple[object, int, int, object]", value)[1] & re.IGNORECASE:
            return True
        if any(_is_caseless(inner) for inner in _subpatterns(value)):
            return True
    return False


def _subpatterns(value: object) -> Iterable[_parser.SubPattern]:
    """The subtrees directly inside a node's argument."""
    if isinstance(value, _parser.SubPattern):
        yield value
    elif isinstance(value, tuple | list):
        for item in value:
            yield from _subpatterns(item)


def _minimal(strings: Strings) -> Strings:
    """Drop strings that contain another of the set: finding the shorter one is enough."""
    return frozenset(s for s in strings if not any(o != s and o in s for o in strings))


def _screen(pattern: str, flags: int) -> tuple[Strings | None, bool]:
    """(the screen of pattern or None, whether it is to be looked for in lower-cased text)."""
    try:
        tree = _parser.parse(pattern, flags)
    except re.error:
        return None, False
    caseless = bool((flags | tree.state.flags) & re.IGNORECASE) or _is_caseless(tree)
    found = _sequence(tree, caseless).required
    return (_minimal(found) if found else None), caseless


def required_literals(pattern: str, flags: int = 0) -> Strings | None:
    """Strings one of which every match of pattern contains (lower-cased for a caseless
    pattern), or None when the pattern has no such strings or cannot be analysed."""
    return _screen(pattern, flags)[0]


def folded_for_screen(text: str) -> str | None:
    """The text for screening caseless patterns: lower-cased ASCII text, else None."""
    return text.lower() if text.isascii() else None


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
    def screen(cls, pattern: re.Pattern[str]) -> ScreenedPattern:
        """A compiled pattern with its screen."""
        literals, caseless = _screen(pattern.pattern, pattern.flags)
        return cls(pattern, tuple(sorted(literals)) if literals else None, caseless)

    def may_match(self, text: str, folded: str | None = None) -> bool:
        """False when the screen proves that the pattern occurs nowhere in text.

        `folded` is `folded_for_screen(text)`, worth passing when several caseless patterns
        look at the same text; it is worked out here when needed and not given.
        """
        literals = self.literals
        if literals is None:
            return True
        if not self.caseless:
            probe: str | None = text
        else:
            probe = folded if folded is not None else folded_for_screen(text)
        if probe is None:
            return True
        # A plain loop: any() over a generator costs more than the tests themselves here.
        for literal in literals:  # noqa: SIM110
            if literal in probe:
                return True
        return False

    def search(self, text: str, folded: str | None = None) -> re.Match[str] | None:
        """`re.Pattern.search`, skipped when the screen proves it finds nothing."""
        return self.regex.search(text) if self.may_match(text, folded) else None

    def match(self, text: str, folded: str | None = None) -> re.Match[str] | None:
        """`re.Pattern.match`, skipped when the screen proves it finds nothing."""
        return self.regex.match(text) if self.may_match(text, folded) else None

    def finditer(self, text: str, folded: str | None = None) -> Iterator[re.Match[str]]:
        """`re.Pattern.finditer`, skipped when the screen proves it finds nothing."""
        return self.regex.finditer(text) if self.may_match(text, folded) else iter(())
