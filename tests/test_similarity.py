"""Proposed families' vectors and neighbours: TF-IDF as scikit-learn weighed it, exact top-k with fixed ties.

compare.align.similarity does its own TF-IDF (scipy) and top-k cosine (sparse_dot_topn) so the build never
imports scikit-learn; these tests pin the weights to hand-computed values and the neighbours to a
dense brute-force reference, ties included.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.sparse import csr_matrix

from compare.align.similarity import Candidate, SimilaritySettings, nearest_other_plans, propose_families
from compare.vectors import char_ngrams, l2_rows, tfidf

# ---------------------------------------------------------------- vectors


def test_char_ngrams_are_cut_like_scikit_learns_char_analyzer() -> None:
    # lowercased; a run of two or more whitespace characters is one space; n-grams by size, then position
    assert char_ngrams("AB  c", (2, 3)) == ["ab", "b ", " c", "ab ", "b c"]
    assert char_ngrams("开发区", (2, 3)) == ["开发", "发区", "开发区"]
    assert char_ngrams("开", (2, 3)) == []


def test_tfidf_equals_the_hand_computed_weights() -> None:
    # two documents: a a b | a  ->  columns sorted (a, b) whatever order the terms came in
    m = tfidf([["b", "a", "a"], ["a"]]).toarray()
    idf_a = math.log(3 / 3) + 1  # smooth idf ln((1 + n) / (1 + df)) + 1, df(a) = 2
    idf_b = math.log(3 / 2) + 1  # df(b) = 1
    a0, b0 = (1 + math.log(2)) * idf_a, (1 + math.log(1)) * idf_b  # sublinear tf 1 + ln(count)
    norm = math.hypot(a0, b0)
    assert m.shape == (2, 2)
    assert m[0] == pytest.approx([a0 / norm, b0 / norm], abs=1e-15)
    assert m[1] == pytest.approx([1.0, 0.0], abs=1e-15)


def test_tfidf_of_no_terms_is_a_zero_row() -> None:
    m = tfidf([["x"], []])
    assert m.shape == (2, 1)
    assert m.toarray().tolist() == [[1.0], [0.0]]


def test_l2_rows_scales_each_row_to_unit_length_and_keeps_zero_rows() -> None:
    m = l2_rows(csr_matrix(np.array([[3.0, 4.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 2.0]])))
    assert m.toarray() == pytest.approx(np.array([[0.6, 0.8, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 1.0]]))


# ---------------------------------------------------------------- neighbours


def _reference(dense: np.ndarray, plans: list[str], k: int, threshold: float) -> list[dict[int, float]]:
    """Brute force: all cosines, other plans only, cosine desc then index asc, the first k."""
    # scipy's sparse product: identical rows give bit-identical cosines (a BLAS dense product may not)
    sims = (csr_matrix(dense) @ csr_matrix(dense).T).toarray()
    out = []
    for a in range(len(plans)):
        order = sorted(range(len(plans)), key=lambda b: (-sims[a, b], b))
        # rows sharing no term (cosine 0) are never neighbours, whatever the threshold
        ok = [b for b in order if b != a and plans[b] != plans[a] and sims[a, b] > 0]
        chosen = [b for b in ok if sims[a, b] >= threshold][:k]
        out.append({b: float(sims[a, b]) for b in chosen})
    return out


def test_equal_cosines_go_to_the_lower_index() -> None:
    # eight identical measures from eight plans: every cosine is 1.0. sparse_dot_topn, asked for the
    # top 3, keeps the last rows it meets (the highest indices); the choice must be the lowest.
    vectors = l2_rows(csr_matrix(np.ones((8, 3))))
    plans = [f"p{i}" for i in range(8)]
    near = nearest_other_plans(vectors, plans, k=2, threshold=0.25)
    assert [sorted(n) for n in near] == [[1, 2], [0, 2], [0, 1]] + [[0, 1]] * 5
    assert near == _reference(vectors.toarray(), plans, 2, 0.25)


def test_neighbours_equal_a_dense_brute_force_reference_ties_included() -> None:
    rng = np.random.default_rng(7)
    # few distinct rows, repeated: many exact ties, some within a plan, some across plans
    distinct = rng.random((6, 12)) * (rng.random((6, 12)) < 0.5)
    rows = distinct[rng.integers(0, 6, size=60)]
    vectors = l2_rows(csr_matrix(rows))
    dense = vectors.toarray()
    plans = [f"p{i}" for i in rng.integers(0, 9, size=60)]
    for k in (1, 3, 4):
        for threshold in (0.0, 0.25, 0.6):
            got = nearest_other_plans(vectors, plans, k, threshold)
            want = _reference(dense, plans, k, threshold)
            assert [list(g) for g in got] == [list(w) for w in want]  # same rows, same order
            for g, w in zip(got, want, strict=True):
                assert list(g.values()) == pytest.approx(list(w.values()), abs=1e-12)


def test_the_threshold_is_inclusive() -> None:
    # cos = 0.6 exactly; a threshold of 0.6 keeps the pair (the library keeps only values above its own)
    vectors = csr_matrix(np.array([[1.0, 0.0], [0.6, 0.8]]))
    near = nearest_other_plans(vectors, ["p", "q"], k=1, threshold=0.6)
    assert [list(n) for n in near] == [[1], [0]]


def test_proposed_families_with_many_identical_measures_are_the_same_every_run() -> None:
    text = "设立知名品牌培育专项资金用于奖励新获评中国驰名商标的企业"
    other = "建设跨境电子商务综合试验区推动外贸新业态新模式发展壮大"
    candidates = [
        Candidate(f"plan{p:02d}", f"plan{p:02d}/s001/m{m}", "industry", [text, other][m % 2])
        for p in range(30)
        for m in range(3)
    ]
    settings = SimilaritySettings(k=2, max_members=40)
    first = propose_families(candidates, settings)
    assert first
    assert propose_families(candidates, settings) == first


def test_components_number_groups_like_scipy() -> None:
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    from compare.align.similarity import components

    rng = np.random.default_rng(3)
    for n in (1, 2, 7, 50, 300):
        m = int(rng.integers(0, 2 * n))
        rows = [int(x) for x in rng.integers(0, n, m)]
        cols = [int(x) for x in rng.integers(0, n, m)]
        graph = csr_matrix((np.ones(m), (rows, cols)), shape=(n, n))
        _, expected = connected_components(graph, directed=False)
        assert components(n, rows, cols) == expected.tolist()
