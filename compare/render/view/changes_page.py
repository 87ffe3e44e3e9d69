"""What changed since the previously published build (``changes.html``), and the index's note that
links to it: plans added, removed, changed, each with the families it gained or lost, then the other
plans whose gaps opened or closed. Families are grouped by topic and linked to their row on the
topic page that shows the plan's column; a family this build no longer has is named, not linked."""

from __future__ import annotations

from typing import Literal, TypedDict

from compare.model import Changes, FamilyName, PlanChange
from compare.render.view.data import ViewData
from compare.render.view.links import plan_href
from compare.render.view.site import SiteContext

CHANGES_HREF = "changes.html"


class FamilyRef(TypedDict):
    name: str
    title: str  # the Chinese name where the English edition shows another (a tooltip), or ""
    href: str  # its row on the topic page that shows the plan; "" when this edition does not show it
    new: bool  # no plan had it in the previous build


class TopicFamilies(TypedDict):
    topic: str
    families: list[FamilyRef]


class FamilyList(TypedDict):
    kind: Literal["gained", "lost", "opened", "closed"]  # a CSS class too
    label: str  # "新增措施家族（3）" …
    topics: list[TopicFamilies]
    more: str  # "另有 n 项 …" when the list is cut (report.yaml html.changes_families), or ""


class PlanEntry(TypedDict):
    plan_id: str
    name: str
    href: str  # "" for a removed plan (no page)
    note: str  # one sentence on what changed for it
    lists: list[FamilyList]


class ChangeGroup(TypedDict):
    status: str  # added / removed / changed / same
    anchor: str
    title: str
    hint: str  # what the group shows and leaves out, or ""
    plans: list[PlanEntry]
    more: str  # "另有 n 个方案 …" when the group is cut (report.yaml html.changes_plans), or ""


class ChangesNote(TypedDict):
    """The gist, for the index page and the top of changes.html."""

    basis: str  # first_build / no_record / compared
    since: str  # what this is compared with, as a sentence
    counts: str  # how many plans added, removed, changed, gaps opened and closed ("" when not compared)
    changed: bool  # anything at all changed
    href: str


class ChangesPage(TypedDict):
    view: SiteContext
    page: Literal["changes"]
    note: ChangesNote
    groups: list[ChangeGroup]


def changes_of(data: ViewData) -> Changes:
    return data.changes if data.changes is not None else Changes("first_build")


def changes_note(data: ViewData) -> ChangesNote:
    _ = data._
    changes = changes_of(data)
    counts = ""
    if changes.basis == "first_build":
        since = _("这是第一次构建：此前没有发布过报告，无从比较。")
    elif changes.basis == "no_record":
        since = _("上一次发布的构建没有留下可供比较的记录（由旧版本生成），下一次构建起将列出变化。")
    else:
        since = _("与上一次发布的构建 %(build)s（%(date)s）相比。") % {
            "build": changes.previous_build,
            "date": when(changes.previous_created),
        }
        by = {s: [c for c in changes.plans if c.status == s] for s in ("added", "removed", "changed")}
        opened = sum(len(c.opened) for c in changes.plans)
        closed = sum(len(c.closed) for c in changes.plans)
        touched = sum(1 for c in changes.plans if c.opened or c.closed)
        counts = (
            _(
                "新增方案%(added)s个，删除%(removed)s个，内容有变%(changed)s个；"
                "%(plans)s个方案的缺口新出现%(opened)s项、消除%(closed)s项。"
            )
            if opened or closed
            else _("新增方案%(added)s个，删除%(removed)s个，内容有变%(changed)s个；其他方案的缺口没有变化。")
        ) % {
            "added": len(by["added"]),
            "removed": len(by["removed"]),
            "changed": len(by["changed"]),
            "plans": touched,
            "opened": opened,
            "closed": closed,
        }
        if not changes.plans:
            counts = _("没有方案新增、删除或改动，措施家族和缺口都没有变化。")
    return {
        "basis": changes.basis,
        "since": since,
        "counts": counts,
        "changed": bool(changes.plans),
        "href": CHANGES_HREF,
    }


def when(created: str | None) -> str:
    """A build's time as a reader reads it: ``2026-12-07 09:31 UTC`` (builds can come hours apart)."""
    if not created:
        return "—"
    return created.replace("T", " ").removesuffix("Z")[:16] + (" UTC" if created.endswith("Z") else "")


