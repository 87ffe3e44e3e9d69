"""Proposed families: measures that no catalogue family took, grouped by text similarity across plans.

The catalogue does most of the alignment; this module only *proposes* families it lacks. Each
measure's match text (minus the words every plan uses, ``similarity.stop_terms`` in align.yaml)
becomes a TF-IDF vector of character n-grams (plus word tokens when ``compare.segment`` exists).
Within each primary topic (blocking), every measure looks up its k nearest neighbours from *other*
plans (cosine, from a top-n sparse product within the block: cost grows with the block, never all
pairs of the corpus, and memory with the neighbours kept, never a dense block x block matrix; equal
cosines go to the measure that comes first); an edge joins two measures that are mutual neighbours
at or above the threshold, and each connected component with members from at least ``min_plans``
plans becomes a family. A component too large to be one measure is split again at a higher
threshold.
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
from typing import TYPE_CHECKING

import numpy as np

from compare.datafiles import align_section
from compare.model import Family, FamilyMember
from compare.text import common_phrase, literal_alternation
from compare.vectors import char_ngrams, l2_rows, tfidf

# No scikit-learn here: importing it costs about a second per process, more than analysing five
# plans. Its TfidfVectorizer and brute-force cosine NearestNeighbors are a few lines of scipy below
# (same weighting, same n-grams) and sparse_dot_topn (top-n of a sparse product, in C++), both
# imported where used: a build imports them while its plans are analysed (compare.analyse).
if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

_NAME_PUNCTUATION = str.maketrans({",": "，", ";": "；", ":": "：", "(": "（", ")": "）"})
_CJK_WORD = re.compile(r"^[\u4e00-\u9fffA-Za-z][\u4e00-\u9fffA-Za-z0-9+]*$")
_NON_TEXT = re.compile(r"[^\u4e00-\u9fffA-Za-z0-9+]+")
_PRODUCT_CELLS = 1 << 20  # most (row, neighbour) cells one top-n product holds: about 12 MB
# Column j of the neighbour search is scaled by (1 - j * _TIE_STEP): equal cosines come out in index
# order, distinct to the library (a step is far above float64 rounding of a dot product), so it never
# has to be asked again for values tied with its last kept one. Cosines closer than n * _TIE_STEP
# (1e-7 for 100,000 rows) count as equal; the cosines reported are computed again, exactly.
_TIE_STEP = 2.0**-40
_TIE_SLACK = 1e-9  # a scaled cosine divided back may miss the threshold by rounding: the exact one decides


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
    name_phrase: tuple[int, int] = (6, 24)
    stop_terms: tuple[str, ...] = ()
    strip_places: bool = True

    @classmethod
    def load(cls, path: Path | None = None) -> SimilaritySettings:
        s = align_section("similarity", path)
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
            name_phrase=s.int_pair("name_phrase"),
            stop_terms=s.strings("stop_terms"),
            strip_places=s.boolean("strip_places"),
        )


@dataclass(frozen=True)
class Candidate:
    """A measure offered for proposing: who it is, its primary topic and its match text."""

    plan_id: str
    measure_id: str
    topic: str
    text: str
    clause: tuple[int, int] = (0, 0)  # the clause the text is (clean span); (0, 0): the whole measure


def propose_families(
    candidates: Sequence[Candidate], settings: SimilaritySettings | None = None, threads: int = 1
) -> list[Family]:
    """Families of similar measures from different plans (``source="proposed"``), deterministic.

    ``threads``: threads of the neighbour search (the result is the same whatever the number).

    Ids are ``proposed.<topic>.<hash>``, the hash of the members' sorted key terms; names are the
    key terms most members share (the rarest in the topic first). Member similarity is the best
    cosine to a member of another plan.
    """
    settings = settings or default_settings()
    stop = _stop_pattern(settings)
    strip = _stripper(stop)
    stripped = [(c, strip(c.text)) for c in candidates]
    del strip
    kept = [(c, t) for c, t in stripped if len(t) >= settings.min_chars]
    if len(kept) < 2:
        return []
    usable = [c for c, _ in kept]
    # One node per wording of a topic: plans copy each other, and a clause copied by 300 plans is one
    # measure (k nearest neighbours over its copies would keep a handful and cut the rest off), and
    # one vector, one segmentation, one row of the neighbour search.
    nodes = _wordings(usable, [t for _, t in kept])
    tokenize = _tokenizer()
    words = [tokenize(n.text) for n in nodes] if tokenize is not None else None
    vectors = _vectorise([n.text for n in nodes], words, settings, [len(n.members) for n in nodes])
    blocks: dict[str, list[int]] = defaultdict(list)
    for i, n in enumerate(nodes):
        blocks[n.topic].append(i)
    families: list[Family] = []
    for topic in sorted(blocks):
        idx = blocks[topic]
        if len({usable[m].plan_id for i in idx for m in nodes[i].members}) < settings.min_plans:
            continue
        components = _components(idx, nodes, usable, vectors, settings, settings.threshold, threads)
        if not components:
            continue
        # key terms of the whole block: a name prefers terms that are rare in the block
        node_terms = {
            i: _content_words(words[i] if words is not None else _bigrams(nodes[i].text), settings.stop_terms)
            for i in idx
        }
        block_df: Counter[str] = Counter()
        for i in idx:
            for t in set(node_terms[i]):
                block_df[t] += len(nodes[i].members)
        for component, sims in components:
            terms = {m: node_terms[i] for i in component for m in nodes[i].members}
            texts = {m: nodes[i].text for i in component for m in nodes[i].members}
            families.append(_family(topic, sims, usable, texts, terms, block_df, settings))
    return sorted(_unique_ids(families), key=lambda f: (f.topic, -len(f.plan_ids), f.family_id))


@dataclass(frozen=True)
class _Wording:
    """A distinct match text of a topic and the candidates (indices) that read so."""

    topic: str
    text: str
    members: tuple[int, ...]
    plans: frozenset[str]


def _wordings(usable: Sequence[Candidate], texts: Sequence[str]) -> list[_Wording]:
    """The distinct (topic, text) pairs in order of first appearance, each with its candidates."""
    groups: dict[tuple[str, str], list[int]] = {}
    for i, (c, t) in enumerate(zip(usable, texts, strict=True)):
        groups.setdefault((c.topic, t), []).append(i)
    return [
        _Wording(topic, text, tuple(ms), frozenset(usable[m].plan_id for m in ms))
        for (topic, text), ms in groups.items()
    ]


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


def _stop_pattern(settings: SimilaritySettings) -> re.Pattern[str] | None:
    """What comes out of a text before comparing: the stop terms, and place names when
    ``strip_places`` (the gazetteer's full and short names: a clause that cities copy with their own
    name, 支持合肥高新区… / 支持芜湖高新区…, is one measure)."""
    places: tuple[str, ...] = ()
    if settings.strip_places:
        from compare.places import gazetteer

        g = gazetteer()
        places = tuple(sorted({*g.full, *g.short}))
    return _compiled_stop(tuple(settings.stop_terms) + places)


@lru_cache(maxsize=8)
def _compiled_stop(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    """The stop terms as one regex, the longest at each place; cached: building it costs more than
    using it."""
    if not terms:
        return None
    return re.compile(literal_alternation(terms))


def _strip(text: str, stop: re.Pattern[str] | None) -> str:
    if stop is not None:
        text = stop.sub(" ", text)
    return _NON_TEXT.sub(" ", text).strip()


def _stripper(stop: re.Pattern[str] | None) -> Callable[[str], str]:
    """``_strip`` with ``stop``, each distinct text stripped once: related plans repeat clauses word for
    word (the memo lives as long as the function returned)."""
    memo: dict[str, str] = {}

    def strip(text: str) -> str:
        found = memo.get(text)
        if found is None:
            found = memo[text] = _strip(text, stop)
        return found

    return strip


@lru_cache(maxsize=1)
def _tokenizer() -> Callable[[str], list[str]] | None:
    """``compare.segment.tokenize`` when that module exists (word tokens with the policy dictionary),
    remembering its cuts: proposals and propagation segment many of the same clauses."""
    try:
        module = importlib.import_module("compare.segment")
    except ImportError:
        return None
    fn = getattr(module, "tokenize", None)
    return lru_cache(maxsize=262_144)(fn) if callable(fn) else None


def _vectorise(
    texts: list[str],
    words: list[list[str]] | None,
    settings: SimilaritySettings,
    copies: Sequence[int] | None = None,
) -> csr_matrix:
    """One l2-normalised row per text: TF-IDF of character n-grams, then of word tokens, side by side
    (``copies``: how many clauses each text stands for, see ``tfidf``)."""
    matrix = tfidf([char_ngrams(t, settings.ngram_range) for t in texts], copies)
    if words is not None:
        # word tokens as they come (no lowercasing), as scikit-learn treated a callable analyzer
        from scipy.sparse import hstack

        by_word = tfidf([[w for w in ws if w.strip()] for ws in words], copies)
        matrix = hstack([matrix, by_word], format="csr")
    return l2_rows(matrix)


def components(n: int, rows: Sequence[int], cols: Sequence[int]) -> list[int]:
    """Connected components of an undirected graph on ``0..n-1``, numbered in the order of their
    smallest node (as scipy's ``connected_components`` numbers them). Union-find: importing
    scipy.sparse.csgraph (it pulls in scipy.sparse.linalg) costs more than a five-plan build spends here."""
    parent = list(range(n))

    def root(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for a, b in zip(rows, cols, strict=True):
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    labels: dict[int, int] = {}
    return [labels.setdefault(root(a), len(labels)) for a in range(n)]


def nearest_other_plans(
    vectors: csr_matrix, plans: Sequence[str], k: int, threshold: float, threads: int = 1
) -> list[dict[int, float]]:
    """Per row, up to ``k`` rows of *other* plans with cosine >= ``threshold``: {row: cosine}, best first.

    Rows are unit vectors, so the cosine is their dot product; rows that share no term (cosine 0)
    are never neighbours. Equal cosines go to the lower row index (see ``_TIE_STEP``), so the choice
    never depends on the order the library met the columns in. Corpora of related plans have
    thousands of identical measures: before the tie step, asking again for tied rows made this
    search grow as N^2.4.
    """
    from scipy.sparse import csr_matrix
    from sparse_dot_topn import sp_matmul_topn

    n = vectors.shape[0]
    if n == 0:
        return []
    # a row's own plan (itself included) can take at most this many places ahead of other plans
    top_n = min(n, k + max(Counter(plans).values()))
    scale = 1.0 - _TIE_STEP * np.arange(n, dtype=np.float64)
    # the library keeps values strictly above its threshold: below the lowest a scaled cosine at the
    # threshold can become; the exact test is on the cosines divided back
    floor = float(np.nextafter(threshold * scale[-1], -np.inf))
    # B given as (features x rows): sparse_dot_topn guesses the orientation from shapes otherwise
    columns = csr_matrix(vectors.T, dtype=np.float64, copy=True)
    columns.data *= scale[columns.indices]
    near: list[dict[int, float]] = [{} for _ in range(n)]
    pending = list(range(n))
    while pending:
        unsure: list[int] = []
        # rows x top_n bounds the result's memory: a chunk never holds more than _PRODUCT_CELLS
        step = max(1, _PRODUCT_CELLS // top_n)
        for chunk in (pending[i : i + step] for i in range(0, len(pending), step)):
            # a row's result never depends on the number of threads
            product = sp_matmul_topn(
                vectors[chunk], columns, top_n=top_n, threshold=floor, sort=False, n_threads=threads
            )
            for r, a in enumerate(chunk):
                lo, hi = product.indptr[r], product.indptr[r + 1]
                cols = product.indices[lo:hi]
                near[a] = _best_others(
                    a, cols, product.data[lo:hi], scale[cols], plans, k, threshold - _TIE_SLACK
                )
                # a full row without k other plans (cosines at the threshold's edge): ask for more
                if hi - lo == top_n < n and len(near[a]) < k:
                    unsure.append(a)
        pending = unsure
        top_n = min(n, 2 * top_n)
    return _exact(vectors, near, threshold)


def _exact(vectors: csr_matrix, near: list[dict[int, float]], threshold: float) -> list[dict[int, float]]:
    """The neighbours with their exact cosines, those below the threshold dropped. Each is the sum of
    the products of shared terms in the rows' term order, the order a sparse product sums them in, so
    equal rows give bit-equal cosines."""
    rows = np.array([a for a, found in enumerate(near) for _ in found], dtype=np.int64)
    cols = np.array([b for found in near for b in found], dtype=np.int64)
    cosines = np.empty(len(rows))
    step = 1 << 16
    for i in range(0, len(rows), step):
        products = vectors[rows[i : i + step]].multiply(vectors[cols[i : i + step]]).tocsr()
        products.sort_indices()
        cosines[i : i + step] = products @ np.ones(products.shape[1])  # one sequential sum per row
    out: list[dict[int, float]] = [{} for _ in near]
    for a, b, c in zip(rows.tolist(), cols.tolist(), cosines.tolist(), strict=True):
        if c >= threshold:
            out[a][b] = c
    return out


def _best_others(
    a: int,
    cols: np.ndarray,
    scaled: np.ndarray,
    scale: np.ndarray,
    plans: Sequence[str],
    k: int,
    threshold: float,
) -> dict[int, float]:
    """The ``k`` best (column, cosine) pairs of row ``a`` from other plans at or above the threshold:
    cosine desc, then column asc (the order of the scaled values)."""
    kept: dict[int, float] = {}
    cosines = scaled / scale
    for j in np.lexsort((cols, -scaled)):
        b = int(cols[j])
        if b != a and plans[b] != plans[a] and cosines[j] >= threshold:
            kept[b] = float(cosines[j])
            if len(kept) == k:
                break
    return kept


def _components(
    idx: list[int],
    nodes: Sequence[_Wording],
    usable: Sequence[Candidate],
    vectors: csr_matrix,
    settings: SimilaritySettings,
    threshold: float,
    threads: int = 1,
) -> list[tuple[list[int], dict[int, float]]]:
    """Connected components (node indices) of the mutual-kNN graph over the wordings ``idx``, with
    each member candidate's best similarity to a member of another plan."""
    # a wording of one plan looks for other plans' wordings; one that several plans share is "other"
    # to every wording (its own copies already stand together)
    plans = [next(iter(nodes[i].plans)) if len(nodes[i].plans) == 1 else f"\0{i}" for i in idx]
    n = len(idx)
    near = nearest_other_plans(vectors[idx], plans, settings.k, threshold, threads)
    rows, cols = [], []
    for a in range(n):
        if len(nodes[idx[a]].plans) > 1:  # a wording several plans share is a group of its own
            rows.append(a)
            cols.append(a)
        for b in near[a]:
            if not settings.mutual or a in near[b]:
                rows.append(a)
                cols.append(b)
    if not rows:
        return []
    labels = np.array(components(n, rows, cols))
    grouped: dict[int, list[int]] = defaultdict(list)  # label -> its rows, ascending
    for a, label in enumerate(labels.tolist()):
        grouped[label].append(a)
    out: list[tuple[list[int], dict[int, float]]] = []
    for label in sorted(set(labels[rows].tolist())):
        local = grouped[label]
        if len(frozenset().union(*(nodes[idx[a]].plans for a in local))) < settings.min_plans:
            continue
        # distinct wordings, not copies, make a component too wide to be one measure
        if len(local) > settings.max_members and threshold + settings.threshold_step < 1.0:
            out.extend(
                _components(
                    [idx[a] for a in local],
                    nodes,
                    usable,
                    vectors,
                    settings,
                    threshold + settings.threshold_step,
                    threads,
                )
            )
            continue
        sims: dict[int, float] = {}
        for a in local:
            node = nodes[idx[a]]
            best = max((s for b, s in near[a].items() if labels[b] == label), default=threshold)
            for m in node.members:
                # a copy in another plan is as similar as text gets
                copied = len(node.plans) > 1
                sims[m] = 1.0 if copied else best
        out.append(([idx[a] for a in local], sims))
    return out


# ---------------------------------------------------------------- names and ids


def _content_words(tokens: Sequence[str], stop_terms: Sequence[str]) -> list[str]:
    """The tokens of two or more letters that are words and not stop terms, in order, deduplicated."""
    stop = set(stop_terms)
    seen: dict[str, None] = {}
    for w in tokens:
        if len(w) >= 2 and w not in stop and _CJK_WORD.match(w):
            seen.setdefault(w, None)
    return list(seen)


def _bigrams(text: str) -> list[str]:
    """Character bigrams: the fallback key terms when no word segmenter is available."""
    return [text[i : i + 2] for i in range(len(text) - 1) if " " not in text[i : i + 2]]


def _family(
    topic: str,
    sims: dict[int, float],
    usable: Sequence[Candidate],
    texts: dict[int, str],
    terms: dict[int, list[str]],
    block_df: Counter[str],
    settings: SimilaritySettings,
) -> Family:
    """A proposed family of the candidates ``sims`` holds, named by the wording all its members share
    (会计报表…注册会计师验证并出具证明) when they share enough of it, else by their key terms."""
    members = sorted(sims, key=lambda i: (usable[i].plan_id, usable[i].measure_id))
    key = "\n".join(sorted(" ".join(sorted(terms[i])) for i in members))
    family_id = f"proposed.{topic}.{hashlib.sha1(key.encode('utf-8')).hexdigest()[:10]}"
    counts: Counter[str] = Counter(t for i in members for t in terms[i])
    # shared by most members first, then rarest in the topic's block, then longest
    ranked = sorted(counts, key=lambda t: (-counts[t], block_df[t], -len(t), t))
    shared = [t for t in ranked if counts[t] >= 2] or ranked
    named = tuple(shared[: settings.name_terms])
    least, most = settings.name_phrase
    phrase = common_phrase([usable[i].text for i in members], least, most, _tokenizer())
    # the shared wording names the family when it holds its key terms (most of them), not a stretch of
    # connecting words (验证并出具证明 beside 会计报表、会计师、出具)
    if phrase and sum(t in phrase for t in named) < min(2, len(named)):
        phrase = None
    elif phrase:  # match text is half-width; a row label is read in Chinese
        phrase = phrase.translate(_NAME_PUNCTUATION)
    name = phrase or "、".join(named) or texts[members[0]][:12]
    plan_count = len({usable[i].plan_id for i in members})
    return Family(
        family_id=family_id,
        topic=topic,
        name=name,
        gloss=f"Proposed by text similarity: {len(members)} measures from {plan_count} plans",
        source="proposed",
        terms=named,
        members=[
            FamilyMember(
                family_id=family_id,
                plan_id=usable[i].plan_id,
                measure_id=usable[i].measure_id,
                similarity=round(sims[i], 4),
                evidence="、".join(t for t in terms[i] if counts[t] >= 2)[:60] or "similar text",
                clause=usable[i].clause,
            )
            for i in members
        ],
    )
