"""Verbatim reuse: long identical passages that two plans share (one copied the other, or both a source).

Plans copy each other and change the place, insert a bracketed zone name or write the long form of a
standard term, so passages are compared on a *normalised* text: the match text (simplified,
half-width) keeping only letters, digits and CJK characters, with short bracketed insertions
(``联动创新区(经开区)``), place names and generic political phrases removed and standard long forms
replaced by their short forms (``外商投资`` → ``外资``), all from align.yaml ``reuse``.

Detection is shingling: every k-gram (k = ``min_length``) of every plan goes into one inverted index;
k-grams shared by two plans give candidate pairs, runs of consecutive shared k-grams on the same
diagonal are the maximal matches, and nearby hits of the same two plans merge into one passage.
Work grows with the total text plus the shared k-grams; k-grams that are boilerplate (in half the
plans or more, once there are enough plans, or frequent beyond ``max_postings``) are skipped.
Spans are reported in raw text offsets through ``doc.clean``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from compare.catalogue import SettingsSection
from compare.model import Document, Reuse

_KEEP = re.compile(r"[0-9A-Za-z\u3400-\u9fff\uf900-\ufaff]")
_OPEN, _CLOSE = "(（[【〔", ")）]】〕"
_JURISDICTION_SPLIT = re.compile(r"(?:省|市|自治区|自治州|特别行政区|地区|盟|州|县|区|旗)")


@dataclass(frozen=True)
class ReuseSettings:
    """The ``reuse`` section of align.yaml (see the comments there)."""

    min_length: int = 15
    boilerplate_share: float = 0.5
    boilerplate_min_plans: int = 4
    max_postings: int = 200
    max_insertion: int = 12
    merge_gap: int = 3
    stop_phrases: tuple[re.Pattern[str], ...] = ()
    abbreviations: tuple[tuple[str, str], ...] = ()
    places: tuple[str, ...] = ()

    @classmethod
    def load(cls, path: Path | None = None) -> ReuseSettings:
        s = SettingsSection("reuse", path)
        return cls(
            min_length=s.integer("min_length", 2),
            boilerplate_share=s.number("boilerplate_share", 0.0, 1.0),
            boilerplate_min_plans=s.integer("boilerplate_min_plans", 2),
            max_postings=s.integer("max_postings", 2),
            max_insertion=s.integer("max_insertion", 0),
            merge_gap=s.integer("merge_gap", 0),
            stop_phrases=s.regexes("stop_phrases"),
            abbreviations=tuple(sorted(s.mapping("abbreviations").items(), key=lambda kv: -len(kv[0]))),
            places=s.strings("places"),
        )


@lru_cache(maxsize=1)
def default_settings() -> ReuseSettings:
    return ReuseSettings.load()


@dataclass(frozen=True)
class NormalisedText:
    """The comparable text of one plan: ``text[i]`` stands for clean characters ``spans[i]``."""

    text: str
    spans: tuple[tuple[int, int], ...]
    masked: frozenset[int]  # positions inside generic political phrases: no k-gram may touch them


def find_reuse(
    documents: Sequence[Document], min_length: int = 15, settings: ReuseSettings | None = None
) -> list[Reuse]:
    """Passages of at least ``min_length`` normalised characters shared verbatim by two plans.

    One ``Reuse`` per passage and pair of plans (``plan_a`` < ``plan_b``), with raw spans in both
    plans, ``length`` in normalised characters and ``text`` as plan a prints it (clean text).
    Sorted by plan pair, then position in plan a.
    """
    settings = settings or default_settings()
    docs = sorted(documents, key=lambda d: d.plan_id)
    if len(docs) < 2 or min_length < 2:
        return []
    norms = [normalise(d, settings) for d in docs]
    pairs = _shared_runs(norms, min_length, settings)
    out: list[Reuse] = []
    for (a, b), hits in sorted(pairs.items()):
        for a0, a1, b0, b1 in _merge(hits, settings.merge_gap):
            if min(a1 - a0, b1 - b0) < min_length:
                continue
            out.append(_reuse(docs[a], norms[a], a0, a1, docs[b], norms[b], b0, b1))
    return out


# ---------------------------------------------------------------- normalisation


def _places(doc: Document, settings: ReuseSettings) -> list[str]:
    names = set(settings.places)
    if doc.metadata.jurisdiction:
        names.update(p for p in _JURISDICTION_SPLIT.split(doc.metadata.jurisdiction) if len(p) >= 2)
    return sorted(names, key=len, reverse=True)


def normalise(doc: Document, settings: ReuseSettings | None = None) -> NormalisedText:
    """The plan's comparable text with a map back to clean-text spans (see the module docstring)."""
    settings = settings or default_settings()
    clean = doc.clean.text
    match = doc.clean.match if len(doc.clean.match) == len(clean) else clean
    # 1. drop short bracketed insertions and everything that is not a letter, digit or CJK character
    chars: list[str] = []
    where: list[int] = []
    i, n = 0, len(match)
    while i < n:
        c = match[i]
        if c in _OPEN:
            close = _CLOSE[_OPEN.index(c)]
            j = match.find(close, i + 1, i + 2 + settings.max_insertion)
            if j > 0 and "\n" not in match[i:j]:
                i = j + 1
                continue
        if _KEEP.match(c):
            chars.append(c)
            where.append(i)
        i += 1
    text = "".join(chars)
    spans = [(w, w + 1) for w in where]
    # 2. replace long forms by short forms and delete place names (both change the length)
    replacements = [(re.escape(long), short) for long, short in settings.abbreviations]
    replacements += [(re.escape(p), "") for p in _places(doc, settings)]
    if replacements:
        pattern = re.compile("|".join(f"({p})" for p, _ in replacements))
        subs = [s for _, s in replacements]
        out_chars: list[str] = []
        out_spans: list[tuple[int, int]] = []
        pos = 0
        for m in pattern.finditer(text):
            out_chars.append(text[pos : m.start()])
            out_spans.extend(spans[pos : m.start()])
            short = subs[(m.lastindex or 1) - 1]
            if short:
                out_chars.append(short)
                # the short form stands for the whole long form in the clean text
                s0, s1 = spans[m.start()][0], spans[m.end() - 1][1]
                out_spans.extend([(s0, s1)] * len(short))
            pos = m.end()
        out_chars.append(text[pos:])
        out_spans.extend(spans[pos:])
        text, spans = "".join(out_chars), out_spans
    # 3. mask generic political phrases
    masked: set[int] = set()
    for phrase in settings.stop_phrases:
        for m in phrase.finditer(text):
            masked.update(range(m.start(), m.end()))
    return NormalisedText(text, tuple(spans), frozenset(masked))


