"""Literal prefilters: which words must occur in a text for a regular expression to match in it.

The data files' regexes are mostly alternations of words ('(?:下放|赋予|授予)', '赋予…{ZONE}…权限').
``required_literals`` reads a pattern's parse tree and returns groups of literal strings: every match
of the pattern contains one string of each group. ``LiteralFinder`` finds all such strings (and
literal keywords) in a text with one Aho-Corasick pass, so a pattern none of whose words occur is
never run. Only speed changes: a pattern that is not understood has no groups and always runs.
"""

from __future__ import annotations

import importlib
import itertools
import re
from collections.abc import Iterable, Sequence
from operator import itemgetter
from typing import Any

import ahocorasick

# re's parser is private (re._parser since 3.11); without it every pattern simply always runs.
try:
    _sre: Any = importlib.import_module("re._parser")
    _c: Any = importlib.import_module("re._constants")
except ImportError:  # pragma: no cover - a Python whose re is laid out differently
    _sre = _c = None

_SECOND = itemgetter(1)
_MAX_EXACT = 256  # largest set of exact strings kept for one stretch of pattern (products grow fast)

Requirement = tuple[frozenset[str], ...]  # every match contains one string of each set


def _exact(node: tuple[Any, Any]) -> set[str] | None:
    """The finite set of strings one parse-tree node matches, or None (open or too many)."""
    op, av = node
    if op is _c.LITERAL:
        return {chr(av)}
    if op is _c.IN:
        if all(o is _c.LITERAL for o, _ in av):
            return {chr(v) for _, v in av}
        return None
    if op is _c.BRANCH:
        out: set[str] = set()
        for alt in av[1]:
            sub = _exact_seq(alt)
            if sub is None:
                return None
            out |= sub
        return out if len(out) <= _MAX_EXACT else None
    if op is _c.SUBPATTERN:
        _, add_flags, del_flags, sub_p = av
        return None if add_flags or del_flags else _exact_seq(sub_p)
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
        lo, hi, sub_p = av
        inner = _exact_seq(sub_p)
        if inner is None or lo != hi or len(inner) ** lo > _MAX_EXACT:
            return None
        return _product([inner] * lo)
    if op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):
        return {""}  # zero width: it only filters matches, what they are made of stays the same
    return None


def _product(parts: Sequence[set[str]]) -> set[str] | None:
    size = 1
    for p in parts:
        size *= len(p)
    if size > _MAX_EXACT:
        return None
    return {"".join(t) for t in itertools.product(*parts)}


def _exact_seq(seq: Iterable[tuple[Any, Any]]) -> set[str] | None:
    parts = []
    for node in seq:
        sub = _exact(node)
        if sub is None:
            return None
        parts.append(sub)
    return _product(parts)


def _useful(strings: set[str] | frozenset[str]) -> bool:
    return bool(strings) and "" not in strings


def _best(groups: Sequence[frozenset[str]]) -> frozenset[str] | None:
    """The most selective group: longest shortest string, then fewest strings."""
    if not groups:
        return None
    return max(groups, key=lambda g: (min(map(len, g)), -len(g)))


def _required_node(node: tuple[Any, Any]) -> list[frozenset[str]]:
    """Groups of strings every match of one (non-exact) node contains."""
    op, av = node
    if op is _c.BRANCH:
        union: set[str] = set()
        for alt in av[1]:
            best = _best(_required_seq(alt))
            if best is None:
                return []  # one alternative needs nothing: neither does the branch
            union |= best
        return [frozenset(union)]
    if op is _c.SUBPATTERN:
        _, add_flags, del_flags, sub_p = av
        return [] if add_flags or del_flags else _required_seq(sub_p)
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
        lo, _, sub_p = av
        return _required_seq(sub_p) if lo >= 1 else []
    if op is _c.ATOMIC_GROUP:
        return _required_seq(av)
    return []


def _required_seq(seq: Iterable[tuple[Any, Any]]) -> list[frozenset[str]]:
    """Groups for a sequence: each run of exact nodes gives its product; other nodes their own."""
    groups: list[frozenset[str]] = []
    run: list[set[str]] = []

    def close_run() -> None:
        if run:
            strings = _product(run)
            if strings is not None and _useful(strings):
                groups.append(frozenset(strings))
            run.clear()

    for node in seq:
        exact = _exact(node)
        if exact is not None:
            run.append(exact)
            continue
        close_run()
        groups.extend(g for g in _required_node(node) if _useful(g))
    close_run()
    return groups


