"""Verbatim reuse: long identical passages that two plans share (one copied the other, or both a source).

Plans copy each other and change the place, insert a bracketed zone name or write the long form of a
standard term, so passages are compared on a *normalised* text: the match text (simplified,
half-width) keeping only letters, digits and CJK characters, with short bracketed insertions
(``联动创新区(经开区)``), place names and generic political phrases removed and standard long forms
replaced by their short forms (``外商投资`` → ``外资``), all from align.yaml ``reuse``; titles of cited
documents (《…》) never count, since citing the same national document is not copying.

Detection is shingling with winnowing: the k-grams of every plan are hashed, a few per window are
kept as fingerprints (enough to guarantee that every shared passage of ``min_length`` characters
shows up) and go into one inverted index; a fingerprint shared by two plans is extended, character
by character, to the maximal common passage, and nearby passages of the same two plans merge.
Work and memory grow with the total text plus the shared passages, not with the pairs of plans;
fingerprints that are boilerplate (in half the plans or more, once there are enough plans, or
frequent beyond ``max_postings``) are skipped. Spans are reported in raw offsets through ``doc.clean``.
"""

from __future__ import annotations

import bisect
import math
import re
import zlib
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
    boilerplate_max_plans: int = 20
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
            boilerplate_max_plans=s.integer("boilerplate_max_plans", 2),
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
    titles: list[tuple[int, int]] = []  # 《…》: the same cited document is a citation, not reuse
    i, n = 0, len(match)
    while i < n:
        c = match[i]
        if c == "《":
            j = match.find("》", i + 1)
            if j > 0:
                titles.append((i, j + 1))
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
    # 3. mask generic political phrases and cited titles
    starts = [t0 for t0, _ in titles]
    masked: set[int] = set()
    for k, (c0, _) in enumerate(spans):
        t = bisect.bisect_right(starts, c0) - 1
        if t >= 0 and c0 < titles[t][1]:
            masked.add(k)
    for phrase in settings.stop_phrases:
        for m in phrase.finditer(text):
            masked.update(range(m.start(), m.end()))
    return NormalisedText(text, tuple(spans), frozenset(masked))


# ---------------------------------------------------------------- shingles and runs

Hit = tuple[int, int, int, int]  # a0, a1, b0, b1 in normalised offsets


def _fingerprints(text: str, mask: bytearray, k: int, w: int) -> list[tuple[int, int]]:
    """Winnowed (hash, position) pairs: the smallest k-gram hash of every window of w k-grams.

    Any passage of at least w + k - 1 characters that two texts share holds a fingerprint selected
    in both (Schleimer et al., 2003), so a fraction ~2/(w+1) of the k-grams is indexed. K-grams
    touching a masked character (a generic political phrase) are never selected.
    """
    out: list[tuple[int, int]] = []
    run: list[tuple[int, int]] = []  # the current run of k-grams free of masked characters

    def winnow() -> None:
        last = -1
        for i in range(len(run) - w + 1):
            window = run[i : i + w]
            # the rightmost smallest hash of the window
            j = min(range(w), key=lambda x: (window[x][0], -x))
            if i + j != last:
                out.append(window[j])
                last = i + j
        run.clear()

    for p in range(len(text) - k + 1):
        if any(mask[p : p + k]):
            winnow()
            continue
        run.append((zlib.crc32(text[p : p + k].encode("utf-8")), p))
    winnow()
    return out


def _shared_runs(
    norms: list[NormalisedText], k: int, settings: ReuseSettings
) -> dict[tuple[int, int], list[Hit]]:
    """Maximal shared passages (>= k characters) per pair of plans, found from shared fingerprints."""
    gram = max(4, k // 2)
    window = k - gram + 1
    masks = [bytearray(1 if i in nt.masked else 0 for i in range(len(nt.text))) for nt in norms]
    index: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for d, nt in enumerate(norms):
        for h, p in _fingerprints(nt.text, masks[d], gram, window):
            index[h].append((d, p))
    n_plans = len(norms)
    max_plans = n_plans
    if n_plans >= settings.boilerplate_min_plans:
        max_plans = max(2, math.ceil(settings.boilerplate_share * n_plans) - 1)
    # A passage in more plans than this is a template; pairing it would make the work quadratic.
    max_plans = min(max_plans, settings.boilerplate_max_plans)
    found: dict[tuple[int, int], dict[int, list[tuple[int, int]]]] = defaultdict(lambda: defaultdict(list))
    for h in sorted(index):  # sorted: the same output whatever the dict order
        postings = index[h]
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
                        covered = found[(a, b)][pa - pb]
                        if any(s <= pa < e for s, e in covered):
                            continue  # inside a passage already extended on this diagonal
                        span = _extend(norms[a].text, masks[a], pa, norms[b].text, masks[b], pb, gram)
                        if span is not None:
                            covered.append(span)
    pairs: dict[tuple[int, int], list[Hit]] = defaultdict(list)
    for (a, b), diagonals in found.items():
        for diag, spans in diagonals.items():
            for s, e in spans:
                if e - s >= k:
                    pairs[(a, b)].append((s, e, s - diag, e - diag))
    return pairs


def _extend(
    ta: str, ma: bytearray, pa: int, tb: str, mb: bytearray, pb: int, k: int
) -> tuple[int, int] | None:
    """The maximal common passage around the shared k-gram at ``pa``/``pb`` (span in text a)."""
    if ta[pa : pa + k] != tb[pb : pb + k]:
        return None  # a hash collision
    s, t = pa, pb
    while s > 0 and t > 0 and ta[s - 1] == tb[t - 1] and not ma[s - 1] and not mb[t - 1]:
        s, t = s - 1, t - 1
    e, f = pa + k, pb + k
    while e < len(ta) and f < len(tb) and ta[e] == tb[f] and not ma[e] and not mb[f]:
        e, f = e + 1, f + 1
    return s, e


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
        text_b=doc_b.clean.text[cb0:cb1],
    )