# ---------------------------------------------------------------- shingles and runs

Hit = tuple[int, int, int, int]  # a0, a1, b0, b1 in normalised offsets


def _shared_runs(
    norms: list[NormalisedText], k: int, settings: ReuseSettings
) -> dict[tuple[int, int], list[Hit]]:
    index: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for d, nt in enumerate(norms):
        text, masked = nt.text, nt.masked
        bad_until = -1  # the last masked position seen; a k-gram starting at or before it touches it
        masked_sorted = sorted(masked)
        mi = 0
        for p in range(len(text) - k + 1):
            while mi < len(masked_sorted) and masked_sorted[mi] < p + k:
                bad_until = masked_sorted[mi]
                mi += 1
            if bad_until >= p:
                continue
            index[text[p : p + k]].append((d, p))
    n_plans = len(norms)
    max_plans = n_plans
    if n_plans >= settings.boilerplate_min_plans:
        max_plans = max(2, int(settings.boilerplate_share * n_plans + 0.999999) - 1)
    diagonals: dict[tuple[int, int, int], list[int]] = defaultdict(list)
    for postings in index.values():
        if len(postings) < 2 or len(postings) > settings.max_postings:
            continue
        by_plan: dict[int, list[int]] = defaultdict(list)
        for d, p in postings:
            by_plan[d].append(p)
        if len(by_plan) < 2 or len(by_plan) > max_plans:
            continue
        plans = sorted(by_plan)
        for x, a in enumerate(plans):
            for b in plans[x + 1 :]:
                for pa in by_plan[a]:
                    for pb in by_plan[b]:
                        diagonals[(a, b, pa - pb)].append(pa)
    pairs: dict[tuple[int, int], list[Hit]] = defaultdict(list)
    for (a, b, diag), starts in diagonals.items():
        starts.sort()
        run_start = prev = starts[0]
        for p in starts[1:]:
            if p == prev + 1:
                prev = p
                continue
            pairs[(a, b)].append((run_start, prev + k, run_start - diag, prev + k - diag))
            run_start = prev = p
        # consecutive shared k-grams [run_start, prev] make the match [run_start, prev + k)
        pairs[(a, b)].append((run_start, prev + k, run_start - diag, prev + k - diag))
    return pairs


def _merge(hits: list[Hit], gap: int) -> list[Hit]:
    """Merge hits of one pair of plans that overlap or nearly touch in both plans."""
    merged: list[list[int]] = []
    for a0, a1, b0, b1 in sorted(hits):
        if merged:
            m = merged[-1]
            if a0 <= m[1] + gap and b0 <= m[3] + gap and b1 >= m[2] - gap:
                m[1], m[2], m[3] = max(m[1], a1), min(m[2], b0), max(m[3], b1)
                continue
        merged.append([a0, a1, b0, b1])
    return [(m[0], m[1], m[2], m[3]) for m in merged]


def _reuse(
    doc_a: Document,
    na: NormalisedText,
    a0: int,
    a1: int,
    doc_b: Document,
    nb: NormalisedText,
    b0: int,
    b1: int,
) -> Reuse:
    ca0, ca1 = na.spans[a0][0], na.spans[a1 - 1][1]
    cb0, cb1 = nb.spans[b0][0], nb.spans[b1 - 1][1]
    ra0, ra1 = doc_a.clean.raw_span(ca0, ca1)
    rb0, rb1 = doc_b.clean.raw_span(cb0, cb1)
    return Reuse(
        plan_a=doc_a.plan_id,
        start_a=ra0,
        end_a=ra1,
        plan_b=doc_b.plan_id,
        start_b=rb0,
        end_b=rb1,
        length=min(a1 - a0, b1 - b0),
        text=doc_a.clean.text[ca0:ca1],
    )
