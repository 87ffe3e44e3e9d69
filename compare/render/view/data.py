"""The comparison's tables indexed once for display (``ViewData``): what every page context reads.

Every figure shown is read from the tables (``compare.tables.comparison_tables``); text and offsets
come from the plans in the comparison. Rows become dicts of Python values (NaN/NA -> None), indexed
by plan, family and topic, so a page reads only the rows it shows. The names and labels of the
edition (topic names, bindingness labels, glosses) are looked up here too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import cached_property
from typing import Any

import pandas as pd

from compare.model import (
    LEARNED_EVIDENCE,
    UNCLASSIFIED,
    Changes,
    Comparison,
    FamilyMember,
    Measure,
    Mention,
    PlanAnalysis,
    TopicTag,
)
from compare.render.i18n import translations
from compare.render.view.build_info import BuildInfo
from compare.render.view.cited import Citations, resolve_citations
from compare.render.view.coverage import HeatRow, heatmap_rows
from compare.render.view.links import topic_href
from compare.render.view.matrix import FamilyRow, family_rows, unaligned_ids
from compare.render.view.measures import REUSE_SPANS, MeasureItems
from compare.render.view.records import Record, records, rows_by
from compare.render.view.settings import ReportSettings

# a term in Chinese within an English gloss ("Agents … (代办, 帮办, 领办)"), with the separator before it
_HAN_TERM = re.compile(r"\s*[,，、;]?\s*[^\s(),，、;]*[\u4e00-\u9fff][^\s(),，、;]*")


def english_only(gloss: str) -> str:
    """A catalogue gloss without the Chinese terms of art it cites: the English edition shows no Chinese
    outside quoted clauses and plan titles (the terms are in the Chinese edition's name and definition)."""
    text = _HAN_TERM.sub("", gloss)
    text = re.sub(r"\(\s*[,，、;]\s*", "(", text)  # "(, one-off rewards)" after "以奖代补" went
    return re.sub(r"\s*\(\s*\)", "", text).strip()  # "()" once all its terms went


class ViewData:
    """One comparison and its tables, indexed for the pages of one edition (``lang``)."""

    def __init__(
        self,
        comparison: Comparison,
        tables: Mapping[str, pd.DataFrame],
        *,
        topic_names: Mapping[str, tuple[str, str]],
        build: BuildInfo,
        lang: str,
        topics: tuple[str, ...],
        title: str | None,
        descriptions: Mapping[str, tuple[str, str]],
        settings: ReportSettings,
        site_url: str | None = None,
        changes: Changes | None = None,
    ) -> None:
        # what the pages read after indexing: the plans' table rows, the files not read and the
        # passages' spans. The other tables are indexed below and not kept: at 2,000 plans the whole
        # set held 0.5 GB of its own (measure rows, memberships, the family x plan grid, the reuse texts)
        self.tables: dict[str, pd.DataFrame] = {
            name: tables[name] for name in ("documents", "failed") if name in tables
        }
        if "reuse" in tables:
            self.tables["reuse"] = tables["reuse"][[c for c in REUSE_SPANS if c in tables["reuse"]]]
        self.changes = changes  # since the previously published build (None: not known to the view)
        self.lang = lang
        self.cfg = settings
        self.build = build
        self.site_url = site_url.rstrip("/") + "/" if site_url else None  # the site's root, published
        self._: Callable[[str], str] = translations(lang).gettext
        self.title = title or self._("开发区政策方案对比")
        self.topic_names = dict(topic_names)
        self.descriptions = dict(descriptions)

        self.plans: list[PlanAnalysis] = list(comparison.plans)
        self.plan_ids = [p.document.plan_id for p in self.plans]
        self.plan_index = {pid: i for i, pid in enumerate(self.plan_ids)}
        self.plan_by_id = {p.document.plan_id: p for p in self.plans}
        # plan names in the edition's language (the English one from compare.plans.apply_names)
        self.names = {
            p.document.plan_id: (p.document.display_name_en if lang == "en" else "")
            or p.document.display_name
            or p.document.plan_id
            for p in self.plans
        }
        self.measures: dict[str, Measure] = {m.measure_id: m for p in self.plans for m in p.measures}
        # what a measure item reads from the table (the whole table is hundreds of MB at thousands of plans)
        self.measure_rows = rows_by(tables, "measures", "measure_id", ("targets", "bindingness"))

        # the order is compare.gaps' (mandatory topics first, then the codebook's); ``topics`` selects
        self.topic_ids = [t for t in comparison.topics if not topics or t in topics]
        self.coverage = {(str(r["topic"]), str(r["plan_id"])): r for r in records(tables, "coverage")}
        all_families = records(tables, "families")
        self.families = [f for f in all_families if str(f["topic"]) in self.topic_ids]
        self.family_by_id = {str(f["family_id"]): f for f in all_families}
        # family -> plan -> its family_matrix row: a matrix page reads only the plans it shows
        self.cells: dict[str, dict[str, Record]] = {}
        for r in records(tables, "family_matrix", held_only=True):
            self.cells.setdefault(str(r["family_id"]), {})[str(r["plan_id"])] = r
        self.gaps = records(tables, "gaps")
        self.gap_keys = {(str(g["plan_id"]), str(g["family_id"])) for g in self.gaps}
        self.gaps_by_plan: dict[str, list[Record]] = {}
        for g in self.gaps:
            self.gaps_by_plan.setdefault(str(g["plan_id"]), []).append(g)
        self.unique_by_plan: dict[str, list[Record]] = {}
        for u in records(tables, "unique"):
            self.unique_by_plan.setdefault(str(u["plan_id"]), []).append(u)
        # (family, measure) -> the membership: its deciding clause and words (view.evidence)
        self.decided: dict[tuple[str, str], FamilyMember] = {}
        for f in comparison.families:
            for member in f.members:
                key = (f.family_id, member.measure_id)
                if key not in self.decided or member.similarity > self.decided[key].similarity:
                    self.decided[key] = member
        self.texts = {p.document.plan_id: p.document.clean.text for p in self.plans}
        self.reviewed = list(comparison.reviewed)
        self.peer_groups = dict(comparison.peer_groups)  # plan -> the group its gaps were decided in
        # (plan, family) -> the sentence a plan touches a family in without a measure (never a gap)
        self.mentions: dict[tuple[str, str], Mention] = {}
        frame = comparison.mentions
        if frame is not None and not frame.empty:
            for r in frame.to_dict(orient="records"):
                self.mentions[(str(r["plan_id"]), str(r["family_id"]))] = Mention(
                    str(r["family_id"]),
                    (int(r["sentence_start"]), int(r["sentence_end"])),
                    tuple(tuple(m) for m in r["marks"]),
                    str(r["how"]),
                )
        self.member_of: dict[str, list[str]] = {}
        for r in records(tables, "family_members", columns=("measure_id", "family_id")):
            self.member_of.setdefault(str(r["measure_id"]), []).append(str(r["family_id"]))

        # many plans: matrix and gap pages of at most html_plans_per_page plan columns each
        per = self.cfg.html_plans_per_page
        self.chunks = [self.plan_ids[i : i + per] for i in range(0, len(self.plan_ids), per)] or [[]]
        self.paged = len(self.chunks) > 1
        # very many plans: the briefing counts plans per topic and family instead of showing their columns
        self.aggregate = len(self.plan_ids) > self.cfg.pdf_aggregate_above
        self.items = MeasureItems(self)

    # -- shared parts, built once -------------------------------------------------------

    @cached_property
    def family_rows(self) -> dict[str, list[FamilyRow]]:
        """Per topic, its families strongest covered first, without their cells (``matrix.row_cells``)."""
        return {t: family_rows(self, t) for t in self.topic_ids}

    @cached_property
    def unaligned_ids(self) -> dict[str, dict[str, list[str]]]:
        """Per topic and plan, the measures in no family (``matrix.unaligned``)."""
        return unaligned_ids(self)

    @cached_property
    def heatmap(self) -> dict[str, HeatRow]:
        """Per topic, in topic order, its heat-map row: one coverage cell per plan."""
        return {r["topic_id"]: r for r in heatmap_rows(self)}

    @cached_property
    def citations(self) -> Citations:
        """Which plans of the build cite which (by 文号 or title): their pages offer the two-plan view."""
        return resolve_citations(self.plans)

    @property
    def first_pair(self) -> tuple[str, str] | None:
        """The two plans the two-plan view opens on: the first that cites another of the build, else
        the first two sharing a verbatim passage (None: the first two plans)."""
        for pid in self.plan_ids:
            if self.citations.cites.get(pid):
                return pid, self.citations.cites[pid][0]
        reuse = self.tables.get("reuse")
        if reuse is not None and not reuse.empty:
            return str(reuse["plan_a"].iloc[0]), str(reuse["plan_b"].iloc[0])
        return None

    # -- names and labels of the edition ------------------------------------------------

    def topic_name(self, topic_id: str) -> str:
        if topic_id == UNCLASSIFIED:
            return self._("未分类")
        zh, en = self.topic_names.get(topic_id, (topic_id, topic_id))
        return en if self.lang == "en" and en else zh

    def topic_label(self, tag: TopicTag) -> str:
        """A measure's topic as shown on it: a topic the learned model added names its deciding n-grams."""
        name = self.topic_name(tag.topic)
        if not tag.learned:
            return name
        grams = "、".join(e.removeprefix(LEARNED_EVIDENCE) for e in tag.evidence)
        model = self._("模型")
        return f"{name}（{model}：{grams}）"

    def family_name(self, family: Mapping[str, Any] | str) -> str:
        """A family's name in the edition: a catalogue family's English name in English; a family formed
        from the data keeps its Chinese key terms in both (``family_source_label`` says so)."""
        f = self.family_by_id.get(family, {}) if isinstance(family, str) else family
        name = str(f.get("name") or (family if isinstance(family, str) else ""))
        if self.lang == "en" and f.get("source") == "catalogue":
            return str(f.get("name_en") or "") or name
        return name

    def family_definition(self, family: Mapping[str, Any]) -> str:
        """What a family covers, in the edition's language only: the catalogue's Chinese definition or its
        English gloss; for a family formed from the data, how it was formed (translated)."""
        if family.get("source") != "catalogue":
            return self._("由文本相似度聚类发现，未经人工审定")
        if self.lang == "en":
            return english_only(str(family.get("gloss") or ""))
        return str(family.get("definition") or "").strip()

    def bindingness_label(self, level: str | None) -> str:
        labels = {
            "mandatory": self._("强制"),
            "directive": self._("要求"),
            "supportive": self._("支持"),
            "exploratory": self._("探索"),
        }
        return labels.get(level or "", "")

    def scope_label(self, scope: str) -> str:
        """A plan's scope (``compare.kinds``) as the reader is told it."""
        labels = {
            "comprehensive": self._("综合性开发区政策"),
            "construction": self._("建设（申建）方案"),
            "application": self._("申报评审规则"),
            "regulation": self._("条例"),
            "reply": self._("批复"),
            "work_points": self._("工作要点"),
            "task_list": self._("任务分工"),
            "notice": self._("通知"),
        }
        return labels.get(scope, self._("其他"))

    def kind_label(self, kind: str | None) -> str:
        """A plan's kind of document (``compare.kinds``: 意见, 方案 …) in the edition's words (context
        "文件类型": 方案 the kind is not 方案 the heading "Plans")."""
        pgettext = translations(self.lang).pgettext
        labels = {
            "意见": pgettext("文件类型", "意见"),
            "方案": pgettext("文件类型", "方案"),
            "建设方案": pgettext("文件类型", "建设方案"),
            "行动计划": pgettext("文件类型", "行动计划"),
            "若干措施": pgettext("文件类型", "若干措施"),
            "办法": pgettext("文件类型", "办法"),
            "申报评审规则": pgettext("文件类型", "申报评审规则"),
            "条例": pgettext("文件类型", "条例"),
            "批复": pgettext("文件类型", "批复"),
            "通知": pgettext("文件类型", "通知"),
            "工作要点": pgettext("文件类型", "工作要点"),
            "任务分工": pgettext("文件类型", "任务分工"),
        }
        return labels.get(kind or "", pgettext("文件类型", "文件"))

    def published(self, href: str) -> str:
        """``href`` (relative to the site root) on the published site (``--site-url``); "" without it."""
        return self.site_url + href if self.site_url else ""

    def topic_link(self, topic_id: str, family_id: str | None = None, plan_id: str | None = None) -> str:
        """The topic's matrix page that shows ``plan_id``'s column (the first page without a plan)."""
        page = self.plan_index.get(plan_id, 0) // self.cfg.html_plans_per_page if plan_id else 0
        return topic_href(topic_id, family_id, page)
