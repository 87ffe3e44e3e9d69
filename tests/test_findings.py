"""The findings, read as an official would: the briefing's first pages after the cover, in prose, name
every plan and mandatory topic; every number in them is a link to the matrix or appendix showing it;
a gap named is one the plan is silent on (never one it only mentions), with its comparable peers; the
English edition reads as English outside quoted clauses and plan names; the site's index page shows
the same findings.

The briefings render the mandatory topics only (the findings are about them; the matrices' layout is
test_render_pdf's).
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader

from compare.model import MANDATORY_TOPICS as MANDATORY
from compare.model import FailedInput
from compare.render.html import write_site
from compare.render.pdf import render_briefing_html, write_briefing
from compare.render.view import ViewData, briefing_context, build_view
from compare.render.view.findings import Findings
from compare.tables import comparison_tables
from tests.render_fixture import (
    FIXTURE_BUILD,
    build_fixture_comparison,
    fixture_topic_descriptions,
    fixture_topic_names,
    fixture_view,
    shown_site,
)

HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@pytest.fixture(scope="module")
def comparison_and_tables() -> tuple[Any, Any]:
    comparison = build_fixture_comparison()
    return comparison, comparison_tables(comparison, fixture_topic_names())


def view_data(comparison_and_tables: tuple[Any, Any], lang: str) -> ViewData:
    comparison, tables = comparison_and_tables
    return build_view(
        comparison,
        tables,
        topic_names=fixture_topic_names(),
        build=FIXTURE_BUILD,
        lang=lang,
        topics=MANDATORY,
        topic_descriptions=fixture_topic_descriptions(),
    )


@pytest.fixture(scope="module")
def data(comparison_and_tables: tuple[Any, Any]) -> ViewData:
    return view_data(comparison_and_tables, "zh")


@pytest.fixture(scope="module")
def data_en(comparison_and_tables: tuple[Any, Any]) -> ViewData:
    return view_data(comparison_and_tables, "en")


@pytest.fixture(scope="module")
def findings(data: ViewData) -> Findings:
    return briefing_context(data)["findings"]


def findings_html(html: str) -> Any:
    """The briefing's findings section, parsed."""
    return BeautifulSoup(html, "html.parser").select_one("section.findings")


def pdf_pages(pdf: Path) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(pdf)
    if shutil.which("pdftotext"):
        out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True)
        return reader, out.stdout.decode("utf-8").split("\f")[: len(reader.pages)]
    return reader, [p.extract_text() or "" for p in reader.pages]


def findings_pages(reader: PdfReader) -> range:
    """The pages (from 0) from the summary's bookmark to the next one's."""
    top = [item for item in reader.outline if not isinstance(item, list)]
    first = reader.get_destination_page_number(top[0])
    after = reader.get_destination_page_number(top[1])
    return range(first, after)


def internal_links(reader: PdfReader, page: int) -> int:
    """Link annotations of a page that go to a place in the document (not a URI)."""
    n = 0
    for a in reader.pages[page].get("/Annots") or []:
        a = a.get_object()
        if a.get("/Subtype") != "/Link":
            continue
        action = a.get("/A")
        if "/Dest" in a or (action is not None and action.get_object().get("/S") == "/GoTo"):
            n += 1
    return n


def flat(s: str) -> str:
    return re.sub(r"\s+", "", s)


