"""The comparison's tables: every figure an output shows, with documented columns, ids and ordering.

Built from the seed plans in docs_in/ through the real pipeline (tests/render_fixture.py).
"""

from __future__ import annotations

import copy
import json
import re

import pandas as pd
import pytest

from compare.gaps import compare_plans
from compare.model import MANDATORY_TOPICS, TOPIC_IDS, Alignment, Comparison, Document, FailedInput
from compare.tables import PRIMARY_KEYS, comparison_tables
from tests.render_fixture import build_fixture_comparison, fixture_topic_names

# The contract of the brief: these columns come first, in this order.
DOCUMENTED = {
    "documents": "plan_id source_file sha256 display_name title issuer doc_number date published "
    "jurisdiction zone_type cited_documents n_sections n_measures warnings",
    "sections": "plan_id section_id path label level heading start end text",
    "measures": "plan_id measure_id section_id path heading kind text start end topics topic_evidence "
    "instrument instrument_type bindingness targets deadline responsible_units",
    "families": "family_id topic name gloss source n_plans",
    "family_members": "family_id plan_id measure_id similarity",
    "coverage": "topic plan_id n_measures n_families max_bindingness score",
    "family_matrix": "family_id plan_id n_measures max_bindingness measure_ids",
    "gaps": "plan_id family_id topic peers_with best_peer_measure_id",
    "unique": "plan_id family_id measure_ids",
    "mentions": "plan_id family_id how sentence_start sentence_end sentence marks",
    "reviewed": "plan_id family_id measure_id action note",
    "reuse": "plan_a start_a end_a plan_b start_b end_b length text",
    "failed": "source_file reason",
}


@pytest.fixture(scope="module")
def comparison() -> Comparison:
    return build_fixture_comparison()


@pytest.fixture(scope="module")
def topic_names() -> dict[str, tuple[str, str]]:
    return fixture_topic_names()


@pytest.fixture(scope="module")
def tables(comparison: Comparison, topic_names: dict[str, tuple[str, str]]) -> dict[str, pd.DataFrame]:
    return comparison_tables(comparison, topic_names)


def _visible(doc: Document, start: int, end: int) -> str:
    """The raw slice without removed noise and whitespace: what a measure's text must consist of."""
    removed: set[int] = set()
    for n in doc.noise:
        if n.end > start and n.start < end:
            removed.update(range(max(n.start, start), min(n.end, end)))
    kept = "".join(ch for i, ch in enumerate(doc.raw_text[start:end], start) if i not in removed)
    return re.sub(r"\s+", "", kept)


def test_every_table_has_its_documented_columns_first(tables: dict[str, pd.DataFrame]) -> None:
    assert list(tables) == list(DOCUMENTED)
    for name, columns in DOCUMENTED.items():
        expected = columns.split()
        assert list(tables[name].columns[: len(expected)]) == expected, name


def test_ids_are_unique_in_every_table(tables: dict[str, pd.DataFrame]) -> None:
    for name, keys in PRIMARY_KEYS.items():
        frame = tables[name]
        assert not frame.duplicated(list(keys)).any(), f"{name}: duplicate {keys}"
        assert frame[list(keys)].notna().all().all(), f"{name}: empty key"


def test_every_measure_span_is_the_source_text_of_the_measure(
    tables: dict[str, pd.DataFrame], comparison: Comparison
) -> None:
    docs = {p.document.plan_id: p.document for p in comparison.plans}
    measures = tables["measures"]
    assert len(measures) > 100  # five real plans
    for row in measures.itertuples():
        doc = docs[row.plan_id]
        assert 0 <= row.start < row.end <= len(doc.raw_text), row.measure_id
        visible = _visible(doc, row.start, row.end)
        assert visible, row.measure_id
        assert re.sub(r"\s+", "", row.text) == visible, row.measure_id


def test_sections_and_measures_follow_document_order_and_plans_the_comparison_order(
    tables: dict[str, pd.DataFrame], comparison: Comparison
) -> None:
    plan_order = [p.document.plan_id for p in comparison.plans]
    assert list(tables["documents"]["plan_id"]) == plan_order
    for name in ("sections", "measures"):
        frame = tables[name]
        assert list(dict.fromkeys(frame["plan_id"])) == plan_order
        for _, group in frame.groupby("plan_id", sort=False):
            assert group["start"].is_monotonic_increasing, name


