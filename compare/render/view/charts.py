"""Small charts the build draws as inline SVG (index page and briefing): the bindingness mix per
plan, the plans' coverage of each mandatory topic, and quantified targets side by side by kind.

Everything a chart shows is computed here: numbers, labels, and the coordinates of every bar and
text (``templates/_charts.svg.j2`` only places them). Each chart carries its data as a table, the
text alternative shown next to it, so the figures can be read (and checked) without the picture.
Target kinds and their units come from ``templates/target_kinds.yaml``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

from compare.config import TEMPLATES_DIR
from compare.datafiles import Section
from compare.errors import ReportSettingsError
from compare.model import MANDATORY_TOPICS, Measure
from compare.render.view.evidence import clause_anchor, clause_number
from compare.render.view.links import plan_href
from compare.text import excerpt_collapsed

if TYPE_CHECKING:
    from compare.render.view.data import ViewData

TARGET_KINDS = TEMPLATES_DIR / "target_kinds.yaml"
BINDINGNESS = ("mandatory", "directive", "supportive", "exploratory")

# Geometry of a chart, in SVG user units (the SVG scales to its box; text stays 12 units high).
WIDTH = 640.0
LABEL_W = 170.0  # the label column at the left
VALUE_W = 110.0  # the value column at the right
ROW_H = 20.0
BAR_H = 14.0
TOP = 8.0
LEGEND_H = 24.0


class SvgRect(TypedDict):
    x: float
    y: float
    w: float
    h: float
    cls: str  # the fill's class (the partial maps it to a colour)
    tip: str  # <title>: what the bar stands for


class SvgText(TypedDict):
    x: float
    y: float
    text: str
    anchor: str  # start | end


class ChartRow(TypedDict):
    cells: list[str]
    href: str  # the row's link on the site ("" none): a plan, a topic, a target's clause


class Chart(TypedDict):
    id: str
    title: str  # the SVG's <title> and the heading
    desc: str  # the SVG's <desc>: what it shows in a sentence
    width: float
    height: float
    rects: list[SvgRect]
    texts: list[SvgText]
    caption: str  # the data table's caption
    head: list[str]
    rows: list[ChartRow]
    note: str  # what was left out ("" none)


class Charts(TypedDict):
    bindingness: Chart
    coverage: Chart
    targets: list[Chart]  # one per kind of target found


@dataclass(frozen=True)
class TargetKind:
    kind_id: str
    name: tuple[str, str]  # (Chinese, English)
    unit: str  # the normalised unit it reads (compare.measures.targets)
    cues: tuple[str, ...]
    shown: tuple[str, str]  # the unit it prints (Chinese, English)
    factor: float  # value / factor is printed


@dataclass(frozen=True)
class TargetKinds:
    window: int
    kinds: tuple[TargetKind, ...]


class TargetEntry(TypedDict):
    plan_id: str
    plan_name: str
    kind_id: str
    value: float  # in the kind's shown unit
    text: str  # as printed
    path: str
    href: str  # the clause on the plan's page


@lru_cache(maxsize=2)
def load_target_kinds(path: Path = TARGET_KINDS) -> TargetKinds:
    top = Section.read(path, error=ReportSettingsError)
    kinds = []
    for k in top.sections("kinds"):
        cues = k.get("cues")
        if not isinstance(cues, list) or not cues or not all(isinstance(c, str) and c for c in cues):
            raise k.error("cues", "a list of words")
        kinds.append(
            TargetKind(
                kind_id=str(k.get("id")),
                name=(str(k.get("name")), str(k.get("en"))),
                unit=str(k.get("unit")),
                cues=tuple(cues),
                shown=(str(k.get("shown")), str(k.get("shown_en"))),
                factor=k.number("factor", 1e-12),
            )
        )
    return TargetKinds(window=top.integer("window", 1), kinds=tuple(kinds))


def num(value: float) -> str:
    """A figure as a chart prints it: up to 2 decimals, no trailing zeros, thousands grouped."""
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _label(data: ViewData, text: str, chars: int) -> str:
    """A bar's label cut to ``chars`` (twice as many letters as Han characters: about as wide)."""
    return excerpt_collapsed(text, chars * (2 if data.lang == "en" else 1))


