"""The codebook's cues indexed for matching: one Aho-Corasick pass finds every keyword of every topic.

Keywords are literal, so their occurrences come from one automaton over all topics' keywords; the
same automaton holds the words each regex (patterns, negatives, neutral, enumeration, purpose)
needs (``compare.literals``), so a regex runs only on texts where it can match. What the classifier
does with the hits is unchanged (``classifier._topic_hits``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from compare.literals import LiteralFinder, RegexFilter, Requirement, required_literals
from compare.text import normalise_chars
from compare.topics.types import Cue, TopicDef

_SCORE_CACHE_MAX = 8192  # scored headings kept per codebook (a plan has a few hundred)


@dataclass(frozen=True)
class Rx:
    """A regex of the codebook: its position in ``CueIndex.regexes`` and the words it needs."""

    id: int
    regex: re.Pattern[str]
    requirement: Requirement


def keyword_literal(cue: Cue) -> str | None:
    """The literal a keyword cue's regex matches, or None when the regex is more than a literal."""
    if cue.is_pattern:
        return None
    literal = normalise_chars(cue.text)
    if literal and cue.regex.pattern == re.escape(literal) and cue.regex.flags == re.UNICODE:
        return literal
    return None


@dataclass(frozen=True)
class CueRef:
    """One cue of a topic in matching form: a keyword literal, or a regex with its prefilter."""

    cue: Cue
    literal: str | None  # keyword: matched by occurrence of this literal in the blanked text
    rx: Rx | None  # everything else: run on the plain (pattern) or blanked (keyword) text
    heading_only: bool


@dataclass(frozen=True)
class TopicIndex:
    topic: TopicDef
    refs: tuple[CueRef, ...]  # keywords, patterns, heading cues: the classifier's cue order
    negative: tuple[Rx, ...]


class CueIndex:
    """Every cue of one codebook, ready to be found in a text in one pass.

    Built from the codebook's parts (``Codebook.index`` passes them): its topics, and the regexes of
    neutral spans, enumerations and purposes.
    """

    def __init__(
        self,
        topics: Sequence[TopicDef],
        neutral: Sequence[re.Pattern[str]],
        enumeration: Sequence[re.Pattern[str]],
        purpose: Sequence[re.Pattern[str]],
    ) -> None:
        self.regexes: list[Rx] = []
        self.neutral = tuple(self._rx(r) for r in neutral)
        self.enumeration = tuple(self._rx(r) for r in enumeration)
        self.purpose = tuple(self._rx(r) for r in purpose)
        self.topics = tuple(self._topic(t) for t in topics)
        # (topic, cue) positions: keywords by their literal, pattern cues by their regex
        self.by_literal: dict[str, list[tuple[int, int]]] = {}
        self.by_regex: dict[int, tuple[int, int]] = {}
        for t, ti in enumerate(self.topics):
            for r, ref in enumerate(ti.refs):
                if ref.literal is not None:
                    self.by_literal.setdefault(ref.literal, []).append((t, r))
                elif ref.rx is not None:
                    self.by_regex[ref.rx.id] = (t, r)
        self.filter = RegexFilter([rx.requirement for rx in self.regexes])
        self.finder = LiteralFinder(set(self.by_literal) | self.filter.words)
        # scores of headings: the same heading is scored for every measure under it
        self.scores: dict[tuple[Any, ...], Any] = {}

    def _rx(self, regex: re.Pattern[str], prefilter: bool = True) -> Rx:
        rx = Rx(len(self.regexes), regex, required_literals(regex) if prefilter else ())
        self.regexes.append(rx)
        return rx

    def _topic(self, topic: TopicDef) -> TopicIndex:
        refs = []
        for cue, heading_only in [(c, False) for c in topic.cues] + [(c, True) for c in topic.heading]:
            literal = keyword_literal(cue)
            # a keyword regex reads the blanked text, which the prefilter does not see: always run it
            rx = None if literal else self._rx(cue.regex, prefilter=cue.is_pattern)
            refs.append(CueRef(cue, literal, rx, heading_only))
        return TopicIndex(topic, tuple(refs), tuple(self._rx(r) for r in topic.negative))

    def remember(self, key: tuple[Any, ...], value: Any) -> None:
        if len(self.scores) >= _SCORE_CACHE_MAX:
            self.scores.clear()
        self.scores[key] = value
