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

import math
import re
from array import array
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from compare.datafiles import align_section
from compare.literals import Requirement, required_literals
from compare.model import Document, Reuse

_HASH_BASE = 1_000_003  # an odd multiplier: k-grams hash apart whatever their characters
_OPEN, _CLOSE = "(（[【〔", ")）]】〕"
_TITLE_OPEN = ord("《")
_JURISDICTION_SPLIT = re.compile(r"(?:省|市|自治区|自治州|特别行政区|地区|盟|州|县|区|旗)")


@lru_cache(maxsize=4)
def _insertions(max_insertion: int) -> re.Pattern[str]:
    """A short bracketed insertion on one line: an opening bracket, at most ``max_insertion``
    characters, the first closing bracket of its kind (``联动创新区(经开区)``)."""
    return re.compile(
        "|".join(
            f"{re.escape(o)}[^{re.escape(c)}\n]{{0,{max_insertion}}}{re.escape(c)}"
            for o, c in zip(_OPEN, _CLOSE, strict=True)
        )
    )


def _kept(codes: np.ndarray) -> np.ndarray:
    """Which code points are ASCII letters or digits or CJK characters (U+3400–9FFF, U+F900–FAFF)."""
    return (
        ((codes >= 0x30) & (codes <= 0x39))
        | ((codes >= 0x41) & (codes <= 0x5A))
        | ((codes >= 0x61) & (codes <= 0x7A))
        | ((codes >= 0x3400) & (codes <= 0x9FFF))
        | ((codes >= 0xF900) & (codes <= 0xFAFF))
    )


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
        s = align_section("reuse", path)
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


@dataclass(frozen=True, eq=False)
class NormalisedText:
    """The comparable text of one plan: ``text[i]`` stands for clean characters ``spans[i]``
    (an n x 2 array: a corpus of thousands of plans holds tens of millions of them)."""

    text: str
    spans: np.ndarray
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


@lru_cache(maxsize=256)
def _required(phrase: re.Pattern[str]) -> Requirement:
    return required_literals(phrase)


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
    # 1. drop short bracketed insertions and everything that is not a letter, digit or CJK character.
    # Vectorised over code points: a plan has tens of thousands of characters, thousands of plans.
    codes = np.frombuffer(match.encode("utf-32-le"), dtype=np.uint32)
    keep = _kept(codes)
    outside = np.ones(len(codes), dtype=bool)  # not inside an insertion (insertions never overlap)
    for m in _insertions(settings.max_insertion).finditer(match):
        outside[m.start() : m.end()] = False
    keep &= outside
    # 《…》: the same cited document is a citation, not reuse (a 《 inside an insertion is skipped)
    titles: list[tuple[int, int]] = []
    for start in np.flatnonzero((codes == _TITLE_OPEN) & outside).tolist():
        j = match.find("》", start + 1)
        if j > 0:
            titles.append((start, j + 1))
    s0 = np.flatnonzero(keep).astype(np.int64)  # the clean-text span of every kept character
    text = codes[keep].tobytes().decode("utf-32-le")
    s1 = s0 + 1
    # 2. replace long forms by short forms and delete place names (both change the length)
    replacements = [*settings.abbreviations, *((p, "") for p in _places(doc, settings))]
    if replacements:
        # One alternation of literals without groups (the regex engine can skip ahead on its first
        # characters); the matched text names its alternative: the first one listed with that text.
        pattern = re.compile("|".join(re.escape(long) for long, _ in replacements))
        subs: dict[str, str] = {}
        for long, short in replacements:
            subs.setdefault(long, short)
        out_chars: list[str] = []
        out0: list[np.ndarray] = []
        out1: list[np.ndarray] = []
        pos = 0
        for m in pattern.finditer(text):
            out_chars.append(text[pos : m.start()])
            out0.append(s0[pos : m.start()])
            out1.append(s1[pos : m.start()])
            short = subs[m.group()]
            if short:
                out_chars.append(short)
                # the short form stands for the whole long form in the clean text
                out0.append(np.full(len(short), s0[m.start()], dtype=np.int64))
                out1.append(np.full(len(short), s1[m.end() - 1], dtype=np.int64))
            pos = m.end()
        out_chars.append(text[pos:])
        out0.append(s0[pos:])
        out1.append(s1[pos:])
        text, s0, s1 = "".join(out_chars), np.concatenate(out0), np.concatenate(out1)
    # 3. mask generic political phrases and cited titles (s0 is non-decreasing: spans follow the text)
    masked: set[int] = set()
    for t0, t1 in titles:
        masked.update(range(*np.searchsorted(s0, (t0, t1), side="left").tolist()))
    for phrase in settings.stop_phrases:
        if not all(any(w in text for w in group) for group in _required(phrase)):
            continue  # a word every match needs is missing: the (slow) scan would find nothing
        for m in phrase.finditer(text):
            masked.update(range(m.start(), m.end()))
    return NormalisedText(text, np.stack((s0, s1), axis=1).astype(np.int32), frozenset(masked))


