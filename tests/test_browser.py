"""The site in a real browser (headless Chromium through Playwright), from the file system.

A reader opens the index and a topic page (no console errors, no failed requests), clicks a
measure in the matrix and lands on the highlighted passage of the plan, filters the matrix,
reads a plan whose text holds a script tag (shown, never run), uses a phone-sized screen, and
searches the plans from the header's box.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import pytest
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn

from compare.render.html import write_site
from compare.render.view import BuildInfo
from compare.render.view.search_index import search_index
from compare.render.view.settings import load_report_settings
from tests.render_fixture import build_fixture_comparison, fixture_view, shown_site
from tests.test_render_html import SCRIPT, inject_script

CHROMIUM = "/usr/bin/chromium"
BROWSER_BUILD = BuildInfo("browser-test", "2024-05-01T08:00:00Z", {"a.txt": "0" * 64}, {})
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        shutil.which(CHROMIUM) is None, reason=f"headless Chromium not installed at {CHROMIUM}"
    ),
]
playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright (Python) is not installed")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    comparison = build_fixture_comparison()
    plan_id, measure_id = inject_script(comparison)
    data = fixture_view(comparison, build=BROWSER_BUILD)
    out = tmp_path_factory.mktemp("site")
    write_site(data, out)
    shown = shown_site(data)
    topic = max(
        shown.topics,
        key=lambda t: sum(len(c["measures"]) for pg in t["pages"] for r in pg["rows"] for c in r["cells"]),
    )
    rows = data.family_rows[topic["topic_id"]]  # the topic's families, one matrix row each
    return {
        "root": out,
        "shown": shown,
        "script_plan": plan_id,
        "script_measure": measure_id,
        "topic": {**topic, "rows": rows},
    }


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Tab:
    """A page that records what a reader would not want to see: errors, failed loads, dialogs."""

    def __init__(self, browser: Any, **context: Any) -> None:
        self.context = browser.new_context(**context)
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.problems.append(str(e)))
        self.page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url}"))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("dialog", self._dialog)

    def _console(self, message: Any) -> None:
        if message.type in ("error", "warning"):
            self.problems.append(message.text)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def open(self, path: Path, fragment: str = "") -> Any:
        self.page.goto(path.as_uri() + fragment)
        self.page.wait_for_load_state("load")
        return self.page

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def tab(browser: Any) -> Iterator[Tab]:
    t = Tab(browser)
    yield t
    t.close()


def test_index_opens_cleanly_with_language_captions_and_heatmap(tab: Tab, site: dict[str, Any]) -> None:
    page = tab.open(site["root"] / "index.html")
    assert page.get_attribute("html", "lang") == "zh-CN"
    assert page.locator("table.heat caption").is_visible()
    n_topics = len(site["shown"].index["heatmap"]["rows"])
    assert page.locator("table.heat tbody tr").count() == n_topics
    assert tab.problems == []
    assert all(u.startswith("file://") for u in tab.requests), tab.requests


def test_clicking_a_matrix_measure_lands_on_the_highlighted_passage(tab: Tab, site: dict[str, Any]) -> None:
    topic = site["topic"]
    page = tab.open(site["root"] / "topics" / f"{topic['topic_id']}.html")
    assert page.get_attribute("html", "lang") == "zh-CN"
    assert page.locator("table.matrix caption").is_visible()
    link = page.locator("table.matrix a.src").first
    href = link.get_attribute("href")
    assert href and "#" in href
    link.click()
    page.wait_for_load_state("load")
    assert "/plans/" in page.url
    target = page.locator(":target")
    assert target.count() == 1
    assert target.get_attribute("id") == page.evaluate("decodeURIComponent(location.hash.slice(1))")
    assert target.is_visible()
    assert target.evaluate(
        "el => { const r = el.getBoundingClientRect(); return r.top < innerHeight && r.bottom > 0 }"
    )
    colour = target.evaluate("el => getComputedStyle(el).backgroundColor")
    plain = page.locator(".plantext .m:not(:target)").first.evaluate(
        "el => getComputedStyle(el).backgroundColor"
    )
    assert colour != plain  # highlighted
    assert tab.problems == []


def test_a_script_in_a_plan_is_shown_as_text_and_never_runs(tab: Tab, site: dict[str, Any]) -> None:
    page = tab.open(site["root"] / "plans" / f"{site['script_plan']}.html")
    page.wait_for_timeout(200)
    assert tab.dialogs == []
    passage = page.locator(f'[id="{site["script_measure"]}"]')
    assert SCRIPT in passage.inner_text()
    assert page.locator(".plantext script").count() == 0
    assert tab.problems == []


def test_filtering_and_sorting_the_matrix(tab: Tab, site: dict[str, Any]) -> None:
    topic = site["topic"]
    page = tab.open(site["root"] / "topics" / f"{topic['topic_id']}.html")
    rows = page.locator("table.matrix tbody tr[id]")
    total = rows.count()
    assert total == len(topic["rows"])
    assert page.locator(".matrix-tools").is_visible()
    name = topic["rows"][-1]["name"]
    page.fill("[data-filter]", name)
    visible = [r for r in rows.all() if r.is_visible()]
    assert 1 <= len(visible) < total or total == 1
    assert any(name in r.inner_text() for r in visible)
    page.fill("[data-filter]", "")
    page.check("[data-gaps-only]")
    shown = [r for r in rows.all() if r.is_visible()]
    assert all(r.locator("td.is-gap").count() > 0 for r in shown)
    page.uncheck("[data-gaps-only]")
    page.locator("thead th.corner").click()
    assert page.locator("thead th.corner").get_attribute("aria-sort") in {"ascending", "descending"}
    assert rows.count() == total
    assert tab.problems == []


def test_without_javascript_the_matrix_is_complete_and_the_tools_stay_hidden(
    browser: Any, site: dict[str, Any]
) -> None:
    t = Tab(browser, java_script_enabled=False)
    try:
        topic = site["topic"]
        page = t.open(site["root"] / "topics" / f"{topic['topic_id']}.html")
        assert not page.locator(".matrix-tools").is_visible()
        rows = page.locator("table.matrix tbody tr[id]")
        assert rows.count() == len(topic["rows"]) and all(r.is_visible() for r in rows.all())
        summary = page.locator("table.matrix details summary").first
        if summary.count():
            summary.click()  # full text on demand works without script
            assert page.locator("table.matrix details[open] p.full").first.is_visible()
    finally:
        t.close()


def test_on_a_phone_the_page_fits_and_the_matrix_scrolls_sideways(browser: Any, site: dict[str, Any]) -> None:
    t = Tab(browser, viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
    try:
        topic = site["topic"]
        page = t.open(site["root"] / "topics" / f"{topic['topic_id']}.html")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
        wrap = page.locator(".matrix-wrap")
        assert wrap.evaluate("el => el.scrollWidth > el.clientWidth")
        first_col = page.locator("table.matrix tbody th[scope=row]").first
        assert first_col.evaluate("el => getComputedStyle(el).position") == "sticky"
        index = t.open(site["root"] / "index.html")
        assert index.evaluate("document.documentElement.scrollWidth") <= 390 + 1
        assert t.problems == []
    finally:
        t.close()


# the point near a header's left edge shows the header, not a cell scrolled under it
ON_TOP = (
    "el => { const r = el.getBoundingClientRect();"
    " const at = document.elementFromPoint(Math.min(r.left + 20, innerWidth - 1), (r.top + r.bottom) / 2);"
    " return at === el || el.contains(at) }"
)


def _topic_path(site: dict[str, Any]) -> Path:
    return Path(site["root"]) / "topics" / f"{site['topic']['topic_id']}.html"


def test_plan_names_stay_in_view_while_a_long_topic_is_scrolled(tab: Tab, site: dict[str, Any]) -> None:
    page = tab.open(_topic_path(site))
    page.set_viewport_size({"width": 1280, "height": 700})
    wrap = page.locator(".matrix-wrap")
    assert wrap.evaluate("el => el.scrollHeight > el.clientHeight")  # long enough to scroll
    heads = page.locator("table.matrix thead th")
    wrap.evaluate("el => el.scrollIntoView({block: 'start'})")  # the reader scrolls down to the matrix …
    box = wrap.bounding_box()
    assert box
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 300)  # … and on, with the pointer over it
    middle = wrap.evaluate("el => (el.scrollHeight - el.clientHeight) / 2")
    for _ in range(100):  # to the middle of the matrix, as a reader would
        if wrap.evaluate("el => el.scrollTop") >= middle:
            break
        page.mouse.wheel(0, 300)
        page.wait_for_timeout(30)
    assert wrap.evaluate("el => el.scrollTop") >= middle > 1000
    first_row = page.locator("table.matrix tbody tr[id]").first
    assert first_row.evaluate("el => el.getBoundingClientRect().bottom") < 0  # scrolled far past it
    for th in heads.all():
        rect = th.evaluate("el => { const r = el.getBoundingClientRect(); return [r.top, r.bottom] }")
        assert rect[0] >= -1 and rect[1] <= 700, rect  # (a fraction of a pixel from layout)
        assert th.evaluate(ON_TOP) or th.evaluate("el => el.getBoundingClientRect().left >= innerWidth")
    page.screenshot(path=str(Path(site["root"]) / "topic-mid-scroll.png"))
    assert tab.problems == []


def test_a_topic_prints_as_a_landscape_table_with_its_header_on_every_sheet(
    tab: Tab, site: dict[str, Any]
) -> None:
    page = tab.open(_topic_path(site))
    page.emulate_media(media="print")
    th = page.locator("table.matrix thead th").nth(1)
    assert th.evaluate("el => getComputedStyle(el).position") == "static"
    assert page.locator("table.matrix thead").evaluate("el => getComputedStyle(el).display") == (
        "table-header-group"  # repeated at the top of each printed sheet
    )
    assert not page.locator(".matrix-tools").is_visible()
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert boxes and all(float(w) > float(h) for w, h in boxes), boxes[:3]  # landscape sheets
    # the two plans with most measures on the topic chosen: their two columns share the sheet (hidden
    # columns take no width; a column of only 未涉及 would rightly be narrow)
    plans = [b.get_attribute("value") for b in page.locator("[data-plan-picker] input").all()]
    held = {p: page.locator(f'#matrix td[data-plan="{p}"] .measure').count() for p in plans}
    chosen = sorted(plans, key=lambda p: -held[p])[:2]
    assert all(held[p] for p in chosen)
    page = tab.open(_topic_path(site), "#plans=" + ",".join(chosen))
    page.emulate_media(media="print")
    table = page.locator("table.matrix").evaluate("el => el.getBoundingClientRect().width")
    heads = page.locator("table.matrix thead th[data-plan]").all()
    shown = [th for th in heads if th.is_visible()]
    assert sorted(str(th.get_attribute("data-plan")) for th in shown) == sorted(chosen)
    assert all(th.evaluate("el => el.getBoundingClientRect().width") > table / 4 for th in shown)
    assert all(th.evaluate("el => el.getBoundingClientRect().width") == 0 for th in heads if th not in shown)
    assert tab.problems == []


def _shown_plans(page: Any) -> list[str]:
    """The plans whose column is on screen (by head), checking their cells follow their head."""
    heads = page.locator("table.matrix thead th[data-plan]").all()
    shown = [th.get_attribute("data-plan") for th in heads if th.is_visible()]
    for cell in page.locator("table.matrix tbody tr[id]").first.locator("td").all():
        assert cell.is_visible() == (cell.get_attribute("data-plan") in shown)
    return shown


def test_the_plan_picker_shows_the_chosen_plans_and_the_address_reproduces_the_view(
    browser: Any, site: dict[str, Any]
) -> None:
    first, second = Tab(browser), Tab(browser)
    try:
        page = first.open(_topic_path(site))
        plans = [b.get_attribute("value") for b in page.locator("[data-plan-picker] input").all()]
        assert len(plans) >= 3 and _shown_plans(page) == plans
        chosen = [plans[0], plans[2]]
        for plan in plans:
            if plan not in chosen:
                page.uncheck(f'[data-plan-picker] input[value="{plan}"]')
        assert _shown_plans(page) == chosen
        assert page.evaluate("location.hash") == "#plans=" + ",".join(chosen)
        coverage = [
            li.get_attribute("data-plan") for li in page.locator("ul.coverage li").all() if li.is_visible()
        ]
        assert coverage == chosen
        page.screenshot(path=str(Path(site["root"]) / "topic-two-plans.png"), full_page=False)
        # a colleague opens the address: the same view
        again = second.open(_topic_path(site), "#plans=" + ",".join(chosen))
        assert _shown_plans(again) == chosen
        assert [b.is_checked() for b in again.locator("[data-plan-picker] input").all()] == [
            p in chosen for p in plans
        ]
        again.click("[data-plans-all]")
        assert _shown_plans(again) == plans and again.evaluate("location.hash") == ""
        # "untick all" then tick the few to compare; none ticked is no choice: every plan shows
        page.click("[data-plans-none]")
        assert _shown_plans(page) == plans and page.evaluate("location.hash") == ""
        page.check(f'[data-plan-picker] input[value="{plans[1]}"]')
        assert _shown_plans(page) == [plans[1]]
        assert page.evaluate("location.hash") == f"#plans={plans[1]}"
        assert first.problems == [] and second.problems == []
    finally:
        first.close()
        second.close()


def test_the_view_chosen_downloads_as_a_word_table_of_those_plans_and_rows(
    tab: Tab, site: dict[str, Any]
) -> None:
    """An analyst ticks the two plans of a memo, keeps the rows with a gap, and takes the table to Word:
    the file has those columns and rows only, the cells the page shows (decisive words highlighted),
    each clause linked to its place on the site."""
    page = tab.open(_topic_path(site))
    plans = [b.get_attribute("value") for b in page.locator("[data-plan-picker] input").all()]
    chosen = [plans[0], plans[2]]
    page.click("[data-plans-none]")
    for plan in chosen:
        page.check(f'[data-plan-picker] input[value="{plan}"]')
    page.check("[data-gaps-only]")
    names = [page.locator(f'#matrix thead th[data-plan="{p}"]').inner_text().strip() for p in chosen]
    shown = [tr for tr in page.locator("#matrix tbody tr:not(.group)").all() if tr.is_visible()]
    every = page.locator("#matrix tbody tr:not(.group)").count()
    assert 0 < len(shown) < every
    with page.expect_download() as download:
        page.click("[data-word]")
    assert download.value.suggested_filename == f"{site['topic']['topic_id']}.docx"
    doc = Document(download.value.path())
    assert doc.sections[0].orientation == WD_ORIENT.LANDSCAPE
    (table,) = doc.tables
    assert [c.text for c in table.rows[0].cells] == ["措施家族", *names]
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None  # repeated on every page
    body = [
        r for r in table.rows[1:] if r._tr.find(f"{qn('w:tc')}/{qn('w:tcPr')}/{qn('w:gridSpan')}") is None
    ]
    assert [r.cells[0].text.split("\n")[0] for r in body] == [
        tr.locator("th .fam").inner_text().strip() for tr in shown
    ]
    assert all(r._tr.trPr.find(qn("w:cantSplit")) is not None for r in table.rows)
    links = {rel.target_ref for rel in doc.part.rels.values() if rel.reltype.endswith("/hyperlink")}
    checked = 0
    for tr, row in zip(shown, body, strict=True):
        for k, plan in enumerate(chosen, start=1):
            td = tr.locator(f'td[data-plan="{plan}"]')
            assert row.cells[k].text.strip() != ""
            for m in td.locator(".measure").all():
                src = m.locator(":scope > a.src").evaluate("a => a.href")
                assert src in links  # the clause's place on the site, as the page links it
                marks = m.locator(":scope > p.clause mark").all_inner_texts()
                lit = [
                    "".join(t.text or "" for t in r.iter(qn("w:t")))
                    for r in row.cells[k]._tc.iter(qn("w:r"))
                    if r.find(f"{qn('w:rPr')}/{qn('w:highlight')}") is not None
                ]
                assert all(mark in lit for mark in marks)
                checked += 1
            if td.locator(".gap").count():
                assert td.locator(".gap").inner_text() in row.cells[k].text
    assert checked > 0 and tab.problems == []


def test_without_javascript_an_address_with_chosen_plans_shows_every_plan(
    browser: Any, site: dict[str, Any]
) -> None:
    t = Tab(browser, java_script_enabled=False)
    try:
        page = t.open(_topic_path(site), "#plans=nobody")
        plans = page.locator("table.matrix thead th[data-plan]")
        assert plans.count() >= 3 and all(th.is_visible() for th in plans.all())
        assert all(td.is_visible() for td in page.locator("table.matrix tbody tr[id] td").all())
        assert not page.locator("[data-plan-picker]").is_visible()
    finally:
        t.close()


@pytest.fixture(scope="module")
def search_site(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The five plans' site with its search index split into small files (as at thousands of plans)."""
    comparison = build_fixture_comparison()
    small = dataclasses.replace(load_report_settings(), search_shard_kb=8, search_passages_kb=8)
    data = fixture_view(comparison, build=BROWSER_BUILD, settings=small)
    out = tmp_path_factory.mktemp("search-site")
    write_site(data, out)
    return {"root": out, "index": search_index(data), "data": data}


