"""The PDF briefing, checked as a reader (and a printer) would: names, fonts, bookmarks, pages, bytes.

One render per module of the fixture Comparison of the five seed plans; a second render for the
byte-for-byte reproducibility check.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from compare.config import TEMPLATES_DIR
from compare.model import MANDATORY_TOPICS as MANDATORY
from compare.render.html import write_site
from compare.render.pdf import (
    BRIEFING_CSS,
    AssetsOnlyFetcher,
    BlockedResource,
    pdf_from_html,
    render_briefing_html,
    write_briefing,
)
from compare.render.view import Briefing, ViewData, briefing_context, build_view
from compare.tables import comparison_tables
from tests.render_fixture import (
    FIXTURE_BUILD,
    build_fixture_comparison,
    fixture_topic_descriptions,
    fixture_topic_names,
)

BUILD = FIXTURE_BUILD
# The tests render the mandatory topics only (about a third of the full briefing, to keep this file
# fast); the layout code paths are the same for every topic.
TOPICS = MANDATORY


@pytest.fixture(scope="module")
def comparison_and_tables() -> tuple[Any, Any]:
    comparison = build_fixture_comparison()
    return comparison, comparison_tables(comparison, fixture_topic_names())


@pytest.fixture(scope="module")
def data(comparison_and_tables: tuple[Any, Any]) -> ViewData:
    comparison, tables = comparison_and_tables
    return build_view(comparison, tables, topic_names=fixture_topic_names(), build=BUILD, topics=TOPICS)


@pytest.fixture(scope="module")
def view(data: ViewData) -> Briefing:
    """What the briefing shows."""
    return briefing_context(data)


@pytest.fixture(scope="module")
def pdf(data: ViewData, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_briefing(data, tmp_path_factory.mktemp("pdf") / "briefing.pdf")


@pytest.fixture(scope="module")
def reader(pdf: Path) -> PdfReader:
    return PdfReader(pdf)


@pytest.fixture(scope="module")
def page_texts(pdf: Path, reader: PdfReader) -> list[str]:
    """Text per page: poppler's pdftotext when installed (fast with CJK), else pypdf."""
    if shutil.which("pdftotext"):
        out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True)
        pages = out.stdout.decode("utf-8").split("\f")
        return pages[: len(reader.pages)]
    return [page.extract_text() or "" for page in reader.pages]


@pytest.fixture(scope="module")
def text(page_texts: list[str]) -> str:
    return "\n".join(page_texts)


def flat(s: str) -> str:
    return re.sub(r"\s+", "", s)


def test_every_plan_and_every_mandatory_topic_is_named(view: Briefing, text: str) -> None:
    body = flat(text)
    for plan in view["plans"]:
        assert flat(plan["name"]) in body, plan["name"]
    names = fixture_topic_names()
    for topic in MANDATORY:
        assert names[topic][0] in body, topic
    assert "摘要" in body and "议题对照" in body


def test_every_font_is_embedded_and_han_uses_the_simplified_chinese_face(pdf: Path) -> None:
    if shutil.which("pdffonts") is None:
        pytest.skip("pdffonts (poppler-utils) is not installed")
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    rows = [line for line in out.splitlines()[2:] if line.strip()]
    assert rows
    for row in rows:
        cols = row.split()
        emb = cols[-5]  # name type... emb sub uni object ID
        assert emb == "yes", row
    assert any("Noto-Sans-CJK-SC" in r for r in rows)
    assert not any("CJK-JP" in r or "CJKjp" in r for r in rows)


def test_page_count_fits_the_content_and_no_page_is_blank(
    view: Briefing, reader: PdfReader, page_texts: list[str]
) -> None:
    n_pages = len(reader.pages)
    n_rows = sum(len(t["rows"]) for t in view["topic_sections"])
    # cover + summary + heat-map + appendices, and matrices at a sensible density (>= 2 rows a page)
    assert 5 <= n_pages <= 5 + n_rows // 2, n_pages
    for i, page_text in enumerate(page_texts, start=1):
        assert len(flat(page_text)) > 80, f"page {i} is (nearly) empty"
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)  # landscape


