"""The two-plan page (``compare.html#a=…&b=…``): two pickers of plans and the labels its script draws
with. What it shows for the two plans chosen is read in the browser from their records
(``view.pair_data``), so any two of thousands of plans can be put side by side without a page per pair."""

from __future__ import annotations

from typing import Literal, TypedDict

from compare.render.view.data import ViewData
from compare.render.view.links import quoted
from compare.render.view.pair_data import FAMILIES_PATH, pair_data_path
from compare.render.view.site import SiteContext

PAIR_PAGE = "compare.html"


class PairChoice(TypedDict):
    plan_id: str
    name: str
    src: str  # the script holding its record (view.pair_data)


class PairPage(TypedDict):
    view: SiteContext
    page: Literal["compare"]
    plans: list[PairChoice]
    first: str  # the pair shown when the address names none
    second: str
    labels: dict[str, str]  # what the script writes, in the edition's language
    families: str  # the script with the families' names (view.pair_data.family_heads)


def pair_href(a: str, b: str) -> str:
    """The two-plan view of plans ``a`` and ``b``, relative to the site root."""
    return f"{PAIR_PAGE}#a={quoted(a)}&b={quoted(b)}"


def pair_page(data: ViewData, site: SiteContext, default: tuple[str, str] | None = None) -> PairPage:
    """The page; ``default`` the pair it opens on (else the first two plans)."""
    ids = data.plan_ids
    first, second = default or ((ids[0], ids[1]) if len(ids) > 1 else (ids[0], ids[0]) if ids else ("", ""))
    return {
        "view": site,
        "page": "compare",
        "plans": [{"plan_id": p, "name": data.names[p], "src": pair_data_path(p)} for p in ids],
        "first": first,
        "second": second,
        "labels": labels(data),
        "families": FAMILIES_PATH,
    }


def labels(data: ViewData) -> dict[str, str]:
    """The words of the drawn view; %(a)s and %(b)s stand for the two plans' names."""
    _ = data._
    return {
        "summary_both": _("两者都有的措施家族"),
        "summary_only": _("仅%(a)s有"),
        "summary_diffs": _("含相同段落的条文"),
        "diffs": _("含相同段落的条文：逐字对照"),
        "diffs_hint": _(
            "两个方案共有一段文字的条文，合成一段逐字对照：删除线标出只见于%(a)s的文字，下划线标出只见于%(b)s的文字。"
        ),
        "no_diffs": _("两个方案没有逐字相同的段落。"),
        "both": _("两者都有的措施家族"),
        "both_caption": _("%(a)s与%(b)s都有的措施家族，及各自的措辞（标出的是决定归类的词）"),
        "only": _("%(a)s有而%(b)s没有的措施家族"),
        "only_caption": _("%(a)s有而%(b)s没有的措施家族：%(a)s的措辞，%(b)s的情况"),
        "family": _("措施家族"),
        "topic": _("议题"),
        "source": _("原文"),
        "passage": _("段落"),
        "identical_more": _("另有%(n)s条逐字相同的条文（方案全文中标有“与……逐字相同”）"),
        "gap": _("缺口"),
        "gap_title": _("同类方案中多数有此措施，本方案未涉及"),
        "mention": _("提及"),
        "mention_title": _("本方案没有这项措施，但在别处提到（顺带、列举、背景或留待另行规定）：不算缺口"),
        "absent": _("未涉及"),
        "none": _("没有。"),
        "same": _("请选择两个不同的方案。"),
        "missing": _("读不到该方案的数据：%(a)s"),
        "only_in": _("只见于%(a)s"),
        "diff_column": _("逐字对照（删除线：只见于%(a)s；下划线：只见于%(b)s）"),
        "docx": _("下载 Word 对照表"),
        "docx_title": _("两方案对照：%(a)s与%(b)s"),
        "online": _("网页版："),
    }
