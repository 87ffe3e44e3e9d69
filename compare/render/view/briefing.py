"""The PDF briefing's context: what fits on paper, chosen here and only here.

The briefing shows the site's figures (the same cards, findings, heat-map cells and family rows)
but selects for the page: matrices split into tables of at most ``pdf.max_plan_columns`` plans
with column widths, shorter excerpts (``excerpt.pdf_chars``) and ``pdf.measures_per_cell``
measures a cell; past ``pdf.many_plans`` plans compact cells and the top families only, the
heat-map in parts of ``pdf.compact_columns`` plans; past ``pdf.aggregate_above`` plans no plan
columns at all but counts of plans per topic and family (the overview).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

from compare.config import SITE_DIR_NAME
from compare.model import MANDATORY_TOPICS
from compare.render.view.charts import Charts, charts
from compare.render.view.coverage import HeatCell, HeatRow, heat_level
from compare.render.view.data import ViewData
from compare.render.view.evidence import EvidencePart, window
from compare.render.view.findings import Findings, findings
from compare.render.view.links import page_path
from compare.render.view.matrix import (
    Cell,
    FamilyRow,
    OtherRow,
    cell_count,
    cell_items,
    other_row,
    row_cells,
    unaligned,
)
from compare.render.view.measures import MeasureItem
from compare.render.view.site import PlanCard, PlanColumn, Report, plan_columns, report_context
from compare.text import excerpt_collapsed


class BriefItem(MeasureItem):
    """A measure as the briefing quotes it: the briefing's excerpt (in a family's cell, the deciding clause
    with its decisive words), and where it is on the site."""

    url: str  # its clause (the deciding one in a family's cell) on the published site; "" without it
    quote: list[EvidencePart]  # in a family's cell: the deciding clause around its marked words, else []


class BriefCell(Cell):
    shown: list[BriefItem]  # the first ``measures_per_cell`` (a compact cell: all), quoted
    more: int  # the others, counted
    more_url: str  # where they are: the site page, as a link with ``--site-url``, else "" …
    more_path: str  # … and its file in the release (site/topics/<topic>.html), shown without a link


class BriefRow(FamilyRow):
    cells: list[BriefCell]


class BriefOtherRow(TypedDict):
    name: str
    cells: list[BriefCell]


class MatrixTable(TypedDict):
    """One table of a topic's matrix: the columns of at most ``max_plan_columns`` plans."""

    plans: list[PlanColumn]
    rows: list[BriefRow]
    other: BriefOtherRow | None
    part: int
    parts: int
    col_width: float  # % of the width per plan column; the family column has 15


class TopicSection(TypedDict):
    topic_id: str
    name: str
    mandatory: bool
    coverage: list[HeatCell]
    rows: list[FamilyRow]  # all the topic's families
    has_other: bool  # some measures of the topic are in no family
    tables: list[MatrixTable]  # none when aggregated
    rows_hidden: int  # families left out of the tables (compact mode shows the top ones)


class HeatmapPart(TypedDict):
    plans: list[PlanColumn]
    rows: list[HeatRow]


class TopicCount(TypedDict):
    topic_id: str
    name: str
    mandatory: bool
    n_plans: int  # plans with a measure on the topic
    share: int  # %
    silent: int
    n_measures: int
    n_families: int
    level: int


class GapCount(TypedDict):
    name: str
    topic: str
    n_lacking: int
    share_lacking: int  # %
    n_plans: int  # plans that have the family


class FamilyCount(FamilyRow):
    share: int  # % of plans that have it
    example: BriefItem | None  # from the first plan, in plan order, that has it


class Overview(TypedDict):
    """Counts over all plans, for a briefing with too many plans for plan columns."""

    topics: list[TopicCount]
    top_gaps: list[GapCount]
    families: dict[str, list[FamilyCount]]  # per topic, its strongest families
    n_gaps: int


