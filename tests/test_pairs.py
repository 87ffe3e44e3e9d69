"""Two plans side by side: which plans of a build cite which, the character-level diff of near-identical
clauses, the data script the two-plan page reads, and the links to it from the plan pages.

Built from the five seed plans (tests/render_fixture.py); the browser test of the page itself is in
tests/test_browser.py.
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup

from compare.model import CitedDocument, Comparison
from compare.render.html import write_site
from compare.render.view import ViewData
from compare.render.view.cited import citation_key, resolve_citations
from compare.render.view.diff import DELETED, EQUAL, INSERTED, char_diff, same_share
from compare.render.view.pair_data import FAMILIES_PATH, pair_data_path
from compare.render.view.pair_page import pair_page
from compare.render.view.site import site_context
from tests.render_fixture import (
    build_fixture_comparison,
    fixture_view,
    shown_site,
)

CHONGQING = "2021-chongqing-ftz-linked-zones-plan"
YUNNAN = "2021-yunnan-ftz-linked-etdz-plan"
KUNMING = "2021-kunming-development-zones-opinions"
NANTONG = "2023-nantong-etdz-innovation-plan"
LINCANG = "2019-lincang-hightech-zone-opinions"


def view(comparison: Comparison, lang: str = "zh") -> ViewData:
    return fixture_view(comparison, lang=lang)


def cite(comparison: Comparison, plan_id: str, title: str, number: str | None = None) -> None:
    """Make a plan cite a document (metadata is what the ingest stage read: a test adds to it)."""
    plan = next(p for p in comparison.plans if p.document.plan_id == plan_id)
    plan.document.metadata.cited_documents.append(CitedDocument(title, number, 0, 0))


def metadata(comparison: Comparison, plan_id: str) -> Any:
    return next(p for p in comparison.plans if p.document.plan_id == plan_id).document.metadata


@pytest.fixture(scope="module")
def comparison() -> Comparison:
    """The five plans, Nantong citing Kunming's plan by its title as another writer prints it."""
    c = build_fixture_comparison()
    title = metadata(c, KUNMING).title
    cite(c, NANTONG, "《" + title.replace("关于", "关于 ") + "》")
    return c


@pytest.fixture(scope="module")
def data(comparison: Comparison) -> ViewData:
    return view(comparison)


@pytest.fixture(scope="module")
def site(data: ViewData, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pairs-site")
    write_site(data, out)
    return out


def read_script(site: Path, path: str, name: str) -> tuple[str | None, Any]:
    """What a data script of the two-plan page sets: ``window[name]`` or ``window[name][key]``."""
    script = (site / unquote(path)).read_text(encoding="utf-8")
    keyed = re.fullmatch(
        rf"window\.{name}=window\.{name}\|\|\{{\}};window\.{name}\[(.+?)\]=(.*);\n", script, re.S
    )
    if keyed:
        return json.loads(keyed.group(1)), json.loads(keyed.group(2))
    whole = re.fullmatch(rf"window\.{name}=(.*);\n", script, re.S)
    assert whole, script[:200]
    return None, json.loads(whole.group(1))


def read_record(site: Path, plan_id: str) -> dict[str, Any]:
    """A plan's record as the two-plan page receives it."""
    key, record = read_script(site, pair_data_path(plan_id), "COMPARE_PAIRS")
    assert key == plan_id
    return dict(record)


def place(record: dict[str, Any], anchor: str) -> str:
    """Where a record's anchor lands (as compare.js reads it)."""
    if not anchor:
        return str(record["href"])
    return record["href"] + (anchor if anchor.startswith("#") else "#" + record["anchor"] + anchor)


def diff_ops(record: dict[str, Any], other: dict[str, Any], d: list[Any]) -> list[tuple[int, str]]:
    """A stored diff as runs of text (the page cuts the two clauses' texts by the lengths)."""
    first, second = record["clauses"][d[0]][2], other["clauses"][d[1]][2]
    ops, i, j = [], 0, 0
    for op, n in zip(d[2][::2], d[2][1::2], strict=True):
        ops.append((op, second[j : j + n] if op == INSERTED else first[i : i + n]))
        i, j = i + (n if op != INSERTED else 0), j + (n if op != DELETED else 0)
    assert i == len(first) and j == len(second)
    return ops


# --------------------------------------------------------------------------- citations


def test_a_citation_key_ignores_title_marks_spaces_width_and_bracket_kinds() -> None:
    assert citation_key("《关于 支持临沧高新区的意见》") == citation_key("关于支持临沧高新区的意见")
    assert citation_key("临办发[２０１９]5号") == citation_key("临办发〔2019〕5号")
    assert citation_key("國務院關於促進開發區改革和創新發展的若干意見") == citation_key(
        "国务院关于促进开发区改革和创新发展的若干意见"
    )
    assert citation_key("临办发〔2019〕5号") != citation_key("临办发〔2019〕6号")


def test_a_plan_cited_by_title_or_doc_number_is_found_in_the_build() -> None:
    c = build_fixture_comparison()
    lincang = metadata(c, LINCANG)
    assert lincang.doc_number == "临办发〔2019〕5号"
    cite(c, KUNMING, "某某文件", "临办发[2019]5号")  # by 文号, printed with other brackets
    cite(c, NANTONG, f"《{metadata(c, YUNNAN).title}》")  # by title
    # a 印发 notice names the document it issues
    cite(c, CHONGQING, f"关于印发〈{lincang.title}〉的通知")
    # the same title under another 文号 is another document (another year's)
    cite(c, YUNNAN, lincang.title, "临办发〔2017〕9号")
    cite(c, LINCANG, lincang.title)  # its own title: not a link to itself
    found = resolve_citations(c.plans)
    assert found.cites == {KUNMING: (LINCANG,), NANTONG: (YUNNAN,), CHONGQING: (LINCANG,)}
    # in plan order
    assert found.cited_by == {LINCANG: (CHONGQING, KUNMING), YUNNAN: (NANTONG,)}


def test_the_five_plans_cite_no_plan_of_the_build() -> None:
    # their cited documents are national and provincial documents not in docs_in/
    assert resolve_citations(build_fixture_comparison().plans).cites == {}


# --------------------------------------------------------------------------- the diff


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("把复制推广自贸试验区改革创新经验", "把复制推广云南自贸试验区改革创新经验"),
        ("增强规划的科学性、合理性和约束力", "增强规划的科学性、前瞻性和约束力"),
        ("", "新增"),
        ("删去", ""),
        ("相同", "相同"),
    ],
)
def test_a_character_diff_rebuilds_both_wordings(first: str, second: str) -> None:
    ops = char_diff(first, second)
    assert "".join(t for op, t in ops if op != INSERTED) == first
    assert "".join(t for op, t in ops if op != DELETED) == second
    assert all(t for _, t in ops)
    assert all(a[0] != b[0] for a, b in itertools.pairwise(ops))  # runs merged


