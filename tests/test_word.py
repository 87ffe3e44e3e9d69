"""The Word 对照表 of a topic page, as an analyst uses it: downloaded from the topic page ("下载 Word
对照表") and pasted into a memo, it has the page's cells (each plan's deciding clauses with their
decisive words highlighted, the gaps and mentions), each clause linked to its place on the site.
"""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile
from collections.abc import Iterator
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin

import pytest
from bs4 import BeautifulSoup
from docx import Document
from docx.enum.text import WD_COLOR_INDEX
from docx.oxml.ns import qn

from compare.render.html import write_site
from compare.render.topic_docx import topic_docx
from compare.render.view import ViewData, site_pages
from compare.render.view.settings import load_report_settings
from compare.render.view.topic_page import docx_labels
from tests.render_fixture import build_fixture_comparison, fixture_view

SITE_URL = "https://x.org/site/"


def view(**kw: Any) -> ViewData:
    return fixture_view(build_fixture_comparison(), **kw)


def topic_contexts(data: ViewData) -> list[dict[str, Any]]:
    return [dict(p.context) for p in site_pages(data) if p.context["page"] == "topic"]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    data = view()
    out = tmp_path_factory.mktemp("site")
    write_site(data, out)
    return {"root": out, "data": data, "pages": topic_contexts(data)}


def hyperlinks(paragraphs: Any, rels: dict[str, str]) -> Iterator[tuple[str, str]]:
    """(text, address) of each link in the paragraphs."""
    for p in paragraphs:
        for h in p._p.iter(qn("w:hyperlink")):
            yield "".join(t.text or "" for t in h.iter(qn("w:t"))), rels[h.get(qn("r:id"))]


def relationships(doc: Any) -> dict[str, str]:
    return {rid: rel.target_ref for rid, rel in doc.part.rels.items()}


def test_each_topic_page_offers_its_matrix_in_word_with_the_page_s_cells(site: dict[str, Any]) -> None:
    root = site["root"]
    n_docs = 0
    for page in site["pages"]:
        part, topic = page["part"], page["topic"]
        html = BeautifulSoup((root / part["href"]).read_text(encoding="utf-8"), "lxml")
        offer = html.select_one("p.word a[download]")
        if not (part["rows"] or part["other"]):
            assert offer is None and page["docx"] == ""  # nothing to paste: no file, no offer
            continue
        assert offer is not None and offer.get_text() == "下载 Word 对照表"
        assert offer["href"] == f"../{page['docx']}" == f"../data/topics/{topic['topic_id']}.docx"
        doc = Document(str(root / page["docx"]))
        n_docs += 1
        assert doc.paragraphs[0].text == f"{topic['name']}：措施家族 × 方案对照"
        assert doc.core_properties.title == doc.paragraphs[0].text
        (table,) = doc.tables  # five plans: one table
        assert [c.text for c in table.rows[0].cells] == ["措施家族", *(p["name"] for p in part["plans"])]
        rows = [r for g in part["groups"] for r in g["rows"]]
        assert len(table.rows) == 1 + len(rows) + (1 if part["other"] else 0)
        rels = relationships(doc)
        for row, tr in zip(rows, table.rows[1:], strict=False):
            assert tr.cells[0].text.startswith(row["name"])
            for cell, tc in zip(row["cells"], tr.cells[1:], strict=True):
                text = tc.text
                if cell["measures"]:
                    for m in cell["measures"]:  # the deciding clause, its place linked to it
                        words = "".join(p["text"] for p in m["evidence"]["parts"])
                        assert words in text and f"〔{m['path']}〕" in text
                        assert (f"〔{m['path']}〕", "../../" + m["evidence"]["href"]) in hyperlinks(
                            tc.paragraphs, rels
                        )
                    marked = [
                        p["text"] for m in cell["measures"] for p in m["evidence"]["parts"] if p["mark"]
                    ]
                    lit = [
                        r.text
                        for p in tc.paragraphs
                        for r in p.runs
                        if r.font.highlight_color == WD_COLOR_INDEX.YELLOW
                    ]
                    assert lit == marked
                elif cell["mention"]:
                    assert text.startswith("提及")
                else:
                    assert text == ("缺口" if cell["peer_gap"] else "未涉及")
    assert n_docs == sum(1 for p in site["pages"] if p["docx"]) >= 10


