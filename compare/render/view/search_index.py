"""The site's search index, as data: every anchored passage of every plan (a measure with its clauses)
and which of them hold each character bigram and each jieba word.

Character bigrams make the index complete: any query of two or more characters is the intersection
of its bigrams' postings (the browser then checks the passage really holds it), whatever the word
boundaries. jieba words say where the query is a word of the passage (人才 in 引进人才, not in
个人才能), so those passages come first; cutting text with jieba costs about 4 s per million
characters, so they are indexed only up to ``search_words_plans`` plans (templates/report.yaml).

One pass over the plans' measures, in the site's plan order; passages are numbered in that order,
so a plan's passages are a run of numbers and a posting list is sorted. The files are written by
``compare.render.search_files``.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from compare.render.view.data import ViewData
from compare.render.view.links import plan_href
from compare.segment import tokenize


@dataclass(frozen=True)
class SearchPlan:
    plan_id: str
    name: str  # in the edition's words
    href: str  # the plan's page, from the site root
    first: int  # the number of its first passage


@dataclass(frozen=True)
class SearchDoc:
    """A measure as search shows it: where it is and its clauses' text (line breaks dropped)."""

    plan: int  # index into ``SearchIndex.plans``
    measure_id: str  # the anchor of the measure; clause k's is ``<measure_id>/c<k+1>``
    path: str  # its place in the plan's outline (三/（四）/17); "" in an unnumbered part
    clauses: tuple[str, ...]  # empty clauses dropped; one clause when the measure was not cut
    anchored: bool  # its clauses carry anchors (a measure without clauses is anchored whole)


@dataclass
class SearchIndex:
    plans: list[SearchPlan]
    docs: list[SearchDoc]
    bigrams: dict[str, array]  # bigram -> passage numbers, ascending, each once
    words: dict[str, array] | None  # jieba word (2+ characters) -> passage numbers; None: not indexed


def normalise(text: str) -> str:
    """What is indexed and what a query is matched against: lower case (Latin letters), the text as
    shown otherwise (simplified and traditional characters are not folded)."""
    return text.lower()


def bigrams(text: str) -> set[str]:
    """The text's character bigrams, none across whitespace."""
    t = normalise(text)
    return {t[i : i + 2] for i in range(len(t) - 1) if not (t[i].isspace() or t[i + 1].isspace())}


def shard_of(token: str, n: int) -> int:
    """Which of ``n`` postings files holds a token: by its first two characters (search.js computes
    the same), so a query reads only the files of its bigrams, and a word lies beside its first one."""
    h = 0
    for ch in token[:2]:
        h = (h * 31 + ord(ch)) % 1_000_003
    return h % n


_PART_KIND = re.compile(r"[a-z_]+")


def _flat(text: str) -> str:
    return "".join(text.split("\n"))


def search_index(
    data: ViewData, *, words: bool | None = None, cut: Callable[[str], Iterable[str]] = tokenize
) -> SearchIndex:
    """The index of every measure and context unit of the site's plans, in the site's plan order.

    ``words``: index jieba words too (default: when there are at most ``search_words_plans`` plans).
    """
    with_words = len(data.plans) <= data.cfg.search_words_plans if words is None else words
    plans: list[SearchPlan] = []
    docs: list[SearchDoc] = []
    postings: dict[str, array] = {}
    word_postings: dict[str, array] | None = {} if with_words else None
    for p in data.plans:
        pid = p.document.plan_id
        text = p.document.clean.text
        plans.append(SearchPlan(pid, data.names[pid], plan_href(pid), len(docs)))
        for m in sorted(p.measures, key=lambda m: (m.clean_start, m.clean_end)):
            spans = m.clauses or [(m.clean_start, m.clean_end)]
            clauses = tuple(c for c in (_flat(text[a:b]) for a, b in spans) if c)
            if not clauses:
                continue
            n = len(docs)
            # an unnumbered part's path is its kind (preamble, body …), no place a reader would name
            path = "" if _PART_KIND.fullmatch(m.path) else m.path
            docs.append(SearchDoc(len(plans) - 1, m.measure_id, path, clauses, bool(m.clauses)))
            whole = "".join(clauses)
            for bg in bigrams(whole):
                got = postings.get(bg)
                if got is None:
                    postings[bg] = array("I", (n,))
                else:
                    got.append(n)
            if word_postings is not None:
                for w in {normalise(w) for w in cut(whole) if len(w) > 1}:
                    got = word_postings.get(w)
                    if got is None:
                        word_postings[w] = array("I", (n,))
                    else:
                        got.append(n)
    return SearchIndex(plans, docs, postings, word_postings)
