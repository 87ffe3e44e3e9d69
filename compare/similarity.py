"""Proposed families: measures that no catalogue family took, grouped by text similarity across plans.

The catalogue does most of the alignment; this module only *proposes* families it lacks. Each
measure's match text (minus the words every plan uses, ``similarity.stop_terms`` in align.yaml)
becomes a TF-IDF vector of character n-grams (plus word tokens when ``compare.segment`` exists).
Within each primary topic (blocking), every measure looks up its k nearest neighbours from *other*
plans (cosine, brute force on sparse vectors: cost grows with the block, never all pairs of the
corpus); an edge joins two measures that are mutual neighbours at or above the threshold, and each
connected component with members from at least ``min_plans`` plans becomes a family. A component
too large to be one measure is split again at a higher threshold.
"""

from __future__ import annotations

import hashlib
import importlib
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix, hstack
from scipy.sparse.csgraph import connected_components
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import normalize

from compare.catalogue import SettingsSection
from compare.model import Family, FamilyMember

_CJK_WORD = re.compile(r"^[\u4e00-\u9fffA-Za-z][\u4e00-\u9fffA-Za-z0-9+]*$")
_NON_TEXT = re.compile(r"[^\u4e00-\u9fffA-Za-z0-9+]+")


@dataclass(frozen=True)
class SimilaritySettings:
    """The ``similarity`` section of align.yaml (see the comments there)."""

    ngram_range: tuple[int, int] = (2, 3)
    k: int = 4
    threshold: float = 0.25
    mutual: bool = True
    min_plans: int = 2
    min_chars: int = 12
    max_members: int = 12
    threshold_step: float = 0.05
    name_terms: int = 3
    stop_terms: tuple[str, ...] = ()

    @classmethod
    def load(cls, path: Path | None = None) -> SimilaritySettings:
        s = SettingsSection("similarity", path)
        lo, hi = s.int_pair("ngram_range")
        return cls(
            ngram_range=(lo, hi),
            k=s.integer("k", 1),
            threshold=s.number("threshold", 0.0, 1.0),
            mutual=s.boolean("mutual"),
            min_plans=s.integer("min_plans", 2),
            min_chars=s.integer("min_chars", 0),
            max_members=s.integer("max_members", 2),
            threshold_step=s.number("threshold_step", 0.001, 1.0),
            name_terms=s.integer("name_terms", 1),
            stop_terms=s.strings("stop_terms"),
        )


@dataclass(frozen=True)
class Candidate:
    """A measure offered for proposing: who it is, its primary topic and its match text."""

    plan_id: str
    measure_id: str
    topic: str
    text: str


def propose_families(
    candidates: Sequence[Candidate], settings: SimilaritySettings | None = None
) -> list[Family]:
    """Families of similar measures from different plans (``source="proposed"``), deterministic.

    Ids are ``proposed.<topic>.<hash>``, the hash of the members' sorted key terms; names are the
    key terms most members share (the rarest in the topic first). Member similarity is the best
    cosine to a member of another plan.
    """
    settings = settings or default_settings()
    stop = _stop_pattern(settings.stop_terms)
    usable = [c for c in candidates if len(_strip(c.text, stop)) >= settings.min_chars]
    if len(usable) < 2:
        return []
    texts = [_strip(c.text, stop) for c in usable]
    vectors = _vectorise(texts, settings)
    blocks: dict[str, list[int]] = defaultdict(list)
    for i, c in enumerate(usable):
        blocks[c.topic].append(i)
    families: list[Family] = []
    for topic in sorted(blocks):
        idx = blocks[topic]
        if len({usable[i].plan_id for i in idx}) < settings.min_plans:
            continue
        components = _components(idx, usable, vectors, settings, settings.threshold)
        if not components:
            continue
        # key terms of the whole block: a name prefers terms that are rare in the block
        terms = {i: key_terms(usable[i].text, settings.stop_terms) for i in idx}
        block_df: Counter[str] = Counter(t for i in idx for t in set(terms[i]))
        for component, sims in components:
            families.append(_family(topic, component, sims, usable, texts, terms, block_df, settings))
    return sorted(_unique_ids(families), key=lambda f: (f.topic, -len(f.plan_ids), f.family_id))


def _unique_ids(families: list[Family]) -> list[Family]:
    """Two groups can share their key terms (hence their hash): number the later ones, in a stable order."""
    seen: Counter[str] = Counter()
    out: list[Family] = []
    for f in families:
        seen[f.family_id] += 1
        if seen[f.family_id] > 1:
            fid = f"{f.family_id}-{seen[f.family_id]}"
            f = replace(f, family_id=fid, members=[replace(m, family_id=fid) for m in f.members])
        out.append(f)
    return out


@lru_cache(maxsize=1)
def default_settings() -> SimilaritySettings:
    return SimilaritySettings.load()


# ---------------------------------------------------------------- vectors and neighbours