def test_a_changed_word_is_one_deletion_then_one_insertion() -> None:
    ops = char_diff("增强规划的科学性、合理性和约束力", "增强规划的科学性、前瞻性和约束力")
    assert ops == [
        (EQUAL, "增强规划的科学性、"),
        (DELETED, "合理"),
        (INSERTED, "前瞻"),
        (EQUAL, "性和约束力"),
    ]
    assert same_share(ops) == pytest.approx(14 / 16)
    assert same_share(char_diff("相同", "相同")) == 1.0


# --------------------------------------------------------------------------- the data the page reads


def test_a_reused_passage_of_two_real_plans_is_diffed_character_by_character(site: Path) -> None:
    chongqing, yunnan = read_record(site, CHONGQING), read_record(site, YUNNAN)
    # kept once per pair, in the record of the plan first by id
    assert CHONGQING not in yunnan["diffs"] and CHONGQING not in yunnan["same"]
    diffs = chongqing["diffs"][YUNNAN]
    runs = [diff_ops(chongqing, yunnan, d) for d in diffs]
    # Chongqing's 复制推广自贸试验区 … becomes Yunnan's 复制推广云南自贸试验区 …
    assert "云南" in [t for ops in runs for op, t in ops if op == INSERTED]
    for d, ops in zip(diffs, runs, strict=True):
        path_a, anchor_a, _ = chongqing["clauses"][d[0]]
        path_b, anchor_b, _ = yunnan["clauses"][d[1]]
        assert path_a and path_b
        assert place(chongqing, anchor_a).startswith(f"plans/{CHONGQING}.html#{CHONGQING}/")
        assert place(yunnan, anchor_b).startswith(f"plans/{YUNNAN}.html#{YUNNAN}/")
        assert any(op == EQUAL and len(t) >= 5 for op, t in ops)  # they do share a passage
        assert any(op != EQUAL for op, _ in ops)  # the same word for word are only counted
    assert len({(d[0], d[1]) for d in diffs}) == len(diffs)  # each pair of clauses once


def test_every_plan_has_a_record_with_its_families_wordings_and_gaps(data: ViewData, site: Path) -> None:
    _, heads = read_script(site, FAMILIES_PATH, "COMPARE_FAMILIES")
    assert set(heads) == {str(f["family_id"]) for f in data.families}
    for fid, (_, name, topic, stem, anchor) in heads.items():
        assert name == data.family_by_id[fid]["name"] and topic
        assert f"{stem}.html#{anchor}" == data.topic_link(str(data.family_by_id[fid]["topic"]), fid)
    for pid in data.plan_ids:
        record = read_record(site, pid)
        assert record["name"] == data.names[pid] and record["href"] == f"plans/{pid}.html"
        held = {fid for fid, cells in data.cells.items() if pid in cells}
        assert {f[0] for f in record["families"]} == held
        orders = [heads[f[0]][0] for f in record["families"]]
        assert orders == sorted(orders)  # as the topic pages order them
        assert set(record["gaps"]) == {str(g["family_id"]) for g in data.gaps_by_plan.get(pid, [])}
        assert set(record["mentions"]) == {f for p, f in data.mentions if p == pid}
        for _, wordings in record["families"]:
            assert wordings
            for path, anchor, parts in wordings:
                assert path  # the outline path shown with the link
                assert place(record, anchor).startswith(f"plans/{pid}.html#{pid}/")
                text = "".join(p if isinstance(p, str) else p[0] for p in parts)
                assert text and all(isinstance(p, str) or len(p) == 1 for p in parts)


