"""A topic's page: its family × plan matrix (catalogue families, then those found by clustering,
then the measures in no family) under the plans' coverage of the topic. With many plans the
matrix is split into pages of ``html.plans_per_page`` plan columns."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal, TypedDict

from compare.render.view.coverage import HeatCell
from compare.render.view.data import ViewData
from compare.render.view.grid import GridLabels, GridRow, grid_labels, grid_rows
from compare.render.view.links import PagePart, page_part, topic_href
from compare.render.view.matrix import (
    FamilyRow,
    MatrixRow,
    OtherRow,
    Unaligned,
    other_row,
    row_cells,
    unaligned,
)
from compare.render.view.site import PlanColumn, SiteContext, TopicHead, plan_columns


class RowGroup(TypedDict):
    source: str  # catalogue | proposed
    label: str
    rows: list[MatrixRow]


class MatrixPart(PagePart):
    """One page of a topic's matrix: the columns of one chunk of plans."""

    plans: list[PlanColumn]
    rows: list[MatrixRow]
    rows_left_out: int  # families none of these plans has or lacks as a gap (a split matrix only)
    groups: list[RowGroup]
    other: OtherRow | None
    coverage: list[HeatCell]
    n_columns: int


class TopicPage(TypedDict):
    view: SiteContext
    page: Literal["topic"]
    topic: TopicHead
    part: MatrixPart
    grid: list[GridRow]  # the compact grid of the page's plans, above the matrix
    grid_labels: GridLabels


def topic_pages(data: ViewData, site: SiteContext) -> Iterator[TopicPage]:
    """Every topic's matrix pages, each built when asked for."""
    labels = grid_labels(data)
    for head in site["topics"]:
        t = head["topic_id"]
        rows = data.family_rows[t]
        found = unaligned(data, t)  # read by each page of the topic
        for k in range(len(data.chunks)):
            yield {
                "view": site,
                "page": "topic",
                "topic": head,
                "part": matrix_part(data, t, rows, found, k),
                "grid": grid_rows(data, t, rows, data.chunks[k], k, labels)[0],
                "grid_labels": labels,
            }


def matrix_part(
    data: ViewData, topic_id: str, heads: list[FamilyRow], found: Unaligned, k: int
) -> MatrixPart:
    """Page ``k`` of a topic's family × plan matrix: the columns of plan chunk ``k``. When the
    matrix is split, a family none of these plans has, and none of them lacks as a gap, is left out."""
    _ = data._
    chunk = data.chunks[k]
    rows: list[MatrixRow] = []
    for head in heads:
        cells = row_cells(data, head["family_id"], chunk)
        if not data.paged or any(not c["gap"] or c["peer_gap"] for c in cells):
            rows.append({**head, "cells": cells})
    heat = data.heatmap[topic_id]
    return {
        **page_part(data.chunks, data.cfg.html_plans_per_page, k, lambda j: topic_href(topic_id, page=j)),
        "plans": plan_columns(data, chunk),
        "rows": rows,
        "rows_left_out": len(heads) - len(rows),
        "groups": [
            {"source": src, "label": label, "rows": [r for r in rows if r["source"] == src]}
            for src, label in (("catalogue", _("目录中的措施家族")), ("proposed", _("聚类发现的措施家族")))
            if any(r["source"] == src for r in rows)
        ],
        "other": other_row(data, found, chunk),
        "coverage": [heat["cells"][data.plan_index[p]] for p in chunk],
        "n_columns": len(chunk) + 1,
    }
