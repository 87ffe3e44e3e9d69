"""Presentation settings of the site and the briefing (``templates/report.yaml``) and the topics' scope lines.

How things are shown lives here (excerpt lengths, columns per table, when to page or aggregate);
what is counted comes from the analysis. A bad edit fails with the file, the line and the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from compare.config import TEMPLATES_DIR
from compare.datafiles import Section, read_yaml
from compare.errors import ReportSettingsError
from compare.text import collapse

REPORT_SETTINGS = TEMPLATES_DIR / "report.yaml"
TOPIC_SCOPES = TEMPLATES_DIR / "topic_scopes.yaml"


@dataclass(frozen=True)
class ReportSettings:
    heat_scale: str  # "absolute" | "relative"
    heat_levels: tuple[float, ...]
    pdf_chars: int
    html_chars: int
    summary_items: int
    max_plan_columns: int
    many_plans: int
    compact_columns: int
    top_families: int
    measures_per_cell: int
    html_plans_per_page: int
    reuse_names: int
    pdf_aggregate_above: int
    findings_plans: int  # the findings take plans one by one up to this many
    quote_chars: int  # a clause the findings quote is cut to this length
    search_words_plans: int  # the search index holds jieba words up to this many plans (bigrams always)
    search_shard_kb: int  # the size a postings file of the search index aims at
    search_passages_kb: int  # … and a file of its passages (a query loads those of the results it shows)
    changes_plans: int = 100  # changes.html: plans listed per kind, families per list (the rest counted)
    changes_families: int = 100
    html_helper_plans: int = 200  # from this many plans on, the pages are rendered in a helper process
    pair_clause_chars: int = 600
    pair_min_same: float = 0.4
    chart_plans: int = 20  # the bindingness chart: a bar per plan up to this many, else one for all
    chart_targets: int = 12  # a target chart shows this many values of a kind (the largest)
    chart_label_chars: int = 12  # a label at a bar's left is cut to this length
    docx_plan_columns: int = 5  # a topic's Word 对照表: plans a table …
    docx_max_plans: int = 20  # … written up to this many plans


@lru_cache(maxsize=4)
def load_report_settings(path: Path = REPORT_SETTINGS) -> ReportSettings:
    """Read and check the presentation settings (a bad edit fails with the file, line and key)."""
    top = Section.read(path, error=ReportSettingsError)
    levels = top.get("heat_levels")
    if (
        not isinstance(levels, list)
        or not levels
        or not all(isinstance(x, int | float) for x in levels)
        or sorted(levels) != levels
        or levels[-1] < 1
    ):
        raise top.error("heat_levels", "ascending numbers ending at >= 1")
    scale = top.data.get("heat_scale", "absolute")
    if scale not in ("absolute", "relative"):
        raise top.error("heat_scale", f"'absolute' or 'relative', got {scale!r}")
    excerpt, pdf, html = top.section("excerpt"), top.section("pdf"), top.section("html")
    found = top.section("findings")
    search = top.section("search")
    chart = top.section("charts")
    docx = top.section("docx")
    return ReportSettings(
        heat_scale=str(scale),
        heat_levels=tuple(float(x) for x in levels),
        pdf_chars=excerpt.integer("pdf_chars", 10),
        html_chars=excerpt.integer("html_chars", 10),
        summary_items=excerpt.integer("summary_items", 1),
        max_plan_columns=pdf.integer("max_plan_columns", 1),
        many_plans=pdf.integer("many_plans", 1),
        compact_columns=pdf.integer("compact_columns", 1),
        top_families=pdf.integer("top_families", 1),
        measures_per_cell=pdf.integer("measures_per_cell", 1),
        html_plans_per_page=html.integer("plans_per_page", 1),
        reuse_names=excerpt.integer("reuse_names", 1),
        pdf_aggregate_above=pdf.integer("aggregate_above", 1),
        findings_plans=found.integer("plans_named", 1),
        quote_chars=found.integer("quote_chars", 10),
        changes_plans=html.integer("changes_plans", 1),
        changes_families=html.integer("changes_families", 1),
        html_helper_plans=html.integer("helper_plans", 1),
        chart_plans=chart.integer("plans", 1),
        chart_targets=chart.integer("targets", 1),
        chart_label_chars=chart.integer("label_chars", 4),
        search_words_plans=search.integer("words_plans", 0),
        search_shard_kb=search.integer("shard_kb", 1),
        search_passages_kb=search.integer("passages_kb", 1),
        pair_clause_chars=html.integer("pair_clause_chars", 1),
        pair_min_same=html.number("pair_min_same", 0.0, 1.0),
        docx_plan_columns=docx.integer("plan_columns", 1),
        docx_max_plans=docx.integer("max_plans", 0),
    )


def default_topic_descriptions(
    path: Path = TOPIC_SCOPES, descriptions: Mapping[str, str] | None = None
) -> dict[str, tuple[str, str]]:
    """id -> (zh scope, en description): zh from ``templates/topic_scopes.yaml``, en from
    ``descriptions`` (topic id -> the codebook's English description, which ``compare.build``
    passes); without them each edition shows the zh scope."""
    scopes = Section(path, read_yaml(path, ReportSettingsError) or {}, "", ReportSettingsError)
    for key, value in scopes.data.items():
        if not isinstance(value, str):
            raise scopes.error(key, "a scope text ('topic_id: scope text' lines)")
    zh = {str(k): str(v) for k, v in scopes.data.items()}
    en = {t: collapse(d) for t, d in (descriptions or {}).items()}
    ids = list(dict.fromkeys([*zh, *en]))
    return {t: (str(zh.get(t) or en.get(t, "")), en.get(t) or str(zh.get(t, ""))) for t in ids}
