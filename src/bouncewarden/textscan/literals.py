"""Plain strings one of which every match of a regular expression contains.

Most of our patterns cannot match unless the text contains some plain string: every match of
`\\bquota (?:exceeded|full|reached)` contains "quota ", and every match of
`(?:rejected|refused) by` one of "rejected by" and "refused by". `required_literals` derives
such strings from the expression itself by walking the parse tree of Python's own `re` parser,
so that nobody maintains them by hand and a rule added to a table is screened the day it is
written (`textscan.screen` uses them). The analysis only ever errs towards "nothing required":
a construct it does not know makes it give up (None).

For each node of the tree the walk computes the finite set of strings the node can match, when
there is one and it is small (a literal, a short alternation of literals, `[sz]`, `x?`), and
otherwise a set of strings one of which every match of the node contains. Zero-width nodes
(`\\b`, `^`, look-arounds) match the empty string, so `a\\bb` needs "ab". In a sequence, the
exact sets of neighbouring nodes multiply ("authori" x {"s", "z"} x "ed"); every run of them is
a candidate, and the best candidate (strings of a selective length, then fewest strings, then
longest) is the answer. For a case-insensitive pattern the strings are lower case.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:  # typeshed describes re's parser under its pre-3.11 module names
    import sre_constants as _constants
    import sre_parse as _parser
else:
    from re import _constants, _parser

__all__ = ["SELECTIVE", "literal_screen", "required_literals"]

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


# Strings this long are selective enough: beyond it, fewer strings rank first (the default, for
# screens tested one string at a time with `in`; a table scanned at once wants longer strings).
SELECTIVE = 4


def _usable(strings: Strings) -> Strings | None:
    """A set as a screen: None when it holds the empty string (it would screen nothing)."""
    return None if "" in strings else strings


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


@dataclass(frozen=True, slots=True)
class _Walk:
    """One analysis: whether the pattern is caseless, and the length that counts as selective."""

    caseless: bool
    selective: int

    def better(self, first: Strings | None, second: Strings | None) -> Strings | None:
        """The better of two screens: strings of a selective length, then fewest, then longest."""
        if first is None or second is None:
            return first if second is None else second
        return first if self._rank(first) >= self._rank(second) else second

    def _rank(self, strings: Strings) -> tuple[int, int, int]:
        shortest = min(map(len, strings))
        return min(shortest, self.selective), -len(strings), shortest

    def char(self, code: int) -> Strings | None:
        char = chr(code)
        if not self.caseless:
            return frozenset({char})
        # Outside ASCII, `re` folds characters that `str.lower` leaves alone: no screen.
        return frozenset({char.lower()}) if char.isascii() else None

    def char_set(self, items: Iterable[tuple[object, object]]) -> _Facts:
        """`[sz]`, `[0-9]`: small sets of plain characters; anything else in them is unknown."""
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
            found = self.char(code)
            if found is None:
                return _UNKNOWN
            chars |= found
        return _Facts(exact=frozenset(chars)) if len(chars) <= _MAX_EXACT else _UNKNOWN

    def node(self, op: object, value: object) -> _Facts:
        """The facts of one (opcode, argument) node of the parse tree."""
        if op is _constants.LITERAL:
            return _Facts(exact=self.char(cast(int, value)))
        if op in _ZERO_WIDTH:
            return _EMPTY
        if op is _constants.IN:
            return self.char_set(cast("list[tuple[object, object]]", value))
        if op is _constants.BRANCH:
            _, alternatives = cast("tuple[None, list[_parser.SubPattern]]", value)
            return _branch([self.sequence(alternative) for alternative in alternatives])
        if op is _constants.SUBPATTERN:
            return self.sequence(cast("tuple[object, int, int, _parser.SubPattern]", value)[3])
        if op is _constants.ATOMIC_GROUP:
            return self.sequence(cast("_parser.SubPattern", value))
        if op in _REPEATS:
            low, high, body = cast("tuple[int, int, _parser.SubPattern]", value)
            return _repeat(low, high, self.sequence(body))
        return _UNKNOWN

    def sequence(self, pattern: _parser.SubPattern) -> _Facts:
        """Facts of nodes matched one after the other: exact runs multiply, the best run screens."""
        run: Strings | None = frozenset({""})
        whole = True  # whether `run` is still every string the whole sequence can match
        best: Strings | None = None
        for op, value in pattern.data:
            facts = self.node(op, value)
            if run is not None:
                # Every part of a run is required too: "quota " screens as well as the longer
                # "quota exceeded" | "quota full" | ..., with one test instead of several.
                best = self.better(best, _usable(run))
            if facts.exact is not None and run is not None:
                product = frozenset(a + b for a in run for b in facts.exact)
                if len(product) <= _MAX_EXACT:
                    run = product
                    continue
            whole = False
            run = facts.exact
            if run is None:
                best = self.better(best, facts.required)
        if run is not None:
            best = self.better(best, _usable(run))
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


def literal_screen(pattern: str, flags: int = 0, selective: int = SELECTIVE) -> tuple[Strings | None, bool]:
    """(the required strings of pattern or None, whether the pattern is caseless: then the
    strings are lower case, to be looked for in lower-cased text). Candidates whose strings
    are all `selective` characters long rank by how few strings they have."""
    try:
        tree = _parser.parse(pattern, flags)
        caseless = bool((flags | tree.state.flags) & re.IGNORECASE) or _is_caseless(tree)
        found = _Walk(caseless, selective).sequence(tree).required
    except (re.error, RecursionError):  # an operator's pathological pattern: no screen, not a crash
        return None, False
    return (_minimal(found) if found else None), caseless


def required_literals(pattern: str, flags: int = 0) -> Strings | None:
    """Strings one of which every match of pattern contains (lower-cased for a caseless
    pattern), or None when the pattern has no such strings or cannot be analysed."""
    return literal_screen(pattern, flags)[0]
