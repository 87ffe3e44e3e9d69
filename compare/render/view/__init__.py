"""The view model: what the HTML site and the PDF briefing show, as plain data, one context per page.

``build_view`` indexes a ``Comparison`` and its tables (``compare.tables.comparison_tables``) once
(``ViewData``); ``site_pages`` then yields the site's pages one at a time (template, file, context)
and ``briefing_context`` gives the briefing's. Contexts are dicts, lists, strings and numbers only
(JSON-able; typed as ``TypedDict``s), already ordered, translated, trimmed and linked, so the
templates compute nothing.

    settings      report.yaml and the topics' scope lines
    build_info    the build stamp of every footer
    records       table rows as Python values
    data          the tables indexed once; names and labels of the edition
    links         page links, anchors and the pager
    measures      a measure as shown (the measure items, the one cache of the view)
    coverage      the heat-map cells
    matrix        a topic's family × plan matrix
    grid          the compact family × plan grid (one mark a cell): topic pages and grid.html
    charts        the small charts (bindingness, mandatory-topic coverage, targets) as SVG coordinates
    plan_gaps     a plan's gaps and unique families
    findings      the findings: prose before any matrix (briefing and index page)
    site          what every page shares
    index_page, gaps_page, topic_page, plan_page, changes_page     one module per kind of page
    pair_page     the two-plan page (compare.html); pair_data  what its script reads, one record a plan
    cited         which plans of the build cite which      diff  a character-level diff of two wordings
    pages         the site, page by page
    briefing      the PDF's own selections
    search_index  the passages and postings the site's search reads (written by render.search_files)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from compare.model import Changes, Comparison
from compare.render.i18n import normalise_lang
from compare.render.view.briefing import Briefing, briefing_context
from compare.render.view.build_info import BuildInfo
from compare.render.view.data import ViewData
from compare.render.view.pages import Page, site_pages
from compare.render.view.settings import ReportSettings, default_topic_descriptions, load_report_settings

__all__ = [
    "Briefing",
    "BuildInfo",
    "Page",
    "ViewData",
    "briefing_context",
    "build_view",
    "default_topic_descriptions",
    "site_pages",
]


def build_view(
    comparison: Comparison,
    tables: Mapping[str, pd.DataFrame],
    *,
    topic_names: Mapping[str, tuple[str, str]],
    build: BuildInfo,
    lang: str = "zh",
    topics: Sequence[str] = (),
    title: str | None = None,
    topic_descriptions: Mapping[str, tuple[str, str]] | None = None,
    settings: ReportSettings | None = None,
    site_url: str | None = None,
    changes: Changes | None = None,
) -> ViewData:
    """The comparison indexed for one edition: pass it to ``site_pages`` and ``briefing_context``."""
    return ViewData(
        comparison,
        tables,
        topic_names=topic_names,
        build=build,
        lang=normalise_lang(lang),
        topics=tuple(topics),
        title=title,
        descriptions=default_topic_descriptions() if topic_descriptions is None else topic_descriptions,
        settings=settings or load_report_settings(),
        site_url=site_url,
        changes=changes,
    )
