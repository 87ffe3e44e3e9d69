"""A measure as the pages show it (a measure item): its text and excerpt, bindingness, targets, the
plans it shares a verbatim passage with, and the link to its place in the plan's text."""

from __future__ import annotations

import contextlib
import json
from collections import OrderedDict
from collections.abc import Mapping
from typing import TYPE_CHECKING, TypedDict

import numpy as np
import pandas as pd

from compare.model import Measure
from compare.render.view.links import plan_href
from compare.text import collapse, excerpt_collapsed

if TYPE_CHECKING:
    from compare.render.view.data import ViewData
    from compare.render.view.evidence import Evidence


class ReusePeer(TypedDict):
    plan_id: str
    name: str


class Reuse(TypedDict):
    reuse: list[ReusePeer]  # the first ``reuse_names`` plans sharing a passage, in plan order
    reuse_more: int  # the others, counted


class MeasureItem(Reuse):
    measure_id: str
    plan_id: str
    plan_name: str
    path: str  # outline path, e.g. 三/（四）/17
    heading: str | None
    text: str  # whitespace collapsed
    excerpt: str  # the start the site shows (``excerpt.html_chars``); the briefing cuts its own
    trimmed: bool  # the excerpt is shorter than the text
    bindingness: str | None
    bindingness_label: str
    targets: list[str]
    deadline: str | None
    responsible_units: list[str]
    topics: list[str]  # names
    href: str
    evidence: Evidence | None  # in a family's cell: the clause that puts it in the family (view.evidence)


# The reuse table's columns the view reads: the two plans and the passage's span in each.
REUSE_SPANS = ("plan_a", "plan_b", "start_a", "end_a", "start_b", "end_b")

# Spans of a plan reused verbatim: (starts, ends, the other plan's index), as arrays.
ReuseSpans = tuple[np.ndarray, np.ndarray, np.ndarray]


def reuse_index(frame: pd.DataFrame | None, plan_index: Mapping[str, int]) -> dict[str, ReuseSpans]:
    """plan_id -> raw spans reused verbatim (starts, ends) and the other plan's index, as arrays:
    large corpora of related plans share hundreds of passages per plan."""
    spans: dict[str, list[tuple[int, int, int]]] = {}
    if frame is not None and not frame.empty:
        n = len(plan_index)
        for a, b, sa, ea, sb, eb in zip(*(frame[c].tolist() for c in REUSE_SPANS), strict=True):
            a, b = str(a), str(b)
            spans.setdefault(a, []).append((int(sa), int(ea), plan_index.get(b, n)))
            spans.setdefault(b, []).append((int(sb), int(eb), plan_index.get(a, n)))
    index = {}
    for pid, rows in spans.items():
        table = np.array(rows, dtype=np.int64)  # rows of (start, end, other plan's index)
        index[pid] = (table[:, 0], table[:, 1], table[:, 2])
    return index


MEASURE_ITEMS_KEPT = 8192  # measures kept built (the most recently used)


class MeasureItems:
    """Measure items, built when first asked for: the view's one cache.

    The most recently used ``MEASURE_ITEMS_KEPT`` are kept. It pays: a gap's reference measure
    recurs on the gap list, the plan pages and the summary, for every plan that lacks the family;
    building every item each time it is shown took ~15% more CPU for the site of 500 plans. It is
    bounded: every cell of thousands of plans, all held at once, took a gigabyte."""

    def __init__(self, data: ViewData) -> None:
        self.data = data
        self.reuse = reuse_index(data.tables.get("reuse"), data.plan_index)
        self._kept: OrderedDict[str, MeasureItem | None] = OrderedDict()

    def get(self, measure_id: str) -> MeasureItem | None:
        """The measure's item; None for an id no plan has."""
        kept = self._kept
        if measure_id in kept:
            kept.move_to_end(measure_id)
            return kept[measure_id]
        item = kept[measure_id] = self._build(measure_id)
        if len(kept) > MEASURE_ITEMS_KEPT:
            kept.popitem(last=False)
        return item

    def reused_with(self, m: Measure) -> Reuse:
        """The plans sharing a verbatim passage with the measure, in plan order: the first
        ``reuse_names`` named, the rest counted."""
        data = self.data
        found = self.reuse.get(m.plan_id)
        order: list[int] = []
        if found is not None:
            starts, ends, peers = found
            order = sorted(set(peers[(starts < m.end) & (ends > m.start)].tolist()))
        names: list[ReusePeer] = [
            {"plan_id": data.plan_ids[i], "name": data.names[data.plan_ids[i]]}
            for i in order[: data.cfg.reuse_names]
            if i < len(data.plan_ids)
        ]
        return {"reuse": names, "reuse_more": len(order) - len(names)}

    def _build(self, measure_id: str) -> MeasureItem | None:
        data = self.data
        m = data.measures.get(measure_id)
        if m is None:
            return None
        row = data.measure_rows.get(measure_id, {})
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
            "plan_name": data.names.get(m.plan_id, m.plan_id),
            "path": m.path,
            "heading": m.heading,
            "text": flat,
            "excerpt": excerpt_collapsed(flat, data.cfg.html_chars),
            "trimmed": len(flat) > data.cfg.html_chars,
            "bindingness": binding,
            "bindingness_label": data.bindingness_label(binding),
            "targets": [t for t in target_texts if t],
            "deadline": m.deadline,
            "responsible_units": list(m.responsible_units),
            "topics": [data.topic_label(t) for t in m.topics],
            **self.reused_with(m),
            "href": plan_href(m.plan_id, m.measure_id),
            "evidence": None,
        }
