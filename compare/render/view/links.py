"""Where things are on the site: page links and anchors, and the pager of a page split by plans.

Links are relative to the site root (``plans/<plan_id>.html#<measure_id>``,
``topics/<topic_id>.html#f-<family_id>``); a template one folder down prefixes ``../``.
A page's file is its link unquoted (``page_path``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import TypedDict
from urllib.parse import quote, unquote


@lru_cache(maxsize=65536)  # the same plan, topic and family ids are linked thousands of times
def _quoted(text: str, safe: str = "") -> str:
    return quote(text, safe=safe)


def quoted(text: str) -> str:
    """An id quoted for a link (cached: the same ids are linked thousands of times)."""
    return _quoted(text)


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


def page_path(href: str) -> str:
    """The file of a page, relative to the site root, from its link."""
    return unquote(href)


class PagerLink(TypedDict):
    label: str  # the plans the page shows, by number: "1–20"
    href: str
    current: bool


class PagePart(TypedDict):
    """Where one page of a matrix or list split by plans sits among its pages."""

    href: str
    part: int  # from 1
    parts: int
    first: int  # the page's plans by number (from 1); 0 on an empty page
    last: int
    pager: list[PagerLink]  # empty when the list is one page


def page_part(chunks: Sequence[Sequence[str]], per: int, k: int, href: Callable[[int], str]) -> PagePart:
    """Page ``k`` of a list split into ``chunks`` of at most ``per`` plans: its plans' numbers and
    links to every page, labelled with the plans they show (1–20 …)."""
    first, last = k * per + 1, k * per + len(chunks[k])
    pager: list[PagerLink] = [
        {"label": f"{j * per + 1}–{j * per + len(chunk)}", "href": href(j), "current": j == k}
        for j, chunk in enumerate(chunks)
    ]
    return {
        "href": href(k),
        "part": k + 1,
        "parts": len(chunks),
        "first": first if chunks[k] else 0,
        "last": last if chunks[k] else 0,
        "pager": pager if len(chunks) > 1 else [],
    }
