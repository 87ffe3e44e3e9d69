"""The search index of the site, read back as the browser reads it: given the five seed plans, a
two-character word finds every passage that holds it and no other, a query across jieba's word
boundaries is found too (but not as a word), and the files a page loads hold the same postings."""

from __future__ import annotations

import dataclasses
import json
import re
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from compare.render.html import hashed_name, write_site
from compare.render.search_files import _letters, write_search_index
from compare.render.view import ViewData
from compare.render.view.search_index import SearchIndex, bigrams, search_index, shard_of
from compare.render.view.settings import load_report_settings
from compare.segment import search_words, tokenize
from tests.render_fixture import build_fixture_comparison
from tests.test_render_html import make_view


@pytest.fixture(scope="module")
def data() -> ViewData:
    return make_view(build_fixture_comparison())


@pytest.fixture(scope="module")
def index(data: ViewData) -> SearchIndex:
    return search_index(data)


def holding(index: SearchIndex, query: str) -> set[int]:
    """The passages whose text holds ``query`` (what search must find)."""
    return {n for n, d in enumerate(index.docs) if query in "".join(d.clauses).lower()}


def found(index: SearchIndex, query: str) -> set[int]:
    """What the browser finds before it checks the text: the intersection of the query's bigrams."""
    sets = [set(index.bigrams.get(b)) for b in bigrams(query)]
    return set.intersection(*sets)


def test_every_measure_of_every_plan_is_a_passage_in_plan_order(data: ViewData, index: SearchIndex) -> None:
    assert [p.plan_id for p in index.plans] == data.plan_ids
    per_plan = {
        p.document.plan_id: sum(1 for m in p.measures if m.clean_end > m.clean_start) for p in data.plans
    }
    assert len(index.docs) == sum(per_plan.values())
    firsts = [p.first for p in index.plans]
    assert firsts == sorted(firsts) and firsts[0] == 0
    for k, d in enumerate(index.docs):
        plan = index.plans[d.plan]
        assert plan.first <= k and d.measure_id.startswith(plan.plan_id + "/")
        m = data.measures[d.measure_id]
        assert "".join(d.clauses) == "".join(data.texts[m.plan_id][m.clean_start : m.clean_end].split("\n"))


def test_the_postings_are_each_passage_s_own_bigrams_and_words(index: SearchIndex) -> None:
    """The postings, built on the whole corpus at once, are what each passage's text holds."""
    naive: dict[str, list[int]] = {}
    for n, d in enumerate(index.docs):
        for b in bigrams("".join(d.clauses)):
            naive.setdefault(b, []).append(n)
    assert index.bigrams.tokens == sorted(naive)
    assert all(index.bigrams.get(t) == naive[t] for t in naive)
    assert " " not in "".join(index.bigrams.tokens)  # none across a space, nor across two passages
    assert index.words is not None
    some = index.docs[7]
    words = {w.lower() for w in search_words("".join(some.clauses)) if len(w) > 1}
    assert words and all(7 in index.words.get(w) for w in words)


def test_a_two_character_word_finds_exactly_the_passages_that_hold_it(index: SearchIndex) -> None:
    for word in ("人才", "用地"):
        want = holding(index, word)
        assert len({index.docs[n].plan for n in want}) >= 3, word  # a word most plans use
        assert found(index, word) == want
        assert index.bigrams.get(word) == sorted(want)  # a posting list ascends, each passage once


def test_a_word_inside_a_longer_word_counts_as_a_word(index: SearchIndex) -> None:
    """jieba keeps 市场监管 whole; its search mode also gives 市场: a passage about 市场监管 is a
    passage where 市场 is a word (not one where two characters happen to meet)."""
    assert "市场监管" in tokenize("市场监管等各项改革")
    assert "人才" not in search_words("提升个人才能")  # two characters that meet: no word
    held = holding(index, "市场监管")
    assert held and index.words is not None
    assert set(held) <= set(index.words.get("市场"))


def test_a_longer_word_is_found_by_intersecting_its_bigrams(index: SearchIndex) -> None:
    want = holding(index, "标准地")
    assert want  # 昆明: 试行工业用地“标准地”模式出让制度
    assert want <= found(index, "标准地")
    assert index.words is not None and set(index.words.get("标准地")) == want  # and it is a word there


def test_a_query_across_jieba_word_boundaries_is_found_but_not_as_a_word(index: SearchIndex) -> None:
    """Two characters that jieba puts in different words (the end of one, the start of the next) are
    still found: the bigram index knows no word boundaries; the word index says it is no word there."""
    assert index.words is not None
    seen = 0
    for n, d in enumerate(index.docs[:60]):
        text = "".join(d.clauses)
        words = [w for w in tokenize(text) if w.strip()]
        for a, b in pairwise(words):
            query = (a[-1] + b[0]).lower()
            if (
                len(a) < 2
                or len(b) < 2
                or a + b not in text
                or not re.fullmatch(r"[\u4e00-\u9fff]{2}", query)
            ):
                continue
            assert n in found(index, query), (query, a, b)
            if query not in {w.lower() for w in search_words(text)}:
                assert n not in set(index.words.get(query)), (query, a, b)
                seen += 1
    assert seen > 20


