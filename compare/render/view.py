"""The view model: the one plain-data context that feeds both the HTML site and the PDF briefing.

``build_view`` turns a ``Comparison`` and its tables (``compare.tables.comparison_tables``)
into dicts, lists, strings and numbers only (JSON-able), already ordered, translated,
trimmed and linked, so the templates compute nothing. Every figure shown is read from the
tables; text and offsets come from the plans in the comparison.

Links are relative to the site root (``plans/<plan_id>.html#<measure_id>``,
``topics/<topic_id>.html#f-<family_id>``); a page one folder down prefixes ``../``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import re
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache, partial
from pathlib import Path
from typing import Any
from urllib.parse import quote

import numpy as np
import pandas as pd

from compare.config import TEMPLATES_DIR
from compare.datafiles import Section, read_yaml
from compare.errors import ReportSettingsError
from compare.model import BINDINGNESS_ORDER, Comparison, Measure, PlanAnalysis
from compare.render.i18n import html_lang, normalise_lang, translations

REPORT_SETTINGS = TEMPLATES_DIR / "report.yaml"
TOPIC_SCOPES = TEMPLATES_DIR / "topic_scopes.yaml"
UNCLASSIFIED = "unclassified"

Parts = list[dict[str, Any]]  # a sentence as runs of text, some linked: [{"text": …, "href": … | None}]


# --------------------------------------------------------------------------- build info


@dataclass(frozen=True)
class BuildInfo:
    """Who made this report from what: shown in every footer and in the PDF metadata.

    ``created`` is an ISO date-time that must not be "now" (reproducible output): take it
    from ``created_from`` (SOURCE_DATE_EPOCH, else the newest input's modification time).
    """

    build_id: str
    created: str
    inputs: Mapping[str, str] = field(default_factory=dict)  # source file -> sha256
    versions: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_inputs(cls, paths: Iterable[Path], versions: Mapping[str, str] | None = None) -> BuildInfo:
        """Hash the input files; the id covers the hashes and the versions."""
        files = sorted(paths, key=lambda p: p.name)
        inputs = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}
        vers = dict(versions or {})
        payload = json.dumps({"inputs": inputs, "versions": vers}, sort_keys=True).encode()
        return cls(
            build_id=hashlib.sha256(payload).hexdigest()[:12],
            created=created_from(files),
            inputs=inputs,
            versions=vers,
        )


def created_from(paths: Iterable[Path]) -> str:
    """SOURCE_DATE_EPOCH if set, else the newest input's mtime, as ``YYYY-MM-DDTHH:MM:SSZ``."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        stamp = int(epoch)
    else:
        times = [int(p.stat().st_mtime) for p in paths]
        stamp = max(times) if times else 0
    return datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class ReportSettings:
    mandatory_topics: tuple[str, ...]
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


@lru_cache(maxsize=4)
def load_report_settings(path: Path = REPORT_SETTINGS) -> ReportSettings:
    """Read and check the presentation settings (a bad edit fails with the file, line and key)."""
    top = Section.read(path, error=ReportSettingsError)
    mandatory = top.strings("mandatory_topics")
    if not mandatory:
        raise top.error("mandatory_topics", "a non-empty list of topic ids")
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
    return ReportSettings(
        mandatory_topics=mandatory,
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
    )


def default_topic_descriptions(path: Path = TOPIC_SCOPES) -> dict[str, tuple[str, str]]:
    """id -> (zh scope, en description): zh from ``templates/topic_scopes.yaml``, en from the codebook."""
    scopes = Section(path, read_yaml(path, ReportSettingsError) or {}, "", ReportSettingsError)
    for key, value in scopes.data.items():
        if not isinstance(value, str):
            raise scopes.error(key, "a scope text ('topic_id: scope text' lines)")
    zh = {str(k): str(v) for k, v in scopes.data.items()}
    en: dict[str, str] = {}
    try:  # the codebook is another stage's data; the report still renders without it
        from compare.topics import load_codebook

        en = {t.id: collapse(t.description) for t in load_codebook().topics}
    except Exception:  # any failure there only costs the English scope lines
        en = {}
    ids = list(dict.fromkeys([*zh, *en]))
    return {t: (str(zh.get(t) or en.get(t, "")), en.get(t) or str(zh.get(t, ""))) for t in ids}


# --------------------------------------------------------------------------- small pure helpers


# Plan card fields read from the documents table (metadata, then the document's own).
_CARD_METADATA = ("title", "issuer", "doc_number", "date", "published", "jurisdiction", "zone_type")
_CARD_DOCUMENT = ("source_file", "sha256", "format")


def plain(value: Any) -> Any:
    """pandas/numpy scalars → Python; NaN/NA → None."""
    if value is None or type(value) is str:  # most cells: strings pass as they are
        return value
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        with contextlib.suppress(ValueError, AttributeError):
            value = value.item()
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


def _percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def _plain_column(column: pd.Series) -> list[Any]:
    """``plain`` over a column, vectorised where the dtype allows: missing values become None."""
    if column.dtype.kind in "iub":  # no missing values possible
        return list(column.tolist())
    if column.dtype.kind == "f":
        return [None if math.isnan(v) else v for v in column.tolist()]
    return [plain(v) for v in column.tolist()]


def split_ids(value: Any) -> list[str]:
    """A list column that may arrive as a list, a JSON list or a ';'-joined string."""
    if type(value) is not str:
        value = plain(value) if not isinstance(value, list | tuple) else value
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value if str(v)]
    text = str(value).strip()
    if text.startswith("["):
        try:
            return [str(v) for v in json.loads(text)]
        except json.JSONDecodeError:
            pass
    return [v for v in (s.strip() for s in text.split(";")) if v]


