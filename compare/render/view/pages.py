"""The site, page by page: which template shows which context, written to which file.

``site_pages`` builds each page when it is asked for, so a renderer that writes a page and drops
it holds one page at a time (a site of thousands of plans has thousands of matrix and plan pages,
whose cells all held at once took gigabytes). Every page shares one ``SiteContext``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal, NamedTuple, TypedDict

from compare.render.view.changes_page import CHANGES_HREF, ChangesPage, changes_page
from compare.render.view.data import ViewData
from compare.render.view.gaps_page import GapsPage, gaps_pages
from compare.render.view.grid import GridPage, grid_pages
from compare.render.view.index_page import IndexPage, index_page
from compare.render.view.links import page_path
from compare.render.view.methodology_page import MethodologyPage, methodology_page
from compare.render.view.pair_page import PAIR_PAGE, PairPage, pair_page
from compare.render.view.plan_page import PlanPage, plan_pages
from compare.render.view.site import SiteContext, site_context
from compare.render.view.topic_page import TopicPage, topic_pages


class SearchPage(TypedDict):
    """The search page: the box and the results, which static/search.js finds in the index files."""

    view: SiteContext
    page: Literal["search"]


PageContext = (
    IndexPage
    | GapsPage
    | GridPage
    | ChangesPage
    | MethodologyPage
    | SearchPage
    | TopicPage
    | PlanPage
    | PairPage
)


class Page(NamedTuple):
    template: str  # under templates/
    path: str  # the file, relative to the site root
    context: PageContext


def site_pages(data: ViewData) -> Iterator[Page]:
    """Every page of the site: the index, the gap list, the all-topics grid, what changed, the
    methodology, search, the topics, the plans, and the two-plan view (its data:
    ``view.pair_data.pair_records``)."""
    site = site_context(data)
    yield Page("site/index.html.j2", "index.html", index_page(data, site))
    for gaps in gaps_pages(data, site):
        yield Page("site/gaps.html.j2", page_path(gaps["part"]["href"]), gaps)
    for grid in grid_pages(data, site):
        yield Page("site/grid.html.j2", page_path(grid["part"]["href"]), grid)
    yield Page("site/changes.html.j2", CHANGES_HREF, changes_page(data, site))
    yield Page("site/methodology.html.j2", "methodology.html", methodology_page(data, site))
    yield Page("site/search.html.j2", "search.html", {"view": site, "page": "search"})
    for topic in topic_pages(data, site):  # one page a topic unless there are many plans
        yield Page("site/topic.html.j2", page_path(topic["part"]["href"]), topic)
    for plan in plan_pages(data, site):
        yield Page("site/plan.html.j2", page_path(plan["plan"]["href"]), plan)
    yield Page("site/compare.html.j2", PAIR_PAGE, pair_page(data, site, data.first_pair))
