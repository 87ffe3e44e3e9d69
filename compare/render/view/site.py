"""What every page of the site shares (``SiteContext``, ``view`` in the templates): the title, the
build stamp, the plans' cards, the topics, the heat-map legend, the files that could not be read
and the data downloads. The briefing shows the same cards, topics and failures."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypedDict, cast

from compare.model import MANDATORY_TOPICS
from compare.render.i18n import html_lang
from compare.render.view.build_info import BuildBlock, build_block
from compare.render.view.data import ViewData
from compare.render.view.links import plan_href, topic_href
from compare.render.view.records import plain, records, rows_by

# Plan card fields read from the documents table (metadata, then the document's own).
_CARD_METADATA = ("title", "issuer", "doc_number", "date", "published", "jurisdiction", "zone_type")
_CARD_DOCUMENT = ("source_file", "sha256", "format")


class CitedDocument(TypedDict):
    title: str
    doc_number: str | None


class PlanCard(TypedDict):
    """A plan's metadata as the documents table has it (the figure every output shows)."""

    title: str | None
    issuer: str | None
    doc_number: str | None
    date: str | None
    published: str | None
    jurisdiction: str | None
    zone_type: str | None
    source_file: str
    sha256: str
    format: str
    n_sections: int
    n_measures: int
    kind: str | None  # 条例, 批复, 意见 …
    scope: str  # what it is compared with, in the edition's words
    plan_id: str
    name: str
    href: str
    sha_short: str
    cited: list[CitedDocument]
    warnings: list[str]


class PlanColumn(TypedDict):
    """A plan as a column head of a table."""

    plan_id: str
    name: str
    href: str


class TopicHead(TypedDict):
    """A topic as the codebook table and the topic pages name it."""

    topic_id: str
    name: str
    href: str
    mandatory: bool
    description: str  # its scope, in the edition's language
    n_families: int


class Legend(TypedDict):
    title: str  # what the colour encodes
    levels: list[str]  # the heat-map's colour classes, from "none"


class Failed(TypedDict):
    source_file: str
    reason: str


class Download(TypedDict):
    file: str
    href: str
    label: str


class Report(TypedDict):
    """What the site and the briefing both show: the report's title, build, plans, topics, failures."""

    lang: str
    html_lang: str
    title: str
    build: BuildBlock
    plans: list[PlanCard]
    n_plans: int
    topics: list[TopicHead]
    failed: list[Failed]


class SiteContext(Report):
    legend: Legend
    downloads: list[Download]
    paged: bool  # many plans: matrices and the gap list are split into pages of plans


def report_context(data: ViewData) -> Report:
    plans = plan_cards(data)
    return {
        "lang": data.lang,
        "html_lang": html_lang(data.lang),
        "title": data.title,
        "build": build_block(data.build, data.paged),
        "plans": plans,
        "n_plans": len(plans),
        "topics": [topic_head(data, t) for t in data.topic_ids],
        "failed": failed(data),
    }


def site_context(data: ViewData) -> SiteContext:
    return {**report_context(data), "legend": legend(data), "downloads": downloads(data), "paged": data.paged}


def plan_cards(data: ViewData) -> list[PlanCard]:
    """One card per plan: its metadata as the documents table has it, falling back to the analysis
    for a column a table lacks."""
    docs = rows_by(data.tables, "documents", "plan_id")
    cards: list[PlanCard] = []
    for p in data.plans:
        d = p.document
        row = docs.get(d.plan_id, {})
        known: dict[str, Any] = {
            **{f: getattr(d.metadata, f) for f in _CARD_METADATA},
            **{f: getattr(d, f) for f in _CARD_DOCUMENT},
            "n_sections": len(p.sections),
            "n_measures": sum(m.kind == "measure" for m in p.measures),
            "kind": p.kind.kind if p.kind else None,
        }
        card = {f: plain(row[f]) if f in row else value for f, value in known.items()}
        cards.append(
            cast(
                PlanCard,
                {
                    **card,
                    "plan_id": d.plan_id,
                    "name": data.names[d.plan_id],
                    "href": plan_href(d.plan_id),
                    "sha_short": str(card["sha256"])[:12],
                    "scope": data.scope_label(p.kind.scope if p.kind else ""),
                    "cited": [
                        {"title": c.title, "doc_number": c.doc_number} for c in d.metadata.cited_documents
                    ],
                    "warnings": list(d.warnings),
                },
            )
        )
    return cards


def plan_columns(data: ViewData, plan_ids: Sequence[str]) -> list[PlanColumn]:
    return [{"plan_id": p, "name": data.names[p], "href": plan_href(p)} for p in plan_ids]


def topic_head(data: ViewData, topic_id: str) -> TopicHead:
    zh_desc, en_desc = data.descriptions.get(topic_id, ("", ""))
    return {
        "topic_id": topic_id,
        "name": data.topic_name(topic_id),
        "href": topic_href(topic_id),
        "mandatory": topic_id in MANDATORY_TOPICS,
        "description": (en_desc if data.lang == "en" else zh_desc) or "",
        "n_families": len(data.family_rows[topic_id]),
    }


def legend(data: ViewData) -> Legend:
    _ = data._
    bounds = data.cfg.heat_levels
    levels = [_("无措施")]
    for i, b in enumerate(bounds):
        low = 0 if i == 0 else round(100 * bounds[i - 1])
        levels.append(f"{low}–{round(100 * b)}%")
    return {"title": _("颜色：涉及的措施家族占该议题的比例"), "levels": levels}


def failed(data: ViewData) -> list[Failed]:
    return [
        {"source_file": str(r["source_file"]), "reason": str(r["reason"])}
        for r in records(data.tables, "failed")
    ]


def downloads(data: ViewData) -> list[Download]:
    _ = data._
    files = [
        (
            "comparison.xlsx",
            _(
                "Excel 工作簿：每张表一个工作表，另有议题×方案、措施家族×方案矩阵；中文工作表名和表头"
                "（字段名在隐藏的第一行，“说明”工作表列出各工作表对应的数据表），编号旁附名称"
            ),
        ),
        (
            "comparison.sqlite",
            _(
                "SQLite 数据库：全部表，含主键和外键；措施原文全文检索（用 Datasette 打开即可搜索）、"
                "措施与议题的关联表、附名称的视图"
            ),
        ),
        ("comparison.json", _("JSON：全部表")),
        ("measures.csv", _("CSV：措施（每条措施的原文、位置、议题、约束力、量化目标）")),
        ("coverage.csv", _("CSV：议题×方案覆盖度")),
        ("families.csv", _("CSV：措施家族")),
        ("family_matrix.csv", _("CSV：措施家族×方案")),
        ("gaps.csv", _("CSV：缺口")),
        ("manifest.json", _("构建清单：输入文件哈希与版本")),
    ]
    return [{"file": f, "href": f"../data/{f}", "label": label} for f, label in files]
