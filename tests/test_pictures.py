"""Pictures a reader would rather look at than read: the compact family × plan grid and the charts.

Given the five seed plans: the grid shows every matrix cell's state and count; the charts' figures
are the data tables' (measures, coverage, targets); each SVG is well-formed XML with a title.
"""

from __future__ import annotations

import dataclasses
import json
import xml.etree.ElementTree as ET
from collections import Counter
from typing import Any

import pytest

from compare.model import MANDATORY_TOPICS
from compare.render.jinja import environment
from compare.render.view import ViewData, build_view
from compare.render.view.charts import BINDINGNESS, charts, load_target_kinds, target_entries
from compare.render.view.grid import grid_labels, grid_pages, grid_rows
from compare.render.view.matrix import row_cells
from compare.render.view.settings import load_report_settings
from compare.render.view.site import site_context
from compare.tables import comparison_tables
from tests.render_fixture import FIXTURE_BUILD, build_fixture_comparison, fixture_topic_names

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def comparison_and_tables() -> tuple[Any, Any]:
    comparison = build_fixture_comparison()
    return comparison, comparison_tables(comparison, fixture_topic_names())


def view_of(comparison_and_tables: tuple[Any, Any], lang: str = "zh", **settings: Any) -> ViewData:
    comparison, tables = comparison_and_tables
    cfg = dataclasses.replace(load_report_settings(), **settings)
    return build_view(
        comparison, tables, topic_names=fixture_topic_names(), build=FIXTURE_BUILD, lang=lang, settings=cfg
    )


@pytest.fixture(scope="module")
def data(comparison_and_tables: tuple[Any, Any]) -> ViewData:
    return view_of(comparison_and_tables)


def expected_state(cell: dict[str, Any]) -> tuple[str, str]:
    """The grid's (class, text) for a matrix cell, as the topic page's matrix shows it."""
    if not cell["gap"]:
        return "h", str(len(cell["measures"]))
    if cell["mention"] is not None:
        return "m", "提及"
    if cell["peer_gap"]:
        return "g", "缺口"
    return "a", "—"


def test_the_grid_shows_every_matrix_cell_with_its_state_and_count(data: ViewData) -> None:
    labels = grid_labels(data)
    states: Counter[str] = Counter()
    for t in data.topic_ids:
        rows, left_out = grid_rows(data, t, data.family_rows[t], data.plan_ids, 0, labels)
        assert left_out == 0 and len(rows) == len(data.family_rows[t])
        for row in rows:
            cells = row_cells(data, row["family_id"], data.plan_ids)
            shown = [(c["c"], c["t"]) for c in row["cells"]]
            assert shown == [expected_state(dict(c)) for c in cells], row["name"]
            assert row["n_has"] == sum(not c["gap"] for c in cells)
            assert row["n_gap"] == sum(c["gap"] and c["mention"] is None and c["peer_gap"] for c in cells)
            assert row["n_mention"] == sum(c["gap"] and c["mention"] is not None for c in cells)
            states.update(c["c"] for c in row["cells"])
    # the seed plans show all four states
    assert all(states[s] for s in "hmga"), states


def test_the_all_topics_grid_is_split_by_plans_like_the_matrices(
    comparison_and_tables: tuple[Any, Any],
) -> None:
    data = view_of(comparison_and_tables, html_plans_per_page=2)
    pages = list(grid_pages(data, site_context(data)))
    assert [p["part"]["href"] for p in pages] == ["grid.html", "grid-2.html", "grid-3.html"]
    for page, chunk in zip(pages, data.chunks, strict=True):
        part = page["part"]
        assert [p["plan_id"] for p in part["plans"]] == chunk
        for topic in part["topics"]:
            # the rows are those of the topic's matrix page for these plans, so every link lands
            matrix_rows = [
                h["family_id"]
                for h in data.family_rows[topic["topic_id"]]
                if any(not c["gap"] or c["peer_gap"] for c in row_cells(data, h["family_id"], chunk))
            ]
            assert [r["family_id"] for r in topic["rows"]] == matrix_rows
            for row in topic["rows"]:
                assert len(row["cells"]) == len(chunk)
        shown = sum(len(t["rows"]) for t in part["topics"])
        assert shown + part["rows_left_out"] == sum(len(data.family_rows[t]) for t in data.topic_ids)


def test_each_chart_is_svg_with_a_title_and_its_bars_inside_the_box(data: ViewData) -> None:
    module: Any = environment("zh").get_template("_charts.svg.j2").module
    found = charts(data)
    shown = [found["coverage"], found["bindingness"], *found["targets"]]
    assert len(found["targets"]) >= 3  # 亩均投资, 亩均产出, 亩均税收, 产值, 补助 in the Kunming plan
    for chart in shown:
        root = ET.fromstring(str(module.svg(chart)))
        assert root.tag == f"{SVG}svg"
        assert root.findtext(f"{SVG}title") == chart["title"] and chart["title"]
        assert root.findtext(f"{SVG}desc")
        rects = root.findall(f"{SVG}rect")
        assert len(rects) == len(chart["rects"])
        for r in rects:
            x, w = float(r.get("x", 0)), float(r.get("width", 0))
            assert x >= 0 and x + w <= chart["width"] + 0.5
            assert r.findtext(f"{SVG}title")
        assert chart["rows"], chart["id"]  # the data table next to it