def required_literals(pattern: re.Pattern[str]) -> Requirement:
    """Groups of strings such that every match of ``pattern`` contains one string of each group.

    Empty when nothing can be said (then the pattern must always run): case-insensitive patterns,
    patterns that may match the empty string, or a Python whose regex parser is not available.
    """
    if _sre is None or pattern.flags & re.IGNORECASE:
        return ()
    words = _plain_words(pattern)
    if words is not None:
        return (frozenset(words),)
    try:
        tree = _sre.parse(pattern.pattern, pattern.flags)
    except Exception:  # the parser is private: never let it break matching
        return ()
    return tuple(dict.fromkeys(_required_seq(tree.data)))


_PLAIN = re.compile(r"[^\\()\[\]{}.*+?^$|]+")  # a word without any regex syntax


def _plain_words(pattern: re.Pattern[str]) -> list[str] | None:
    """The words of a pattern that is only words or ``(?:word)`` joined by ``|`` (synonym lists,
    alternations built from keyword lists): read directly, without parsing. None otherwise."""
    if pattern.flags != re.UNICODE:
        return None
    words = []
    for part in pattern.pattern.split("|"):
        if part.startswith("(?:") and part.endswith(")"):
            part = part[3:-1]
        if not _PLAIN.fullmatch(part):
            return None
        words.append(part)
    return words


def possible(requirement: Requirement, present: set[str] | frozenset[str]) -> bool:
    """Whether a pattern with this requirement can match a text in which ``present`` were found."""
    return not any(map(present.isdisjoint, requirement))  # map: no Python frame per group


def key_words(requirement: Requirement) -> frozenset[str] | None:
    """The requirement's most selective group (longest shortest word, then fewest), None if none."""
    return _best(requirement)


class LiteralFinder:
    """Every occurrence of a fixed set of strings in a text, in one Aho-Corasick pass."""

    def __init__(self, strings: Iterable[str]) -> None:
        self.strings = frozenset(s for s in strings if s)
        self._automaton: Any = None
        if self.strings:
            automaton = ahocorasick.Automaton()
            for s in sorted(self.strings):
                automaton.add_word(s, s)
            automaton.make_automaton()
            self._automaton = automaton

    def present(self, text: str) -> set[str]:
        """The strings that occur in ``text``."""
        if self._automaton is None or not text:
            return set()
        return set(map(_SECOND, self._automaton.iter(text)))

    def occurrences(self, text: str) -> dict[str, list[int]]:
        """String → start offsets of all its (possibly overlapping) occurrences, ascending."""
        out: dict[str, list[int]] = {}
        if self._automaton is None or not text:
            return out
        # grouped by string (a stable sort keeps the ends ascending): work per string, not per hit
        for s, found in itertools.groupby(sorted(self._automaton.iter(text), key=_SECOND), key=_SECOND):
            shift = len(s) - 1
            out[s] = [end - shift for end, _ in found]
        return out


class RegexFilter:
    """Which of a fixed list of regexes may match a text, given the words found in it.

    Each regex is filed under its most selective group of required words; one set union per text
    gives the regexes worth running (those with more than one group are checked in full).
    """

    def __init__(self, requirements: Sequence[Requirement]) -> None:
        self.words = frozenset(w for req in requirements for group in req for w in group)
        self._always = frozenset(i for i, req in enumerate(requirements) if not req)
        self._by_word: dict[str, list[int]] = {}
        self._full: dict[int, Requirement] = {}
        for i, req in enumerate(requirements):
            for w in key_words(req) or ():
                self._by_word.setdefault(w, []).append(i)
            if len(req) > 1:
                self._full[i] = req

    def live(self, present: set[str]) -> set[int]:
        """Positions of the regexes that may match a text in which ``present`` were found."""
        by_word = self._by_word
        found = set(self._always)
        found.update(*[by_word[w] for w in present if w in by_word])
        if self._full:
            full = self._full
            found.difference_update([i for i in found if i in full and not possible(full[i], present)])
        return found
