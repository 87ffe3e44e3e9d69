"""The site's search index, as data: every anchored passage of every plan (a measure with its clauses)
and which of them hold each character bigram and each jieba word.

Character bigrams make the index complete: any query of two or more characters is the intersection
of its bigrams' postings (the browser then checks the passage really holds it), whatever the word
boundaries. jieba words (search mode: 市场 is a word of 市场监管 too) say where the query is a word
of the passage (人才 in 引进人才, not in 个人才能), so those passages come first; cutting text with
jieba costs about 4 s per million characters, so they are indexed only up to ``search_words_plans``
plans (templates/report.yaml).

One pass over the plans' measures, in the site's plan order; passages are numbered in that order,
so a plan's passages are a run of numbers and a posting list is sorted. The postings are computed on
the whole corpus at once (code points as integers, one sort), a few seconds at 2,000 plans. The
files are written by ``compare.render.search_files``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from operator import add

import numpy as np

from compare.render.view.data import ViewData
from compare.render.view.links import plan_href
from compare.segment import search_words


@dataclass(frozen=True)
class SearchPlan:
    plan_id: str
    name: str  # in the edition's words
    href: str  # the plan's page, from the site root
    first: int  # the number of its first passage


@dataclass(frozen=True)
class SearchDoc:
    """A measure as search shows it: where it is and its clauses' text (line breaks dropped)."""

    plan: int  # index into ``SearchIndex.plans``
    measure_id: str  # the anchor of the measure; clause k's is ``<measure_id>/c<k+1>``
    path: str  # its place in the plan's outline (三/（四）/17); "" in an unnumbered part
    clauses: tuple[str, ...]  # one clause when the measure was not cut
    anchored: bool  # its clauses carry anchors (a measure without clauses is anchored whole)


class Postings:
    """Tokens (sorted) and, for each, the ascending numbers of the passages that hold it (each once),
    in two flat arrays: token k's passages are ``docs[starts[k]:starts[k + 1]]``."""

    def __init__(self, tokens: list[str], starts: np.ndarray, docs: np.ndarray) -> None:
        self.tokens = tokens
        self.starts = starts
        self.docs = docs
        self._at: dict[str, int] | None = None

    def __len__(self) -> int:
        return len(self.tokens)

    def items(self) -> Iterator[tuple[str, np.ndarray]]:
        for k, token in enumerate(self.tokens):
            yield token, self.docs[self.starts[k] : self.starts[k + 1]]

    def get(self, token: str) -> list[int]:
        if self._at is None:
            self._at = {t: k for k, t in enumerate(self.tokens)}
        k = self._at.get(token)
        return [] if k is None else self.docs[self.starts[k] : self.starts[k + 1]].tolist()

    def gaps(self, k: int = 0, j: int | None = None) -> np.ndarray:
        """Tokens ``k``..``j - 1``'s passages as gaps (all tokens by default): each token's first
        number, then the differences (what the files hold). Asked for a run of tokens at a time, it
        holds only that run's gaps (tens of millions of numbers at 2,000 plans)."""
        j = len(self.tokens) if j is None else j
        a = int(self.starts[k])
        docs = self.docs[a : self.starts[j]].astype(np.int64)
        gaps = np.diff(docs, prepend=0)
        firsts = self.starts[k:j] - a
        gaps[firsts] = docs[firsts]
        return gaps


# the characters str.isspace() is true for (a bigram never spans one)
_SPACES = np.array([c for c in range(0x3001) if chr(c).isspace()], dtype=np.uint64)
_BITS = 21  # a code point fits in 21 bits: a bigram is one integer


_CHUNK = 1 << 20  # characters computed at once: a few arrays of this many integers in memory


def _dedupe(keys: np.ndarray) -> np.ndarray:
    keys = np.sort(keys)  # np.unique hashes, several times slower here than a sort
    return keys[np.r_[True, keys[1:] != keys[:-1]]] if len(keys) else keys


def _grouped(keys: np.ndarray, n_docs: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unique (token code, passage) pairs as ``code * n_docs + passage``, sorted (so by token, then
    passage): the distinct codes, where each one's passages start, and the passages. ``keys`` is
    sorted and divided in place (the caller's array is used up)."""
    keys.sort()
    n = np.uint64(max(n_docs, 1))
    # passage numbers fit 32 bits: computed straight into their array (a 64-bit remainder, then a
    # copy, held three arrays of the keys' size at once: 0.5 GB at 2,000 plans)
    docs = np.empty(len(keys), dtype=np.uint32)
    np.remainder(keys, n, out=docs, casting="unsafe")
    codes = np.floor_divide(keys, n, out=keys)  # in place: tens of millions of keys at 2,000 plans
    first = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]]) if len(codes) else np.zeros(0, np.int64)
    starts = np.append(first, len(codes)).astype(np.int64)
    return codes[first], starts, docs