def test_bindingness_chart_counts_the_measures_table(
    data: ViewData, comparison_and_tables: tuple[Any, Any]
) -> None:
    m = comparison_and_tables[1]["measures"]
    m = m[m["kind"] == "measure"]
    chart = charts(data)["bindingness"]
    assert [r["cells"][0] for r in chart["rows"]] == [data.names[p] for p in data.plan_ids]
    for pid, row in zip(data.plan_ids, chart["rows"], strict=True):
        counts = m[m["plan_id"] == pid]["bindingness"].value_counts()
        assert row["cells"][1:] == [
            *(str(int(counts.get(level, 0))) for level in BINDINGNESS),
            str(int(sum(counts.get(level, 0) for level in BINDINGNESS))),
        ]
        assert row["href"] == f"plans/{pid}.html"


def test_coverage_chart_counts_the_plans_of_the_coverage_table(
    data: ViewData, comparison_and_tables: tuple[Any, Any]
) -> None:
    cov = comparison_and_tables[1]["coverage"]
    chart = charts(data)["coverage"]
    topics = [t for t in data.topic_ids if t in MANDATORY_TOPICS]
    assert len(chart["rows"]) == len(topics)
    for t, row in zip(topics, chart["rows"], strict=True):
        covered = int((cov[(cov["topic"] == t)]["n_measures"] > 0).sum())
        n = len(data.plan_ids)
        assert row["cells"][1:] == [str(covered), str(n - covered), f"{round(100 * covered / n)}%"]
        assert f"{covered}/{n} ({round(100 * covered / n)}%)" in [x["text"] for x in chart["texts"]]


def test_targets_are_the_measures_table_values_in_one_unit_each_linked_to_its_clause(
    data: ViewData, comparison_and_tables: tuple[Any, Any]
) -> None:
    kinds = {k.kind_id: k for k in load_target_kinds().kinds}
    stated: dict[str, list[tuple[float, str]]] = {}
    for r in comparison_and_tables[1]["measures"].to_dict(orient="records"):
        for t in json.loads(r["targets"] or "[]"):
            stated.setdefault(str(r["plan_id"]), []).append((float(t["value"]), str(t["unit"])))
    found = target_entries(data, load_target_kinds())
    for kind_id, entries in found.items():
        kind = kinds[kind_id]
        for e in entries:
            assert (pytest.approx(e["value"] * kind.factor), kind.unit) in stated[e["plan_id"]]
            assert e["href"].startswith(f"plans/{e['plan_id']}.html#")
    kunming = next(p for p in data.plan_ids if "kunming" in p)
    # 地均投资350万元/亩以上，地均产出500万元/亩以上，地均税收30万元/亩以上: the nearest cue decides
    by_kind = {k: {e["value"] for e in found[k] if e["plan_id"] == kunming} for k in found}
    assert 350 in by_kind["land_investment"] and 500 not in by_kind["land_investment"]
    assert 500 in by_kind["land_output"]
    assert 30 in by_kind["land_tax"]
    assert 2000 in by_kind["output"]  # 工业总产值突破2000亿元, in 亿元
    # the chart prints what its table holds
    for chart in charts(data)["targets"]:
        values = [x["text"] for x in chart["texts"] if x["anchor"] == "start"]
        assert [v.split(" ")[0] for v in values] == [r["cells"][2] for r in chart["rows"]]


def test_the_english_edition_labels_charts_and_grid_in_english(
    comparison_and_tables: tuple[Any, Any],
) -> None:
    data = view_of(comparison_and_tables, lang="en")
    found = charts(data)
    assert found["bindingness"]["title"] == "Bindingness of each plan's measures"
    assert any("Investment per mu" in c["title"] and "10k yuan/mu" in c["title"] for c in found["targets"])
    labels = grid_labels(data)
    assert labels["gap"] == data._("缺口") != "缺口"


def test_with_many_plans_the_bindingness_chart_is_one_bar_of_all_plans(
    comparison_and_tables: tuple[Any, Any], data: ViewData
) -> None:
    each = charts(data)["bindingness"]["rows"]
    many = charts(view_of(comparison_and_tables, chart_plans=2))["bindingness"]
    assert [r["cells"][0] for r in many["rows"]] == ["全部5个方案"] and many["note"]
    assert many["rows"][0]["cells"][1:] == [str(sum(int(r["cells"][k]) for r in each)) for k in range(1, 6)]