def test_documents_count_sections_and_measures_and_list_cited_documents(
    tables: dict[str, pd.DataFrame], comparison: Comparison
) -> None:
    docs = tables["documents"].set_index("plan_id")
    for plan in comparison.plans:
        row = docs.loc[plan.document.plan_id]
        assert row["n_sections"] == len(plan.sections)
        assert row["n_measures"] == sum(1 for m in plan.measures if m.kind == "measure")
        cited = plan.document.metadata.cited_documents
        if cited:
            parts = row["cited_documents"].split("；")
            assert len(parts) == len(cited)
            assert all(p.startswith("《") for p in parts)
            numbered = [c for c in cited if c.doc_number]
            assert all(f"《{c.title}》({c.doc_number})" in parts for c in numbered)
    # the Lincang opinions cite the State Council's development-zone opinions by number
    lincang = docs.loc["2019-lincang-hightech-zone-opinions", "cited_documents"]
    assert "(国办发〔2017〕7号)" in lincang


def test_measure_rows_carry_topics_evidence_and_targets_as_readable_cells(
    tables: dict[str, pd.DataFrame], comparison: Comparison
) -> None:
    rows = tables["measures"].set_index("measure_id")
    for plan in comparison.plans:
        for m in plan.measures:
            row = rows.loc[m.measure_id]
            topics = row["topics"].split(";") if isinstance(row["topics"], str) and row["topics"] else []
            assert topics == [t.topic for t in m.topics]
            evidence = json.loads(row["topic_evidence"])
            assert list(evidence) == topics
            targets = json.loads(row["targets"])
            assert [t["text"] for t in targets] == [t.text for t in m.targets]
            assert all(set(t) == {"text", "value", "unit", "year"} for t in targets)
            assert row["kind"] in ("measure", "context")
    assert (tables["measures"]["kind"] == "context").any()


def test_coverage_is_the_full_topic_by_plan_grid_mandatory_topics_first(
    tables: dict[str, pd.DataFrame], comparison: Comparison, topic_names: dict[str, tuple[str, str]]
) -> None:
    coverage = tables["coverage"]
    plans = [p.document.plan_id for p in comparison.plans]
    topics = list(dict.fromkeys(coverage["topic"]))
    assert topics[:4] == list(MANDATORY_TOPICS)
    rest = [t for t in topic_names if t not in MANDATORY_TOPICS]
    assert topics[4:] == rest  # then the codebook's order
    assert topics == comparison.topics
    assert len(coverage) == len(topic_names) * len(plans)
    assert (coverage["score"] >= 0).all()
    assert (coverage["n_measures"] >= 0).all()
    delegation = coverage[coverage["topic"] == "delegation"]
    assert set(delegation["topic_name"]) == {topic_names["delegation"][0]}


def test_families_follow_the_comparison_topic_order(
    tables: dict[str, pd.DataFrame], comparison: Comparison
) -> None:
    order = {t: i for i, t in enumerate(comparison.topics)}
    ranks = [order[t] for t in tables["families"]["topic"]]
    assert ranks == sorted(ranks)
    assert list(tables["families"]["family_id"]) == [f.family_id for f in comparison.families]
    per_family = list(dict.fromkeys(tables["family_matrix"]["family_id"]))
    assert per_family == list(tables["families"]["family_id"])


def test_every_table_cell_equals_the_comparison_value_it_projects(
    tables: dict[str, pd.DataFrame], comparison: Comparison
) -> None:
    """Tables decide nothing: each row of coverage, family_matrix, gaps and unique is the comparison's
    row, in the comparison's order, with lists of ids joined by ';'."""

    def cell(value: object) -> object:
        return ";".join(value) if isinstance(value, list) else value

    for name, frame in (
        ("coverage", comparison.coverage),
        ("family_matrix", comparison.family_matrix),
        ("gaps", comparison.gaps),
        ("unique", comparison.unique),
    ):
        table = tables[name]
        assert len(table) == len(frame), name
        for column in frame.columns:
            want = [cell(v) for v in frame[column].tolist()]
            got = table[column].tolist()
            assert got == want, f"{name}.{column}"