def collapse(text: str) -> str:
    """Whitespace runs → one space, none between CJK characters (line breaks inside a sentence)."""
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"(?<=[^\x00-\x7f]) (?=[^\x00-\x7f])", "", text)


_BREAKS = "。；;！？!?，,、）)"


def excerpt(text: str, limit: int) -> str:
    """The start of a measure, at most ``limit`` characters, cut after punctuation when one is near."""
    return _excerpt_of(collapse(text), limit)


def _excerpt_of(flat: str, limit: int) -> str:
    """``excerpt`` of a text already collapsed."""
    if len(flat) <= limit:
        return flat
    head = flat[:limit]
    cut = max(head.rfind(ch) for ch in _BREAKS)
    if cut >= limit * 0.6:
        head = head[: cut + 1]
    return head.rstrip("，,、 ") + "…"


@lru_cache(maxsize=65536)  # the same plan, topic and family ids are linked thousands of times
def _quoted(text: str, safe: str = "") -> str:
    return quote(text, safe=safe)


def plan_href(plan_id: str, measure_id: str | None = None) -> str:
    href = f"plans/{_quoted(plan_id)}.html"
    return href + (f"#{quote(measure_id, safe='/')}" if measure_id else "")


def topic_href(topic_id: str, family_id: str | None = None, page: int = 0) -> str:
    """A topic's matrix page; with many plans its columns are split over pages (``page`` from 0)."""
    href = paged_href(f"topics/{_quoted(topic_id)}", page)
    return href + (f"#{family_anchor(family_id)}" if family_id else "")


def paged_href(stem: str, page: int) -> str:
    return f"{stem}.html" if page == 0 else f"{stem}-{page + 1}.html"


def family_anchor(family_id: str) -> str:
    return "f-" + _quoted(family_id)


def heat_level(n_measures: int, score: float | None, top: float, levels: Sequence[float]) -> int:
    """Colour class 0..len(levels): 0 = no measure; else ``score / top`` (top = 1 on the absolute scale)."""
    if not n_measures:
        return 0
    rel = (score or 0.0) / top if top > 0 else 0.0
    for i, bound in enumerate(levels, start=1):
        if rel <= bound:
            return i
    return len(levels)


def sentence(template: str, **slots: Parts | str) -> dict[str, Any]:
    """Fill a translated sentence whose ``%(name)s`` slots are runs of (possibly linked) text."""
    parts: Parts = []
    pos = 0
    for m in re.finditer(r"%\((\w+)\)s", template):
        if m.start() > pos:
            parts.append({"text": template[pos : m.start()], "href": None})
        slot = slots[m.group(1)]
        parts.extend([{"text": slot, "href": None}] if isinstance(slot, str) else slot)
        pos = m.end()
    if pos < len(template):
        parts.append({"text": template[pos:], "href": None})
    return {"parts": parts, "text": "".join(p["text"] for p in parts)}


def joined(items: Sequence[Parts], sep: str) -> Parts:
    out: Parts = []
    for i, item in enumerate(items):
        if i:
            out.append({"text": sep, "href": None})
        out.extend(item)
    return out


# --------------------------------------------------------------------------- the builder


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
) -> dict[str, Any]:
    """Everything the site and the briefing show, as plain data (see the module docstring)."""
    return _ViewBuilder(
        comparison,
        tables,
        topic_names=topic_names,
        build=build,
        lang=normalise_lang(lang),
        topics=tuple(topics),
        title=title,
        descriptions=default_topic_descriptions() if topic_descriptions is None else topic_descriptions,
        settings=settings or load_report_settings(),
    ).build()


MEASURE_ITEMS_KEPT = 8192  # measures the view keeps built (the most recently used)


class Pages(Sequence[dict[str, Any]]):
    """Pages of the site that are built when read and not kept: a site of thousands of plans has
    thousands of matrix pages whose cells, all held at once, took gigabytes. Reading a page twice
    builds it twice, the same. ``list(pages)`` gives plain data (``json.dumps(view, default=list)``)."""

    def __init__(self, n: int, make: Callable[[int], dict[str, Any]]) -> None:
        self._n = n
        self._make = make

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self._make(i) for i in range(*index.indices(self._n))]
        i = index + self._n if index < 0 else index
        if not 0 <= i < self._n:
            raise IndexError(index)
        return self._make(i)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return (self._make(i) for i in range(self._n))