class Briefing(Report):  # Report's topics: the codebook appendix
    data_until: str  # the newest plan date (YYYY-MM-DD), "" when no plan is dated
    header_plans: str  # every page's header: the plans' names, or their number when they are many
    findings: Findings  # the prose before any matrix (the site's index page shows the same)
    charts: Charts  # after the findings, as on the site's index page
    heatmap_parts: list[HeatmapPart]
    topic_sections: list[TopicSection]
    compact: bool  # many plans: compact cells (count, bindingness, places), top families only
    aggregate: bool  # very many plans: counts (``overview``) instead of plan columns
    overview: Overview | None


def briefing_context(data: ViewData) -> Briefing:
    report = report_context(data)
    return {
        **report,
        "data_until": data_until(report["plans"]),
        "header_plans": header_plans(data, report["plans"]),
        "findings": findings(data),
        "charts": charts(data),
        "heatmap_parts": heatmap_parts(data),
        "topic_sections": [topic_section(data, t) for t in data.topic_ids],
        "compact": compact(data),
        "aggregate": data.aggregate,
        "overview": overview(data) if data.aggregate else None,
    }


def data_until(plans: Sequence[PlanCard]) -> str:
    """The newest plan date: what the briefing's material dates from (not the date of the build)."""
    dates = [d[:10] for p in plans for d in (p["date"], p["published"]) if d and len(d) >= 10]
    return max(dates, default="")


def header_plans(data: ViewData, plans: Sequence[PlanCard]) -> str:
    """The plans named in every page's header: all of them when one matrix table holds them all,
    else their number (dozens of names do not fit a header line)."""
    if len(plans) > data.cfg.max_plan_columns:
        return data._("%(n)s个方案") % {"n": len(plans)}
    return data._("、").join(p["name"] for p in plans)


def compact(data: ViewData) -> bool:
    return len(data.plan_ids) > data.cfg.many_plans


def brief_item(data: ViewData, item: MeasureItem) -> BriefItem:
    """The measure with the briefing's shorter excerpt, in a family's cell the deciding clause around its
    decisive words (as the site's cell shows it, cut to the briefing's length), and its link to the
    published site: the clause the site's own cell links to (the deciding clause, else the measure)."""
    found = item["evidence"]
    return {
        **item,
        "excerpt": excerpt_collapsed(item["text"], data.cfg.pdf_chars),
        "url": data.published(found["href"] if found else item["href"]),
        "quote": window(found["parts"], data.cfg.pdf_chars) if found else [],
    }


def brief_cell(data: ViewData, cell: Cell, topic_id: str, family_id: str | None) -> BriefCell:
    """A cell as the briefing quotes it; the measures it cuts are counted and sent to the topic's site
    page (the one showing the plan's column), a link when the site's address is known. A compact cell
    shows every measure (by its place in the plan)."""
    shown = cell["measures"] if compact(data) else cell["measures"][: data.cfg.measures_per_cell]
    href = data.topic_link(topic_id, family_id, cell["plan_id"])
    return {
        **cell,
        "shown": [brief_item(data, m) for m in shown],
        "more": len(cell["measures"]) - len(shown),
        "more_url": data.published(href),
        "more_path": f"{SITE_DIR_NAME}/{page_path(href.partition('#')[0])}",
    }


def topic_section(data: ViewData, topic_id: str) -> TopicSection:
    cfg = data.cfg
    many = compact(data)
    # many plans: compact cells (count, bindingness, places) so more plans fit side by side
    width = cfg.compact_columns if many else cfg.max_plan_columns
    rows = data.family_rows[topic_id]
    shown_rows = rows[: cfg.top_families] if many else rows
    found = unaligned(data, topic_id)
    chunks: list[Sequence[str]] = [
        data.plan_ids[i : i + width] for i in range(0, len(data.plan_ids), width)
    ] or [[]]
    if data.aggregate:
        chunks = []  # the briefing shows counts (overview), not plan columns
    tables: list[MatrixTable] = []
    for k, chunk in enumerate(chunks):
        other = other_row(data, found, chunk)
        tables.append(
            {
                "plans": plan_columns(data, chunk),
                "rows": [
                    {
                        **r,
                        "cells": [
                            brief_cell(data, c, topic_id, r["family_id"])
                            for c in row_cells(data, r["family_id"], chunk)
                        ],
                    }
                    for r in shown_rows
                ],
                "other": brief_other(data, other, topic_id) if other else None,
                "part": k + 1,
                "parts": len(chunks),
                "col_width": round(85 / max(len(chunk), 1), 3),
            }
        )
    return {
        "topic_id": topic_id,
        "name": data.topic_name(topic_id),
        "mandatory": topic_id in MANDATORY_TOPICS,
        "coverage": data.heatmap[topic_id]["cells"],
        "rows": rows,
        "has_other": bool(found),
        "tables": tables,
        "rows_hidden": len(rows) - len(shown_rows),
    }


