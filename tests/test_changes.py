"""What changed: a plan arrives, the build regenerates, and the reports say which plan is new, which
families it brings and which gaps opened or closed for the others — on changes.html, in the data and
in the build's summary, read from the previously published build's facts."""

from __future__ import annotations

import csv
import dataclasses
import json
import shutil
import unicodedata
from dataclasses import replace
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from compare.build import BuildResult, build
from compare.changes import changes_table, facts_from_record, facts_record, what_changed
from compare.config import Settings
from compare.console import changes_lines, print_summary
from compare.gaps import topic_order
from compare.model import Changes, Facts, FamilyName, PlanChange, PlanFacts
from compare.render.view import build_view
from compare.render.view.changes_page import changes_page
from compare.render.view.settings import load_report_settings
from compare.render.view.site import site_context
from compare.tables import comparison_tables
from compare.topics import load_codebook

from .conftest import DOCS_IN
from .render_fixture import FIXTURE_BUILD, build_fixture_comparison, fixture_topic_names
from .test_browser import ARGS, CHROMIUM, Tab

NEW_PLAN = "2023-nantong-etdz-innovation-plan"  # arrives in the second build
TOPIC_ORDER = topic_order([t.id for t in load_codebook().topics])  # the report's order
NEW_PLAN_NAME = "南通市开发区"
NEW_PLAN_NAME_EN = "Nantong Economic Development Zones (Implementation Plan)"


def _facts(build_id: str, plans: dict[str, tuple[str, set[str], set[str]]]) -> Facts:
    families = (
        FamilyName("land.standard-land", "land", "标准地", "Standard land"),
        FamilyName("talent.part-time", "talent", "兼职兼薪", "Part-time posts"),
        FamilyName("proposed.land.abc", "land", "盘活、存量", "Proposed by text similarity", "proposed"),
    )
    return Facts(
        build_id,
        "2026-12-01T02:30:00Z",
        tuple(
            PlanFacts(pid, f"方案{pid}", sha, frozenset(fams), frozenset(gaps))
            for pid, (sha, fams, gaps) in plans.items()
        ),
        families,
    )


def test_a_dict_diff_names_added_removed_changed_plans_and_the_gaps_that_moved() -> None:
    before = _facts(
        "b1",
        {
            "a": ("h1", {"land.standard-land"}, {"talent.part-time"}),
            "b": ("h2", {"talent.part-time"}, {"land.standard-land"}),
            "gone": ("h3", {"talent.part-time"}, set()),
        },
    )
    after = _facts(
        "b2",
        {
            "a": ("h1", {"land.standard-land"}, set()),  # same text; its gap closed
            "b": ("h2-edited", {"talent.part-time", "land.standard-land"}, set()),  # edited: gained a family
            "new": ("h4", {"proposed.land.abc", "talent.part-time"}, {"land.standard-land"}),
        },
    )
    # "a" and "b" held a family formed from the data that the newcomer re-forms (another id, the same
    # plans and one more): not a change, even for "b", whose text changed
    before = _holding(before, ("a", "b"), "proposed.land.old")
    before = replace(
        before,
        families=(
            *before.families[:2],
            FamilyName("proposed.land.old", "land", "盘活、存量、低效", "", "proposed"),
        ),
    )
    after = _holding(after, ("a", "b"), "proposed.land.abc")
    changes = what_changed(before, after)
    assert changes.basis == "compared" and changes.previous_build == "b1"
    status = {c.plan_id: c.status for c in changes.plans}
    assert list(status.items()) == [("new", "added"), ("gone", "removed"), ("b", "changed"), ("a", "same")]
    by = {c.plan_id: c for c in changes.plans}
    assert by["new"].gained == ("talent.part-time", "proposed.land.abc")  # the families' order
    assert by["new"].opened == ()  # an added plan's gaps are its own, not "opened"
    assert by["gone"].lost == ("talent.part-time",)
    assert by["b"].gained == ("land.standard-land",) and by["b"].closed == ("land.standard-land",)
    assert by["b"].lost == ()
    assert by["a"].closed == ("talent.part-time",) and by["a"].opened == ()
    assert by["a"].gained == () and by["a"].lost == ()  # re-formed under another id: the same family
    assert changes.new_families == frozenset()  # the newcomer's family continues one "a" had
    assert (
        changes.families["proposed.land.abc"].label("en") == "盘活、存量"
    )  # a proposed family keeps its words
    assert changes.families["land.standard-land"].label("en") == "Standard land"

    rows = changes_table(changes)
    kinds = list(zip(rows["change"], rows["plan_id"], rows["family_id"], strict=True))
    assert ("plan_added", "new", "") in kinds and ("plan_removed", "gone", "") in kinds
    assert ("gap_closed", "a", "talent.part-time") in kinds and (
        "family_gained",
        "b",
        "land.standard-land",
    ) in kinds
    assert set(rows["since_build"]) == {"b1"}

    assert facts_from_record(json.loads(json.dumps(facts_record(after)))) == after  # what facts.json keeps
    with pytest.raises(ValueError):
        facts_from_record({"version": 99})
    with pytest.raises(ValueError):
        facts_from_record({"version": 1, "plans": [{"plan_id": "a"}]})

    same = what_changed(after, after)
    assert same.basis == "compared" and same.plans == () and len(changes_table(same)) == 0
    assert what_changed(None, after).basis == "first_build"


