"""The family × plan matrix of a topic: its family rows (strongest covered first), their cells for
the plans a table shows (measures, or an explicit gap), and the row of the topic's measures that
are in no family. Topic pages and the briefing show it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypedDict

from compare.render.view.evidence import Evidence, mentioned, with_evidence
from compare.render.view.links import family_anchor, topic_href
from compare.render.view.measures import MeasureItem
from compare.render.view.records import split_ids

if TYPE_CHECKING:
    from compare.render.view.data import ViewData


class FamilyRow(TypedDict):
    """A family as a row head: its name and how many plans and measures it holds."""

    family_id: str
    anchor: str
    href: str
    name: str  # in the edition's language (a proposed family: its Chinese key terms in both)
    definition: str  # what the family covers, in the edition's language (the row head's title)
    gloss: str  # the English definition, shown under the name in the English edition only
    source: str  # catalogue | proposed
    source_label: str
    n_plans: int
    n_measures: int


class Cell(TypedDict):
    plan_id: str
    measures: list[MeasureItem]
    gap: bool  # no measure (a gap when ``peer_gap``, else not addressed)
    n_measures: int
    bindingness: str  # the strongest, as its label
    peer_gap: bool  # the plan lacks the family as a gap (its peers have it)
    mention: Evidence | None  # no measure, but the plan touches the family here (never a gap)


class MatrixRow(FamilyRow):
    cells: list[Cell]


class OtherRow(TypedDict):
    """The topic's measures in no family, for the plans shown (nothing counted is hidden)."""

    name: str
    cells: list[Cell]


Unaligned = dict[str, list[MeasureItem]]  # plan_id -> the topic's measures in no family


def family_rows(data: ViewData, topic_id: str) -> list[FamilyRow]:
    """The topic's families, strongest covered first, without their cells (see ``row_cells``)."""
    rows: list[FamilyRow] = []
    for f in data.families:
        if str(f["topic"]) != topic_id:
            continue
        fid = str(f["family_id"])
        held = data.cells.get(fid, {})
        counts = [cell_count(data, r) for r in held.values()]
        definition = data.family_definition(f)
        rows.append(
            {
                "family_id": fid,
                "anchor": family_anchor(fid),
                "href": topic_href(topic_id, fid),
                "name": data.family_name(f),
                "definition": definition,
                "gloss": definition if data.lang == "en" else "",
                "source": str(f["source"]),
                "source_label": data._("目录") if f["source"] == "catalogue" else data._("聚类发现"),
                "n_plans": int(f.get("n_plans") or sum(1 for n in counts if n)),
                "n_measures": sum(counts),
            }
        )
    # strongest covered first: most plans, then most measures; catalogue before proposed
    rows.sort(key=lambda r: (r["source"] != "catalogue", -r["n_plans"], -r["n_measures"], r["name"]))
    return rows


def cell_items(data: ViewData, r: Mapping[str, Any]) -> list[MeasureItem]:
    """The measures of one family_matrix row, each with the clause that puts it in the family."""
    fid = str(r.get("family_id"))
    return [
        with_evidence(data, it, fid) for mid in split_ids(r.get("measure_ids")) if (it := data.items.get(mid))
    ]


def cell_count(data: ViewData, r: Mapping[str, Any]) -> int:
    """How many measures ``cell_items`` gives for the row, without building them."""
    return sum(1 for mid in split_ids(r.get("measure_ids")) if mid in data.measures)


def row_cells(data: ViewData, family_id: str, plan_ids: Sequence[str]) -> list[Cell]:
    """One family's cells for these plans (a page's columns): measures, or an explicit gap."""
    held = data.cells.get(family_id, {})
    cells: list[Cell] = []
    for pid in plan_ids:
        r = held.get(pid)
        items = cell_items(data, r) if r else []
        cells.append(
            {
                "plan_id": pid,
                "measures": items,
                "gap": not items,
                "n_measures": int(r.get("n_measures") or len(items)) if r else 0,
                "bindingness": data.bindingness_label(r.get("max_bindingness")) if r else "",
                "peer_gap": (pid, family_id) in data.gap_keys,
                "mention": None if items else mentioned(data, pid, family_id),
            }
        )
    return cells


def unaligned(data: ViewData, topic_id: str) -> Unaligned:
    """plan_id -> measures of the topic (primary) in no family: shown so nothing counted is hidden."""
    out: Unaligned = {}
    for pid, ids in data.unaligned_ids.get(topic_id, {}).items():
        items = [it for mid in ids if (it := data.items.get(mid))]
        if items:
            out[pid] = items
    return out


def unaligned_ids(data: ViewData) -> dict[str, dict[str, list[str]]]:
    """topic -> plan_id -> the ids of its measures (primary topic) in no family, in plan order: one
    pass over every measure for all topics (per topic, it was 13 passes over 300,000 at 2,000 plans)."""
    out: dict[str, dict[str, list[str]]] = {}
    for p in data.plans:
        for m in p.measures:
            if m.kind == "measure" and m.measure_id not in data.member_of:
                out.setdefault(m.primary_topic, {}).setdefault(p.document.plan_id, []).append(m.measure_id)
    return out


def other_row(data: ViewData, found: Unaligned, plan_ids: Sequence[str]) -> OtherRow | None:
    """The "other measures" row for these plans (``found``: the topic's ``unaligned``), or None when
    none of them has such a measure."""
    if not any(pid in found for pid in plan_ids):
        return None
    cells: list[Cell] = []
    for pid in plan_ids:
        items = found.get(pid, [])
        cells.append(
            {
                "plan_id": pid,
                "measures": items,
                "gap": not items,
                "n_measures": len(items),
                "bindingness": "",
                "peer_gap": False,
                "mention": None,
            }
        )
    return {"name": data._("其他未归入措施家族的措施"), "cells": cells}
