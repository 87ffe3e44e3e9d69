"""The HTML site, read as a reader would: every page there, linked, labelled, escaped, complete.

Built once per module from the fixture Comparison of the five seed plans (tests/render_fixture.py).
"""

from __future__ import annotations

import copy
import dataclasses
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import lxml.html
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from compare.errors import MessageCatalogueError, ReportSettingsError
from compare.model import MANDATORY_TOPICS as MANDATORY
from compare.model import Comparison, FamilyMember
from compare.render.html import write_site
from compare.render.i18n import read_catalogue, untranslated
from compare.render.jinja import environment, render_markdown
from compare.render.view import ViewData, briefing_context, site_pages
from compare.render.view.coverage import heat_level
from compare.render.view.matrix import unaligned
from compare.render.view.pair_data import pair_data_path
from compare.render.view.settings import load_report_settings
from compare.tables import comparison_tables
from compare.text import excerpt
from tests.render_fixture import (
    FIXTURE_BUILD,
    ShownSite,
    build_fixture_comparison,
    fixture_topic_descriptions,
    fixture_topic_names,
    fixture_view,
    replace_measure,
    shown_site,
)

BUILD = FIXTURE_BUILD
SCRIPT = "<script>alert(1)</script>"


def make_view(comparison: Any, lang: str = "zh", **kw: Any) -> ViewData:
    kw.setdefault("topic_descriptions", fixture_topic_descriptions())
    return fixture_view(comparison, build=BUILD, lang=lang, **kw)


def inject_script(comparison: Any) -> tuple[str, str]:
    """Overwrite the start of one measure (text and cleaned plan text, same length) with a script tag."""
    plan = comparison.plans[0]
    m = next(m for m in plan.measures if m.kind == "measure" and m.clean_end - m.clean_start > 40)
    clean = plan.document.clean
    clean.text = clean.text[: m.clean_start] + SCRIPT + clean.text[m.clean_start + len(SCRIPT) :]
    replace_measure(comparison, m.measure_id, text=SCRIPT + m.text[len(SCRIPT) :])
    return plan.document.plan_id, m.measure_id


@pytest.fixture(scope="module")
def comparison() -> Any:
    c = build_fixture_comparison()
    inject_script(c)
    return c


@pytest.fixture(scope="module")
def data(comparison: Any) -> ViewData:
    return make_view(comparison)


@pytest.fixture(scope="module")
def shown(data: ViewData) -> ShownSite:
    return shown_site(data)