def test_bookmarks_lead_to_summary_heatmap_each_topic_and_appendices(
    view: Briefing, reader: PdfReader
) -> None:
    def titles(outline: list[Any]) -> list[str]:
        out: list[str] = []
        for item in outline:
            out.extend(titles(item) if isinstance(item, list) else [item.title])
        return out

    found = titles(reader.outline)
    assert found[0] == "摘要"
    for topic in view["topic_sections"]:
        assert topic["name"] in found
    assert any(t.startswith("附录") for t in found)
    nested = [item for item in reader.outline if isinstance(item, list)]
    assert nested and len(nested[0]) == len(view["topic_sections"])


def test_pages_after_the_cover_carry_the_report_title_and_their_number(
    view: Briefing, page_texts: list[str]
) -> None:
    n = len(page_texts)
    for i, page_text in enumerate(page_texts[1:], start=2):
        body = flat(page_text)
        assert flat(view["title"]) in body and f"{i}/{n}" in body, i


def test_metadata_dates_come_from_the_build_and_two_renders_are_identical(
    view: Briefing, pdf: Path, reader: PdfReader
) -> None:
    meta = reader.metadata
    assert meta is not None
    assert str(meta.get("/CreationDate", "")).startswith("D:20240501080000")
    assert str(meta.get("/ModDate", "")).startswith("D:20240501080000")
    assert meta.get("/Title") == view["title"]


def test_the_briefing_source_is_zh_cn_and_the_css_names_the_sc_face_everywhere(data: ViewData) -> None:
    html = render_briefing_html(data)
    assert '<html lang="zh-CN">' in html
    css = re.sub(r"/\*.*?\*/", "", BRIEFING_CSS.read_text(encoding="utf-8"), flags=re.S)
    assert "justify" not in css
    stacks = re.findall(r"font-family:\s*([^;]+);", css)
    assert stacks and all("Noto Sans CJK SC" in s for s in stacks)
    page_rule = css[css.index("@page {") : css.index("@page :first")]
    assert page_rule.count("font-family") >= 4  # the page and each margin box
    assert "table-layout: fixed" in css and "table-header-group" in css


def test_only_data_urls_and_template_files_can_be_loaded(tmp_path: Path) -> None:
    fetcher = AssetsOnlyFetcher()
    ok = fetcher.fetch(BRIEFING_CSS.as_uri())
    assert ok.read().startswith(b"/*")
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"
    outside = tmp_path / "secret.css"
    outside.write_text("body{}", encoding="utf-8")
    for url in (
        "http://example.com/x.css",
        "https://example.com/font.woff2",
        outside.as_uri(),
        (TEMPLATES_DIR / ".." / "pyproject.toml").as_uri(),
        "file:///etc/passwd",
    ):
        with pytest.raises(BlockedResource):
            fetcher.fetch(url)


def test_english_edition() -> None:
    comparison = build_fixture_comparison()
    names = fixture_topic_names()
    en = build_view(
        comparison,
        comparison_tables(comparison, names),
        topic_names=names,
        build=BUILD,
        lang="en",
        topic_descriptions=fixture_topic_descriptions(),
    )
    html = render_briefing_html(en, lang="en")
    assert '<html lang="en">' in html
    assert "Topic matrices" in html and names["land"][1] in html


def test_two_renders_give_the_same_bytes_and_our_code_adds_little_to_weasyprints_time(
    comparison_and_tables: tuple[Any, Any], tmp_path: Path
) -> None:
    comparison, tables = comparison_and_tables
    # a one-topic briefing: the same code paths, rendered twice in a fraction of the time
    small = build_view(comparison, tables, topic_names=fixture_topic_names(), build=BUILD, topics=("land",))
    first = write_briefing(small, tmp_path / "a.pdf").read_bytes()
    t0 = time.perf_counter()
    write_site(small, tmp_path / "site")
    source = render_briefing_html(small)
    ours = time.perf_counter() - t0
    t1 = time.perf_counter()
    second = pdf_from_html(source, build_id=small.build.build_id)
    weasy = time.perf_counter() - t1
    assert first == second
    assert ours <= 0.5 * weasy, (ours, weasy)
