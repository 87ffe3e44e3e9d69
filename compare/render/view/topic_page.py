"""A topic's page: its family × plan matrix (catalogue families, then those found by clustering,
then the measures in no family) under the plans' coverage of the topic. With many plans the
matrix is split into pages of ``html.plans_per_page`` plan columns. Each page offers its matrix as a
Word 对照表 too (``render.topic_docx``, from this same context), up to ``docx.max_plans`` plans."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal, TypedDict

from compare.render.view.coverage import HeatCell
from compare.render.view.data import ViewData
from compare.render.view.grid import GridLabels, GridRow, grid_labels, grid_rows
from compare.render.view.links import PagePart, PagerLink, page_part, paged_href, quoted, topic_href
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
    docx: str  # the page's matrix as a Word 对照表 (``topic_docx_href``); "" when none is written
    word_file: str  # the name the reader's own view of the matrix is saved as (``static/word.js``)
    topic_links: list[PagerLink]  # every topic's page of the same plans (the plan picker's choice goes along)


def topic_docx_href(topic_id: str, page: int = 0) -> str:
    """The Word 对照表 of a topic's page ``page`` (from 0), relative to the site root."""
    return paged_href(f"data/topics/{quoted(topic_id)}", page).removesuffix(".html") + ".docx"


def writes_docx(data: ViewData) -> bool:
    """Whether the topic pages get their Word 对照表: up to ``docx.max_plans`` plans (beyond, files of
    dozens of plan columns that cost seconds to write, and that no memo takes; the workbook holds
    every matrix)."""
    return 0 < len(data.plan_ids) <= data.cfg.docx_max_plans


class DocxLabels(TypedDict):
    """The words of a topic's Word 对照表, in the edition's language (%(…)s filled by the writer)."""

    title: str
    plans_part: str
    table_part: str
    legend: str
    generated: str
    online: str
    family: str
    n_plans: str
    gap: str
    mention: str
    absent: str
    other: str
    other_meta: str
    source: str


def docx_labels(data: ViewData) -> DocxLabels:
    _ = data._
    return {
        "title": _("%(topic)s：措施家族 × 方案对照"),
        "plans_part": _("本表为第%(first)s–%(last)s个方案（共%(n)s个）。"),
        "table_part": _("（第%(part)s/%(parts)s部分）"),
        "legend": _(
            "每格是该方案归入此措施家族的条文中起决定作用的分句，标黄的是决定归类的词，〔〕内是条文位置，"
            "链接到网页版原文。“缺口”：同类方案中多数有此措施，本方案全文未见相关表述；“提及”：本方案只是"
            "顺带提到，不算缺口；“未涉及”：本方案没有此措施，也不认定为缺口。"
        ),
        "generated": _("生成日期%(date)s"),
        "online": _("网页版："),
        "family": _("措施家族"),
        "n_plans": _("%(n)s/%(total)s个方案"),
        "gap": _("缺口"),
        "mention": _("提及"),
        "absent": _("未涉及"),
        "other": _("其他措施"),
        "other_meta": _("未归入措施家族"),
        "source": _("原文"),
    }


def topic_pages(data: ViewData, site: SiteContext) -> Iterator[TopicPage]:
    """Every topic's matrix pages, each built when asked for."""
    labels = grid_labels(data)
    docx = writes_docx(data)
    for head in site["topics"]:
        t = head["topic_id"]
        rows = data.family_rows[t]
        found = unaligned(data, t)  # read by each page of the topic
        for k in range(len(data.chunks)):
            part = matrix_part(data, t, rows, found, k)
            # the other topics' pages of the same plans (a split topic's page k shows chunk k, as theirs)
            others: list[PagerLink] = [
                {"label": h["name"], "href": topic_href(h["topic_id"], page=k), "current": h["topic_id"] == t}
                for h in site["topics"]
            ]
            yield {
                "view": site,
                "page": "topic",
                "topic": head,
                "part": part,
                "grid": grid_rows(data, t, rows, data.chunks[k], k, labels)[0],
                "grid_labels": labels,
                # a page with no measure and no gap has nothing to paste into a memo
                "docx": topic_docx_href(t, k) if docx and (part["rows"] or part["other"]) else "",
                "word_file": f"{t}.docx",
                "topic_links": others,
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