def test_jieba_words_are_left_out_above_the_setting(data: ViewData) -> None:
    few = dataclasses.replace(load_report_settings(), search_words_plans=len(data.plans) - 1)
    small = make_view(build_fixture_comparison(), settings=few)
    without = search_index(small)
    assert without.words is None
    assert without.bigrams.tokens == search_index(data).bigrams.tokens


def _script_value(path: Path) -> tuple[str, Any]:
    m = re.fullmatch(
        r'\(self\.COMPARE_SEARCH=self\.COMPARE_SEARCH\|\|\{\}\)\["(\w+)"\]=(.*);\n',
        path.read_text("utf-8"),
        re.S,
    )
    assert m, path
    return m.group(1), json.loads(m.group(2))


def _decode(gaps: str) -> list[int]:
    """As search.js reads a posting list."""
    out, n, d = [], 0, 0
    for ch in gaps:
        if ch.islower():
            n += d * 26 + ord(ch) - ord("a")
            out.append(n)
            d = 0
        else:
            d = d * 26 + ord(ch) - ord("A")
    return out


def test_posting_lists_are_gaps_in_base_26_without_separators() -> None:
    text, ends = _letters(np.array([0, 3, 1, 25, 26, 27, 675, 676, 1_000_000]))
    assert text[: ends[5]] == "adbzBaBb"
    assert _decode(text) == list(np.cumsum([0, 3, 1, 25, 26, 27, 675, 676, 1_000_000]))


def test_the_files_split_by_size_hold_every_posting_and_passage(index: SearchIndex, tmp_path: Path) -> None:
    def write(path: Path, blob: bytes) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(blob)
        return path

    meta_rel, written = write_search_index(
        index, tmp_path, shard_kb=16, passages_kb=16, name=hashed_name, write=write
    )
    assert re.fullmatch(r"search/meta\.[0-9a-f]{10}\.js", meta_rel)
    key, meta = _script_value(tmp_path / meta_rel)
    assert key == "meta" and meta["n_docs"] == len(index.docs) and meta["words"] is True
    assert len(meta["tokens"]) > 4 and len(meta["docs"]) > 2  # split: a query loads a few of them
    assert all(p.stat().st_size < 40 * 1024 for p in written if p.name.startswith(("t", "d")))
    assert {str(p.relative_to(tmp_path)) for p in written} == {
        meta_rel,
        *meta["tokens"],
        *(f for _, f in meta["docs"]),
    }

    shards = [_script_value(tmp_path / f)[1] for f in meta["tokens"]]
    n = len(shards)
    for token, postings in index.bigrams.items():
        assert _decode(shards[shard_of(token, n)]["b"][token]) == postings.tolist()
    assert index.words is not None
    for token, postings in index.words.items():
        assert _decode(shards[shard_of(token, n)]["w"][token]) == postings.tolist()

    rows: list[Any] = []
    for first, f in meta["docs"]:
        assert first == len(rows)
        rows.extend(_script_value(tmp_path / f)[1])
    assert len(rows) == len(index.docs)
    for row, d in zip(rows, index.docs, strict=True):
        plan = meta["plans"][row[0]]
        assert f"{plan[0]}/{row[1]}" == d.measure_id and row[4] == list(d.clauses)


def test_the_site_links_its_search_page_and_index_from_every_page(data: ViewData, tmp_path: Path) -> None:
    written = write_site(data, tmp_path)
    metas = [p for p in written if p.parent.name == "search" and p.name.startswith("meta.")]
    assert len(metas) == 1
    page = (tmp_path / "search.html").read_text("utf-8")
    assert f'src="search/{metas[0].name}"' in page
    plan_page = next((tmp_path / "plans").iterdir()).read_text("utf-8")
    assert 'action="../search.html"' in plan_page and re.search(
        r'src="\.\./static/search\.[0-9a-f]{10}\.js"', plan_page
    )


def test_the_english_edition_labels_search_in_english(tmp_path: Path) -> None:
    data = make_view(build_fixture_comparison(), lang="en")
    write_site(data, tmp_path, lang="en")
    page = (tmp_path / "search.html").read_text("utf-8")
    labels = dict(re.findall(r'data-label-([\w-]+)="([^"]*)"', page))
    assert labels["found"] == "“%(query)s” — measures: %(num)s, plans: %(plans)s"
    assert labels["count-one"] == "%(num)s measure" and labels["count"] == "%(num)s measures"
    assert not any(re.search(r"[\u4e00-\u9fff]", v) for v in labels.values()), labels
    assert 'placeholder="Search the text, e.g. 标准地"' in (tmp_path / "index.html").read_text("utf-8")