def test_family_matrix_counts_agree_with_members_and_gaps_are_silent_cells(
    tables: dict[str, pd.DataFrame], comparison: Comparison
) -> None:
    fm = tables["family_matrix"]
    families = tables["families"]
    assert len(fm) == len(families) * len(comparison.plans)  # the full grid
    members = tables["family_members"].groupby(["family_id", "plan_id"]).size()
    cells = fm.set_index(["family_id", "plan_id"])["n_measures"]
    for key, n in members.items():
        assert cells[key] == n
    for row in fm.itertuples():
        ids = [i for i in row.measure_ids.split(";") if i] if isinstance(row.measure_ids, str) else []
        assert len(ids) == row.n_measures
    gaps = tables["gaps"]
    assert len(gaps) > 0
    for gap in gaps.itertuples():
        assert cells[(gap.family_id, gap.plan_id)] == 0
        having = fm[(fm["family_id"] == gap.family_id) & (fm["n_measures"] > 0)]
        listed = [p for p in gap.peer_plan_ids.split(";") if p]
        # its peers are the holders among the plans of a comparable scope
        assert len(listed) == gap.peers_with <= gap.peers_total and set(listed) <= set(having["plan_id"])
        assert gap.plan_id not in set(having["plan_id"])


def test_gaps_point_at_the_best_peer_measure_and_rank_within_each_plan(
    tables: dict[str, pd.DataFrame],
) -> None:
    members = tables["family_members"]
    for gap in tables["gaps"].itertuples():
        peer = members[
            (members["family_id"] == gap.family_id) & (members["measure_id"] == gap.best_peer_measure_id)
        ]
        assert len(peer) == 1 and peer.iloc[0]["plan_id"] != gap.plan_id
        assert peer.iloc[0]["plan_id"] in gap.peer_plan_ids.split(";")
    assert (tables["gaps"]["rank"] >= 1).all()


def test_families_and_unique_rows(tables: dict[str, pd.DataFrame]) -> None:
    families = tables["families"].set_index("family_id")
    plans_of = tables["family_members"].groupby("family_id")["plan_id"].nunique()
    for fid, n in plans_of.items():
        assert families.loc[fid, "n_plans"] == n
    assert set(families["source"]) <= {"catalogue", "proposed"}
    for row in tables["unique"].itertuples():
        assert families.loc[row.family_id, "n_plans"] == 1
        assert row.measure_ids


def test_reuse_rows_are_spans_of_both_plans(tables: dict[str, pd.DataFrame], comparison: Comparison) -> None:
    docs = {p.document.plan_id: p.document for p in comparison.plans}
    for r in tables["reuse"].itertuples():
        assert _visible(docs[r.plan_a], r.start_a, r.end_a) == re.sub(r"\s+", "", r.text)
        assert _visible(docs[r.plan_b], r.start_b, r.end_b) == re.sub(r"\s+", "", r.text_b)


def test_failed_inputs_are_listed(comparison: Comparison) -> None:
    broken = copy.deepcopy(comparison)
    broken.failed = [FailedInput("z-scan.pdf", "no text layer"), FailedInput("a.doc", "unsupported format")]
    failed = comparison_tables(broken)["failed"]
    assert list(failed["source_file"]) == ["a.doc", "z-scan.pdf"]


def test_tables_are_a_pure_reproducible_function(comparison: Comparison) -> None:
    before = copy.deepcopy(comparison)
    names = fixture_topic_names()
    first, second = comparison_tables(comparison, names), comparison_tables(comparison, names)
    for name in first:
        pd.testing.assert_frame_equal(first[name], second[name])
    pd.testing.assert_frame_equal(comparison.coverage, before.coverage)
    assert [m.text for p in comparison.plans for m in p.measures] == [
        m.text for p in before.plans for m in p.measures
    ]


def test_without_topic_names_the_order_stays_and_names_are_empty(comparison: Comparison) -> None:
    coverage = comparison_tables(comparison)["coverage"]
    assert list(dict.fromkeys(coverage["topic"])) == comparison.topics
    assert set(coverage["topic_name"]) == {""}


def test_an_empty_comparison_gives_empty_tables_with_their_columns() -> None:
    empty = compare_plans(
        [], Alignment(families=[], reuse=[]), [FailedInput("bad.docx", "not a zip file")], TOPIC_IDS
    )
    tables = comparison_tables(empty)
    for name, columns in DOCUMENTED.items():
        assert list(tables[name].columns[: len(columns.split())]) == columns.split()
    assert len(tables["failed"]) == 1 and tables["measures"].empty
