"""Coverage as the heat-map shows it: one cell per topic and plan (measures, families, strongest
bindingness) with its colour level. The index, every topic page, every plan page and the briefing
show these cells (``ViewData.heatmap`` builds them once)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, TypedDict

from compare.model import MANDATORY_TOPICS
from compare.render.view.links import plan_href, topic_href
from compare.render.view.records import plain

if TYPE_CHECKING:
    from compare.render.view.data import ViewData


class HeatCell(TypedDict):
    plan_id: str
    plan_name: str
    plan_href: str
    topic_name: str
    score: float | None
    n_measures: int  # the measures the topic's page shows for the plan
    n_families: int
    topic_families: int  # the topic's families (the colour is n_families / topic_families)
    max_bindingness: str  # its label
    level: int  # colour class, 0 = no measure
    href: str  # the topic's matrix page that shows the plan


class HeatRow(TypedDict):
    topic_id: str
    name: str
    mandatory: bool
    href: str
    cells: list[HeatCell]  # one per plan, in plan order


def heat_level(n_measures: int, score: float | None, top: float, levels: Sequence[float]) -> int:
    """Colour class 0..len(levels): 0 = no measure; else ``score / top`` (top = 1 on the absolute scale).
    The score is the coverage's ``share``: the plan's families of the topic over the topic's families."""
    if not n_measures:
        return 0
    rel = (score or 0.0) / top if top > 0 else 0.0
    for i, bound in enumerate(levels, start=1):
        if rel <= bound:
            return i
    return len(levels)


def heatmap_rows(data: ViewData) -> list[HeatRow]:
    """A row per topic shown, a cell per plan: the coverage table's figures."""
    cfg = data.cfg
    scores = [float(r.get("share") or 0) for (t, _p), r in data.coverage.items() if t in data.topic_ids]
    top = max(scores, default=0.0) if cfg.heat_scale == "relative" else 1.0
    rows: list[HeatRow] = []
    for t in data.topic_ids:
        cells: list[HeatCell] = []
        for pid in data.plan_ids:
            r = data.coverage.get((t, pid), {})
            n = int(r.get("n_measures") or 0)
            score = plain(r.get("share"))
            cells.append(
                {
                    "plan_id": pid,
                    "plan_name": data.names[pid],
                    "plan_href": plan_href(pid),
                    "topic_name": data.topic_name(t),
                    "score": score,
                    "n_measures": n,
                    "n_families": int(r.get("n_families") or 0),
                    "topic_families": int(r.get("topic_families") or 0),
                    "max_bindingness": data.bindingness_label(r.get("max_bindingness")),
                    "level": heat_level(n, score, top, cfg.heat_levels),
                    "href": data.topic_link(t, plan_id=pid),
                }
            )
        rows.append(
            {
                "topic_id": t,
                "name": data.topic_name(t),
                "mandatory": t in MANDATORY_TOPICS,
                "href": topic_href(t),
                "cells": cells,
            }
        )
    return rows