def _row_y(i: int, top: float = TOP) -> float:
    return top + i * ROW_H


def _bar_w() -> float:
    return WIDTH - LABEL_W - VALUE_W


def _legend(items: list[tuple[str, str]], y: float) -> tuple[list[SvgRect], list[SvgText]]:
    """A legend row: a swatch and a label per item, spread over the bar area."""
    rects: list[SvgRect] = []
    texts: list[SvgText] = []
    step = _bar_w() / max(len(items), 1)
    for i, (cls, label) in enumerate(items):
        x = LABEL_W + i * step
        rects.append({"x": x, "y": y + 3, "w": 12, "h": 12, "cls": cls, "tip": label})
        texts.append({"x": x + 16, "y": y + 13, "text": label, "anchor": "start"})
    return rects, texts


# -- bindingness mix per plan ------------------------------------------------------------------


def bindingness_counts(data: ViewData) -> dict[str, Counter[str]]:
    """plan_id -> how many of its measures (kind ``measure``) are of each bindingness, as the
    measures table has it."""
    out: dict[str, Counter[str]] = {}
    for p in data.plans:
        c: Counter[str] = Counter()
        for m in p.measures:
            if m.kind != "measure":
                continue
            level = data.measure_rows.get(m.measure_id, {}).get("bindingness", m.bindingness)
            if level in BINDINGNESS:
                c[str(level)] += 1
        out[p.document.plan_id] = c
    return out


def bindingness_chart(data: ViewData) -> Chart:
    """A stacked bar per plan (all plans in one bar when there are many): its measures' shares by
    bindingness, strongest first."""
    _ = data._
    counts = bindingness_counts(data)
    if len(data.plan_ids) <= data.cfg.chart_plans:
        series = [(pid, data.names[pid], counts[pid], plan_href(pid)) for pid in data.plan_ids]
        note = ""
    else:
        total: Counter[str] = Counter()
        for c in counts.values():
            total.update(c)
        label = _("全部%(n)s个方案") % {"n": len(data.plan_ids)}
        series = [("", label, total, "")]
        note = _("方案较多，合为一条；各方案的数字见数据文件（measures.csv 的 bindingness 列）。")
    labels = {level: data.bindingness_label(level) for level in BINDINGNESS}
    rects: list[SvgRect] = []
    texts: list[SvgText] = []
    rows: list[ChartRow] = []
    bar_w = _bar_w()
    for i, (_pid, name, c, href) in enumerate(series):
        y = _row_y(i)
        n = sum(c[level] for level in BINDINGNESS)
        label = _label(data, name, data.cfg.chart_label_chars)
        texts.append({"x": LABEL_W - 6, "y": y + 12, "text": label, "anchor": "end"})
        x = LABEL_W
        for level in BINDINGNESS:
            if not c[level]:
                continue
            w = bar_w * c[level] / n
            rects.append(
                {
                    "x": x,
                    "y": y + 1,
                    "w": w,
                    "h": BAR_H,
                    "cls": f"b-{level}",
                    "tip": f"{name} · {labels[level]} {c[level]}",
                }
            )
            x += w
        texts.append({"x": LABEL_W + bar_w + 6, "y": y + 12, "text": str(n), "anchor": "start"})
        rows.append({"cells": [name, *(str(c[level]) for level in BINDINGNESS), str(n)], "href": href})
    legend_y = _row_y(len(series)) + 4
    lr, lt = _legend([(f"b-{level}", labels[level]) for level in BINDINGNESS], legend_y)
    return {
        "id": "chart-bindingness",
        "title": _("各方案措施的约束力构成"),
        "desc": _(
            "每条横条是一个方案的措施，按约束力（强制、要求、支持、探索）分段，长度为所占比例；右侧为措施条数。"
        ),
        "width": WIDTH,
        "height": legend_y + LEGEND_H,
        "rects": rects + lr,
        "texts": texts + lt,
        "caption": _("约束力构成（措施条数）"),
        "head": [_("方案"), *labels.values(), _("合计")],
        "rows": rows,
        "note": note,
    }