@pytest.fixture(scope="module")
def site(data: ViewData, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    write_site(data, out, lang="zh")
    return out


@pytest.fixture(scope="module")
def parsed(site: Path) -> dict[Path, Any]:
    """Every page of the site, parsed once."""
    return {page: soup(page) for page in pages(site)}


def soup(path: Path) -> Any:  # Any: bs4's precise types make every lookup an Optional
    return BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")


def pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


# --------------------------------------------------------------------------- the site's shape


def test_the_site_has_an_index_a_page_per_topic_and_per_plan(site: Path, shown: ShownSite) -> None:
    assert (site / "index.html").is_file()
    assert (site / "gaps.html").is_file()
    assert (site / "methodology.html").is_file()
    for t in shown.view["topics"]:
        assert (site / "topics" / f"{t['topic_id']}.html").is_file()
    for p in shown.view["plans"]:
        assert (site / "plans" / f"{p['plan_id']}.html").is_file()
    css = list((site / "static").glob("site.*.css"))
    js = list((site / "static").glob("site.*.js"))
    assert len(css) == 1 and re.fullmatch(r"site\.[0-9a-f]{10}\.css", css[0].name)
    assert len(js) == 1 and re.fullmatch(r"site\.[0-9a-f]{10}\.js", js[0].name)


def test_every_page_declares_its_language_and_labels_its_tables(parsed: dict[Path, Any]) -> None:
    for page, doc in parsed.items():
        assert doc.html is not None and doc.html.get("lang") == "zh-CN", page
        assert doc.find("meta", attrs={"name": "viewport"}), page
        for table in doc.find_all("table"):
            assert table.caption and table.caption.get_text(strip=True), f"{page}: table without caption"
            for th in table.find_all("th"):
                assert th.get("scope") in {"col", "row", "rowgroup"}, f"{page}: th without scope: {th}"


def test_links_are_relative_and_land_on_existing_files_and_anchors(parsed: dict[Path, Any]) -> None:
    assert_links_resolve(parsed)


def assert_links_resolve(parsed: dict[Path, Any]) -> None:
    ids = {page: {str(t["id"]) for t in doc.find_all(id=True)} for page, doc in parsed.items()}
    for page, doc in parsed.items():
        for tag in doc.find_all(["a", "link", "script", "img"]):
            ref = tag.get("href") or tag.get("src")
            if not ref or ref.startswith("data:"):
                continue
            parts = urlsplit(ref)
            assert not parts.scheme and not parts.netloc, f"{page}: external reference {ref}"
            if parts.path.startswith("../data/") or "/../data/" in parts.path:
                continue  # the data folder sits beside the site in a release
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            assert target.is_file(), f"{page}: broken link {ref}"
            if target.name == "compare.html" and "=" in parts.fragment:
                # the two-plan view's state (#a=…&b=…): both plans have the data script it loads
                chosen = dict(kv.split("=", 1) for kv in parts.fragment.split("&"))
                assert set(chosen) == {"a", "b"}, f"{page}: {ref}"
                for plan in chosen.values():
                    script = target.parent / unquote(pair_data_path(unquote(plan)))
                    assert script.is_file(), f"{page}: {ref}: no data for {plan}"
            elif parts.fragment and target.suffix == ".html":
                assert unquote(parts.fragment) in ids[target], f"{page}: missing anchor {ref}"


def test_heatmap_puts_mandatory_topics_first_and_links_each_cell_to_its_topic(
    site: Path, shown: ShownSite
) -> None:
    names = fixture_topic_names()
    doc = soup(site / "index.html")
    table = doc.find("table", class_="heat")
    rows = table.find("tbody").find_all("tr")
    heads = [r.find("th").find("a").get_text(strip=True) for r in rows]
    assert heads[:4] == [names[t][0] for t in MANDATORY]
    assert len(rows) == len(names)
    plan_cols = [th.get_text(strip=True) for th in table.find("thead").find_all("th")][1:]
    assert plan_cols == [p["name"] for p in shown.view["plans"]]
    for row, t in zip(rows, shown.index["heatmap"]["rows"], strict=True):
        links = [td.find("a")["href"] for td in row.find_all("td")]
        assert links == [f"topics/{t['topic_id']}.html"] * len(plan_cols)


def test_heatmap_figures_are_the_coverage_table(comparison: Any, shown: ShownSite) -> None:
    tables = comparison_tables(comparison, fixture_topic_names())
    cov = tables["coverage"].set_index(["topic", "plan_id"])
    for row in shown.index["heatmap"]["rows"]:
        for cell in row["cells"]:
            rec = cov.loc[(row["topic_id"], cell["plan_id"])]
            assert cell["n_measures"] == rec["n_measures"]
            assert cell["n_families"] == rec["n_families"]
            assert (cell["level"] == 0) == (rec["n_measures"] == 0)


def test_matrix_shows_each_family_against_each_plan_with_explicit_gaps(
    site: Path, data: ViewData, shown: ShownSite
) -> None:
    n_plans = len(shown.view["plans"])
    for topic in shown.view["topics"]:
        doc = soup(site / "topics" / f"{topic['topic_id']}.html")
        table = doc.find("table", class_="matrix")
        family_rows = data.family_rows[topic["topic_id"]]
        if not family_rows and not unaligned(data, topic["topic_id"]):
            assert table is None
            continue
        for tr in table.find_all("tr", id=True):
            cells = tr.find_all("td")
            assert len(cells) == n_plans
            for td in cells:
                # never a blank: measures, the sentence that mentions the family, or a visible gap /
                # not-addressed mark
                assert td.find(class_=["measure", "mention"]) or td.find(class_=["gap", "absent"]), tr["id"]
                if td.find(class_="mention"):  # a mention is never counted as a gap
                    assert not td.find(class_="gap") and td.find("mark"), tr["id"]
                assert td.get_text(strip=True)
        rows = [r for r in table.find_all("tr", id=True)]
        # strongest covered first within the catalogue group
        cat = [r for r in family_rows if r["source"] == "catalogue"]
        assert [r["n_plans"] for r in cat] == sorted((r["n_plans"] for r in cat), reverse=True)
        assert len(rows) == len(family_rows)


def test_a_gap_mark_means_peers_have_the_family(data: ViewData, shown: ShownSite, comparison: Any) -> None:
    tables = comparison_tables(comparison, fixture_topic_names())
    gaps = {(r.plan_id, r.family_id) for r in tables["gaps"].itertuples()}
    seen = 0
    for topic in shown.topics:
        for row in (r for page in topic["pages"] for r in page["rows"]):
            for cell in row["cells"]:
                assert cell["peer_gap"] == ((cell["plan_id"], row["family_id"]) in gaps)
                if cell["peer_gap"]:
                    assert cell["gap"] and not cell["measures"]
                    seen += 1
    assert seen == len(
        [g for g in gaps if g[1] in {r["family_id"] for rows in data.family_rows.values() for r in rows}]
    )


def test_every_matrix_measure_links_to_its_place_in_the_plan_text(
    site: Path, parsed: dict[Path, Any], comparison: Any
) -> None:
    measures = {m.measure_id: m for p in comparison.plans for m in p.measures}
    checked = 0
    for page in sorted((site / "topics").glob("*.html")):
        for a in parsed[page].select("table.matrix .measure a.src"):
            href = a["href"]
            path, _, frag = href.partition("#")
            plan_page = (page.parent / unquote(path)).resolve()
            target = parsed[plan_page].find(id=unquote(frag))
            assert target is not None, href
            clean = {p.document.plan_id: p.document.clean for p in comparison.plans}
            if "c" in target["class"]:  # a family cell lands on its deciding clause, inside its measure
                span = target.parent
                assert "m" in span["class"], href
                m = measures[span["id"]]
                k = int(unquote(frag).rsplit("/c", 1)[1]) - 1
                a_, b_ = m.clauses[k]
                assert target.get_text() == clean[m.plan_id].text[a_:b_], href
            else:
                assert "m" in target["class"], href
                m = measures[unquote(frag)]
                shown = "".join(target.find_all(string=True))
                assert clean[m.plan_id].text[m.clean_start : m.clean_end].startswith(shown[:20]) and shown
            checked += 1
    assert checked > 20


def test_plan_page_shows_the_whole_cleaned_text_with_every_measure_anchored(
    site: Path, comparison: Any
) -> None:
    for plan in comparison.plans:
        page = site / "plans" / f"{plan.document.plan_id}.html"
        # lxml keeps whitespace-only text nodes exactly (BeautifulSoup 4.15 folds "\n\n" between tags)
        box = lxml.html.fromstring(page.read_text(encoding="utf-8")).find_class("plantext")[0]
        for extra in box.find_class("mf"):
            extra.drop_tree()
        assert box.text_content() == plan.document.clean.text
        doc = soup(page)
        anchored = {t["id"] for t in doc.select(".plantext .m[id]")}
        assert {m.measure_id for m in plan.measures} <= anchored
        assert doc.find("dl", class_="meta")


def test_a_measures_family_tags_head_it_on_the_plan_page(site: Path, comparison: Any) -> None:
    """The tags follow the measure's label, before its text: at its end they sat against the next
    measure's label and read as that one's."""
    tagged = 0
    for plan in comparison.plans:
        for m in soup(site / "plans" / f"{plan.document.plan_id}.html").select(".plantext .m"):
            tags = m.find("span", class_="mf", recursive=False)
            if tags is None:
                continue
            tagged += 1
            children = m.find_all(True, recursive=False)
            assert children[0] is tags and all("c" in c.get("class", []) for c in children[1:]), m["id"]
    assert tagged > 50


def test_a_plan_containing_a_script_tag_shows_it_as_text(site: Path, comparison: Any) -> None:
    plan_id = comparison.plans[0].document.plan_id
    raw = (site / "plans" / f"{plan_id}.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;" in raw  # escaped (a clause boundary may fall inside the planted tag)
    assert SCRIPT not in raw and "<script>alert" not in raw
    doc: Any = BeautifulSoup(raw, "html.parser")
    assert [s.get("src", "") for s in doc.find_all("script")] == [
        s.get("src") for s in doc.find_all("script")
    ]
    assert all(s.get("src", "").startswith("../static/") and not s.string for s in doc.find_all("script"))
    assert SCRIPT in doc.find(class_="plantext").get_text()
    for page in pages(site):
        assert SCRIPT not in page.read_text(encoding="utf-8"), page


def test_the_findings_name_each_plans_silent_mandatory_topics_and_widest_gaps(
    shown: ShownSite, comparison: Any
) -> None:
    names = fixture_topic_names()
    tables = comparison_tables(comparison, names)
    cov = tables["coverage"]
    findings = shown.index["findings"]
    by_plan = {p["plan_id"]: p for p in findings["plans"]}
    assert list(by_plan) == [p.document.plan_id for p in comparison.plans]
    fam = tables["families"].set_index("family_id")
    for pid, p in by_plan.items():
        silent = [t for t in MANDATORY if cov[(cov.topic == t) & (cov.plan_id == pid)].n_measures.sum() == 0]
        assert p["silent_topics"] == [names[t][0] for t in silent], pid
        plan_gaps = tables["gaps"][tables["gaps"].plan_id == pid]
        assert p["n_gaps"]["value"] == len(plan_gaps)
        named = plan_gaps[fam.loc[plan_gaps.family_id, "source"].to_numpy() == "catalogue"]
        if len(named):
            top = max(int(x) for x in named.peers_with)
            widest = set(named[named.peers_with == top].family_id)
            assert p["gaps"] and p["gaps"][0]["family_id"] in widest, pid
        for g in p["gaps"]:
            row = plan_gaps[plan_gaps.family_id == g["family_id"]].iloc[0]
            assert (g["peers_with"]["value"], g["peers_total"]["value"]) == (row.peers_with, row.peers_total)
            assert not urlsplit(g["peers_with"]["link"]["site"]).scheme


def test_gaps_page_lists_each_plans_gaps_with_a_peer_reference(site: Path, shown: ShownSite) -> None:
    doc = soup(site / "gaps.html")
    for block in shown.gaps:
        for g in block["entries"]:
            assert g["peers_with"] >= 2
            if g["best"]:
                assert g["best"]["plan_id"] != block["plan_id"]
    assert len(doc.select("table.list tbody tr")) == sum(len(b["entries"]) for b in shown.gaps)


def test_methodology_renders_markdown_lists_the_codebook_and_links_the_data(
    site: Path, shown: ShownSite
) -> None:
    doc = soup(site / "methodology.html")
    assert doc.find("article", class_="prose").find("h1")
    codes = [c.get_text() for c in doc.select("section[aria-labelledby=h-codebook] table.list tbody code")]
    assert codes == [t["topic_id"] for t in shown.view["topics"]]
    hrefs = [a["href"] for a in doc.select("ul.downloads a")]
    assert hrefs and all(h.startswith("../data/") for h in hrefs)
    assert "../data/comparison.xlsx" in hrefs


def test_markdown_and_templates_escape_html() -> None:
    assert "<script>" not in str(render_markdown("# t\n\n<script>alert(1)</script>"))
    env = environment("zh")
    for name in ("x.j2", "x.html", "x.md", None):
        assert env.autoescape(name) if callable(env.autoescape) else env.autoescape
    assert "&lt;b&gt;" in env.from_string("{{ v }}").render(v="<b>")


def _json(data: ViewData) -> str:
    """Everything the view gives, as JSON: every page (template, file, context) and the briefing's
    context; plain data throughout (json.dumps refuses anything else)."""
    pages = [[p.template, p.path, p.context] for p in site_pages(data)]
    return json.dumps({"pages": pages, "briefing": briefing_context(data)}, sort_keys=True)


def test_site_pages_are_built_one_at_a_time_when_asked_for(
    data: ViewData, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A renderer that writes each page and drops it holds one page at a time: none is built up front."""
    from compare.render.view import plan_page

    built: list[str] = []
    real = plan_page.plan_detail

    def counting(data: ViewData, p: Any, card: Any) -> Any:
        built.append(p.document.plan_id)
        return real(data, p, card)

    monkeypatch.setattr(plan_page, "plan_detail", counting)
    pages = site_pages(data)
    assert isinstance(pages, Iterator)
    assert next(pages).path == "index.html" and not built  # nothing is built up front
    rest = list(pages)
    assert built == data.plan_ids  # each plan's page built once, when reached
    assert [p.path for p in rest if p.template == "site/plan.html.j2"] == [
        f"plans/{pid}.html" for pid in data.plan_ids
    ]


def test_view_is_plain_json_and_rebuilding_gives_the_same_site(
    data: ViewData, comparison: Any, tmp_path: Path, site: Path
) -> None:
    again = make_view(copy.deepcopy(comparison))
    assert _json(again) == _json(data)
    write_site(again, tmp_path, lang="zh")
    for page in sorted(p for p in site.rglob("*") if p.is_file()):
        twin = tmp_path / page.relative_to(site)
        assert twin.read_bytes() == page.read_bytes(), page


def test_topic_selection_restricts_the_report(comparison: Any) -> None:
    shown = shown_site(make_view(comparison, topics=("land", "finance")))
    assert [t["topic_id"] for t in shown.topics] == ["land", "finance"]
    assert [r["topic_id"] for r in shown.index["heatmap"]["rows"]] == ["land", "finance"]
    assert all(
        g["href"].startswith(("topics/land", "topics/finance")) for b in shown.gaps for g in b["entries"]
    )


def test_english_edition_comes_from_the_same_templates(comparison: Any, tmp_path: Path) -> None:
    assert untranslated("en") == []
    view = make_view(comparison, lang="en")
    write_site(view, tmp_path, lang="en")
    doc = soup(tmp_path / "index.html")
    assert doc.html["lang"] == "en"
    nav = doc.find("nav").get_text(" ", strip=True)
    assert nav == "Overview Grid Gaps What changed Compare two plans Methodology"
    shown = shown_site(view)
    assert shown.index["heatmap"]["rows"][0]["name"] == fixture_topic_names()["delegation"][1]
    chrome = " ".join(t.get_text(" ") for t in doc.select("h1, h2, caption, thead th.corner, footer p"))
    assert not re.search(r"[\u4e00-\u9fff]", chrome.replace(shown.view["title"], "")), chrome
    with pytest.raises(ValueError):
        write_site(view, tmp_path / "zh", lang="zh")


def replicate(comparison: Comparison, times: int) -> Comparison:
    """The fixture's plans ``times`` over under new ids (plan-v1, …): a comparison of many plans."""
    out = copy.deepcopy(comparison)
    frames: dict[str, list[pd.DataFrame]] = {
        n: [getattr(comparison, n)] for n in ("coverage", "family_matrix", "gaps", "unique")
    }
    for k in range(1, times):
        ren = {p.document.plan_id: f"{p.document.plan_id}-v{k}" for p in comparison.plans}

        def rid(x: Any, ren: dict[str, str] = ren) -> Any:
            if isinstance(x, list):
                return [rid(v) for v in x]
            for old, new in ren.items():
                if isinstance(x, str) and x.startswith(old + "/"):
                    return new + x[len(old) :]
            return ren.get(x, x)

        for p in comparison.plans:
            q = dataclasses.replace(
                p,
                document=dataclasses.replace(
                    p.document,
                    plan_id=rid(p.document.plan_id),
                    display_name=f"{p.document.display_name}#{k}",
                ),
                sections=[
                    dataclasses.replace(
                        s, section_id=rid(s.section_id), plan_id=rid(s.plan_id), parent_id=rid(s.parent_id)
                    )
                    for s in p.sections
                ],
                measures=[
                    dataclasses.replace(
                        m, measure_id=rid(m.measure_id), section_id=rid(m.section_id), plan_id=rid(m.plan_id)
                    )
                    for m in p.measures
                ],
            )
            out.plans.append(q)
        for f in out.alignment.families:
            f.members += [
                FamilyMember(f.family_id, rid(m.plan_id), rid(m.measure_id), m.similarity, m.evidence)
                for m in list(f.members)
                if m.plan_id in ren
            ]
        for name, parts in frames.items():
            df = getattr(comparison, name).copy()
            for col in ("plan_id", "measure_ids", "best_peer_measure_id"):
                if col in df.columns:
                    df[col] = df[col].map(rid)
            parts.append(df)
    for name, parts in frames.items():
        setattr(out, name, pd.concat(parts, ignore_index=True))
    return out


def test_pdf_layout_splits_wide_matrices_and_goes_compact_for_many_plans(comparison: Any) -> None:
    base = load_report_settings()
    narrow = dataclasses.replace(base, max_plan_columns=2)
    few = briefing_context(make_view(comparison, settings=narrow))
    n = len(few["plans"])
    assert not few["compact"]
    for t in few["topic_sections"]:
        assert [len(tb["plans"]) for tb in t["tables"]] == [2] * (n // 2) + ([n % 2] if n % 2 else [])
        assert all(len(tb["rows"]) == len(t["rows"]) for tb in t["tables"])

    many = briefing_context(make_view(replicate(comparison, 3), site_url="https://x.org/"))
    assert len(many["plans"]) == 3 * n > base.many_plans
    assert many["compact"]
    for t in many["topic_sections"]:
        assert len(t["tables"]) == -(-3 * n // base.compact_columns)
        for tb in t["tables"]:
            assert len(tb["rows"]) == min(base.top_families, len(t["rows"]))
            for c in (c for r in tb["rows"] for c in r["cells"]):
                # a compact cell names every measure by its place, each linked to its clause on the site
                assert len(c["shown"]) == len(c["measures"]) and not c["more"]
                assert all(m["url"].startswith("https://x.org/plans/") for m in c["shown"])
        assert t["rows_hidden"] == max(0, len(t["rows"]) - base.top_families)
        assert len(t["rows"]) == len(
            next(p for p in few["topic_sections"] if p["topic_id"] == t["topic_id"])["rows"]
        )
    assert [len(part["plans"]) for part in many["heatmap_parts"]] == [
        min(base.compact_columns, 3 * n - i) for i in range(0, 3 * n, base.compact_columns)
    ]


def test_small_display_helpers() -> None:
    text = "支持企业上市融资，对成功上市的企业给予一次性奖励。" * 5
    short = excerpt(text, 40)
    assert len(short) <= 41 and short.endswith("…") and text.startswith(short[:-1])
    assert excerpt("一、总体\n要求", 80) == "一、总体要求"
    assert heat_level(0, 5.0, 10.0, (0.25, 0.5, 0.75, 1.0)) == 0
    assert heat_level(3, 10.0, 10.0, (0.25, 0.5, 0.75, 1.0)) == 4
    assert heat_level(1, 1.0, 10.0, (0.25, 0.5, 0.75, 1.0)) == 1


def test_bad_data_files_fail_with_their_name(tmp_path: Path) -> None:
    bad = tmp_path / "report.yaml"
    bad.write_text("mandatory_topics: [land]\nheat_levels: [0.5, 0.2]\n", encoding="utf-8")
    with pytest.raises(ReportSettingsError, match=r"report\.yaml.*heat_levels"):
        load_report_settings(bad)
    po = tmp_path / "messages.po"
    po.write_text('msgid "a"\nmsgstr "b"\nmsgid\n', encoding="utf-8")
    with pytest.raises(MessageCatalogueError, match=r"messages\.po:3: "):
        read_catalogue(po)


def test_many_plans_split_matrices_and_gap_list_into_pages_of_plans(comparison: Any, tmp_path: Path) -> None:
    """With more plans than html.plans_per_page, each topic matrix and the gap list become pages of
    plan columns; nothing counted is lost, every link lands on the page showing the plan's column."""
    settings = dataclasses.replace(load_report_settings(), html_plans_per_page=2)
    data = make_view(comparison, settings=settings)
    shown = shown_site(data)
    tables = comparison_tables(comparison, fixture_topic_names())
    plan_ids = [p["plan_id"] for p in shown.view["plans"]]
    n_pages = -(-len(plan_ids) // 2)
    assert shown.view["paged"] and len(shown.gap_parts) == n_pages
    write_site(data, tmp_path)
    parsed = {page: soup(page) for page in pages(tmp_path)}
    assert_links_resolve(parsed)

    held = {
        (r.family_id, r.plan_id)
        for r in tables["family_matrix"].itertuples()
        if r.n_measures and r.family_id in set(tables["families"]["family_id"])
    }
    gaps = {(r.family_id, r.plan_id) for r in tables["gaps"].itertuples()}
    shown_held: set[tuple[str, str]] = set()
    shown_gaps: set[tuple[str, str]] = set()
    for topic in shown.topics:
        assert [pg["href"] for pg in topic["pages"]] == [f"topics/{topic['topic_id']}.html"] + [
            f"topics/{topic['topic_id']}-{k}.html" for k in range(2, n_pages + 1)
        ]
        columns = []
        for pg in topic["pages"]:
            doc = parsed[tmp_path / pg["href"]]
            assert [a.get_text() for a in doc.select("nav.pager a, nav.pager span")][:n_pages] == [
                p["label"] for p in pg["pager"]
            ]
            ids = [p["plan_id"] for p in pg["plans"]]
            columns += ids
            table = doc.find("table", class_="matrix")
            if table is None:
                assert not pg["rows"] and not pg["other"]
                continue
            assert len(table.select("thead th[data-sort=plan]")) == len(ids) <= 2
            assert len(table.find_all("tr", id=True)) == len(pg["rows"])
            for row in pg["rows"]:
                # a page shows a family only if one of its plans has it or lacks it as a gap
                assert any(not c["gap"] or c["peer_gap"] for c in row["cells"])
                for c in row["cells"]:
                    (shown_gaps if c["peer_gap"] else shown_held if not c["gap"] else set()).add(
                        (row["family_id"], c["plan_id"])
                    )
        assert columns == plan_ids  # every plan's column on exactly one page, in order
    topics_shown = {r["family_id"] for rows in data.family_rows.values() for r in rows}
    assert shown_held == {k for k in held if k[0] in topics_shown}
    assert shown_gaps == {k for k in gaps if k[0] in topics_shown}

    # gap pages: all plans, each once; every gap listed
    listed = [p["plan_id"] for pg in shown.gap_parts for p in pg["plans"]]
    assert listed == plan_ids
    rows = sum(len(parsed[tmp_path / pg["href"]].select("table.list tbody tr")) for pg in shown.gap_parts)
    assert rows == sum(len(b["entries"]) for b in shown.gaps)

    # a gap on a plan's page links to the matrix page that shows that plan's column
    for block in shown.gaps:
        for g in block["entries"]:
            target = parsed[tmp_path / g["href"].partition("#")[0]]
            assert block["plan_id"] in {td["data-plan"] for td in target.select("td[data-plan]")}

    # the index heat-map turns: one row per plan, one column per topic
    index = parsed[tmp_path / "index.html"]
    heat = index.find("table", class_="heat")
    assert "transposed" in heat["class"]
    assert len(heat.select("tbody tr")) == len(plan_ids)
    assert len(heat.select("thead th")) == len(shown.view["topics"]) + 1

    # the input files and their hashes: listed once, on the methodology page, not in every footer
    inputs = {f["file"]: f["sha256"] for f in shown.view["build"]["inputs"]}
    methodology = parsed[tmp_path / "methodology.html"]
    listed_inputs = {
        tr.th.get_text(): tr.code.get_text() for tr in methodology.select("#inputs ~ div table tbody tr")
    }
    assert inputs and listed_inputs == inputs
    for page, doc in parsed.items():
        footer = doc.find("footer", class_="site")
        assert not {s.get_text() for s in footer.select("ul.hashes .file")} & set(inputs), page
        assert footer.select_one('ul.hashes a[href$="methodology.html#inputs"]'), page


def test_pdf_counts_plans_instead_of_showing_their_columns_when_there_are_very_many(
    comparison: Any,
) -> None:
    """Above pdf.aggregate_above plans the briefing's size no longer grows with plan columns: per
    topic and family it counts the plans, and lists the commonest gaps; the figures are the tables'."""
    from pypdf import PdfReader

    from compare.render.pdf import briefing_bytes

    many = replicate(comparison, 4)
    base = load_report_settings()
    n = len(many.plans)
    few = make_view(many)
    assert not briefing_context(few)["aggregate"] and briefing_context(few)["overview"] is None
    counted_data = make_view(
        many, settings=dataclasses.replace(base, pdf_aggregate_above=n - 1), site_url="https://x.org/"
    )
    counted = briefing_context(counted_data)
    assert counted["aggregate"]
    tables = comparison_tables(many, fixture_topic_names())
    cov = tables["coverage"]
    for t in counted["overview"]["topics"]:
        rows = cov[(cov["topic"] == t["topic_id"]) & (cov["n_measures"] > 0)]
        assert t["n_plans"] == rows["plan_id"].nunique() and t["silent"] == n - t["n_plans"]
        assert t["n_measures"] == int(cov.loc[cov["topic"] == t["topic_id"], "n_measures"].sum())
        families = counted["overview"]["families"][t["topic_id"]]
        assert len(families) == min(base.top_families, t["n_families"])
        for f in families:
            assert f["example"] is None or f["example"]["plan_id"] in {p.document.plan_id for p in many.plans}
            assert f["example"] is None or f["example"]["url"].startswith("https://x.org/plans/")
    lacking = tables["gaps"]["family_id"].value_counts()
    for g in counted["overview"]["top_gaps"]:
        fid = tables["families"].set_index("name").loc[g["name"], "family_id"]
        assert g["n_lacking"] == int(lacking[fid])
    assert all(not t["tables"] for t in counted["topic_sections"])

    pages_few = len(PdfReader(io.BytesIO(briefing_bytes(few))).pages)
    pages_counted = len(PdfReader(io.BytesIO(briefing_bytes(counted_data))).pages)
    assert pages_counted < pages_few


def test_a_heat_map_number_is_the_number_of_measures_its_topic_page_shows(site: Path, data: ViewData) -> None:
    """One source of truth: the heat-map's count for a topic and plan is the count of that plan's
    measures on the topic's page (family cells and other measures), and its colour is the share of the
    topic's families it states next to it."""
    for topic_id, row in data.heatmap.items():
        doc = soup(site / "topics" / f"{topic_id}.html")
        table = doc.find("table", class_="matrix")
        for cell in row["cells"]:
            shown: set[str] = set()
            if table is not None:
                for td in table.find_all("td", attrs={"data-plan": cell["plan_id"]}):
                    shown.update(a["href"].split("#")[1].split("/c")[0] for a in td.select(".measure a.src"))
            assert len(shown) == cell["n_measures"], (topic_id, cell["plan_id"])
            share = cell["n_families"] / cell["topic_families"] if cell["topic_families"] else 0
            assert cell["level"] == (
                0 if not cell["n_measures"] else heat_level(1, share, 1.0, data.cfg.heat_levels)
            )