# ---------------------------------------------------------------- shingles and runs

Hit = tuple[int, int, int, int]  # a0, a1, b0, b1 in normalised offsets


def _kgram_hashes(text: str, k: int) -> np.ndarray:
    """A polynomial hash of every k-gram (mod 2**64, wrapping on purpose), all at once: a collision
    costs nothing, since every shared k-gram is compared as text before it is extended."""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    powers = np.array([_HASH_BASE**i % 2**64 for i in range(k - 1, -1, -1)], dtype=np.uint64)
    with np.errstate(over="ignore"):
        return (sliding_window_view(codes, k) * powers).sum(axis=1, dtype=np.uint64)


def _fingerprints(text: str, mask: bytearray, k: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    """Winnowed fingerprints as two arrays, hashes and positions: the smallest k-gram hash of every
    window of w k-grams, positions ascending.

    Any passage of at least w + k - 1 characters that two texts share holds a fingerprint selected
    in both (Schleimer et al., 2003), so a fraction ~2/(w+1) of the k-grams is indexed. K-grams
    touching a masked character (a generic political phrase) are never selected. The windows are
    numpy views: the text of thousands of plans passes through here.
    """
    n = len(text) - k + 1
    hashes_out: list[np.ndarray] = []
    positions_out: list[np.ndarray] = []
    if n >= w:
        hashes = _kgram_hashes(text, k)
        free = ~sliding_window_view(np.frombuffer(bytes(mask), dtype=np.uint8), k)[:n].any(axis=1)
        # runs of consecutive k-grams free of masked characters: [start, end)
        edges = np.flatnonzero(np.diff(np.concatenate(([0], free.astype(np.int8), [0]))))
        for r0, r1 in zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True):
            if r1 - r0 < w:
                continue
            h = hashes[r0:r1]
            # the rightmost smallest hash of each window; consecutive windows often pick the same k-gram
            picked = np.arange(r1 - r0 - w + 1) + (
                w - 1 - np.argmin(sliding_window_view(h, w)[:, ::-1], axis=1)
            )
            picked = picked[np.concatenate(([True], picked[1:] != picked[:-1]))]
            hashes_out.append(h[picked])
            positions_out.append(picked + r0)
    if not hashes_out:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
    return np.concatenate(hashes_out), np.concatenate(positions_out)


def _postings(norms: list[NormalisedText], masks: list[bytearray], gram: int, window: int) -> _Postings:
    """Every plan's fingerprints as (hash, plan, position), sorted by hash, then plan, then position,
    with where each hash's postings start and end: one sort of arrays, no dict of millions of lists."""
    found = [_fingerprints(nt.text, mask, gram, window) for nt, mask in zip(norms, masks, strict=True)]
    hashes = np.concatenate([np.zeros(0, dtype=np.uint64), *(h for h, _ in found)])
    plans = np.concatenate(
        [np.zeros(0, dtype=np.int64), *(np.full(len(h), d) for d, (h, _) in enumerate(found))]
    )
    positions = np.concatenate([np.zeros(0, dtype=np.int64), *(p for _, p in found)])
    order = np.lexsort((positions, plans, hashes))
    hashes, plans, positions = hashes[order], plans[order], positions[order]
    new_hash = np.concatenate(([True], hashes[1:] != hashes[:-1])) if len(hashes) else np.zeros(0, dtype=bool)
    new_plan = new_hash.copy()
    if len(plans):
        new_plan[1:] |= plans[1:] != plans[:-1]
    starts = np.flatnonzero(new_hash)
    ends = np.append(starts[1:], len(hashes))
    n_plans = np.add.reduceat(new_plan.astype(np.int64), starts) if len(starts) else np.zeros(0, np.int64)
    return _Postings(plans, positions, starts, ends, n_plans)


@dataclass(frozen=True)
class _Postings:
    plans: np.ndarray  # per posting, sorted by (hash, plan, position)
    positions: np.ndarray
    starts: np.ndarray  # per distinct hash, ascending: its postings are [start, end)
    ends: np.ndarray
    n_plans: np.ndarray  # per distinct hash: how many plans it occurs in


