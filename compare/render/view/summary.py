"""The executive summary, on the index page and in the briefing: per plan a few sentences (silent
mandatory topics, largest gaps, what only it proposes), and the families every plan has.

A sentence is runs of text, some linked, so the site links what the briefing only names."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, TypedDict

from compare.model import MANDATORY_TOPICS
from compare.render.view.links import plan_href
from compare.render.view.plan_gaps import gap_entries, unique_entries

if TYPE_CHECKING:
    from compare.render.view.data import ViewData


class Run(TypedDict):
    text: str
    href: str | None


Parts = list[Run]  # a sentence as runs of text, some linked


class Sentence(TypedDict):
    parts: Parts
    text: str  # the runs' text joined


class PlanSummary(TypedDict):
    plan_id: str
    name: str
    href: str
    sentences: list[Sentence]


class Summary(TypedDict):
    plans: list[PlanSummary]
    shared: Sentence | None  # the families all plans have (None with one plan)
    n_shared: int


def sentence(template: str, **slots: Parts | str) -> Sentence:
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


def summary(data: ViewData) -> Summary:
    _ = data._
    sep = _("、")
    k = data.cfg.summary_items
    per_plan: list[PlanSummary] = []
    for pid in data.plan_ids:
        sentences = []
        silent = [
            t
            for t in data.topic_ids
            if t in MANDATORY_TOPICS and not int(data.coverage.get((t, pid), {}).get("n_measures") or 0)
        ]
        if silent:
            topics = [[Run(text=data.topic_name(t), href=data.topic_link(t, plan_id=pid))] for t in silent]
            sentences.append(sentence(_("未涉及必备议题：%(topics)s。"), topics=joined(topics, sep)))
        gaps = gap_entries(data, pid, first=k)
        if gaps:
            items = [
                [
                    Run(text=g["name"], href=g["href"]),
                    Run(
                        text=_("（%(total)s个同类方案中的%(n)s个有）")
                        % {"n": g["peers_with"], "total": g["peers_total"]},
                        href=None,
                    ),
                ]
                for g in gaps
            ]
            sentences.append(sentence(_("与其他方案相比，最大的缺口是%(items)s。"), items=joined(items, sep)))
        unique = unique_entries(data, pid)
        if unique:
            named = [[Run(text=u["name"], href=u["href"])] for u in unique[:k]]
            more = len(unique) - len(named)
            tail: Parts = [Run(text=_("等%(n)s项") % {"n": len(unique)}, href=None)] if more > 0 else []
            sentences.append(sentence(_("只有它提出：%(items)s。"), items=joined(named, sep) + tail))
        if not sentences:
            sentences.append(sentence(_("覆盖全部必备议题，没有其他方案普遍具备而它缺少的措施。")))
        per_plan.append(
            {"plan_id": pid, "name": data.names[pid], "href": plan_href(pid), "sentences": sentences}
        )

    n = len(data.plan_ids)
    shared_rows = [r for t in data.topic_ids for r in data.family_rows[t] if n > 1 and r["n_plans"] >= n]
    shared: Sentence | None
    if shared_rows:
        items = [[Run(text=r["name"], href=r["href"])] for r in shared_rows]
        shared = sentence(_("所有%(n)s个方案都有的措施：%(items)s。"), n=str(n), items=joined(items, sep))
    elif n > 1:
        shared = sentence(_("没有所有%(n)s个方案都有的措施。"), n=str(n))
    else:
        shared = None
    return {"plans": per_plan, "shared": shared, "n_shared": len(shared_rows)}