# -- coverage per mandatory topic -------------------------------------------------------------------


def coverage_chart(data: ViewData) -> Chart:
    """A bar per mandatory topic: the share of plans with at least one measure on it."""
    _ = data._
    n_plans = len(data.plan_ids)
    rects: list[SvgRect] = []
    texts: list[SvgText] = []
    rows: list[ChartRow] = []
    bar_w = _bar_w()
    topics = [t for t in data.topic_ids if t in MANDATORY_TOPICS]
    for i, t in enumerate(topics):
        heat = data.heatmap[t]
        covered = sum(1 for c in heat["cells"] if c["n_measures"])
        share = covered / n_plans if n_plans else 0.0
        pct = round(100 * share)
        y = _row_y(i)
        texts.append(
            {
                "x": LABEL_W - 6,
                "y": y + 12,
                "text": _label(data, heat["name"], data.cfg.chart_label_chars),
                "anchor": "end",
            }
        )
        rects.append({"x": LABEL_W, "y": y + 1, "w": bar_w, "h": BAR_H, "cls": "track", "tip": heat["name"]})
        if covered:
            rects.append(
                {
                    "x": LABEL_W,
                    "y": y + 1,
                    "w": bar_w * share,
                    "h": BAR_H,
                    "cls": "bar",
                    "tip": f"{heat['name']} {covered}/{n_plans}",
                }
            )
        value = f"{covered}/{n_plans} ({pct}%)"
        texts.append({"x": LABEL_W + bar_w + 6, "y": y + 12, "text": value, "anchor": "start"})
        rows.append(
            {"cells": [heat["name"], str(covered), str(n_plans - covered), f"{pct}%"], "href": heat["href"]}
        )
    return {
        "id": "chart-coverage",
        "title": _("必备议题：涉及的方案所占比例"),
        "desc": _("每条横条是一个必备议题：至少有一条措施涉及它的方案所占比例。"),
        "width": WIDTH,
        "height": _row_y(len(topics)) + 4,
        "rects": rects,
        "texts": texts,
        "caption": _("必备议题：涉及与未涉及的方案数"),
        "head": [_("议题"), _("涉及的方案"), _("未涉及的方案"), _("比例")],
        "rows": rows,
        "note": "",
    }


# -- quantified targets side by side -------------------------------------------------------------


def target_kind(m: Measure, start: int, unit: str, kinds: TargetKinds) -> TargetKind | None:
    """The kind of the target at raw offset ``start`` of measure ``m``: of the kinds of its unit, the
    one whose cue ends nearest before it (same sentence; on a tie, the first listed)."""
    rel = max(0, min(len(m.text), start - m.start))
    before = m.text[max(0, rel - kinds.window) : rel]
    for stop in "。；;\n":
        before = before.rpartition(stop)[2]
    # the cue nearest the figure decides (地均投资350万元/亩，地均产出500万元/亩: 500 is output)
    best: tuple[int, int] = (-1, 0)
    found: TargetKind | None = None
    for order, kind in enumerate(kinds.kinds):
        if kind.unit != unit:
            continue
        at = max(before.rfind(cue) + len(cue) if cue in before else -1 for cue in kind.cues)
        if at >= 0 and (at, -order) > best:
            best, found = (at, -order), kind
    return found