def _cols(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


Builds = tuple[Path, BuildResult, BuildResult, BuildResult]


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> Builds:
    """Four of the five plans, then all five (the fifth arrives between two builds), then the four
    again in the English edition (the fifth withdrawn). Each release stays under releases/<id>/."""
    root = tmp_path_factory.mktemp("changes")
    plans, out = root / "docs_in", root / "reports"
    plans.mkdir()
    for f in DOCS_IN.glob("*.txt"):
        if f.stem != NEW_PLAN:
            shutil.copy(f, plans)
    settings = Settings(input_dir=plans, output_dir=out, formats=("html", "data"), jobs=1)
    first = build(settings)
    shutil.copy(DOCS_IN / f"{NEW_PLAN}.txt", plans)
    second = build(settings)
    (plans / f"{NEW_PLAN}.txt").unlink()
    third = build(Settings(input_dir=plans, output_dir=out, formats=("html",), lang="en", jobs=1))
    return out, first, second, third


def _site(out: Path, result: BuildResult) -> Path:
    return out / "releases" / result.build_id / "site"


def test_changes_html_lists_the_plan_added_between_two_builds_and_the_gaps_that_opened(
    builds: Builds,
) -> None:
    out, first, second, _ = builds
    assert first.changes is not None and first.changes.basis == "first_build"
    first_page = _site(out, first) / "changes.html"
    assert "这是第一次构建" in BeautifulSoup(first_page.read_bytes(), "lxml").get_text()
    site = _site(out, second)

    changes = second.changes
    assert changes is not None and changes.previous_build == first.build_id
    assert [c.plan_id for c in changes.plans if c.status == "added"] == [NEW_PLAN]
    opened = {c.plan_id: c.opened for c in changes.plans if c.opened}
    assert opened, "a fifth plan makes families common enough to be gaps for some of the others"

    soup = BeautifulSoup((site / "changes.html").read_bytes(), "lxml")
    assert first.build_id in soup.select_one("p.lead").get_text()
    added = soup.select_one("#changes-added").find_parent("section")
    plan = added.select_one("article h3 a")
    assert plan.get_text() == NEW_PLAN_NAME and plan["href"] == f"plans/{NEW_PLAN}.html"
    assert (site / plan["href"]).is_file()
    brought = [a.get_text() for a in added.select(".fam-list.gained .fam a")]
    new_plan = next(c for c in changes.plans if c.plan_id == NEW_PLAN)
    assert len(brought) == len(new_plan.gained) and "区域评估" in brought

    others = soup.select_one("#changes-same").find_parent("section")
    for article in others.select("article"):
        name = article.select_one("h3").get_text()
        pid = next(c.plan_id for c in changes.plans if c.name == name)
        shown = [a.get_text() for a in article.select(".fam-list.opened .fam a")]
        # the page groups a list by topic, in the report's order; within a topic, the data's order
        expected = sorted(opened.get(pid, ()), key=lambda f: TOPIC_ORDER.index(changes.families[f].topic))
        assert shown == [changes.families[f].name for f in expected]
        for a in article.select(".fam-list.opened .fam a"):  # a gap links to its row, on the plan's page
            page, _, anchor = a["href"].partition("#")
            target = BeautifulSoup((site / page).read_bytes(), "lxml")
            assert target.find(id=anchor) is not None, a["href"]
    assert {a.select_one("h3").get_text() for a in others.select("article")} >= {
        next(c.name for c in changes.plans if c.plan_id == pid) for pid in opened
    }

    index = BeautifulSoup((site / "index.html").read_bytes(), "lxml")
    assert index.select_one("p.changes-note a[href='changes.html']") is not None
    assert index.select_one("header.site nav a[href='changes.html']") is not None


def test_a_plan_withdrawn_closes_gaps_and_the_english_edition_names_them_in_english(builds: Builds) -> None:
    out, _, second, third = builds
    changes = third.changes
    assert changes is not None and changes.previous_build == second.build_id
    assert [(c.plan_id, c.status) for c in changes.plans if c.status != "same"] == [(NEW_PLAN, "removed")]
    closed = {c.plan_id: c.closed for c in changes.plans if c.closed}
    assert closed
    soup = BeautifulSoup((_site(out, third) / "changes.html").read_bytes(), "lxml")
    assert soup.html["lang"] == "en" and "Compared with the previously published build" in soup.get_text()
    removed = soup.select_one("#changes-removed").find_parent("section")
    # named as its build named it in English (the facts keep both names)
    assert removed.select_one("article h3").get_text() == NEW_PLAN_NAME_EN
    assert removed.select_one("article h3 a") is None  # no page for a plan no longer compared
    names = [f.get_text(" ", strip=True) for f in soup.select(".fam-list.closed .fam")]
    expected = [changes.families[f].label("en") for ids in closed.values() for f in ids]
    assert sorted(names) == sorted(expected)
    catalogued = [
        changes.families[f]
        for ids in closed.values()
        for f in ids
        if changes.families[f].source == "catalogue"
    ]
    assert catalogued and all(f.name_en and f.name_en in names for f in catalogued)  # their English names


def test_the_data_and_the_summary_say_the_same(builds: Builds, capsys: pytest.CaptureFixture[str]) -> None:
    out, first, second, _ = builds
    assert second.changes is not None
    data_dir = out / "releases" / second.build_id / "data"
    data = json.loads((data_dir / "comparison.json").read_text(encoding="utf-8"))
    rows = data["changes"]
    assert {"change": "plan_added", "plan_id": NEW_PLAN}.items() <= next(
        r for r in rows if r["change"] == "plan_added"
    ).items()
    opened = sorted((c.plan_id, f) for c in second.changes.plans for f in c.opened)
    assert sorted((r["plan_id"], r["family_id"]) for r in rows if r["change"] == "gap_opened") == opened
    assert {r["since_build"] for r in rows} == {first.build_id}
    with (data_dir / "changes.csv").open(encoding="utf-8-sig", newline="") as fh:
        assert len(list(csv.DictReader(fh))) == len(rows)
    facts = json.loads((data_dir / "facts.json").read_text(encoding="utf-8"))
    assert facts["build_id"] == second.build_id and len(facts["plans"]) == 5

    lines = changes_lines(second.changes, "zh", 60)
    assert lines[0].startswith(f"What changed since build {first.build_id}")
    assert any(f"added {NEW_PLAN_NAME}" in line for line in lines)
    assert all(_cols(line) <= 60 for line in lines), lines
    # quiet, as cron runs it: what changed is still said, the rest is not
    quiet = Settings(input_dir=out, output_dir=out, quiet=True)
    print_summary(second, quiet)
    said = capsys.readouterr().out
    assert said.startswith("What changed since build") and "Time per stage" not in said
    print_summary(first, quiet)  # a first build has nothing to say to a quiet log
    assert capsys.readouterr().out == ""


def test_a_published_build_without_facts_is_said_not_guessed(tmp_path: Path) -> None:
    """A release made by an older version (no facts.json): what changed is not known, and the build
    says so rather than calling every plan new."""
    plans, out = tmp_path / "docs_in", tmp_path / "reports"
    plans.mkdir()
    shutil.copy(DOCS_IN / f"{NEW_PLAN}.txt", plans)
    settings = Settings(input_dir=plans, output_dir=out, formats=("data",), jobs=1)
    build(settings)
    (out / "current" / "data" / "facts.json").unlink()
    settings.title = "另一个标题"  # another build id, the same plan
    result = build(settings)
    assert result.changes is not None and result.changes.basis == "no_record"
    assert "not known" in "\n".join(changes_lines(result.changes, "zh", 80))
    assert len(json.loads((out / "data" / "comparison.json").read_text(encoding="utf-8"))["changes"]) == 0


@pytest.mark.browser
@pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason=f"headless Chromium not installed at {CHROMIUM}")
def test_in_a_browser_a_gap_that_opened_leads_to_its_row_and_the_page_fits_a_phone(builds: Builds) -> None:
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    out, _, second, _ = builds
    site = _site(out, second)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            tab = Tab(browser)
            page = tab.open(site / "index.html")
            page.locator("p.changes-note a").click()  # the index's note leads to the page
            page.wait_for_load_state("load")
            assert page.url.endswith("/changes.html")
            assert page.locator("#changes-added ~ article h3").first.inner_text() == NEW_PLAN_NAME
            link = page.locator(".fam-list.opened .fam a").first
            family = link.inner_text()
            link.click()
            page.wait_for_load_state("load")
            anchor = page.url.partition("#")[2]
            assert "/topics/" in page.url and anchor.startswith("f-")
            row = page.locator(f"[id='{anchor}']")
            assert family in row.inner_text() and row.is_visible()
            assert tab.problems == []
            tab.close()
            phone = Tab(browser, viewport={"width": 390, "height": 844}, is_mobile=True)
            page = phone.open(site / "changes.html")
            assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
            phone.close()
        finally:
            browser.close()


