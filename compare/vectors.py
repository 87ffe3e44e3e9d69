"""Texts as vectors: character n-grams and l2-normalised TF-IDF rows (scipy.sparse, no scikit-learn),
for comparing wordings: similar measures (``compare.align.similarity``) and a plan's sentences against
a family's members before a gap is claimed (``compare.gaps.silence``)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import chain
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # imported where used: a build imports scipy while its plans are analysed
    from scipy.sparse import csr_matrix

_WHITE_SPACES = re.compile(r"\s\s+")  # what scikit-learn's char analyzer collapses to one space


def char_ngrams(text: str, ngram_range: tuple[int, int]) -> list[str]:
    """Character n-grams as scikit-learn's ``analyzer="char"`` cuts them.

    The text is lowercased and each run of two or more whitespace characters becomes one space.
    """
    text = _WHITE_SPACES.sub(" ", text.lower())
    lo, hi = ngram_range
    return [text[i : i + n] for n in range(lo, hi + 1) for i in range(len(text) - n + 1)]


def tfidf(docs: Sequence[Sequence[str]], copies: Sequence[int] | None = None) -> csr_matrix:
    """Rows of l2-normalised TF-IDF over the terms of ``docs``; columns are the terms, sorted.

    Weights as scikit-learn's ``TfidfVectorizer(sublinear_tf=True)``: tf ``1 + ln(count)``, smooth idf
    ``ln((1 + n) / (1 + df)) + 1``; sorted columns as its vocabulary, so the same floats come out.
    ``copies`` says how many documents each row stands for (distinct texts of a corpus that repeats
    them): the idf is the one the corpus with its repeats would have.
    """
    from scipy.sparse import coo_matrix

    flat = list(chain.from_iterable(docs))
    vocab = {t: j for j, t in enumerate(sorted(set(flat)))}
    cols = np.fromiter(map(vocab.__getitem__, flat), dtype=np.int64, count=len(flat))
    rows = np.repeat(np.arange(len(docs)), [len(d) for d in docs])
    # one entry per occurrence; summing the duplicates makes counts (and sorts each row's columns)
    counts = coo_matrix((np.ones(len(flat)), (rows, cols)), shape=(len(docs), len(vocab))).tocsr()
    counts.sum_duplicates()
    weight = np.ones(len(docs)) if copies is None else np.asarray(copies, dtype=np.float64)
    df = np.bincount(counts.indices, weights=np.repeat(weight, np.diff(counts.indptr)), minlength=len(vocab))
    idf = np.log((1.0 + weight.sum()) / (1.0 + df)) + 1.0
    counts.data = (1.0 + np.log(counts.data)) * idf[counts.indices]
    return l2_rows(counts)


def l2_rows(matrix: csr_matrix) -> csr_matrix:
    """``matrix`` with every non-zero row scaled to unit length (all-zero rows stay zero)."""
    from scipy.sparse import csr_matrix

    matrix = csr_matrix(matrix, dtype=np.float64, copy=True)
    per_row = np.diff(matrix.indptr)
    rows = np.repeat(np.arange(matrix.shape[0]), per_row)
    norms = np.sqrt(np.bincount(rows, weights=matrix.data**2, minlength=matrix.shape[0]))
    norms[norms == 0.0] = 1.0
    matrix.data /= np.repeat(norms, per_row)
    return matrix