def _holding(index: Any, query: str) -> list[int]:
    return [n for n, d in enumerate(index.docs) if query in "".join(d.clauses)]


def test_search_finds_a_two_character_word_and_its_link_lands_on_the_clause(
    tab: Tab, search_site: dict[str, Any]
) -> None:
    index = search_site["index"]
    assert len(list((search_site["root"] / "search").glob("t*.js"))) > 3  # the index is split
    want = _holding(index, "人才")
    plans = list(dict.fromkeys(index.plans[index.docs[n].plan].name for n in want))
    assert len(plans) >= 3
    # from a plan's page: "/" puts the cursor in the header's search box
    plan_page = next((search_site["root"] / "plans").iterdir())
    page = tab.open(plan_page)
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "site-q"
    page.keyboard.type("人才")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.split("?")[0].endswith("/search.html")
    page.wait_for_selector(".search-plan li")
    status = page.locator("[data-search-status]").inner_text()
    assert f"{len(want)}条措施" in status and f"{len(plans)}个方案" in status
    # grouped by plan, in the report's order, every passage once, the word marked
    assert page.locator(".search-plan h2 a").all_inner_texts() == plans
    assert page.locator(".search-plan li").count() == len(want)
    assert page.locator(".search-plan li mark").first.inner_text() == "人才"
    assert page.input_value("#site-q") == "人才"  # the box keeps the query
    # the reader follows a result of the second plan: it lands on the clause that holds the word
    link = page.locator(".search-plan").nth(1).locator("li a").first
    link.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")  # keyboard only
    assert "/plans/" in page.url
    target = page.locator(":target")
    assert target.count() == 1
    anchor = page.evaluate("decodeURIComponent(location.hash.slice(1))")
    assert target.get_attribute("id") == anchor and re.search(r"/m\d+/c\d+$", anchor)
    assert "人才" in target.inner_text()
    assert target.evaluate(
        "el => { const r = el.getBoundingClientRect(); return r.top < innerHeight && r.bottom > 0 }"
    )
    plain = page.locator(".plantext .c:not(:target)").first.evaluate(
        "el => getComputedStyle(el).backgroundColor"
    )
    assert target.evaluate("el => getComputedStyle(el).backgroundColor") != plain  # highlighted


