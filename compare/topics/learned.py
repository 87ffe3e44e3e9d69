"""The learned half of topic tagging: a linear model over character n-grams, read from a data file.

The codebook's cues are written by hand from the policy field; they miss a topic a plan names in words
no cue lists. The model (one logistic regression per topic over TF-IDF weighted character 2- and
3-grams, trained by ``tests/topic_model.py`` on the labelled provisions) adds a topic the cues left out
when it is confident (``threshold``). It never removes a cue's topic. Its evidence is the n-grams that
pushed it most, so every label stays explainable: ``模型:人才、引进``.

Inference is numpy over the file, so the running tool needs no learning library.
File format (``learned.tsv``): ``#`` comment lines (provenance), a header row ``gram idf <topic ids…>``,
an intercept row ``(intercept) - <b…>``, then one row per n-gram with its IDF and weights (0 = pruned).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from operator import itemgetter
from pathlib import Path
from typing import Any

import ahocorasick
import numpy as np
from scipy.sparse import csr_matrix

from compare.errors import CodebookError
from compare.model import TOPIC_IDS

NGRAMS = (2, 3)
_SPACE = re.compile(r"\s+")
_INTERCEPT = "(intercept)"
_TOP = 8  # the grams that pushed a topic most: where its evidence is read
_SECOND = itemgetter(1)
_NONE = np.zeros(0, dtype=np.int64)


_MASKED = "\u3000"


def prepare(text: str, mask: re.Pattern[str] | None) -> str:
    """The form the model reads: white space as one space, and what says nothing about a topic blanked
    (the codebook's neutral spans: titles of cited documents, zone kinds, departments named as actors;
    the words of the model's mask: the zone a plan is about)."""
    flat = _SPACE.sub(" ", text)
    return mask.sub(lambda m: _MASKED * len(m.group()), flat) if mask is not None else flat


def features(text: str, mask: re.Pattern[str] | None) -> list[str]:
    """The features of a text (the trainer's analyser): its character 2- and 3-grams of word characters
    only (a gram across punctuation or a blank says nothing)."""
    flat = prepare(text, mask)
    return [g for n in NGRAMS for i in range(len(flat) - n + 1) if (g := flat[i : i + n]).isalnum()]


@dataclass(frozen=True, eq=False)  # arrays: compared by identity
class LearnedModel:
    topics: tuple[str, ...]
    vocabulary: tuple[str, ...]
    idf: Any  # np.ndarray (n_grams,)
    weights: Any  # np.ndarray (n_grams, n_topics); a pruned weight is 0
    intercepts: Any  # np.ndarray (n_topics,)
    threshold: float  # a topic is added when its probability reaches this
    score: float  # the score an added topic carries (it must pass the aggregation bars)
    min_chars: int = 0  # texts with fewer word characters get no learned topic
    mask: re.Pattern[str] | None = None  # what the model does not read (``prepare``)

    @cached_property
    def _finder(self) -> Any:
        """Every vocabulary gram of a text in one pass (a 2-gram and the 3-grams holding it all count)."""
        automaton = ahocorasick.Automaton()
        for i, g in enumerate(self.vocabulary):
            automaton.add_word(g, i)
        automaton.make_automaton()
        return automaton

    def confident(self, text: str, known: Collection[str] = ()) -> list[tuple[str, float, list[str]]]:
        """The topics whose probability reaches ``threshold``, strongest first, but the ``known`` ones:
        (topic, probability, the words that pushed it most)."""
        return self.confident_many([text], [known])[0]

    def confident_many(
        self, texts: Sequence[str], known: Sequence[Collection[str]]
    ) -> list[list[tuple[str, float, list[str]]]]:
        """``confident`` for many texts at once (a plan's measures): one sparse product, not one per text."""
        flats = [prepare(t, self.mask) for t in texts]
        found = [
            np.fromiter(map(_SECOND, self._finder.iter(f)), dtype=np.int64)
            if len(f) >= self.min_chars and sum(map(str.isalnum, f)) >= self.min_chars
            else _NONE
            for f in flats
        ]
        out: list[list[tuple[str, float, list[str]]]] = [[] for _ in texts]
        sizes = np.fromiter((len(f) for f in found), dtype=np.int64, count=len(found))
        if not sizes.sum():
            return out
        n_grams = len(self.vocabulary)
        rows = np.repeat(np.arange(len(found)), sizes)
        keys, counts = np.unique(rows * n_grams + np.concatenate(found), return_counts=True)
        row, col = keys // n_grams, keys % n_grams
        x = (1.0 + np.log(counts)) * self.idf[col]
        x /= np.sqrt(np.bincount(row, weights=x * x, minlength=len(found)))[row]
        grams = csr_matrix((x, (row, col)), shape=(len(found), n_grams))
        prob = 1.0 / (1.0 + np.exp(-(grams @ self.weights + self.intercepts)))
        starts = np.searchsorted(row, np.arange(len(found) + 1))
        for i, k in zip(*np.nonzero(prob >= self.threshold), strict=True):
            if self.topics[k] in known[i]:
                continue
            a, b = starts[i], starts[i + 1]
            part = x[a:b] * self.weights[col[a:b], k]
            strongest = [j for j in np.argsort(-part, kind="stable")[:_TOP] if part[j] > 0]
            pushed = {self.vocabulary[col[a + j]]: float(part[j]) for j in strongest}
            out[i].append((self.topics[k], float(prob[i, k]), _evidence(flats[i], pushed)))
        for tags in out:
            tags.sort(key=lambda t: -t[1])
        return out


def _evidence(flat: str, pushed: dict[str, float], n: int = 3) -> list[str]:
    """The words that decided, as the text prints them: where the strongest grams occur, overlapping
    and touching occurrences joined (招商 + 商引 + 引资 → 招商引资); the ``n`` runs that pushed most."""
    spans = sorted((a, a + len(g), w) for g, w in pushed.items() for a in _occurrences(g, flat))
    runs: list[tuple[int, int, float]] = []  # start, end, weight
    for a, b, w in spans:
        if runs and a <= runs[-1][1]:
            start, end, weight = runs[-1]
            runs[-1] = (start, max(end, b), weight + w)
        else:
            runs.append((a, b, w))
    texts: list[str] = []
    for a, b, _ in sorted(runs, key=lambda r: -r[2]):
        word = flat[a:b]
        if not any(word in t or t in word for t in texts):
            texts.append(word)
        if len(texts) == n:
            break
    return texts


def _occurrences(gram: str, text: str) -> Iterator[int]:
    at = text.find(gram)
    while at >= 0:
        yield at
        at = text.find(gram, at + 1)


def read_model(
    path: Path,
    raw: bytes,
    threshold: float,
    score: float,
    min_chars: int = 0,
    mask: re.Pattern[str] | None = None,
) -> LearnedModel:
    """Parse and check a model file; errors name the file and the line."""
    try:
        lines = raw.decode("utf-8").split("\n")
    except UnicodeDecodeError as e:
        raise CodebookError(path, "", f"not UTF-8: {e}", 1) from None
    # comments come first only: a gram may itself begin with "#"
    first = next((i for i, line in enumerate(lines) if not line.startswith("#")), len(lines))
    rows = [(i, line.split("\t")) for i, line in enumerate(lines[first:], start=first + 1) if line]
    if len(rows) < 2:
        raise CodebookError(path, "", "a header row and an intercept row are needed", len(lines))
    (hline, header), (iline, icept) = rows[0], rows[1]
    topics = tuple(header[2:])
    if header[:2] != ["gram", "idf"] or set(topics) - set(TOPIC_IDS) or len(set(topics)) != len(topics):
        raise CodebookError(path, "header", f"header must be 'gram idf <topic ids>', got {header!r}", hline)

    def numbers(cells: list[str], line: int) -> tuple[float, ...]:
        if len(cells) != len(topics):
            raise CodebookError(path, "", f"{len(topics)} weights expected, got {len(cells)}", line)
        try:
            return tuple(float(c) for c in cells)
        except ValueError as e:
            raise CodebookError(path, "", f"not a number: {e}", line) from None

    if icept[:2] != [_INTERCEPT, "-"]:
        raise CodebookError(path, "", f"the second row must be the intercepts, got {icept[:2]!r}", iline)
    intercepts = numbers(icept[2:], iline)
    seen: set[str] = set()
    vocabulary, idf, weights = [], [], []
    for line, cells in rows[2:]:
        gram = cells[0]
        if gram in seen or not gram:
            raise CodebookError(path, "", f"gram {gram!r} empty or listed twice", line)
        seen.add(gram)
        vocabulary.append(gram)
        idf.append(_one(cells, line, path))
        weights.append(numbers(cells[2:], line))
    return LearnedModel(
        topics,
        tuple(vocabulary),
        np.asarray(idf, dtype=np.float64),
        np.asarray(weights, dtype=np.float64).reshape(len(vocabulary), len(topics)),
        np.asarray(intercepts, dtype=np.float64),
        threshold,
        score,
        min_chars,
        mask,
    )


def _one(cells: list[str], line: int, path: Path) -> float:
    try:
        return float(cells[1])
    except (IndexError, ValueError):
        raise CodebookError(path, "", f"row needs a gram and its idf, got {cells[:2]!r}", line) from None