def test_a_long_list_of_changes_is_cut_on_the_page_and_counted() -> None:
    """Many gaps move at once (an edited catalogue, another --min-peers at thousands of plans): the page
    lists report.yaml's number of families and plans and counts the rest; the data has every row."""
    comparison = build_fixture_comparison()
    names = fixture_topic_names()
    tables = comparison_tables(comparison, names)
    plan_ids = [p.document.plan_id for p in comparison.plans]
    families = [f for f in comparison.families if f.source == "catalogue"][:5]
    changes = Changes(
        "compared",
        "b0",
        "2026-12-01T02:30:00Z",
        tuple(
            PlanChange(pid, pid, "same", (), (), tuple(f.family_id for f in families), ()) for pid in plan_ids
        ),
        {f.family_id: FamilyName(f.family_id, f.topic, f.name, f.gloss, name_en=f.name_en) for f in families},
    )
    settings = dataclasses.replace(load_report_settings(), changes_plans=3, changes_families=2)
    view = build_view(
        comparison, tables, topic_names=names, build=FIXTURE_BUILD, changes=changes, settings=settings
    )
    page = changes_page(view, site_context(view))
    (group,) = page["groups"]
    assert len(group["plans"]) == 3 and "另有2个方案" in group["more"]
    (shown,) = group["plans"][0]["lists"]
    assert shown["label"] == "新出现的缺口（5）" and "另有3项" in shown["more"]
    assert sum(len(t["families"]) for t in shown["topics"]) == 2
    assert len(changes_table(changes)) == 5 * len(plan_ids)


def _holding(facts: Facts, plan_ids: tuple[str, ...], family_id: str) -> Facts:
    """``facts`` with these plans holding one more family."""
    plans = tuple(
        replace(p, families=p.families | {family_id}) if p.plan_id in plan_ids else p for p in facts.plans
    )
    return replace(facts, plans=plans)