def changes_page(data: ViewData, site: SiteContext) -> ChangesPage:
    _ = data._
    changes = changes_of(data)
    titles = {
        "added": _("新增的方案"),
        "removed": _("删除的方案"),
        "changed": _("内容有变的方案"),
        "same": _("其他方案的缺口与措施家族变化"),
    }
    hints = {
        "same": _(
            "原文未变的方案：它们的缺口随其他方案的增减而出现或消除；措施家族只列目录中的家族，"
            "由相似措施自动形成的建议家族会随新方案重组，不在此列。"
        ),
    }
    groups: list[ChangeGroup] = []
    cap = data.cfg.changes_plans
    for status, title in titles.items():
        found = [c for c in changes.plans if c.status == status]
        if found:
            more = len(found) - cap
            groups.append(
                {
                    "status": status,
                    "anchor": f"changes-{status}",
                    "title": title,
                    "hint": hints.get(status, ""),
                    "plans": [plan_entry(data, changes, c) for c in found[:cap]],
                    "more": _("另有%(n)s个方案，见数据文件 changes.csv。") % {"n": more} if more > 0 else "",
                }
            )
    return {"view": site, "page": "changes", "note": changes_note(data), "groups": groups}


def plan_entry(data: ViewData, changes: Changes, c: PlanChange) -> PlanEntry:
    _ = data._
    if c.status == "added":
        new = sum(1 for f in c.gained if f in changes.new_families)
        note = _("带来%(n)s个措施家族，其中%(new)s个此前没有方案涉及。") % {"n": len(c.gained), "new": new}
    elif c.status == "removed":
        note = _("原有%(n)s个措施家族；它不再参与比较，其他方案的缺口随之变化。") % {"n": len(c.lost)}
    else:  # what moved, the counts that are not zero
        said = [
            text % {"n": len(ids)}
            for text, ids in (
                (_("措施家族新增%(n)s个"), c.gained),
                (_("失去%(n)s个措施家族"), c.lost),
                (_("缺口新出现%(n)s项"), c.opened),
                (_("消除%(n)s项缺口"), c.closed),
            )
            if ids
        ]
        if c.status == "changed":
            said.insert(0, _("原文有改动"))
        note = _("；").join(said) + _("。")
    labels = {
        "gained": _("新增的措施家族（%(n)s）") if c.status != "added" else _("它的措施家族（%(n)s）"),
        "lost": _("失去的措施家族（%(n)s）") if c.status != "removed" else _("它原有的措施家族（%(n)s）"),
        "opened": _("新出现的缺口（%(n)s）"),
        "closed": _("消除的缺口（%(n)s）"),
    }
    lists: list[FamilyList] = []
    cap = data.cfg.changes_families
    for kind in ("gained", "lost", "opened", "closed"):
        ids: tuple[str, ...] = getattr(c, kind)
        if ids:
            more = len(ids) - cap
            lists.append(
                {
                    "kind": kind,
                    "label": labels[kind] % {"n": len(ids)},
                    "topics": by_topic(
                        data, changes, ids[:cap], c.plan_id if c.status != "removed" else None
                    ),
                    "more": _("另有%(n)s项，见数据文件 changes.csv。") % {"n": more} if more > 0 else "",
                }
            )
    present = c.status != "removed" and c.plan_id in data.plan_index
    return {
        "plan_id": c.plan_id,
        # a plan no longer compared: by the name its build gave it in the edition's language
        "name": data.names.get(c.plan_id) or (c.name_en if data.lang == "en" and c.name_en else c.name),
        "href": plan_href(c.plan_id) if present else "",
        "note": note,
        "lists": lists,
    }


def by_topic(
    data: ViewData, changes: Changes, ids: tuple[str, ...], plan_id: str | None
) -> list[TopicFamilies]:
    """The families grouped by topic, topics in the report's order (unknown topics last)."""
    groups: dict[str, list[FamilyRef]] = {}
    for fid in ids:
        f = changes.families.get(fid) or FamilyName(fid, "", fid, "")
        groups.setdefault(f.topic, []).append(family_ref(data, changes, f, plan_id))
    order = {t: i for i, t in enumerate(data.topic_ids)}
    return [
        {"topic": data.topic_name(t) if t else "—", "families": refs}
        for t, refs in sorted(groups.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))
    ]


def family_ref(data: ViewData, changes: Changes, f: FamilyName, plan_id: str | None) -> FamilyRef:
    shown = f.family_id in data.family_by_id and f.topic in data.topic_ids
    name = f.label(data.lang)
    return {
        "name": name,
        # on hover, what the family covers: the English gloss (the English edition only: the facts keep
        # no Chinese definition, and the Chinese edition shows no English)
        "title": f.gloss if data.lang == "en" and f.source == "catalogue" and f.gloss != name else "",
        "href": data.topic_link(f.topic, f.family_id, plan_id) if shown else "",
        "new": f.family_id in changes.new_families,
    }