def _bigram_keys(texts: list[str], first: int, n_docs: int) -> np.ndarray:
    """The unique (bigram, passage) keys of passages ``first``, ``first + 1`` …: their characters as
    one array of code points, the passages apart by a space."""
    chars = np.frombuffer((" ".join(texts) + " ").encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    owner = np.repeat(np.arange(first, first + len(texts), dtype=np.uint64), [len(t) + 1 for t in texts])
    blank = np.isin(chars, _SPACES)
    keep = ~(blank[:-1] | blank[1:])
    pairs = (chars[:-1][keep] << np.uint64(_BITS)) | chars[1:][keep]
    return _dedupe(pairs * np.uint64(max(n_docs, 1)) + owner[:-1][keep])


def _joined(parts: list[np.ndarray]) -> np.ndarray:
    """The parts as one array, each part let go once copied (``parts`` is emptied): tens of millions
    of keys at 2,000 plans, never all twice in memory."""
    keys = np.empty(sum(len(p) for p in parts), dtype=np.uint64)
    at = 0
    parts.reverse()
    while parts:
        part = parts.pop()
        keys[at : at + len(part)] = part
        at += len(part)
    return keys


def bigram_postings(texts: list[str]) -> Postings:
    """The bigrams of each passage's (normalised) text, as postings, computed on runs of passages of
    about a million characters (a passage's keys are all in its run, so each run is made unique)."""
    parts: list[np.ndarray] = []
    first, size = 0, 0
    for n, text in enumerate(texts):
        size += len(text) + 1
        if size >= _CHUNK or n == len(texts) - 1:
            parts.append(_bigram_keys(texts[first : n + 1], first, len(texts)))
            first, size = n + 1, 0
    codes, starts, docs = _grouped(_joined(parts), len(texts))
    mask = (1 << _BITS) - 1
    tokens = [chr(c >> _BITS) + chr(c & mask) for c in codes.tolist()]
    return Postings(tokens, starts, docs)


def word_postings(words: list[set[str]]) -> Postings:
    """Each passage's words, as postings."""
    vocabulary = sorted(set().union(*words)) if words else []
    number = {w: k for k, w in enumerate(vocabulary)}
    keys = [number[w] * max(len(words), 1) + n for n, got in enumerate(words) for w in got]
    codes, starts, docs = _grouped(_dedupe(np.array(keys, dtype=np.uint64)), len(words))
    return Postings([vocabulary[c] for c in codes.tolist()], starts, docs)


@dataclass
class SearchIndex:
    plans: list[SearchPlan]
    docs: list[SearchDoc]
    bigrams: Postings
    words: Postings | None  # jieba words of 2+ characters; None: not indexed


def normalise(text: str) -> str:
    """What is indexed and what a query is matched against: lower case (Latin letters), the text as
    shown otherwise (simplified and traditional characters are not folded)."""
    return text.lower()


def bigrams(text: str) -> set[str]:
    """The text's character bigrams, none across whitespace (what a query is cut into)."""
    got: set[str] = set()
    for run in normalise(text).split():
        got.update(map(add, run, run[1:]))
    return got


def shard_of(token: str, n: int) -> int:
    """Which of ``n`` postings files holds a token: by its first two characters (search.js computes
    the same), so a query reads only the files of its bigrams, and a word lies beside its first one."""
    h = 0
    for ch in token[:2]:
        h = (h * 31 + ord(ch)) % 1_000_003
    return h % n


_PART_KIND = re.compile(r"[a-z_]+")


def search_index(
    data: ViewData, *, words: bool | None = None, cut: Callable[[str], Iterable[str]] = search_words
) -> SearchIndex:
    """The index of every measure and context unit of the site's plans, in the site's plan order.

    ``words``: index jieba words too (default: when there are at most ``search_words_plans`` plans).
    """
    with_words = len(data.plans) <= data.cfg.search_words_plans if words is None else words
    plans: list[SearchPlan] = []
    docs: list[SearchDoc] = []
    texts: list[str] = []
    words_of: list[set[str]] = []
    cut_once: dict[str, set[str]] = {}
    for p in data.plans:
        pid = p.document.plan_id
        text = p.document.clean.text
        plans.append(SearchPlan(pid, data.names[pid], plan_href(pid), len(docs)))
        for m in sorted(p.measures, key=lambda m: (m.clean_start, m.clean_end)):
            whole = text[m.clean_start : m.clean_end]
            # all clauses kept (clause k is anchor c<k+1>), the plan's line breaks dropped
            clauses = tuple(text[a:b] for a, b in m.clauses) if m.clauses else (whole,)
            if "\n" in whole:
                clauses = tuple(c.replace("\n", "") for c in clauses)
            if not any(clauses):
                continue
            # an unnumbered part's path is its kind (preamble, body …), no place a reader would name
            path = "" if _PART_KIND.fullmatch(m.path) else m.path
            docs.append(SearchDoc(len(plans) - 1, m.measure_id, path, clauses, bool(m.clauses)))
            whole = normalise("".join(clauses) if m.clauses else clauses[0])
            texts.append(whole)
            if with_words:  # plans copy each other's wording: a text is cut once
                got = cut_once.get(whole)
                if got is None:
                    got = cut_once[whole] = {w for w in cut(whole) if len(w) > 1 and not w.isspace()}
                words_of.append(got)
    return SearchIndex(plans, docs, bigram_postings(texts), word_postings(words_of) if with_words else None)