class _ViewBuilder:
    """One build of the view: indexes the tables once, then assembles each part."""

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
        descriptions: Mapping[str, tuple[str, str]] | None,
        settings: ReportSettings,
    ) -> None:
        self.cmp = comparison
        self.tables = tables
        self.lang = lang
        self.cfg = settings
        self.build_info = build
        tr = translations(lang)
        self._: Callable[[str], str] = tr.gettext
        self.title = title or self._("开发区政策方案对比")
        self.topic_names = dict(topic_names)
        self.descriptions = dict(descriptions or {})

        self.plans: list[PlanAnalysis] = list(comparison.plans)
        self.plan_ids = [p.document.plan_id for p in self.plans]
        self.names = {p.document.plan_id: p.document.display_name or p.document.plan_id for p in self.plans}
        self.measures: dict[str, Measure] = {m.measure_id: m for p in self.plans for m in p.measures}
        # what a measure item reads from the table (the whole table is hundreds of MB at thousands of plans)
        self.measure_rows = self._rows_by("measures", "measure_id", ("targets", "bindingness"))

        self.topic_ids = self._topic_order(topics)
        self.coverage = {(str(r["topic"]), str(r["plan_id"])): r for r in self._records("coverage")}
        all_families = self._records("families")
        self.families = [f for f in all_families if str(f["topic"]) in self.topic_ids]
        self.family_by_id = {str(f["family_id"]): f for f in all_families}
        # family -> plan -> its family_matrix row: a matrix page reads only the plans it shows
        self.cells: dict[str, dict[str, dict[str, Any]]] = {}
        for r in self._records("family_matrix", held_only=True):
            self.cells.setdefault(str(r["family_id"]), {})[str(r["plan_id"])] = r
        self.gaps = self._records("gaps")
        self.gap_keys = {(str(g["plan_id"]), str(g["family_id"])) for g in self.gaps}
        self.gaps_by_plan: dict[str, list[dict[str, Any]]] = {}
        for g in self.gaps:
            self.gaps_by_plan.setdefault(str(g["plan_id"]), []).append(g)
        self.unique_by_plan: dict[str, list[dict[str, Any]]] = {}
        for u in self._records("unique"):
            self.unique_by_plan.setdefault(str(u["plan_id"]), []).append(u)
        # many plans: matrix and gap pages of at most html_plans_per_page plan columns each
        self.plan_index = {pid: i for i, pid in enumerate(self.plan_ids)}
        per = self.cfg.html_plans_per_page
        self.chunks = [self.plan_ids[i : i + per] for i in range(0, len(self.plan_ids), per)] or [[]]
        self.paged = len(self.chunks) > 1
        self.aggregate = len(self.plan_ids) > self.cfg.pdf_aggregate_above
        self.reuse = self._reuse_index()
        # memos: the same measure, family row or gap list appears on several pages
        # the most recently used measures only: every cell of thousands of plans, all held at once,
        # took a gigabyte; a gap's reference measure recurs on many pages and stays in
        self._items: OrderedDict[str, dict[str, Any] | None] = OrderedDict()
        # (what, key) -> rows: topic pages, plan pages, summary and PDF ask for the same rows again
        self._memo: dict[tuple[str, str], Any] = {}
        self.member_of: dict[str, list[str]] = {}
        for r in self._records("family_members", columns=("measure_id", "family_id")):
            self.member_of.setdefault(str(r["measure_id"]), []).append(str(r["family_id"]))

    # -- table access -------------------------------------------------------------------

    def _records(
        self, name: str, held_only: bool = False, columns: Sequence[str] | None = None
    ) -> list[dict[str, Any]]:
        """A table's rows as dicts of Python values (NaN/NA -> None), converted column by column;
        ``held_only``: only rows that count measures (the family matrix is the full grid, at
        thousands of plans millions of rows, almost all empty); ``columns``: only these (if present)."""
        frame = self.tables.get(name)
        if frame is not None and held_only and "n_measures" in frame.columns:
            frame = frame[frame["n_measures"].fillna(0) > 0]
        if frame is None or frame.empty:
            return []
        if columns is not None:
            frame = frame[[c for c in frame.columns if c in columns]]
        columns = [str(c) for c in frame.columns]
        values = [_plain_column(frame[c]) for c in frame.columns]
        return [dict(zip(columns, row, strict=True)) for row in zip(*values, strict=True)]

    def _rows_by(
        self, name: str, key: str, columns: Sequence[str] | None = None
    ) -> dict[str, dict[str, Any]]:
        return {
            str(r[key]): r for r in self._records(name, columns=None if columns is None else [key, *columns])
        }

    # -- names --------------------------------------------------------------------------

    def topic_name(self, topic_id: str) -> str:
        if topic_id == UNCLASSIFIED:
            return self._("未分类")
        zh, en = self.topic_names.get(topic_id, (topic_id, topic_id))
        return en if self.lang == "en" and en else zh

    def gloss(self, text: Any) -> str:
        """A family's gloss, shown when it adds something: always in English, in Chinese only if Chinese."""
        text = str(text or "").strip()
        if self.lang == "en" or re.search(r"[\u4e00-\u9fff]", text):
            return text
        return ""

    def bindingness_label(self, level: str | None) -> str:
        labels = {
            "mandatory": self._("强制"),
            "directive": self._("要求"),
            "supportive": self._("支持"),
            "exploratory": self._("探索"),
        }
        return labels.get(level or "", "")

    def _topic_order(self, wanted: tuple[str, ...]) -> list[str]:
        known = list(self.topic_names)
        frame = self.tables.get("coverage")
        if frame is not None and not frame.empty:
            known += [t for t in dict.fromkeys(str(t) for t in frame["topic"]) if t not in known]
        mandatory = [t for t in self.cfg.mandatory_topics if t in known]
        order = mandatory + [t for t in known if t not in mandatory and t != UNCLASSIFIED]
        if wanted:
            order = [t for t in order if t in wanted]
        return order

    # -- measures -----------------------------------------------------------------------

    def _reuse_index(self) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """plan_id -> raw spans reused verbatim (starts, ends) and the other plan's index, as arrays:
        large corpora of related plans share hundreds of passages per plan."""
        spans: dict[str, list[tuple[int, int, int]]] = {}
        frame = self.tables.get("reuse")
        if frame is not None and not frame.empty:
            n = len(self.plan_ids)
            cols = ("plan_a", "plan_b", "start_a", "end_a", "start_b", "end_b")
            for a, b, sa, ea, sb, eb in zip(*(frame[c].tolist() for c in cols), strict=True):
                a, b = str(a), str(b)
                spans.setdefault(a, []).append((int(sa), int(ea), self.plan_index.get(b, n)))
                spans.setdefault(b, []).append((int(sb), int(eb), self.plan_index.get(a, n)))
        index = {}
        for pid, rows in spans.items():
            table = np.array(rows, dtype=np.int64)  # rows of (start, end, other plan's index)
            index[pid] = (table[:, 0], table[:, 1], table[:, 2])
        return index

    def reused_with(self, m: Measure) -> dict[str, Any]:
        """The plans sharing a verbatim passage with the measure, in plan order: the first
        ``reuse_names`` named, the rest counted."""
        found = self.reuse.get(m.plan_id)
        order: list[int] = []
        if found is not None:
            starts, ends, peers = found
            order = sorted(set(peers[(starts < m.end) & (ends > m.start)].tolist()))
        names = [
            {"plan_id": self.plan_ids[i], "name": self.names[self.plan_ids[i]]}
            for i in order[: self.cfg.reuse_names]
            if i < len(self.plan_ids)
        ]
        return {"reuse": names, "reuse_more": len(order) - len(names)}

    def measure_item(self, measure_id: str) -> dict[str, Any] | None:
        items = self._items
        if measure_id in items:
            items.move_to_end(measure_id)
            return items[measure_id]
        item = items[measure_id] = self._measure_item(measure_id)
        if len(items) > MEASURE_ITEMS_KEPT:
            items.popitem(last=False)
        return item

    def _measure_item(self, measure_id: str) -> dict[str, Any] | None:
        m = self.measures.get(measure_id)
        if m is None:
            return None
        row = self.measure_rows.get(measure_id, {})
        targets = row.get("targets")
        target_texts = [t.text for t in m.targets]
        if targets == "[]":  # most measures: no JSON to read
            target_texts = []
        elif isinstance(targets, str) and targets.startswith("["):
            with contextlib.suppress(json.JSONDecodeError, AttributeError):
                target_texts = [str(t.get("text", "")) for t in json.loads(targets)]
        binding = row.get("bindingness", m.bindingness)
        flat = collapse(m.text)
        return {
            "measure_id": m.measure_id,
            "plan_id": m.plan_id,
            "plan_name": self.names.get(m.plan_id, m.plan_id),
            "path": m.path,
            "heading": m.heading,
            "text": flat,
            "excerpt": _excerpt_of(flat, self.cfg.html_chars),
            "pdf_excerpt": _excerpt_of(flat, self.cfg.pdf_chars),
            "trimmed": len(flat) > self.cfg.html_chars,
            "bindingness": binding,
            "bindingness_label": self.bindingness_label(binding),
            "targets": [t for t in target_texts if t],
            "deadline": m.deadline,
            "responsible_units": list(m.responsible_units),
            "topics": [self.topic_name(t.topic) for t in m.topics],
            **self.reused_with(m),
            "href": plan_href(m.plan_id, m.measure_id),
        }

    # -- parts of the view --------------------------------------------------------------

    def build(self) -> dict[str, Any]:
        plans = self.plan_cards()
        topic_pages = self.topic_pages()
        gaps = self.gap_lists()
        view = {
            "lang": self.lang,
            "html_lang": html_lang(self.lang),
            "title": self.title,
            "build": self.build_block(),
            "plans": plans,
            "n_plans": len(plans),
            "heatmap": self.heatmap(),
            "topics": [
                {k: t[k] for k in ("topic_id", "name", "href", "mandatory", "description", "n_families")}
                for t in topic_pages
            ],
            "topic_pages": topic_pages,
            "plan_pages": self.plan_pages(plans),
            "gaps": gaps,
            "gap_pages": self.gap_pages(gaps),
            "summary": self.summary(),
            "failed": [
                {"source_file": str(r["source_file"]), "reason": str(r["reason"])}
                for r in self._records("failed")
            ],
            "downloads": self.downloads(),
            "legend": {
                "levels": [self._("无"), self._("少"), self._("中"), self._("较多"), self._("多")][
                    : len(self.cfg.heat_levels) + 1
                ],
                "bindingness": [{"level": b, "label": self.bindingness_label(b)} for b in BINDINGNESS_ORDER],
            },
            "many_plans": len(plans) > self.cfg.many_plans,
            "pdf_compact": len(plans) > self.cfg.many_plans,
            "paged": self.paged,
            # very many plans: the PDF counts plans per topic and family instead of showing their columns
            "pdf_aggregate": self.aggregate,
            "overview": self.overview() if self.aggregate else None,
        }
        return view

    def build_block(self) -> dict[str, Any]:
        b = self.build_info
        return {
            "build_id": b.build_id,
            "created": b.created,
            "date": b.created[:10],
            "inputs": [{"file": f, "sha256": h, "short": h[:12]} for f, h in sorted(b.inputs.items())],
            "n_inputs": len(b.inputs),
            # many plans: every page listing thousands of hashes doubled the site; the methodology
            # page lists them once
            "inputs_in_footer": not self.paged,
            "versions": [{"name": k, "value": str(v)} for k, v in sorted(b.versions.items())],
        }

    def plan_cards(self) -> list[dict[str, Any]]:
        """One card per plan: its metadata as the documents table has it (the figure every output
        shows), falling back to the analysis for a column a table lacks."""
        docs = self._rows_by("documents", "plan_id")
        cards = []
        for p in self.plans:
            d = p.document
            row = docs.get(d.plan_id, {})
            known = {
                **{f: getattr(d.metadata, f) for f in _CARD_METADATA},
                **{f: getattr(d, f) for f in _CARD_DOCUMENT},
                "n_sections": len(p.sections),
                "n_measures": sum(m.kind == "measure" for m in p.measures),
            }
            card = {f: plain(row[f]) if f in row else value for f, value in known.items()}
            cards.append(
                {
                    **card,
                    "plan_id": d.plan_id,
                    "name": self.names[d.plan_id],
                    "href": plan_href(d.plan_id),
                    "sha_short": str(card["sha256"])[:12],
                    "cited": [
                        {"title": c.title, "doc_number": c.doc_number} for c in d.metadata.cited_documents
                    ],
                    "warnings": list(d.warnings),
                }
            )
        return cards

    def topic_link(self, topic_id: str, family_id: str | None = None, plan_id: str | None = None) -> str:
        """The topic's matrix page that shows ``plan_id``'s column (the first page without a plan)."""
        page = self.plan_index.get(plan_id, 0) // self.cfg.html_plans_per_page if plan_id else 0
        return topic_href(topic_id, family_id, page)

    def page_part(self, k: int, href: Callable[[int], str]) -> dict[str, Any]:
        """Where page ``k`` of a matrix or list split by plans sits: its plans' numbers (from 1) and
        links to every page, labelled with the plans they show (1–20 …)."""
        per = self.cfg.html_plans_per_page
        first, last = k * per + 1, k * per + len(self.chunks[k])
        pager = [
            {"label": f"{j * per + 1}–{j * per + len(chunk)}", "href": href(j), "current": j == k}
            for j, chunk in enumerate(self.chunks)
        ]
        return {
            "href": href(k),
            "part": k + 1,
            "parts": len(self.chunks),
            "first": first if self.chunks[k] else 0,
            "last": last if self.chunks[k] else 0,
            "pager": pager if self.paged else [],
        }

    def heatmap(self) -> dict[str, Any]:
        rows = self.heatmap_rows_cache()
        plans = [{"plan_id": p, "name": self.names[p], "href": plan_href(p)} for p in self.plan_ids]
        width = self.cfg.compact_columns  # the PDF splits a very wide heat-map into several tables
        parts = [
            {
                "plans": plans[i : i + width],
                "rows": [{**r, "cells": r["cells"][i : i + width]} for r in rows],
            }
            for i in range(0, 0 if self.aggregate else len(plans), width)
        ]
        # many plans: the site shows one row per plan (a table as wide as the topics, not the plans)
        by_plan = (
            [{**p, "cells": [r["cells"][i] for r in rows]} for i, p in enumerate(plans)] if self.paged else []
        )
        return {
            "plans": plans,
            "rows": rows,
            "pdf_parts": parts,
            "transposed": self.paged,
            "by_plan": by_plan,
        }

    def _heatmap_rows(self) -> list[dict[str, Any]]:
        scores = [float(r.get("score") or 0) for (t, _p), r in self.coverage.items() if t in self.topic_ids]
        top = max(scores, default=0.0) if self.cfg.heat_scale == "relative" else 1.0
        rows = []
        for t in self.topic_ids:
            cells = []
            for pid in self.plan_ids:
                r = self.coverage.get((t, pid), {})
                n = int(r.get("n_measures") or 0)
                score = plain(r.get("score"))
                cells.append(
                    {
                        "plan_id": pid,
                        "plan_name": self.names[pid],
                        "plan_href": plan_href(pid),
                        "topic_name": self.topic_name(t),
                        "score": score,
                        "n_measures": n,
                        "n_families": int(r.get("n_families") or 0),
                        "max_bindingness": self.bindingness_label(r.get("max_bindingness")),
                        "level": heat_level(n, score, top, self.cfg.heat_levels),
                        "href": self.topic_link(t, plan_id=pid),
                    }
                )
            rows.append(
                {
                    "topic_id": t,
                    "name": self.topic_name(t),
                    "mandatory": t in self.cfg.mandatory_topics,
                    "href": topic_href(t),
                    "cells": cells,
                }
            )
        return rows

    def _memoised(self, what: str, key: str, make: Callable[[str], Any]) -> Any:
        if (what, key) not in self._memo:
            self._memo[(what, key)] = make(key)
        return self._memo[(what, key)]

    def family_rows(self, topic_id: str) -> list[dict[str, Any]]:
        """The topic's families, strongest covered first, without their cells (see ``row_cells``)."""
        return self._memoised("family_rows", topic_id, self._family_rows)

    def _family_rows(self, topic_id: str) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for f in self.families:
            if str(f["topic"]) != topic_id:
                continue
            fid = str(f["family_id"])
            held = self.cells.get(fid, {})
            counts = [self._cell_count(r) for r in held.values()]
            rows.append(
                {
                    "family_id": fid,
                    "anchor": family_anchor(fid),
                    "href": topic_href(topic_id, fid),
                    "name": str(f["name"]),
                    "gloss": self.gloss(f.get("gloss")),
                    "source": str(f["source"]),
                    "source_label": self._("目录") if f["source"] == "catalogue" else self._("聚类发现"),
                    "n_plans": int(f.get("n_plans") or sum(1 for n in counts if n)),
                    "n_measures": sum(counts),
                }
            )
        # strongest covered first: most plans, then most measures; catalogue before proposed
        rows.sort(key=lambda r: (r["source"] != "catalogue", -r["n_plans"], -r["n_measures"], r["name"]))
        return rows

    def _cell_items(self, r: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The measures of one family_matrix row."""
        return [it for mid in split_ids(r.get("measure_ids")) if (it := self.measure_item(mid))]

    def _cell_count(self, r: Mapping[str, Any]) -> int:
        """How many measures ``_cell_items`` gives for the row, without building them."""
        return sum(1 for mid in split_ids(r.get("measure_ids")) if mid in self.measures)

    def row_cells(self, family_id: str, plan_ids: Sequence[str]) -> list[dict[str, Any]]:
        """One family's cells for these plans (a page's columns): measures, or an explicit gap."""
        held = self.cells.get(family_id, {})
        cells = []
        for pid in plan_ids:
            r = held.get(pid)
            items = self._cell_items(r) if r else []
            cells.append(
                {
                    **self._cell_items_view(pid, items),
                    "n_measures": int(r.get("n_measures") or len(items)) if r else 0,
                    "bindingness": self.bindingness_label(r.get("max_bindingness")) if r else "",
                    "peer_gap": (pid, family_id) in self.gap_keys,
                }
            )
        return cells

    def _cell_items_view(self, plan_id: str, items: list[dict[str, Any]]) -> dict[str, Any]:
        shown = items[: self.cfg.measures_per_cell]
        return {
            "plan_id": plan_id,
            "plan_name": self.names[plan_id],
            "measures": items,
            "pdf_measures": shown,
            "pdf_more": len(items) - len(shown),
            "gap": not items,
        }

    def unaligned(self, topic_id: str) -> dict[str, list[dict[str, Any]]]:
        """plan_id -> measures of the topic (primary) in no family: shown so nothing counted is hidden."""
        return self._memoised("unaligned", topic_id, self._unaligned)

    def _unaligned(self, topic_id: str) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for p in self.plans:
            items = [
                it
                for m in p.measures
                if m.kind == "measure" and m.primary_topic == topic_id and m.measure_id not in self.member_of
                if (it := self.measure_item(m.measure_id))
            ]
            if items:
                out[p.document.plan_id] = items
        return out

    def unaligned_row(self, topic_id: str, plan_ids: Sequence[str]) -> dict[str, Any] | None:
        """The "other measures" row for these plans, or None when none of them has such a measure."""
        found = self.unaligned(topic_id)
        if not any(pid in found for pid in plan_ids):
            return None
        cells = [
            {
                **self._cell_items_view(pid, found.get(pid, [])),
                "n_measures": len(found.get(pid, [])),
                "bindingness": "",
                "peer_gap": False,
            }
            for pid in plan_ids
        ]
        return {"name": self._("其他未归入措施家族的措施"), "cells": cells}

    def overview(self) -> dict[str, Any]:
        """Counts over all plans, for a PDF with too many plans for per-plan columns: per topic, the
        plans that address it; per family, the plans that have it; the families most often lacking."""
        n = len(self.plan_ids)
        topics = []
        for row in self.heatmap_rows_cache():
            covering = sum(1 for c in row["cells"] if c["n_measures"])
            topics.append(
                {
                    "topic_id": row["topic_id"],
                    "name": row["name"],
                    "mandatory": row["mandatory"],
                    "n_plans": covering,
                    "share": _percent(covering, n),
                    "silent": n - covering,
                    "n_measures": sum(c["n_measures"] for c in row["cells"]),
                    "n_families": len(self.family_rows(row["topic_id"])),
                    "level": heat_level(covering, covering / n if n else 0, 1.0, self.cfg.heat_levels),
                }
            )
        lacking: dict[str, int] = {}
        for g in self.gaps:
            if str(g["topic"]) in self.topic_ids:
                lacking[str(g["family_id"])] = lacking.get(str(g["family_id"]), 0) + 1
        top_gaps = [
            {
                "name": str(self.family_by_id[fid]["name"]),
                "topic": self.topic_name(str(self.family_by_id[fid]["topic"])),
                "n_lacking": k,
                "share_lacking": _percent(k, n),
                "n_plans": int(self.family_by_id[fid].get("n_plans") or 0),
            }
            for fid, k in sorted(lacking.items(), key=lambda kv: (-kv[1], kv[0]))[: self.cfg.top_families]
            if fid in self.family_by_id
        ]
        families = {t["topic_id"]: self.top_family_counts(t["topic_id"]) for t in topics}
        return {"topics": topics, "top_gaps": top_gaps, "families": families, "n_gaps": len(self.gaps)}

    def top_family_counts(self, topic_id: str) -> list[dict[str, Any]]:
        """The topic's strongest families with the share of plans that have them and one example
        measure (from the first plan, in plan order, that has the family)."""
        n = len(self.plan_ids)
        out = []
        for row in self.family_rows(topic_id)[: self.cfg.top_families]:
            held = self.cells.get(row["family_id"], {})
            first = min(
                (pid for pid, r in held.items() if self._cell_count(r)),
                key=lambda pid: self.plan_index.get(pid, n),
                default=None,
            )
            out.append(
                {
                    **row,
                    "share": _percent(row["n_plans"], n),
                    "example": self._cell_items(held[first])[0] if first else None,
                }
            )
        return out

    def topic_pages(self) -> list[dict[str, Any]]:
        pages = []
        many = len(self.plan_ids) > self.cfg.many_plans
        # many plans: compact cells (count, bindingness, places) so more plans fit side by side
        width = self.cfg.compact_columns if many else self.cfg.max_plan_columns
        for t in self.topic_ids:
            rows = self.family_rows(t)
            pdf_rows = rows[: self.cfg.top_families] if many else rows
            chunks = [self.plan_ids[i : i + width] for i in range(0, len(self.plan_ids), width)] or [[]]
            if self.aggregate:
                chunks = []  # the PDF shows counts (overview), not plan columns
            pdf_tables = [
                {
                    "plans": [{"plan_id": pid, "name": self.names[pid]} for pid in chunk],
                    "rows": [{**r, "cells": self.row_cells(r["family_id"], chunk)} for r in pdf_rows],
                    "other": self.unaligned_row(t, chunk),
                    "part": k + 1,
                    "parts": len(chunks),
                    # % of the width; the family column has 15
                    "col_width": round(85 / max(len(chunk), 1), 3),
                }
                for k, chunk in enumerate(chunks)
            ]
            heat = next((r for r in self.heatmap_rows_cache() if r["topic_id"] == t), None)
            zh_desc, en_desc = self.descriptions.get(t, ("", ""))
            pages.append(
                {
                    "topic_id": t,
                    "name": self.topic_name(t),
                    "href": topic_href(t),
                    "mandatory": t in self.cfg.mandatory_topics,
                    "description": (en_desc if self.lang == "en" else zh_desc) or "",
                    "n_families": len(rows),
                    "rows": rows,
                    "has_other": bool(self.unaligned(t)),
                    "coverage": heat["cells"] if heat else [],
                    "pages": Pages(len(self.chunks), partial(self._matrix_page, t, rows)),
                    "pdf_tables": pdf_tables,
                    "pdf_rows_hidden": len(rows) - len(pdf_rows),
                }
            )
        return pages

    def _matrix_page(self, topic_id: str, heads: list[dict[str, Any]], k: int) -> dict[str, Any]:
        """Page ``k`` of a topic's family × plan matrix: the columns of plan chunk ``k``. When the
        matrix is split, a family none of these plans has, and none of them lacks as a gap, is left out."""
        chunk = self.chunks[k]
        rows = []
        for head in heads:
            cells = self.row_cells(head["family_id"], chunk)
            if not self.paged or any(not c["gap"] or c["peer_gap"] for c in cells):
                rows.append({**head, "cells": cells})
        heat = next((r for r in self.heatmap_rows_cache() if r["topic_id"] == topic_id), None)
        return {
            **self.page_part(k, lambda j: topic_href(topic_id, page=j)),
            "plans": [{"plan_id": p, "name": self.names[p], "href": plan_href(p)} for p in chunk],
            "rows": rows,
            "rows_left_out": len(heads) - len(rows),
            "groups": [
                {"source": src, "label": label, "rows": [r for r in rows if r["source"] == src]}
                for src, label in (
                    ("catalogue", self._("目录中的措施家族")),
                    ("proposed", self._("聚类发现的措施家族")),
                )
                if any(r["source"] == src for r in rows)
            ],
            "other": self.unaligned_row(topic_id, chunk),
            "coverage": [heat["cells"][self.plan_index[p]] for p in chunk] if heat else [],
            "n_columns": len(chunk) + 1,
        }

    def heatmap_rows_cache(self) -> list[dict[str, Any]]:
        return self._memoised("heatmap", "", lambda _: self._heatmap_rows())

    def segments(self, p: PlanAnalysis) -> list[dict[str, Any]]:
        """The plan's cleaned text cut at measure boundaries; measures carry their anchor."""
        text = p.document.clean.text
        units = sorted(p.measures, key=lambda m: (m.clean_start, m.clean_end))
        out: list[dict[str, Any]] = []
        pos = 0
        for m in units:
            start, end = max(m.clean_start, pos), min(m.clean_end, len(text))
            if end <= start:
                continue  # overlapping or empty unit: its text is already shown
            if start > pos:
                out.append({"text": text[pos:start], "measure_id": None})
            families = [
                self.family_by_id[f] for f in self.member_of.get(m.measure_id, []) if f in self.family_by_id
            ]
            out.append(
                {
                    "text": text[start:end],
                    "measure_id": m.measure_id,
                    "kind": m.kind,
                    "path": m.path,
                    "topics": [self.topic_name(t.topic) for t in m.topics],
                    "bindingness_label": self.bindingness_label(m.bindingness),
                    "families": [
                        {
                            "name": str(f["name"]),
                            "href": self.topic_link(str(f["topic"]), str(f["family_id"]), m.plan_id),
                        }
                        for f in families
                    ],
                    **self.reused_with(m),
                }
            )
            pos = end
        if pos < len(text):
            out.append({"text": text[pos:], "measure_id": None})
        return out

    def gap_items(self, plan_id: str) -> list[dict[str, Any]]:
        return self._memoised("gap_items", plan_id, self._gap_items)

    def _gap_items(self, plan_id: str) -> list[dict[str, Any]]:
        items = []
        rows = [g for g in self.gaps_by_plan.get(plan_id, []) if str(g["topic"]) in self.topic_ids]
        rows.sort(key=lambda g: (plain(g.get("rank")) or 0, -self._peer_count(g), str(g["family_id"])))
        for g in rows:
            fid = str(g["family_id"])
            fam = self.family_by_id.get(fid, {})
            peers = split_ids(g.get("peer_plan_ids"))
            best = g.get("best_peer_measure_id")
            best_item = self.measure_item(str(best)) if best else None
            items.append(
                {
                    "family_id": fid,
                    "name": str(fam.get("name", fid)),
                    "topic": self.topic_name(str(g["topic"])),
                    "href": self.topic_link(str(g["topic"]), fid, plan_id),
                    "peers_with": self._peer_count(g),
                    "peers": [
                        {"plan_id": q, "name": self.names.get(q, q), "href": plan_href(q)} for q in peers
                    ],
                    "best": best_item,
                }
            )
        return items

    @staticmethod
    def _peer_count(g: Mapping[str, Any]) -> int:
        value = g.get("peers_with")
        if isinstance(value, int | float):
            return int(value)
        return len(split_ids(value)) or len(split_ids(g.get("peer_plan_ids")))

    def unique_items(self, plan_id: str) -> list[dict[str, Any]]:
        return self._memoised("unique_items", plan_id, self._unique_items)

    def _unique_items(self, plan_id: str) -> list[dict[str, Any]]:
        items = []
        for u in self.unique_by_plan.get(plan_id, []):
            fid = str(u["family_id"])
            fam = self.family_by_id.get(fid, {})
            if str(fam.get("topic", "")) not in self.topic_ids:
                continue
            items.append(
                {
                    "family_id": fid,
                    "name": str(fam.get("name", fid)),
                    "topic": self.topic_name(str(fam.get("topic", ""))),
                    "href": self.topic_link(str(fam.get("topic", "")), fid, plan_id),
                    "measures": [
                        it for mid in split_ids(u.get("measure_ids")) if (it := self.measure_item(mid))
                    ],
                }
            )
        return items

    def plan_pages(self, cards: list[dict[str, Any]]) -> Pages:
        return Pages(len(self.plans), lambda i: self._plan_page(self.plans[i], cards[i]))

    def _plan_page(self, p: PlanAnalysis, card: dict[str, Any]) -> dict[str, Any]:
        pid = p.document.plan_id
        i = self.plan_index[pid]
        coverage = [
            {"topic_id": r["topic_id"], "name": r["name"], **r["cells"][i]} for r in self.heatmap_rows_cache()
        ]
        return {
            **card,
            "segments": self.segments(p),
            "coverage": coverage,
            "gaps": self.gap_items(pid),
            "unique": self.unique_items(pid),
        }

    def gap_lists(self) -> list[dict[str, Any]]:
        return [
            {
                "plan_id": pid,
                "name": self.names[pid],
                "href": plan_href(pid),
                "anchor": f"gaps-{self.plan_index[pid] + 1}",
                "entries": self.gap_items(pid),
            }
            for pid in self.plan_ids
        ]

    def gap_pages(self, lists: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The gap list, with many plans split into pages of ``html_plans_per_page`` plans."""
        per = self.cfg.html_plans_per_page
        return [
            {**self.page_part(k, lambda j: paged_href("gaps", j)), "plans": lists[k * per : (k + 1) * per]}
            for k in range(len(self.chunks))
        ]

    # -- executive summary --------------------------------------------------------------

    def summary(self) -> dict[str, Any]:
        _ = self._
        sep = _("、")
        k = self.cfg.summary_items
        per_plan = []
        for pid in self.plan_ids:
            sentences = []
            silent = [
                t
                for t in self.cfg.mandatory_topics
                if t in self.topic_ids and not int(self.coverage.get((t, pid), {}).get("n_measures") or 0)
            ]
            if silent:
                topics = [
                    [{"text": self.topic_name(t), "href": self.topic_link(t, plan_id=pid)}] for t in silent
                ]
                sentences.append(sentence(_("未涉及必备议题：%(topics)s。"), topics=joined(topics, sep)))
            gaps = self.gap_items(pid)[:k]
            if gaps:
                items = [
                    [
                        {"text": g["name"], "href": g["href"]},
                        {"text": _("（%(n)s个方案有）") % {"n": g["peers_with"]}, "href": None},
                    ]
                    for g in gaps
                ]
                sentences.append(
                    sentence(_("与其他方案相比，最大的缺口是%(items)s。"), items=joined(items, sep))
                )
            unique = self.unique_items(pid)
            if unique:
                items = [[{"text": u["name"], "href": u["href"]}] for u in unique[:k]]
                more = len(unique) - len(items)
                tail: Parts = (
                    [{"text": _("等%(n)s项") % {"n": len(unique)}, "href": None}] if more > 0 else []
                )
                sentences.append(sentence(_("只有它提出：%(items)s。"), items=joined(items, sep) + tail))
            if not sentences:
                sentences.append(sentence(_("覆盖全部必备议题，没有其他方案普遍具备而它缺少的措施。")))
            per_plan.append(
                {"plan_id": pid, "name": self.names[pid], "href": plan_href(pid), "sentences": sentences}
            )

        n = len(self.plan_ids)
        shared_rows = [r for t in self.topic_ids for r in self.family_rows(t) if n > 1 and r["n_plans"] >= n]
        if shared_rows:
            items = [[{"text": r["name"], "href": r["href"]}] for r in shared_rows]
            shared = sentence(_("所有%(n)s个方案都有的措施：%(items)s。"), n=str(n), items=joined(items, sep))
        elif n > 1:
            shared = sentence(_("没有所有%(n)s个方案都有的措施。"), n=str(n))
        else:
            shared = None
        return {"plans": per_plan, "shared": shared, "n_shared": len(shared_rows)}

    def downloads(self) -> list[dict[str, str]]:
        _ = self._
        files = [
            ("comparison.xlsx", _("Excel 工作簿：每张表一个工作表，另有议题×方案、措施家族×方案矩阵")),
            ("comparison.sqlite", _("SQLite 数据库：全部表，含主键和外键")),
            ("comparison.json", _("JSON：全部表")),
            ("measures.csv", _("CSV：措施（每条措施的原文、位置、议题、约束力、量化目标）")),
            ("coverage.csv", _("CSV：议题×方案覆盖度")),
            ("families.csv", _("CSV：措施家族")),
            ("family_matrix.csv", _("CSV：措施家族×方案")),
            ("gaps.csv", _("CSV：缺口")),
            ("manifest.json", _("构建清单：输入文件哈希与版本")),
        ]
        return [{"file": f, "href": f"../data/{f}", "label": label} for f, label in files]