@pytest.fixture(scope="module")
def pdf_zh(data: ViewData, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_briefing(data, tmp_path_factory.mktemp("findings") / "briefing.pdf")


def test_the_findings_pages_come_right_after_the_cover_and_name_every_plan_and_mandatory_topic(
    data: ViewData, pdf_zh: Path
) -> None:
    reader, texts = pdf_pages(pdf_zh)
    pages = findings_pages(reader)
    assert pages.start == 1 and 1 <= len(pages) <= 2, pages  # after the cover, at most two pages
    body = flat("".join(texts[i] for i in pages))
    assert body.index("比较了什么") < body.index("必备议题的覆盖") < body.index("须知")
    for name in data.names.values():
        assert flat(name) in body, name
    for topic in MANDATORY:
        assert fixture_topic_names()[topic][0] in body, topic


def test_every_number_in_the_prose_is_a_link_to_a_matrix_or_appendix_of_the_briefing(
    data: ViewData, pdf_zh: Path
) -> None:
    html = render_briefing_html(data)
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    section = findings_html(html)
    links = section.select("a")
    assert links and all(a["href"].startswith("#") and a["href"][1:] in ids for a in links)
    assert {a["href"] for a in links} >= {f"#t-{t}" for t in MANDATORY} | {"#appendix-plans"}
    for a in section.select("a.num"):
        assert re.fullmatch(r"\d+|\d{4}-\d\d-\d\d", a.get_text()), a
    for tag in section.select("a, q"):
        tag.decompose()  # what is left is the prose outside links and quoted clauses
    rest = section.get_text()
    for name in data.names.values():
        rest = rest.replace(name, "")
    assert not re.search(r"\d", rest), re.findall(r".{0,12}\d+.{0,12}", rest)
    reader, _ = pdf_pages(pdf_zh)  # and in the PDF they are links, one annotation each
    assert sum(internal_links(reader, i) for i in findings_pages(reader)) == len(links)


def test_the_topics_figures_are_the_coverage_tables(comparison_and_tables: Any, findings: Findings) -> None:
    _, tables = comparison_and_tables
    cov, gaps = tables["coverage"], tables["gaps"]
    assert [t["topic_id"] for t in findings["topics"]] == list(MANDATORY)
    for t in findings["topics"]:
        rows = cov[cov.topic == t["topic_id"]]
        assert t["n_covering"]["value"] == int((rows.n_measures > 0).sum())
        assert t["most_n"]["value"] == int(rows.n_measures.max())
        assert t["n_gaps"]["value"] == int((gaps.topic == t["topic_id"]).sum())
        assert t["n_covering"]["link"] == {
            "pdf": f"#t-{t['topic_id']}",
            "site": f"topics/{t['topic_id']}.html",
        }
        assert t["quote"] and t["quote"]["text"]


def test_a_gap_named_is_one_the_plan_is_silent_on_with_its_comparable_peers(
    data: ViewData, findings: Findings
) -> None:
    assert findings["plans"]
    for p in findings["plans"]:
        silent = {str(g["family_id"]): g for g in data.gaps_by_plan.get(p["plan_id"], [])}
        for g in p["gaps"]:
            assert g["family_id"] in silent and (p["plan_id"], g["family_id"]) not in data.mentions
            row = silent[g["family_id"]]
            assert g["peers_with"]["value"] == row["peers_with"] >= 2
            assert g["peers_total"]["value"] == row["peers_total"]
    # a plan with no comparable plan is said to have none, and no gap is claimed for it
    alone = [p for p in findings["plans"] if p["alone"]]
    assert alone and all(not p["gaps"] and p["n_gaps"]["value"] == 0 for p in alone)
    assert findings["caveats"]["groups"] and findings["caveats"]["alone"] == [p["name"] for p in alone]


def test_the_english_findings_have_no_chinese_outside_quoted_clauses_and_plan_names(
    data_en: ViewData, tmp_path: Path
) -> None:
    view = briefing_context(data_en)
    section = findings_html(render_briefing_html(data_en, lang="en"))
    for q in section.select("q"):
        q.decompose()
    rest = section.get_text()
    for name in data_en.names.values():
        rest = rest.replace(name, "")
    assert not HAN.search(rest), HAN.findall(rest)[:20]
    # read back from the PDF too: only plan names, titles and the quoted clauses are Chinese
    reader, texts = pdf_pages(write_briefing(data_en, tmp_path / "en.pdf", lang="en"))
    body = flat("".join(texts[i] for i in findings_pages(reader)))
    assert "Whatwascompared" in body and "Caveats" in body
    for t in view["findings"]["topics"]:
        if t["quote"]:
            body = body.replace(flat(t["quote"]["text"]).rstrip("…"), "")
    for p in view["plans"]:
        body = body.replace(flat(p["name"]), "").replace(flat(p["title"] or ""), "")
    assert not HAN.search(body), HAN.findall(body)[:20]


def test_the_site_index_shows_the_same_findings_with_links_to_its_pages(
    data: ViewData, findings: Findings, tmp_path: Path
) -> None:
    assert shown_site(data).index["findings"] == findings
    site = tmp_path / "site"
    write_site(data, site)
    doc = BeautifulSoup((site / "index.html").read_text(encoding="utf-8"), "html.parser")
    section = doc.select_one("section.findings")
    nums = section.select("a.num")
    assert len(nums) == len(findings_html(render_briefing_html(data)).select("a.num"))
    for a in nums:
        page, _, anchor = a["href"].partition("#")
        target = site / page
        assert target.is_file(), a["href"]
        if anchor:
            assert f'id="{anchor}"' in target.read_text(encoding="utf-8"), a["href"]
    assert {a["href"] for a in nums} >= {f"topics/{t}.html" for t in MANDATORY}


def test_with_more_plans_than_it_names_the_findings_count_them_and_send_to_the_gap_list(
    comparison_and_tables: tuple[Any, Any], data: ViewData
) -> None:
    comparison, tables = comparison_and_tables
    few = dataclasses.replace(data.cfg, findings_plans=3)
    counted = build_view(
        comparison,
        tables,
        topic_names=fixture_topic_names(),
        build=FIXTURE_BUILD,
        topics=MANDATORY,
        settings=few,
    )
    f = briefing_context(counted)["findings"]
    assert f["plans"] == [] and f["compared"]["plans"] == []
    assert sum(int(k["n"]["value"]) for k in f["compared"]["kinds"]) == len(counted.plan_ids)
    for t in f["topics"]:  # plan lists past three are cut and counted
        assert len(t["silent"]["names"]) <= 3 and len(t["strongest_plans"]["names"]) <= 3
    section = findings_html(render_briefing_html(counted))
    assert "方案较多" in section.get_text() and "site/gaps.html" in section.get_text()
    for tag in section.select("a, q"):
        tag.decompose()
    assert not re.search(r"\d", section.get_text())


def test_the_caveats_name_a_matter_left_to_another_document_and_the_files_not_read() -> None:
    comparison = build_fixture_comparison()
    mentions = comparison.mentions.copy()
    row = mentions[mentions.topic.isin(MANDATORY)].index[0]  # a plan says it is for another document
    mentions.loc[row, "how"] = "deferred"
    comparison.mentions = mentions
    comparison.failed = [FailedInput("scan-2020.pdf", "没有文字层")]
    data = fixture_view(comparison, topics=MANDATORY)
    caveats = briefing_context(data)["findings"]["caveats"]
    plan = data.names[str(mentions.loc[row, "plan_id"])]
    assert [d["plan"] for d in caveats["deferred"]] == [plan]
    assert caveats["failed"] == ["scan-2020.pdf"] and caveats["n_failed"]["value"] == 1
    text = findings_html(render_briefing_html(data)).get_text()
    assert f"{plan}把" in text and "留待其他文件规定" in text
    assert "1个文件未能读取，未纳入比较：scan-2020.pdf" in text