def target_entries(data: ViewData, kinds: TargetKinds) -> dict[str, list[TargetEntry]]:
    """kind id -> the plans' targets of that kind (each measure's value once), largest first."""
    out: dict[str, list[TargetEntry]] = {k.kind_id: [] for k in kinds.kinds}
    units = {k.unit for k in kinds.kinds}
    for p in data.plans:
        pid = p.document.plan_id
        for m in p.measures:
            seen: set[tuple[str, float]] = set()
            for t in m.targets:
                if t.unit not in units:
                    continue
                kind = target_kind(m, t.start, t.unit, kinds)
                if kind is None or (kind.kind_id, t.value) in seen:
                    continue
                seen.add((kind.kind_id, t.value))
                clean = m.clean_start + max(0, t.start - m.start)
                anchor = (
                    clause_anchor(m.measure_id, clause_number(m, (clean, clean)))
                    if m.clauses
                    else m.measure_id
                )
                out[kind.kind_id].append(
                    {
                        "plan_id": pid,
                        "plan_name": data.names[pid],
                        "kind_id": kind.kind_id,
                        "value": t.value / kind.factor,
                        "text": t.text,
                        "path": m.path,
                        "href": plan_href(pid, anchor),
                    }
                )
    for entries in out.values():
        entries.sort(key=lambda e: (-e["value"], data.plan_index[e["plan_id"]], e["path"]))
    return out


def target_chart(data: ViewData, kind: TargetKind, entries: list[TargetEntry]) -> Chart:
    """One kind's targets as bars on one scale (its shown unit), the largest first."""
    _ = data._
    shown = entries[: data.cfg.chart_targets]
    top = max((e["value"] for e in shown), default=0.0)
    en = data.lang == "en"
    name, unit = kind.name[en], kind.shown[en]
    rects: list[SvgRect] = []
    texts: list[SvgText] = []
    rows: list[ChartRow] = []
    bar_w = _bar_w()
    for i, e in enumerate(shown):
        y = _row_y(i)
        label = f"{_label(data, e['plan_name'], data.cfg.chart_label_chars - 4)} {e['path']}"
        texts.append(
            {
                "x": LABEL_W - 6,
                "y": y + 12,
                "text": _label(data, label, data.cfg.chart_label_chars + 6),
                "anchor": "end",
            }
        )
        w = bar_w * e["value"] / top if top > 0 else 0.0
        rects.append(
            {
                "x": LABEL_W,
                "y": y + 1,
                "w": w,
                "h": BAR_H,
                "cls": "bar",
                "tip": f"{e['plan_name']} {e['text']}",
            }
        )
        texts.append(
            {"x": LABEL_W + bar_w + 6, "y": y + 12, "text": f"{num(e['value'])} {unit}", "anchor": "start"}
        )
        rows.append({"cells": [e["plan_name"], e["path"], num(e["value"]), e["text"]], "href": e["href"]})
    left = len(entries) - len(shown)
    return {
        "id": f"chart-target-{kind.kind_id}",
        "title": _("量化目标：%(kind)s（%(unit)s）") % {"kind": name, "unit": unit},
        "desc": _("各方案写明的%(kind)s，统一换算为%(unit)s后按数值排列。") % {"kind": name, "unit": unit},
        "width": WIDTH,
        "height": _row_y(len(shown)) + 4,
        "rects": rects,
        "texts": texts,
        "caption": _("%(kind)s：方案、条款与数值（%(unit)s）") % {"kind": name, "unit": unit},
        "head": [_("方案"), _("条款"), unit, _("原文")],
        "rows": rows,
        "note": _("另有%(n)s项较小的数值见数据文件。") % {"n": left} if left else "",
    }


def charts(data: ViewData) -> Charts:
    """The charts of the index page and the briefing."""
    kinds = load_target_kinds()
    found = target_entries(data, kinds)
    return {
        "bindingness": bindingness_chart(data),
        "coverage": coverage_chart(data),
        "targets": [target_chart(data, k, found[k.kind_id]) for k in kinds.kinds if found[k.kind_id]],
    }
