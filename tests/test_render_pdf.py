"""The PDF briefing, checked as a reader (and a printer) would: names, fonts, bookmarks, pages, bytes.

One render per module of the fixture Comparison of the five seed plans; a second render for the
byte-for-byte reproducibility check.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from html import escape as html_escape
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from PIL import Image
from pypdf import PdfReader

from compare.config import TEMPLATES_DIR
from compare.model import MANDATORY_TOPICS as MANDATORY
from compare.render.html import write_site
from compare.render.pdf import (
    BRIEFING_CSS,
    AssetsOnlyFetcher,
    BlockedResource,
    layout,
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
    fixture_view,
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
    """Text per page: poppler's pdftotext when installed (fast with CJK; -raw: in the order the content
    is written, so the columns of a table are not interleaved line by line), else pypdf."""
    if shutil.which("pdftotext"):
        out = subprocess.run(
            ["pdftotext", "-raw", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True
        )
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


def test_the_cover_dates_the_material_by_the_newest_plan_and_the_briefing_by_the_build(
    view: Briefing, page_texts: list[str]
) -> None:
    newest = max(d for p in view["plans"] for d in (p["date"], p["published"]) if d)[:10]
    cover = flat(page_texts[0])
    assert view["data_until"] == newest
    assert f"资料截至{newest}" in cover and "生成日期2024-05-01" in cover
    assert BUILD.build_id not in cover  # the build id is the appendix's colophon, not the cover's date


def test_the_reader_s_pdf_holds_no_input_hashes_and_one_colophon_with_the_build_id(
    view: Briefing, text: str
) -> None:
    body = flat(text)
    for h in BUILD.inputs.values():
        assert h[:12] not in body
    for p in view["plans"]:
        assert p["sha256"][:12] not in body, p["name"]
    assert "SHA-256" not in body
    assert body.count(BUILD.build_id) == 1
    assert f"生成日期2024-05-01·构建编号{BUILD.build_id}" in body


def test_no_table_row_is_split_across_pages(data: ViewData) -> None:
    """Laid out by WeasyPrint: a body row whose boxes sit on two pages was split (a header row is
    repeated on every page by design)."""
    from weasyprint.formatting_structure.boxes import TableRowBox, TableRowGroupBox

    pages_of: dict[int, set[int]] = {}
    rows: dict[int, str] = {}
    for number, page in enumerate(layout(render_briefing_html(data)).pages, start=1):
        for box in page._page_box.descendants():
            if isinstance(box, TableRowGroupBox) and not (box.is_header or box.is_footer):
                for row in box.children:
                    if isinstance(row, TableRowBox):
                        pages_of.setdefault(id(row.element), set()).add(number)
                        rows[id(row.element)] = "".join(row.element.itertext())[:60]
    assert len(pages_of) > 50  # the check saw the matrices and the appendix
    split = {rows[k]: sorted(v) for k, v in pages_of.items() if len(v) > 1}
    assert not split, split


def test_every_page_after_the_cover_names_the_plans_in_its_header(
    view: Briefing, page_texts: list[str]
) -> None:
    assert view["header_plans"] == "、".join(p["name"] for p in view["plans"])
    for i, page_text in enumerate(page_texts[1:], start=2):
        assert flat(view["header_plans"]) in flat(page_text), i


def test_a_cut_cell_counts_the_rest_and_names_their_site_page(view: Briefing, text: str) -> None:
    cut = [
        (t["topic_id"], c)
        for t in view["topic_sections"]
        for tb in t["tables"]
        for row in [*tb["rows"], *([tb["other"]] if tb["other"] else [])]
        for c in row["cells"]
        if c["more"]
    ]
    assert cut  # the five plans have cells with more measures than a cell quotes
    body = flat(text)
    for topic_id, cell in cut:
        assert cell["more"] == len(cell["measures"]) - len(cell["shown"])
        assert cell["more_path"] == f"site/topics/{topic_id}.html" and not cell["more_url"]
        assert f"另有{cell['more']}条，见网页版{cell['more_path']}" in body, cell["more_path"]


SITE_URL = "https://x.org/site"


def link_uris(reader: PdfReader) -> list[str]:
    """The addresses of the PDF's links to the outside (its link annotations with a URI action)."""
    return [
        str(a.get_object()["/A"]["/URI"])
        for page in reader.pages
        for a in page.get("/Annots") or []
        if "/A" in a.get_object() and "/URI" in a.get_object()["/A"]
    ]