# --------------------------------------------------------------------------- two plans side by side


def test_the_two_plan_page_diffs_the_passages_two_real_plans_share(tab: Tab, site: dict[str, Any]) -> None:
    """Chongqing's and Yunnan's plans share passages with a few words changed: the page marks them."""
    a, b = "2021-chongqing-ftz-linked-zones-plan", "2021-yunnan-ftz-linked-etdz-plan"
    page = tab.open(Path(site["root"]) / "compare.html", f"#a={a}&b={b}")
    page.wait_for_selector("#pair-diffs")
    assert page.locator('select[data-side="a"]').input_value() == a
    assert page.locator('select[data-side="b"]').input_value() == b
    inserted = [t.strip() for t in page.locator(".pair-diff p.diff ins").all_inner_texts()]
    assert "云南" in inserted  # 复制推广[云南]自贸试验区: only in Yunnan's wording
    assert (
        page.locator("#pair-both + p + .scroll table tbody tr, #pair-both ~ .scroll table tbody tr").count()
        > 0
    )
    assert tab.problems == []
    assert all(u.startswith("file://") for u in tab.requests), tab.requests


def test_any_two_plans_download_as_a_word_table_with_the_page_s_cells(tab: Tab, site: dict[str, Any]) -> None:
    """Any two plans, not only a plan and the one it cites, go to Word as the page shows them: the
    shared passages with struck (only in the first) and underlined (only in the second) words, the
    families both have with both wordings, what each has alone; every wording linked to its clause."""
    a, b = "2021-chongqing-ftz-linked-zones-plan", "2021-yunnan-ftz-linked-etdz-plan"
    page = tab.open(Path(site["root"]) / "compare.html", f"#a={a}&b={b}")
    page.wait_for_selector("#pair-diffs")
    with page.expect_download() as download:
        page.click("#pair [data-word]")
    assert download.value.suggested_filename == f"{a}--{b}.docx"
    doc = Document(download.value.path())
    names = [page.locator(f'select[data-side="a"] option[value="{p}"]').inner_text() for p in (a, b)]
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert headings[0] == f"两方案对照：{names[0]}与{names[1]}"
    assert headings[1:] == [h.inner_text() for h in page.locator("#pair h2").all()]
    diffs, both, only_a, only_b = doc.tables
    shown = page.locator(".pair-diff p.diff").all()
    assert len(diffs.rows) - 1 == len(shown) > 0
    for row, p in zip(diffs.rows[1:], shown, strict=True):
        runs = row.cells[1].paragraphs[0].runs
        assert "".join(r.text for r in runs if r.font.strike) == "".join(p.locator("del").all_inner_texts())
        assert "".join(r.text for r in runs if r.font.underline) == "".join(
            p.locator("ins").all_inner_texts()
        )
        assert "".join(r.text for r in runs) == p.inner_text()
    for table, part in ((both, "#pair-both"), (only_a, "#pair-only-a"), (only_b, "#pair-only-b")):
        rows = page.locator(f"section:has({part}) table tbody tr").all()
        assert len(table.rows) - 1 == len(rows)
        for row, tr in zip(table.rows[1:], rows, strict=True):
            assert row.cells[0].text.split("\n")[0] == tr.locator("th a, th > span").first.inner_text()
    assert [c.text for c in both.rows[0].cells] == ["措施家族", *names]
    # every link lands where the page's does: a clause of a plan page, a family's row of a topic page
    links = {r.target_ref for r in doc.part.rels.values() if r.reltype.endswith("/hyperlink")}
    hrefs = set(page.eval_on_selector_all("#pair a[href]:not([href^='#'])", "els => els.map(a => a.href)"))
    assert links - {page.url} == hrefs and any("/plans/" in u for u in links)
    assert doc.core_properties.created == datetime(2024, 5, 1, 8, 0, 0, tzinfo=UTC)
    assert tab.problems == []