def _shared_runs(
    norms: list[NormalisedText], k: int, settings: ReuseSettings
) -> dict[tuple[int, int], list[Hit]]:
    """Maximal shared passages (>= k characters) per pair of plans, found from shared fingerprints."""
    gram = max(4, k // 2)
    window = k - gram + 1
    masks = [_mask(nt) for nt in norms]
    texts = [_Text.of(nt.text, mask) for nt, mask in zip(norms, masks, strict=True)]
    postings = _postings(norms, masks, gram, window)
    n_plans = len(norms)
    max_plans = n_plans
    if n_plans >= settings.boilerplate_min_plans:
        max_plans = max(2, math.ceil(settings.boilerplate_share * n_plans) - 1)
    # A passage in more plans than this is a template; pairing it would make the work quadratic.
    max_plans = min(max_plans, settings.boilerplate_max_plans)
    counts = postings.ends - postings.starts
    usable = (
        (counts >= 2)
        & (counts <= settings.max_postings)
        & (postings.n_plans >= 2)
        & (postings.n_plans <= max_plans)
    )
    # per pair of plans and diagonal (pa - pb): the passages found, disjoint (each is the maximal run
    # of equal, unmasked characters around a shared k-gram), as sorted starts and their ends
    found: dict[tuple[int, int], dict[int, tuple[list[int], list[int]]]] = defaultdict(dict)
    for g0, g1 in zip(postings.starts[usable].tolist(), postings.ends[usable].tolist(), strict=True):
        by_plan: dict[int, list[int]] = defaultdict(list)
        for d, p in zip(postings.plans[g0:g1].tolist(), postings.positions[g0:g1].tolist(), strict=True):
            by_plan[d].append(p)
        plans = list(by_plan)  # ascending: the postings are sorted by plan
        for x, a in enumerate(plans):
            for b in plans[x + 1 :]:
                diagonals = found[(a, b)]
                for pa in by_plan[a]:
                    for pb in by_plan[b]:
                        starts, ends = diagonals.setdefault(pa - pb, ([], []))
                        i = bisect_right(starts, pa)
                        if i and pa < ends[i - 1]:
                            continue  # inside a passage already extended on this diagonal
                        span = _extend(texts[a], pa, texts[b], pb, gram)
                        if span is not None:
                            starts.insert(i, span[0])
                            ends.insert(i, span[1])
    pairs: dict[tuple[int, int], list[Hit]] = defaultdict(list)
    for (a, b), diagonals in found.items():
        for diag, (starts, ends) in diagonals.items():
            for s, e in zip(starts, ends, strict=True):
                if e - s >= k:
                    pairs[(a, b)].append((s, e, s - diag, e - diag))
    return pairs


def _mask(nt: NormalisedText) -> bytearray:
    """1 at the masked positions of the text, 0 elsewhere."""
    mask = bytearray(len(nt.text))
    for i in nt.masked:
        mask[i] = 1
    return mask


@dataclass(frozen=True)
class _Text:
    """A normalised text with, for every position, how far an extension may run before a masked
    character: ``free_after[i]`` unmasked characters from i on, ``free_before[i]`` before i."""

    text: str
    free_after: array[int]  # compact: one per character of every plan
    free_before: array[int]

    @classmethod
    def of(cls, text: str, mask: bytearray) -> _Text:
        n = len(text)
        masked = np.flatnonzero(np.frombuffer(bytes(mask), dtype=np.uint8)) if n else np.zeros(0, np.int64)
        at = np.arange(n + 1)
        following = np.searchsorted(masked, at)  # index in `masked` of the first masked position >= i
        next_masked = np.append(masked, n)[following]
        previous = np.concatenate(([-1], masked))[following]  # the last masked position < i
        return cls(text, _int_array(next_masked - at), _int_array(at - previous - 1))


def _int_array(values: np.ndarray) -> array[int]:
    """A compact array of ints (indexing it gives Python ints, cheaply), copied as bytes."""
    out = array("i")
    out.frombytes(values.astype(np.int32).tobytes())
    return out


def _extend(a: _Text, pa: int, b: _Text, pb: int, k: int) -> tuple[int, int] | None:
    """The maximal common passage around the shared k-gram at ``pa``/``pb`` (span in text a),
    never across a masked character."""
    if a.text[pa : pa + k] != b.text[pb : pb + k]:
        return None  # a hash collision
    back = _common(a.text, pa, b.text, pb, min(a.free_before[pa], b.free_before[pb]), -1)
    ahead = _common(a.text, pa + k, b.text, pb + k, min(a.free_after[pa + k], b.free_after[pb + k]), 1)
    return pa - back, pa + k + ahead


def _common(ta: str, i: int, tb: str, j: int, limit: int, direction: int) -> int:
    """How many characters ``ta`` and ``tb`` share going forward from i/j (direction 1) or backward
    before them (-1), at most ``limit``: compared in growing slices (C speed), narrowed on a miss."""
    n, step = 0, 16
    while n < limit:
        m = min(step, limit - n)
        if direction > 0:
            same = ta[i + n : i + n + m] == tb[j + n : j + n + m]
        else:
            same = ta[i - n - m : i - n] == tb[j - n - m : j - n]
        if same:
            n, step = n + m, step * 2
        elif m == 1:
            break
        else:
            step = m // 2
    return n


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
    ca0, ca1 = int(na.spans[a0][0]), int(na.spans[a1 - 1][1])
    cb0, cb1 = int(nb.spans[b0][0]), int(nb.spans[b1 - 1][1])
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