@pytest.fixture(scope="module")
def linked(
    comparison_and_tables: tuple[Any, Any], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """A one-topic briefing of the five plans with the site's address given, its site and its links."""
    comparison, tables = comparison_and_tables
    names = fixture_topic_names()
    data = build_view(
        comparison, tables, topic_names=names, build=BUILD, topics=("talent",), site_url=SITE_URL
    )
    out = tmp_path_factory.mktemp("linked")
    write_site(data, out / "site")
    return {
        "view": briefing_context(data),
        "site": out / "site",
        "uris": link_uris(PdfReader(write_briefing(data, out / "linked.pdf"))),
    }


def test_with_the_site_s_address_a_cut_cell_links_to_its_family_on_the_site(linked: dict[str, Any]) -> None:
    cells = [
        c
        for t in linked["view"]["topic_sections"]
        for tb in t["tables"]
        for row in tb["rows"]
        for c in row["cells"]
        if c["more"]
    ]
    assert cells and all(c["more_url"].startswith(f"{SITE_URL}/topics/talent.html#f-") for c in cells)
    assert {c["more_url"] for c in cells} <= set(linked["uris"])


def test_with_the_site_s_address_each_measure_links_to_its_deciding_clause_on_the_site(
    linked: dict[str, Any],
) -> None:
    """Every measure a matrix quotes is a link to the clause the site's cell links to, and that clause
    is on the plan's page; so is the clause the findings quote."""
    view = linked["view"]
    shown = [
        m
        for t in view["topic_sections"]
        for tb in t["tables"]
        for row in [*tb["rows"], *([tb["other"]] if tb["other"] else [])]
        for c in row["cells"]
        for m in c["shown"]
    ]
    assert len(shown) > 20
    for m in shown:
        href = m["evidence"]["href"] if m["evidence"] else m["href"]
        assert m["url"] == f"{SITE_URL}/{href}"
    in_families = [m for m in shown if m["evidence"]]
    assert in_families and all("/c" in m["url"].partition("#")[2] for m in in_families)  # the clause's id
    quoted = [t["quote"] for t in view["findings"]["topics"] if t["quote"]]
    assert quoted and all(q["url"] == f"{SITE_URL}/{q['href']}" for q in quoted)
    uris = linked["uris"]
    wanted = [m["url"] for m in shown] + [q["url"] for q in quoted]
    # every one linked (a link broken over lines is an annotation a line), and no other clause
    assert {u for u in uris if "/plans/" in u} == set(wanted)
    for url in set(wanted):  # each lands on an element of the plan's page
        page, _, anchor = url.removeprefix(f"{SITE_URL}/").partition("#")
        html = (linked["site"] / unquote(page)).read_text(encoding="utf-8")
        assert f'id="{html_escape(unquote(anchor))}"' in html, url


def test_without_the_site_s_address_the_briefing_links_nowhere_outside(
    view: Briefing, reader: PdfReader
) -> None:
    assert all(
        m["url"] == ""
        for t in view["topic_sections"]
        for tb in t["tables"]
        for r in tb["rows"]
        for c in r["cells"]
        for m in c["shown"]
    )
    assert link_uris(reader) == []


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
    en = fixture_view(comparison, build=BUILD, lang="en", topic_descriptions=fixture_topic_descriptions())
    html = render_briefing_html(en, lang="en")
    assert '<html lang="en">' in html
    assert "Topic matrices" in html and fixture_topic_names()["land"][1] in html
    assert "Material as of 20" in html and "Generated 2024-05-01" in html
    assert "资料截至" not in html and "生成日期" not in html


def test_two_renders_give_the_same_bytes(comparison_and_tables: tuple[Any, Any], tmp_path: Path) -> None:
    """The briefing is a pure function of its view: rendered twice (once through the site's writer
    beside it), the same bytes. How much our code adds to WeasyPrint's time is a benchmark target
    (benchmarks/run.py, html_pdf_vs_weasyprint), not a timed test: a loaded machine would fail it."""
    comparison, tables = comparison_and_tables
    # a one-topic briefing: the same code paths, rendered twice in a fraction of the time
    small = build_view(comparison, tables, topic_names=fixture_topic_names(), build=BUILD, topics=("land",))
    first = write_briefing(small, tmp_path / "a.pdf").read_bytes()
    write_site(small, tmp_path / "site")
    second = pdf_from_html(render_briefing_html(small), build_id=small.build.build_id)
    assert first == second


def test_the_charts_follow_the_findings_on_one_page_with_their_figures(
    view: Briefing, page_texts: list[str], pdf: Path, tmp_path: Path
) -> None:
    """The inline SVG charts are drawn into the PDF: their titles and the figures at their bars."""
    summary = next(i for i, t in enumerate(page_texts) if "摘要" in t)
    on = [i for i, t in enumerate(page_texts) if "各方案措施的约束力构成" in flat(t)]
    assert len(on) == 1 and on[0] > summary
    page = flat(page_texts[on[0]])
    charts = view["charts"]
    for chart in [charts["coverage"], charts["bindingness"], *charts["targets"]]:
        assert flat(chart["title"]) in page
        for t in chart["texts"]:
            assert flat(t["text"]) in page, t["text"]
    if shutil.which("pdftoppm"):  # the page is drawn, not only text: the bars' blue is on it
        png = tmp_path / "charts"
        subprocess.run(
            [
                "pdftoppm",
                "-f",
                str(on[0] + 1),
                "-l",
                str(on[0] + 1),
                "-r",
                "30",
                "-png",
                "-singlefile",
                str(pdf),
                str(png),
            ],
            check=True,
        )
        pixels = list(Image.open(f"{png}.png").convert("RGB").get_flattened_data())
        assert sum(1 for p in pixels if p == (0x2A, 0x6C, 0xB0)) > 100


def test_a_family_cell_quotes_its_deciding_clause_with_the_decisive_words(
    view: Briefing, page_texts: list[str]
) -> None:
    """A matrix cell of a family quotes the clause that puts the measure in the family, cut around its
    decisive words (issue 19: the matrices are read, not dumped): every quoted cell holds a marked word,
    and the PDF prints the words."""
    quoted = 0
    pdf_text = "".join("".join(p.split()) for p in page_texts)
    for section in view["topic_sections"]:
        for table in section["tables"]:
            for cell in (c for row in table["rows"] for c in row["cells"]):
                for item in (i for i in cell["shown"] if i["evidence"]):
                    quoted += 1
                    words = ["".join(p["text"].split()) for p in item["quote"] if p["mark"]]
                    assert words, item["path"]
                    assert all(w in pdf_text for w in words), (item["path"], words)
    assert quoted