def test_search_with_two_terms_a_longer_word_and_no_match(tab: Tab, search_site: dict[str, Any]) -> None:
    index = search_site["index"]
    root = search_site["root"] / "search.html"
    page = tab.open(root, "?q=" + quote("标准地"))
    page.wait_for_selector(".search-plan li")
    assert page.locator(".search-plan li").count() == len(_holding(index, "标准地")) == 1
    assert "标准地" in page.locator(".search-plan li").inner_text()
    both = [n for n in _holding(index, "人才") if n in _holding(index, "引进")]
    page = tab.open(root, "?q=" + quote("人才 引进"))
    page.wait_for_selector(".search-plan li")
    assert page.locator(".search-plan li").count() == len(both) > 0
    many = _holding(index, "发展")
    assert len(many) > 50  # more than one batch: the rest on demand
    page = tab.open(root, "?q=" + quote("发展"))
    page.wait_for_selector(".search-plan li")
    assert page.locator(".search-plan li").count() == 50
    page.click("[data-search-more]")
    page.wait_for_function(f"document.querySelectorAll('.search-plan li').length >= {min(len(many), 100)}")
    assert page.locator(".search-plan li").count() == min(len(many), 100)
    assert f"{len(many)}条措施" in page.locator("[data-search-status]").inner_text()
    page = tab.open(root, "?q=" + quote("无此词语"))
    page.wait_for_function("document.querySelector('[data-search-status]').textContent.includes('没有找到')")
    assert page.locator(".search-plan").count() == 0
    page = tab.open(root, "?q=" + quote("人"))
    assert "两个字" in page.locator("[data-search-status]").inner_text()
    assert tab.problems == []