def test_the_links_of_the_word_table_land_on_the_site_s_clauses(site: dict[str, Any]) -> None:
    """Opened from the site's folder the links are relative to the file (data/topics/): each reaches
    the page and the element it names; with the site's address they are absolute."""
    root = site["root"]
    page = next(p for p in site["pages"] if p["docx"])
    doc = Document(str(root / page["docx"]))
    links = list(
        hyperlinks(
            [p for t in doc.tables for r in t.rows for c in r.cells for p in c.paragraphs], relationships(doc)
        )
    )
    assert len(links) > 10
    here = (root / page["docx"]).as_uri()
    for _, href in links:
        target = urljoin(here, href)
        path, _, anchor = target.removeprefix("file://").partition("#")
        html = Path(unquote(path)).read_text(encoding="utf-8")
        assert f'id="{escape(unquote(anchor))}"' in html, href

    # with the site's address: the same links, on the published site
    data = view(site_url=SITE_URL)
    published = next(p for p in topic_contexts(data) if p["docx"] == page["docx"])
    blob = topic_docx(published, docx_labels(data), site_root=SITE_URL, plan_columns=5)
    online = Document(io.BytesIO(blob))
    assert set(relationships(online).values()) >= {SITE_URL + h.removeprefix("../../") for _, h in links}
    assert all(t.startswith(SITE_URL) for t in relationships(online).values() if "://" in t)


def test_many_plans_a_page_s_word_table_has_its_plans_in_tables_that_fit_the_page(tmp_path: Path) -> None:
    settings = dataclasses.replace(load_report_settings(), html_plans_per_page=4, docx_plan_columns=3)
    data = view(settings=settings)
    write_site(data, tmp_path)
    pages = [p for p in topic_contexts(data) if p["topic"]["topic_id"] == "land"]
    assert [p["docx"] for p in pages] == ["data/topics/land.docx", "data/topics/land-2.docx"]
    first, second = (Document(str(tmp_path / p["docx"])) for p in pages)
    # the first page's four plans in two tables (3 + 1), the second page's one plan in one
    assert [len(t.columns) for t in first.tables] == [4, 2] and [len(t.columns) for t in second.tables] == [2]
    assert [c.text for c in second.tables[0].rows[0].cells] == [
        "措施家族",
        pages[1]["part"]["plans"][0]["name"],
    ]
    assert "本表为第5–5个方案（共5个）。" in second.paragraphs[1].text
    assert any("（第2/2部分）" in p.text for p in first.paragraphs)


def test_above_the_limit_no_word_table_is_written_or_offered(tmp_path: Path) -> None:
    data = view(settings=dataclasses.replace(load_report_settings(), docx_max_plans=4))
    written = write_site(data, tmp_path)
    assert not [p for p in written if p.suffix == ".docx"] and not (tmp_path / "data" / "topics").exists()
    assert "下载 Word" not in (tmp_path / "topics" / "land.html").read_text(encoding="utf-8")


def test_the_same_build_writes_the_same_word_files(site: dict[str, Any], tmp_path: Path) -> None:
    write_site(site["data"], tmp_path)
    docs = sorted((site["root"] / "data" / "topics").glob("*.docx"))
    assert docs and all((tmp_path / "data" / "topics" / d.name).read_bytes() == d.read_bytes() for d in docs)
    with zipfile.ZipFile(docs[0]) as z:  # dated by the build, not by the clock
        assert {i.date_time for i in z.infolist()} == {(2024, 5, 1, 8, 0, 0)}


def test_the_english_edition_s_word_table_is_in_english(tmp_path: Path) -> None:
    data = view(lang="en")
    write_site(data, tmp_path, lang="en")
    page = next(p for p in topic_contexts(data) if p["docx"])
    doc = Document(str(tmp_path / page["docx"]))
    assert doc.paragraphs[0].text == f"{page['topic']['name']}: measure families × plans"
    assert not re.search(r"[\u4e00-\u9fff]", doc.paragraphs[2].text)  # the legend
    assert doc.tables[0].rows[0].cells[0].text == "Measure family"