def brief_other(data: ViewData, row: OtherRow, topic_id: str) -> BriefOtherRow:
    return {"name": row["name"], "cells": [brief_cell(data, c, topic_id, None) for c in row["cells"]]}


def heatmap_parts(data: ViewData) -> list[HeatmapPart]:
    """The heat-map in tables of at most ``pdf.compact_columns`` plans (none when aggregated)."""
    rows = list(data.heatmap.values())
    plans = plan_columns(data, data.plan_ids)
    width = data.cfg.compact_columns
    return [
        {"plans": plans[i : i + width], "rows": [{**r, "cells": r["cells"][i : i + width]} for r in rows]}
        for i in range(0, 0 if data.aggregate else len(plans), width)
    ]


def _percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def overview(data: ViewData) -> Overview:
    """Counts over all plans, for a briefing with too many plans for per-plan columns: per topic, the
    plans that address it; per family, the plans that have it; the families most often lacking."""
    n = len(data.plan_ids)
    topics: list[TopicCount] = []
    for row in data.heatmap.values():
        covering = sum(1 for c in row["cells"] if c["n_measures"])
        topics.append(
            {
                "topic_id": row["topic_id"],
                "name": row["name"],
                "mandatory": row["mandatory"],
                "n_plans": covering,
                "share": _percent(covering, n),
                "silent": n - covering,
                "n_measures": sum(c["n_measures"] for c in row["cells"]),
                "n_families": len(data.family_rows[row["topic_id"]]),
                "level": heat_level(covering, covering / n if n else 0, 1.0, data.cfg.heat_levels),
            }
        )
    lacking: dict[str, int] = {}
    for g in data.gaps:
        if str(g["topic"]) in data.topic_ids:
            lacking[str(g["family_id"])] = lacking.get(str(g["family_id"]), 0) + 1
    top_gaps: list[GapCount] = [
        {
            "name": data.family_name(fid),
            "topic": data.topic_name(str(data.family_by_id[fid]["topic"])),
            "n_lacking": k,
            "share_lacking": _percent(k, n),
            "n_plans": int(data.family_by_id[fid].get("n_plans") or 0),
        }
        for fid, k in sorted(lacking.items(), key=lambda kv: (-kv[1], kv[0]))[: data.cfg.top_families]
        if fid in data.family_by_id
    ]
    families = {t["topic_id"]: top_family_counts(data, t["topic_id"]) for t in topics}
    return {"topics": topics, "top_gaps": top_gaps, "families": families, "n_gaps": len(data.gaps)}


def top_family_counts(data: ViewData, topic_id: str) -> list[FamilyCount]:
    """The topic's strongest families with the share of plans that have them and one example
    measure (from the first plan, in plan order, that has the family)."""
    n = len(data.plan_ids)
    out: list[FamilyCount] = []
    for row in data.family_rows[topic_id][: data.cfg.top_families]:
        held = data.cells.get(row["family_id"], {})
        first = min(
            (pid for pid, r in held.items() if cell_count(data, r)),
            key=lambda pid: data.plan_index.get(pid, n),
            default=None,
        )
        example = cell_items(data, held[first])[0] if first else None
        out.append(
            {
                **row,
                "share": _percent(row["n_plans"], n),
                "example": brief_item(data, example) if example else None,
            }
        )
    return out