def test_a_script_tag_in_a_plan_is_shown_as_text_in_search_results(tab: Tab, site: dict[str, Any]) -> None:
    page = tab.open(site["root"] / "search.html", "?q=" + quote("alert(1)"))
    page.wait_for_selector(".search-plan li")
    page.wait_for_timeout(200)
    assert "<script>alert(1)" in page.locator(".search-plan li").first.inner_text()
    assert page.locator(".search-plan script").count() == 0
    assert tab.dialogs == [] and tab.problems == []


def derived_plan_input(folder: Path) -> tuple[str, str]:
    """A real plan and a county plan made from it: it cites the real plan by 文号 and copies its text
    with two clauses edited (合理性 → 前瞻性; 市级…临沧高新区 → 县级…园区). Returns both plan ids."""
    source = Path(__file__).parent.parent / "docs_in" / "2019-lincang-hightech-zone-opinions.txt"
    text = source.read_text(encoding="utf-8")
    body = text[text.index("一、总体要求") :]
    for old, new in (
        ("增强规划的科学性、合理性和约束力", "增强规划的科学性、前瞻性和约束力"),
        ("市级有关部门要将临沧高新区规划的重大支撑性项目", "县级有关部门要将园区规划的重大支撑性项目"),
    ):
        assert old in body
        body = body.replace(old, new, 1)
    head = (
        "双江县人民政府办公室\n\n双政办发〔2020〕8号\n\n关于推进双江工业园区转型升级创新发展的实施方案\n\n"
        "为贯彻落实《关于支持临沧高新技术产业开发区转型升级创新发展的实施意见》(临办发〔2019〕5号)精神,"
        "推进双江工业园区转型升级、创新发展,结合实际,提出以下实施方案。\n\n"
    )
    folder.mkdir(parents=True, exist_ok=True)
    (folder / source.name).write_text(text, encoding="utf-8")
    (folder / "2020-shuangjiang-park-plan.txt").write_text(head + body, encoding="utf-8")
    return source.stem, "2020-shuangjiang-park-plan"