def test_every_link_in_the_records_lands_on_a_passage(data: ViewData, site: Path) -> None:
    ids: dict[Path, set[str]] = {}

    def lands(href: str) -> bool:
        parts = urlsplit(href)
        page = site / unquote(parts.path)
        if page not in ids:
            doc = BeautifulSoup(page.read_text(encoding="utf-8"), "lxml")
            ids[page] = {str(t["id"]) for t in doc.find_all(id=True)}
        return unquote(parts.fragment) in ids[page]

    for pid in data.plan_ids:
        record = read_record(site, pid)
        for _, wordings in record["families"]:
            assert all(lands(place(record, w[1])) for w in wordings)
        for _path, anchor, text in record["clauses"].values():
            assert text and lands(place(record, anchor))


# --------------------------------------------------------------------------- the pages


def test_the_two_plan_page_offers_every_plan_and_opens_on_a_citing_pair(data: ViewData, site: Path) -> None:
    page = pair_page(data, site_context(data), data.first_pair)
    assert [p["plan_id"] for p in page["plans"]] == data.plan_ids
    assert (page["first"], page["second"]) == (NANTONG, KUNMING)  # a plan and the plan it cites
    doc = BeautifulSoup((site / "compare.html").read_text(encoding="utf-8"), "lxml")
    for side, chosen in (("a", NANTONG), ("b", KUNMING)):
        options = doc.select(f'select[data-side="{side}"] option')
        assert [o["value"] for o in options] == data.plan_ids
        assert [o["value"] for o in options if o.has_attr("selected")] == [chosen]
        for o in options:  # each plan's data script is there
            assert (site / unquote(str(o["data-src"]))).is_file()
    labels = json.loads(doc.select_one("#pair-labels").get_text())
    assert labels["only"] == "%(a)s有而%(b)s没有的措施家族"
    families, word, script = (str(s["src"]) for s in doc.select("script[src]")[-3:])
    assert families == FAMILIES_PATH
    assert re.fullmatch(r"static/word\.[0-9a-f]{10}\.js", word) and (site / word).is_file()
    assert re.fullmatch(r"static/compare\.[0-9a-f]{10}\.js", script) and (site / script).is_file()


def test_a_plan_page_links_to_the_two_plan_view_with_the_plans_it_cites_or_that_cite_it(
    data: ViewData, site: Path
) -> None:
    plans = {p["plan_id"]: p for p in shown_site(data).plans}
    assert [(q["name"], q["href"]) for q in plans[NANTONG]["pairs"]] == [
        (data.names[KUNMING], f"compare.html#a={NANTONG}&b={KUNMING}")
    ]
    assert [(q["name"], q["href"]) for q in plans[KUNMING]["pairs"]] == [
        (data.names[NANTONG], f"compare.html#a={KUNMING}&b={NANTONG}")
    ]
    assert plans[LINCANG]["pairs"] == []
    doc = BeautifulSoup((site / "plans" / f"{NANTONG}.html").read_text(encoding="utf-8"), "lxml")
    link = doc.select_one("ul.pairs a")
    assert link.get_text() == f"对照：{data.names[KUNMING]}"
    assert link["href"] == f"../compare.html#a={NANTONG}&b={KUNMING}"
    assert doc.select_one("#h-pairs")
    assert not BeautifulSoup((site / "plans" / f"{LINCANG}.html").read_text(encoding="utf-8"), "lxml").select(
        "ul.pairs"
    )


def test_a_verbatim_tag_in_a_plan_text_opens_the_two_plan_view(site: Path) -> None:
    doc = BeautifulSoup((site / "plans" / f"{CHONGQING}.html").read_text(encoding="utf-8"), "lxml")
    tags = doc.select(".plantext .mf a.reuse")
    assert tags
    assert {t["href"] for t in tags} == {f"../compare.html#a={CHONGQING}&b={YUNNAN}"}


def test_the_english_edition_labels_the_two_plan_view_in_english(comparison: Comparison) -> None:
    en = view(comparison, "en")
    labels = pair_page(en, site_context(en))["labels"]
    for key, text in labels.items():
        assert not re.search(r"[\u4e00-\u9fff]", text), (key, text)
    assert "%(a)s" in labels["only"] and "%(b)s" in labels["only"]
