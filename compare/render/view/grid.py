"""The compact family × plan grid: one short mark a cell (有 / 提及 / 缺口 / —, or the count of
measures), for a topic (at the top of its page) and for all topics (``grid.html``).

A cell's state is the matrix cell's (``matrix.row_cells``) read without building its measures:
``has`` the plan has measures of the family, else ``mention`` it touches the family without a
measure, else ``gap`` its peers have it, else ``absent``. Cells are plain strings so the template
writes one ``<td>`` a cell with no macro: at thousands of plans the grid is split like the matrix,
one chunk of plans a page (``html.plans_per_page``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Literal, TypedDict

from compare.render.view.links import PagePart, page_part, paged_href, topic_href
from compare.render.view.matrix import FamilyRow, cell_count
from compare.render.view.site import PlanColumn, SiteContext, plan_columns

if TYPE_CHECKING:
    from compare.render.view.data import ViewData

GRID_STEM = "grid"
State = Literal["has", "mention", "gap", "absent"]
# the class a cell carries (one letter: the page holds thousands of cells)
STATE_CLASS: dict[State, str] = {"has": "h", "mention": "m", "gap": "g", "absent": "a"}


class GridCell(TypedDict):
    c: str  # class: h has, m mention, g gap, a absent
    t: str  # what the cell shows: the count of measures, or the state's mark


class GridRow(TypedDict):
    family_id: str
    name: str
    href: str  # the family's row in the topic's matrix page of these plans
    cells: list[GridCell]
    n_has: int  # of the plans shown
    n_mention: int
    n_gap: int


class GridTopic(TypedDict):
    topic_id: str
    name: str
    href: str
    mandatory: bool
    rows: list[GridRow]


class GridLabels(TypedDict):
    mention: str
    gap: str
    absent: str
    legend: list[tuple[str, str, str]]  # (class, mark, what it means)


class GridPart(PagePart):
    plans: list[PlanColumn]
    topics: list[GridTopic]
    rows_left_out: int  # families no plan of this page has or lacks as a gap (as its matrix pages)


class GridPage(TypedDict):
    view: SiteContext
    page: Literal["grid"]
    labels: GridLabels
    part: GridPart


def grid_href(page: int = 0) -> str:
    return paged_href(GRID_STEM, page)


def grid_labels(data: ViewData) -> GridLabels:
    _ = data._
    mention, gap, absent = _("提及"), _("缺口"), "—"
    return {
        "mention": mention,
        "gap": gap,
        "absent": absent,
        "legend": [
            ("h", "3", _("有：该方案的措施条数")),
            ("m", mention, _("提及：没有措施，但在别处提到，不算缺口")),
            ("g", gap, _("缺口：同类方案中多数有，本方案未涉及")),
            ("a", absent, _("未涉及（不构成缺口）")),
        ],
    }


def cell_state(data: ViewData, family_id: str, plan_id: str) -> tuple[State, int]:
    """The matrix cell's state and its count of measures (as ``matrix.row_cells`` decides it)."""
    r = data.cells.get(family_id, {}).get(plan_id)
    n = cell_count(data, r) if r else 0
    if n:
        return "has", n
    if (plan_id, family_id) in data.mentions:
        return "mention", 0
    if (plan_id, family_id) in data.gap_keys:
        return "gap", 0
    return "absent", 0


def grid_rows(
    data: ViewData,
    topic_id: str,
    heads: Sequence[FamilyRow],
    plan_ids: Sequence[str],
    page: int,
    labels: GridLabels,
) -> tuple[list[GridRow], int]:
    """The topic's grid rows for these plans (``page``: the matrix page that shows them) and how many
    families were left out: on a split grid, a family no plan of the page has or lacks as a gap."""
    marks = {"mention": labels["mention"], "gap": labels["gap"], "absent": labels["absent"]}
    rows: list[GridRow] = []
    left_out = 0
    for head in heads:
        fid = head["family_id"]
        cells: list[GridCell] = []
        counts = {"has": 0, "mention": 0, "gap": 0, "absent": 0}
        peer_gaps = 0  # lacked as a gap, mentioned or not: the matrix page keeps the row for it
        for pid in plan_ids:
            state, n = cell_state(data, fid, pid)
            counts[state] += 1
            peer_gaps += (pid, fid) in data.gap_keys
            cells.append({"c": STATE_CLASS[state], "t": str(n) if n else marks[state]})
        # a split grid leaves out the rows its matrix page leaves out (``topic_page.matrix_part``)
        if data.paged and not counts["has"] and not peer_gaps:
            left_out += 1
            continue
        rows.append(
            {
                "family_id": fid,
                "name": head["name"],
                "href": topic_href(topic_id, fid, page),
                "cells": cells,
                "n_has": counts["has"],
                "n_mention": counts["mention"],
                "n_gap": counts["gap"],
            }
        )
    return rows, left_out


def grid_part(data: ViewData, k: int, labels: GridLabels) -> GridPart:
    """Page ``k`` of the all-topics grid: every topic's families for plan chunk ``k``."""
    chunk = data.chunks[k]
    topics: list[GridTopic] = []
    left_out = 0
    for t in data.topic_ids:
        rows, out = grid_rows(data, t, data.family_rows[t], chunk, k, labels)
        left_out += out
        if rows:
            topics.append(
                {
                    "topic_id": t,
                    "name": data.topic_name(t),
                    "href": topic_href(t, page=k),
                    "mandatory": data.heatmap[t]["mandatory"],
                    "rows": rows,
                }
            )
    return {
        **page_part(data.chunks, data.cfg.html_plans_per_page, k, grid_href),
        "plans": plan_columns(data, chunk),
        "topics": topics,
        "rows_left_out": left_out,
    }


def grid_pages(data: ViewData, site: SiteContext) -> Iterator[GridPage]:
    """The all-topics grid, one page per chunk of plans, each built when asked for."""
    labels = grid_labels(data)
    for k in range(len(data.chunks)):
        yield {"view": site, "page": "grid", "labels": labels, "part": grid_part(data, k, labels)}
