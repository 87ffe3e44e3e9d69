"""The index page: what changed since the last build (a note), the findings (as the briefing has
them) and the topic × plan heat-map (with many plans turned: a row per plan, a column per topic)."""

from __future__ import annotations

from typing import Literal, TypedDict

from compare.render.view.changes_page import ChangesNote, changes_note
from compare.render.view.charts import Charts, charts
from compare.render.view.coverage import HeatCell, HeatRow
from compare.render.view.data import ViewData
from compare.render.view.findings import Findings, findings
from compare.render.view.site import PlanColumn, SiteContext, plan_columns


class PlanRow(PlanColumn):
    cells: list[HeatCell]  # one per topic


class Heatmap(TypedDict):
    plans: list[PlanColumn]
    rows: list[HeatRow]
    transposed: bool  # many plans: the site shows ``by_plan``, one row per plan
    by_plan: list[PlanRow]


class IndexPage(TypedDict):
    view: SiteContext
    page: Literal["index"]
    heatmap: Heatmap
    findings: Findings  # as the briefing's first pages
    changes: ChangesNote  # what changed since the previously published build, linking to changes.html
    charts: Charts  # the small charts (inline SVG), after the findings


def heatmap(data: ViewData) -> Heatmap:
    rows = list(data.heatmap.values())
    plans = plan_columns(data, data.plan_ids)
    # many plans: the site shows one row per plan (a table as wide as the topics, not the plans)
    by_plan: list[PlanRow] = (
        [{**p, "cells": [r["cells"][i] for r in rows]} for i, p in enumerate(plans)] if data.paged else []
    )
    return {"plans": plans, "rows": rows, "transposed": data.paged, "by_plan": by_plan}


def index_page(data: ViewData, site: SiteContext) -> IndexPage:
    return {
        "view": site,
        "page": "index",
        "heatmap": heatmap(data),
        "findings": findings(data),
        "changes": changes_note(data),
        "charts": charts(data),
    }