@pytest.fixture(scope="module")
def derived_site(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from compare.build import build
    from compare.config import Settings

    work = tmp_path_factory.mktemp("derived")
    original, copy = derived_plan_input(work / "in")
    result = build(Settings(input_dir=work / "in", output_dir=work / "out", formats=("html",), jobs=1))
    assert not result.failed
    return {"root": work / "out" / "site", "original": original, "copy": copy}


def test_a_plan_page_leads_to_the_two_plan_view_of_the_plan_it_cites_and_its_diff(
    tab: Tab, derived_site: dict[str, Any]
) -> None:
    root, original, copy = derived_site["root"], derived_site["original"], derived_site["copy"]
    page = tab.open(root / "plans" / f"{original}.html")
    link = page.locator("ul.pairs a")
    assert link.count() == 1 and link.inner_text().startswith("对照：")
    link.click()
    page.wait_for_selector(".pair-diff")
    assert page.evaluate("decodeURIComponent(location.hash)") == f"#a={original}&b={copy}"
    # the edited clause: one diff, the original's word struck out, the copy's underlined
    edited = page.locator(".pair-diff", has=page.locator("del", has_text="合理"))
    assert edited.count() == 1
    assert edited.locator("ins").first.inner_text() == "前瞻"
    assert "增强规划的科学性、" in edited.locator("p.diff").inner_text()
    assert (
        edited.locator("del").first.evaluate("e => getComputedStyle(e).textDecorationLine") == "line-through"
    )
    assert edited.locator("ins").first.evaluate("e => getComputedStyle(e).textDecorationLine") == "underline"
    # its links land on the clause in each plan
    hrefs = [a.get_attribute("href") for a in edited.locator("a.src").all()]
    assert hrefs[0].startswith(f"plans/{original}.html#") and hrefs[1].startswith(f"plans/{copy}.html#")
    # the copy keeps every family of the original: both have them all, neither has one of its own
    assert page.locator("section:has(#pair-both) table tbody tr").count() > 10
    assert page.locator("section:has(#pair-only-a) p.empty").count() == 1
    assert page.locator("section:has(#pair-only-b) p.empty").count() == 1
    page.locator(".pair-diff").first.scroll_into_view_if_needed()
    page.screenshot(path=str(root.parent / "two-plans.png"))
    # swapped, the same change reads the other way
    page.click("[data-swap]")
    page.wait_for_function(f"decodeURIComponent(location.hash) === '#a={copy}&b={original}'")
    edited = page.locator(".pair-diff", has=page.locator("del", has_text="前瞻"))
    assert edited.count() == 1 and edited.locator("ins").first.inner_text() == "合理"
    assert tab.problems == []
    assert all(u.startswith("file://") for u in tab.requests), tab.requests


def test_the_two_plan_view_follows_the_address_and_the_pickers(
    tab: Tab, derived_site: dict[str, Any]
) -> None:
    root, original, copy = derived_site["root"], derived_site["original"], derived_site["copy"]
    page = tab.open(root / "compare.html")  # no choice in the address: a plan and the plan it cites
    page.wait_for_selector(".pair-diff")
    assert page.locator('select[data-side="a"]').input_value() == copy
    assert page.locator('select[data-side="b"]').input_value() == original
    # the view's Word 对照表, written in the browser (test_any_two_plans_download_as_a_word_table…)
    assert page.locator("ul.pair-summary li.docx button[data-word]").inner_text() == "下载 Word 对照表"
    page.select_option('select[data-side="b"]', copy)  # the same plan twice: nothing to compare
    page.wait_for_selector("#pair p.empty")
    assert page.evaluate("decodeURIComponent(location.hash)") == f"#a={copy}&b={copy}"
    assert page.locator(".pair-diff").count() == 0
    page.evaluate(f"location.hash = '#a={original}&b={copy}'")  # back to a pair, by the address
    page.wait_for_selector(".pair-diff")
    assert page.locator('select[data-side="a"]').input_value() == original
    assert tab.problems == []


def test_without_javascript_the_two_plan_page_says_what_it_needs(
    browser: Any, derived_site: dict[str, Any]
) -> None:
    t = Tab(browser, java_script_enabled=False)
    try:
        page = t.open(derived_site["root"] / "compare.html")
        assert not page.locator("[data-pair-picker]").is_visible()
        assert "JavaScript" in page.locator("main").inner_text()
    finally:
        t.close()


def test_the_grid_keeps_plan_names_and_families_in_view_mid_scroll(tab: Tab, site: dict[str, Any]) -> None:
    page = tab.open(Path(site["root"]) / "grid.html")
    page.set_viewport_size({"width": 700, "height": 600})
    wrap = page.locator(".grid-wrap")
    wrap.evaluate("el => el.scrollIntoView({block: 'start'})")
    assert wrap.evaluate("el => el.scrollHeight > el.clientHeight && el.scrollWidth > el.clientWidth")
    wrap.evaluate("el => { el.scrollTop = (el.scrollHeight - el.clientHeight) / 2; el.scrollLeft = 120; }")
    page.wait_for_timeout(50)
    top = wrap.evaluate("el => el.getBoundingClientRect().top")
    header_bottom = top
    for th in page.locator("table.grid thead th").all():
        rect = th.evaluate("el => { const r = el.getBoundingClientRect(); return [r.top, r.bottom] }")
        assert top - 1 <= rect[0] and rect[1] <= top + 80, rect  # stuck to the top of the grid's box
        header_bottom = max(header_bottom, rect[1])
    left = wrap.evaluate("el => el.getBoundingClientRect().left")
    # the rows in view below the stuck header (a row scrolled under it is hidden by design)
    visible = [
        th
        for th in page.locator("table.grid tbody th[scope=row]").all()
        if header_bottom <= th.evaluate("el => el.getBoundingClientRect().top") < 600
    ]
    lefts = [th.evaluate("el => el.getBoundingClientRect().left") for th in visible]
    assert lefts and all(abs(x - left) < 2 for x in lefts)  # the family column stays at the left edge
    assert visible[0].evaluate(ON_TOP)
    page.screenshot(path=str(Path(site["root"]) / "grid-mid-scroll.png"))
    assert tab.problems == []


def test_the_plan_picker_hides_the_topic_grid_columns_too(tab: Tab, site: dict[str, Any]) -> None:
    page = tab.open(_topic_path(site))
    plans = [b.get_attribute("value") for b in page.locator("[data-plan-picker] input").all()]
    page = tab.open(_topic_path(site), "#plans=" + plans[1])
    heads = page.locator("#grid thead th[data-plan]").all()
    assert [th.get_attribute("data-plan") for th in heads if th.is_visible()] == [plans[1]]
    cells = page.locator("#grid tbody tr").first.locator("td").all()
    assert sum(c.is_visible() for c in cells) == 2  # the tally and the chosen plan's cell
    assert tab.problems == []


@pytest.fixture(scope="module")
def split_site(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The five plans with two plan columns a page: every topic in three pages (as at thousands of plans)."""
    comparison = build_fixture_comparison()
    two = dataclasses.replace(load_report_settings(), html_plans_per_page=2)
    data = fixture_view(comparison, build=BROWSER_BUILD, settings=two)
    out = tmp_path_factory.mktemp("split-site")
    write_site(data, out)
    return {"root": out, "plans": data.plan_ids}


def _chosen(page: Any) -> tuple[str, list[str]]:
    """The page's file, and the plans whose columns the matrix shows."""
    shown = [th.get_attribute("data-plan") for th in page.locator("table.matrix thead th[data-plan]").all()]
    return page.evaluate("location.pathname.split('/').pop()"), [
        p for p in shown if page.locator(f'table.matrix thead th[data-plan="{p}"]').is_visible()
    ]


def test_the_plans_chosen_go_with_the_pages_of_a_split_topic_and_to_the_other_topics(
    tab: Tab, split_site: dict[str, Any]
) -> None:
    """An analyst chooses plans on one page of a split topic; the pager, the page's own family links and
    the links to the other topics carry the choice, so it survives every move between these pages."""
    p1, p2, p3, *_ = split_site["plans"]
    page = tab.open(Path(split_site["root"]) / "topics" / "land.html")
    assert _chosen(page) == ("land.html", [p1, p2])
    page.uncheck(f'[data-plan-picker] input[value="{p1}"]')  # only the second plan of the first page
    assert _chosen(page) == ("land.html", [p2])
    page.click("nav.pager >> nth=0 >> text=3–4")  # the next page: its plans are not chosen, all show
    page.wait_for_load_state("load")
    assert _chosen(page) == ("land-2.html", [p3, split_site["plans"][3]])
    assert page.evaluate("location.hash") == f"#plans={p2}"
    page.click("[data-plans-none]")
    page.check(f'[data-plan-picker] input[value="{p3}"]')  # and one of this page
    assert _chosen(page) == ("land-2.html", [p3])
    assert page.evaluate("location.hash") == f"#plans={p2},{p3}"
    page.click("nav.pager >> nth=0 >> text=1–2")  # back: the first page's choice is there
    page.wait_for_load_state("load")
    assert _chosen(page) == ("land.html", [p2])
    assert [b.is_checked() for b in page.locator("[data-plan-picker] input").all()] == [False, True]
    # a family in the page's grid: the row comes into view, the choice stays
    family = page.locator("#grid tbody th[scope=row] a").nth(2)
    anchor = family.get_attribute("data-anchor")
    assert family.get_attribute("href").endswith(f"#{anchor}&plans={p2},{p3}")
    family.click()
    page.wait_for_timeout(100)
    assert _chosen(page) == ("land.html", [p2])
    assert page.evaluate("location.hash") == f"#{anchor}&plans={p2},{p3}"
    row = page.locator(f'table.matrix tr[id="{unquote(anchor)}"]')
    assert row.evaluate(
        "el => { const r = el.getBoundingClientRect();"
        " const b = el.closest('.matrix-wrap').getBoundingClientRect();"
        " return r.top >= b.top - 1 && r.top < b.bottom && r.top < innerHeight }"
    )
    # another topic, from the topic's list: its page of the same plans, the same choice
    page.click("nav.topic-nav >> text=人才")
    page.wait_for_load_state("load")
    assert _chosen(page) == ("talent.html", [p2])
    assert page.evaluate("location.hash") == f"#plans={p2},{p3}"
    # the address changed by hand (or by the back button): the links follow it
    page.evaluate(f"location.hash = '#plans={p3}'")
    page.wait_for_timeout(50)
    hrefs = [a.get_attribute("href") for a in page.locator("nav.pager a, nav.topic-nav a").all()]
    assert hrefs and all(h.endswith(f"#plans={p3}") for h in hrefs), hrefs
    assert tab.problems == []
