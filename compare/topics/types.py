"""What a codebook is made of: cues, topic definitions and the classifier's settings (plain data).

Kept apart from ``codebook.py`` (which reads and checks the file) so that ``index.py``, which
arranges the cues for matching, needs no import of the reader, and the reader can build the index.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Cue:
    """One piece of evidence: a literal term or a regular expression, with its weight."""

    text: str  # the term, or the pattern as written
    weight: float
    regex: re.Pattern[str]
    is_pattern: bool = False


@dataclass(frozen=True)
class TopicDef:
    """One topic of the codebook: names, scope and the cues that recognise it."""

    id: str
    zh: str
    en: str
    description: str  # Markdown
    keywords: tuple[Cue, ...]
    patterns: tuple[Cue, ...]
    negative: tuple[re.Pattern[str], ...]  # a hit overlapping a match of one of these is no evidence
    heading: tuple[Cue, ...]  # cues that count only in a heading
    secondary_min: float | None = None  # overrides Settings.secondary_min for this topic
    secondary_ratio: float | None = None  # overrides Settings.secondary_ratio for this topic

    @property
    def cues(self) -> tuple[Cue, ...]:
        return self.keywords + self.patterns


@dataclass(frozen=True)
class Settings:
    """The classifier's weights and thresholds (documented in codebook.yaml)."""

    heading_weight: float = 2.0
    lead_weight: float = 1.3
    lead_chars: int = 40
    context_weights: tuple[float, ...] = (0.5, 0.3, 0.2)
    lead_in_weight: float = 1.0
    repeat_decay: float = 0.5
    enumeration_weight: float = 0.25
    enumeration_min_topics: int = 3
    purpose_weight: float = 0.5
    primary_min: float = 1.0
    secondary_min: float = 2.0
    secondary_ratio: float = 0.3
    aggregate_min: float = 2.5
    aggregate_ratio: float = 0.3
    aggregate_decay: float = 0.5
