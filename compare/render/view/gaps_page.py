"""The gap list: every plan's gaps with the peers that have each family and a reference measure;
with many plans split into pages of ``html.plans_per_page`` plans."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal, TypedDict

from compare.render.view.data import ViewData
from compare.render.view.links import PagePart, page_part, paged_href, plan_href
from compare.render.view.plan_gaps import GapEntry, gap_entries
from compare.render.view.site import SiteContext


class PlanGaps(TypedDict):
    plan_id: str
    name: str
    href: str
    anchor: str  # the plan's section on the page
    entries: list[GapEntry]


class GapsPart(PagePart):
    plans: list[PlanGaps]


class GapsPage(TypedDict):
    view: SiteContext
    page: Literal["gaps"]
    part: GapsPart


def plan_gaps(data: ViewData, plan_id: str) -> PlanGaps:
    return {
        "plan_id": plan_id,
        "name": data.names[plan_id],
        "href": plan_href(plan_id),
        "anchor": f"gaps-{data.plan_index[plan_id] + 1}",
        "entries": gap_entries(data, plan_id),
    }


def gaps_pages(data: ViewData, site: SiteContext) -> Iterator[GapsPage]:
    """The gap list's pages, each built when asked for."""
    for k, chunk in enumerate(data.chunks):
        part: GapsPart = {
            **page_part(data.chunks, data.cfg.html_plans_per_page, k, lambda j: paged_href("gaps", j)),
            "plans": [plan_gaps(data, pid) for pid in chunk],
        }
        yield {"view": site, "page": "gaps", "part": part}
