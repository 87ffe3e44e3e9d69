"""A plan's page: its metadata, its coverage of each topic, its gaps and unique families, and its
whole cleaned text with every measure anchored (the place a matrix cell links to)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal, TypedDict

from compare.model import Measure, PlanAnalysis
from compare.render.view.coverage import HeatCell
from compare.render.view.data import ViewData
from compare.render.view.evidence import clause_anchor
from compare.render.view.links import plan_href
from compare.render.view.measures import ReusePeer
from compare.render.view.pair_page import pair_href
from compare.render.view.plan_gaps import GapEntry, UniqueEntry, gap_entries, unique_entries
from compare.render.view.site import PlanCard, SiteContext


class FamilyLink(TypedDict):
    name: str
    href: str


class PairPeer(ReusePeer):
    """A plan sharing a verbatim passage, with the two-plan view of both."""

    href: str


class PairLink(TypedDict):
    """Another plan to read beside this one in the two-plan view, and why: it cites it or is cited."""

    name: str
    href: str  # the two-plan view (compare.html#a=…&b=…)
    plan_href: str
    relation: str  # in the edition's words


class Clause(TypedDict):
    text: str
    id: str  # the anchor a family cell links to (view.evidence.clause_anchor)


class Segment(TypedDict, total=False):
    """A stretch of the plan's text: a measure (``measure_id`` set, with its labels and its clauses,
    each anchored) or the text between measures (``measure_id`` None, text only)."""

    text: str
    clauses: list[Clause]
    measure_id: str | None
    kind: str
    path: str
    topics: list[str]
    bindingness_label: str
    families: list[FamilyLink]
    reuse: list[PairPeer]
    reuse_more: int


class TopicCoverage(HeatCell):
    topic_id: str
    name: str


class ReviewedEntry(TypedDict):
    action: str  # in the edition's words
    family: str  # the family's name ("" for a topics correction)
    href: str  # the measure it names, or the family's row
    note: str


class PlanDetail(PlanCard):
    segments: list[Segment]
    coverage: list[TopicCoverage]
    gaps: list[GapEntry]
    unique: list[UniqueEntry]
    reviewed: list[ReviewedEntry]  # the analyst's corrections of this plan (docs_in/corrections.yaml)
    pairs: list[PairLink]  # the plans of the build it cites or that cite it


class PlanPage(TypedDict):
    view: SiteContext
    page: Literal["plan"]
    plan: PlanDetail


def plan_pages(data: ViewData, site: SiteContext) -> Iterator[PlanPage]:
    """Every plan's page, each built when asked for."""
    for i, p in enumerate(data.plans):
        yield {"view": site, "page": "plan", "plan": plan_detail(data, p, site["plans"][i])}


def plan_detail(data: ViewData, p: PlanAnalysis, card: PlanCard) -> PlanDetail:
    pid = p.document.plan_id
    i = data.plan_index[pid]
    coverage: list[TopicCoverage] = [
        {"topic_id": r["topic_id"], "name": r["name"], **r["cells"][i]} for r in data.heatmap.values()
    ]
    return {
        **card,
        "segments": segments(data, p),
        "coverage": coverage,
        "gaps": gap_entries(data, pid),
        "unique": unique_entries(data, pid),
        "reviewed": reviewed_entries(data, pid),
        "pairs": pair_links(data, pid),
    }


def pair_links(data: ViewData, plan_id: str) -> list[PairLink]:
    """The plans of the build this plan cites, then those that cite it, each with the two-plan view."""
    _ = data._
    found = [(q, _("本方案引用")) for q in data.citations.cites.get(plan_id, ())]
    found += [(q, _("引用本方案")) for q in data.citations.cited_by.get(plan_id, ())]
    return [
        {"name": data.names[q], "href": pair_href(plan_id, q), "plan_href": plan_href(q), "relation": why}
        for q, why in found
    ]


def reviewed_entries(data: ViewData, plan_id: str) -> list[ReviewedEntry]:
    _ = data._
    words = {
        "add": _("归入措施家族"),
        "remove": _("移出措施家族"),
        "topics": _("议题改为"),
        "not_a_gap": _("不算缺口"),
        "not_unique": _("不算独有"),
    }
    out: list[ReviewedEntry] = []
    for r in data.reviewed:
        if r.plan_id != plan_id:
            continue
        out.append(
            {
                "action": words.get(r.action, r.action),
                "family": data.family_name(r.family_id),
                "href": plan_href(plan_id, r.measure_id) if r.measure_id else "",
                "note": r.note,
            }
        )
    return out


def segments(data: ViewData, p: PlanAnalysis) -> list[Segment]:
    """The plan's cleaned text cut at measure boundaries; measures carry their anchor."""
    text = p.document.clean.text
    units = sorted(p.measures, key=lambda m: (m.clean_start, m.clean_end))
    out: list[Segment] = []
    pos = 0
    for m in units:
        start, end = max(m.clean_start, pos), min(m.clean_end, len(text))
        if end <= start:
            continue  # overlapping or empty unit: its text is already shown
        if start > pos:
            out.append({"text": text[pos:start], "measure_id": None})
        families = [
            data.family_by_id[f] for f in data.member_of.get(m.measure_id, []) if f in data.family_by_id
        ]
        out.append(
            {
                "text": text[start:end],
                "clauses": [
                    {"text": text[max(a, start) : min(b, end)], "id": clause_anchor(m.measure_id, k)}
                    for k, (a, b) in enumerate(m.clauses or [(m.clean_start, m.clean_end)])
                    if min(b, end) > max(a, start)
                ],
                "measure_id": m.measure_id,
                "kind": m.kind,
                "path": m.path,
                "topics": [data.topic_label(t) for t in m.topics],
                "bindingness_label": data.bindingness_label(m.bindingness),
                "families": [
                    {
                        "name": data.family_name(f),
                        "href": data.topic_link(str(f["topic"]), str(f["family_id"]), m.plan_id),
                    }
                    for f in families
                ],
                **reused_with(data, m),
            }
        )
        pos = end
    if pos < len(text):
        out.append({"text": text[pos:], "measure_id": None})
    return out


class PairReuse(TypedDict):
    reuse: list[PairPeer]
    reuse_more: int


def reused_with(data: ViewData, m: Measure) -> PairReuse:
    """The plans sharing a verbatim passage with the measure, each with the two-plan view of both."""
    found = data.items.reused_with(m)
    peers: list[PairPeer] = [{**r, "href": pair_href(m.plan_id, r["plan_id"])} for r in found["reuse"]]
    return {"reuse": peers, "reuse_more": found["reuse_more"]}