def _stop_pattern(terms: Sequence[str]) -> re.Pattern[str] | None:
    if not terms:
        return None
    return re.compile("|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)))


def _strip(text: str, stop: re.Pattern[str] | None) -> str:
    if stop is not None:
        text = stop.sub(" ", text)
    return _NON_TEXT.sub(" ", text).strip()


def _tokenizer() -> Callable[[str], list[str]] | None:
    """``compare.segment.tokenize`` when that module exists (word tokens with the policy dictionary)."""
    try:
        module = importlib.import_module("compare.segment")
    except ImportError:
        return None
    fn = getattr(module, "tokenize", None)
    return fn if callable(fn) else None


def _vectorise(texts: list[str], settings: SimilaritySettings) -> csr_matrix:
    chars = TfidfVectorizer(analyzer="char", ngram_range=settings.ngram_range, sublinear_tf=True)
    matrix = chars.fit_transform(texts)
    tokenize = _tokenizer()
    if tokenize is not None:
        words = TfidfVectorizer(analyzer=lambda t: [w for w in tokenize(t) if w.strip()], sublinear_tf=True)
        matrix = hstack([matrix, words.fit_transform(texts)]).tocsr()
    return csr_matrix(normalize(matrix))


def _components(
    idx: list[int],
    usable: Sequence[Candidate],
    vectors: csr_matrix,
    settings: SimilaritySettings,
    threshold: float,
) -> list[tuple[list[int], dict[int, float]]]:
    """Connected components (global indices) of the mutual-kNN graph over ``idx``, with best sims."""
    plans = [usable[i].plan_id for i in idx]
    n = len(idx)
    # ask for extra neighbours: some of them are from the measure's own plan and are skipped
    n_neighbors = min(n, settings.k + 1 + max(Counter(plans).values()))
    nn = NearestNeighbors(n_neighbors=n_neighbors, metric="cosine", algorithm="brute")
    sub = vectors[idx]
    nn.fit(sub)
    dist, nbr = nn.kneighbors(sub)
    near: list[dict[int, float]] = []
    for a in range(n):
        kept: dict[int, float] = {}
        for d, b in zip(dist[a], nbr[a], strict=True):
            sim = 1.0 - float(d)
            if b == a or plans[b] == plans[a] or sim < threshold:
                continue
            kept[int(b)] = sim
            if len(kept) == settings.k:
                break
        near.append(kept)
    rows, cols = [], []
    for a in range(n):
        for b in near[a]:
            if not settings.mutual or a in near[b]:
                rows.append(a)
                cols.append(b)
    if not rows:
        return []
    graph = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    out: list[tuple[list[int], dict[int, float]]] = []
    for label in sorted(set(labels[rows])):
        local = [a for a in range(n) if labels[a] == label]
        if len({plans[a] for a in local}) < settings.min_plans:
            continue
        if len(local) > settings.max_members and threshold + settings.threshold_step < 1.0:
            out.extend(
                _components(
                    [idx[a] for a in local], usable, vectors, settings, threshold + settings.threshold_step
                )
            )
            continue
        sims = {
            idx[a]: max((s for b, s in near[a].items() if labels[b] == label), default=threshold)
            for a in local
        }
        out.append(([idx[a] for a in local], sims))
    return out


# ---------------------------------------------------------------- names and ids


def key_terms(text: str, stop_terms: Sequence[str]) -> list[str]:
    """Content words of ``text`` (segmented; generic policy words dropped), in order, deduplicated."""
    stop = set(stop_terms)
    tokenize = _tokenizer() or _bigrams
    seen: dict[str, None] = {}
    for w in tokenize(_strip(text, _stop_pattern(stop_terms))):
        if len(w) >= 2 and w not in stop and _CJK_WORD.match(w):
            seen.setdefault(w, None)
    return list(seen)


def _bigrams(text: str) -> list[str]:
    """Character bigrams: the fallback key terms when no word segmenter is available."""
    return [text[i : i + 2] for i in range(len(text) - 1) if " " not in text[i : i + 2]]


def _family(
    topic: str,
    component: list[int],
    sims: dict[int, float],
    usable: Sequence[Candidate],
    texts: list[str],
    terms: dict[int, list[str]],
    block_df: Counter[str],
    settings: SimilaritySettings,
) -> Family:
    members = sorted(component, key=lambda i: (usable[i].plan_id, usable[i].measure_id))
    key = "\n".join(sorted(" ".join(sorted(terms[i])) for i in members))
    family_id = f"proposed.{topic}.{hashlib.sha1(key.encode('utf-8')).hexdigest()[:10]}"
    counts: Counter[str] = Counter(t for i in members for t in terms[i])
    # shared by most members first, then rarest in the topic's block, then longest
    ranked = sorted(counts, key=lambda t: (-counts[t], block_df[t], -len(t), t))
    shared = [t for t in ranked if counts[t] >= 2] or ranked
    name = "、".join(shared[: settings.name_terms]) or texts[members[0]][:12]
    plan_count = len({usable[i].plan_id for i in members})
    return Family(
        family_id=family_id,
        topic=topic,
        name=name,
        gloss=f"Proposed by text similarity: {len(members)} measures from {plan_count} plans",
        source="proposed",
        members=[
            FamilyMember(
                family_id=family_id,
                plan_id=usable[i].plan_id,
                measure_id=usable[i].measure_id,
                similarity=round(sims[i], 4),
                evidence="、".join(t for t in terms[i] if counts[t] >= 2)[:60] or "similar text",
            )
            for i in members
        ],
    )
