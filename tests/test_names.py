"""Each edition names things in its own language.

A family: the catalogue's Chinese ``name`` and ``definition`` in the Chinese edition, its ``name_en``
and English ``gloss`` in the English one (a family formed from the data keeps its Chinese key terms
in both, marked as found by clustering). A plan: its display name, or its English name (the
catalogue's ``name_en``, else place in pinyin + zone kind + kind of document).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader

from compare.align.catalogue import load_catalogue
from compare.ingest.display_en import derive_english_name, doc_number, english_names, pinyin, place_name
from compare.model import MANDATORY_TOPICS, Metadata
from compare.places import gazetteer
from compare.plans import apply_names, load_plan_catalogue
from compare.render.html import write_site
from compare.render.pdf import write_briefing
from compare.render.view import ViewData, briefing_context
from compare.render.view.data import english_only
from compare.render.view.links import family_anchor
from tests.render_fixture import (
    build_fixture_comparison,
    fixture_topic_descriptions,
    fixture_view,
)

HAN = re.compile(r"[\u4e00-\u9fff]")
CATALOGUE = {f.id: f for f in load_catalogue().families}
ENGLISH_PLAN_NAMES = {
    "2019-lincang-hightech-zone-opinions": "Lincang High-tech Zone (Implementing Opinions)",
    "2021-chongqing-ftz-linked-zones-plan": "Chongqing FTZ Linked Innovation Zone (Construction Plan)",
    "2021-kunming-development-zones-opinions": "Kunming Development Zones and Industrial Parks (Opinions)",
    "2021-yunnan-ftz-linked-etdz-plan": "Yunnan FTZ Linked Innovation Zone / ETDZ (Construction Plan)",
    "2023-nantong-etdz-innovation-plan": "Nantong Economic Development Zones (Implementation Plan)",
}


@pytest.fixture(scope="module")
def comparison() -> Any:
    return build_fixture_comparison()


def view(comparison: Any, lang: str, **kw: Any) -> ViewData:
    return fixture_view(
        comparison,
        lang=lang,
        topic_descriptions=fixture_topic_descriptions(),
        **kw,
    )


@pytest.fixture(scope="module")
def sites(comparison: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = {}
    for lang in ("zh", "en"):
        out[lang] = tmp_path_factory.mktemp(f"site-{lang}")
        write_site(view(comparison, lang), out[lang], lang=lang)
    return out


def soup(path: Path) -> Any:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")


def shown_text(page: Any) -> str:
    """What a reader can see of a page: its text and the tooltips and labels of its elements."""
    attrs = [
        str(v) for el in page.find_all(True) for k, v in el.attrs.items() if k in ("title", "aria-label")
    ]
    return "\n".join([page.get_text(" "), *attrs])


def test_the_chinese_site_shows_no_english_gloss_and_gives_the_chinese_definition(
    sites: dict[str, Path],
) -> None:
    pages = sorted(sites["zh"].rglob("*.html"))
    assert len(pages) > 10
    for path in pages:
        text = shown_text(soup(path))
        shown = [f.id for f in CATALOGUE.values() if f.gloss in text or f.name_en in text]
        assert not shown, (path.name, shown[:3])
    # a row head's tooltip is its definition, in Chinese
    rows = soup(sites["zh"] / "topics" / "land.html").select("tbody th[scope=row] .fam[title]")
    by_name = {f.name: f for f in CATALOGUE.values()}
    assert rows and all(
        r["title"] == by_name[r.get_text(strip=True)].definition
        for r in rows
        if r.get_text(strip=True) in by_name
    )


def test_the_english_topic_pages_name_families_and_plans_in_english(
    sites: dict[str, Path], comparison: Any
) -> None:
    families = {family_anchor(f.family_id): f for f in comparison.families}
    seen_catalogue = seen_proposed = 0
    for path in sorted((sites["en"] / "topics").glob("*.html")):
        page = soup(path)
        headers = [th.get_text(" ", strip=True) for th in page.select("table.matrix thead th")]
        assert all(not HAN.search(h) for h in headers), (path.name, headers)
        for row in page.select("table.matrix tbody tr[id]"):
            family = families[row["id"]]
            name = row.select_one("th .fam").get_text(strip=True)
            if family.source == "catalogue":
                assert name == CATALOGUE[family.family_id].name_en
                assert not HAN.search(row.select_one("th").get_text())
                seen_catalogue += 1
            else:  # formed from the data: its Chinese key terms, and a line saying how it was found
                assert name == family.name
                assert "clustering" in row.select_one("th").get_text()
                seen_proposed += 1
    assert seen_catalogue > 50 and seen_proposed > 0
    land = soup(sites["en"] / "topics" / "land.html").get_text(" ")
    assert all(n in land for n in ENGLISH_PLAN_NAMES.values())


def test_the_english_edition_names_plans_in_english_everywhere(sites: dict[str, Path]) -> None:
    index = soup(sites["en"] / "index.html").get_text(" ")
    assert all(n in index for n in ENGLISH_PLAN_NAMES.values())
    plan = soup(sites["en"] / "plans" / "2019-lincang-hightech-zone-opinions.html")
    assert plan.h1.get_text(strip=True) == ENGLISH_PLAN_NAMES["2019-lincang-hightech-zone-opinions"]
    tags = [a.get_text(strip=True) for a in plan.select(".mf a")]
    assert tags and set(tags) & {f.name_en for f in CATALOGUE.values()}


def test_the_english_briefing_names_families_and_plans_in_english(comparison: Any, tmp_path: Path) -> None:
    en = view(comparison, "en", topics=MANDATORY_TOPICS)
    context = briefing_context(en)
    headers = [p["name"] for s in context["topic_sections"] for t in s["tables"] for p in t["plans"]]
    assert headers and all(not HAN.search(h) for h in headers)
    rows = [r for s in context["topic_sections"] for t in s["tables"] for r in t["rows"]]
    catalogued = [r["name"] for r in rows if r["source"] == "catalogue"]
    assert catalogued and all(not HAN.search(n) for n in catalogued)
    assert set(catalogued) <= {f.name_en for f in CATALOGUE.values()}
    text = " ".join(
        " ".join(p.extract_text().split())
        for p in PdfReader(write_briefing(en, tmp_path / "en.pdf", lang="en")).pages
    )
    for name in ENGLISH_PLAN_NAMES.values():
        assert name in text, name
    shown = [f.name_en for f in CATALOGUE.values() if f.name_en in text]
    assert len(shown) > 20


def test_english_plan_names_from_the_parts_of_the_chinese_one() -> None:
    md = Metadata(title="关于支持西安高新技术产业开发区高质量发展的若干措施", zone_type="高新技术产业开发区")
    assert derive_english_name(md, "x") == "Xi'an High-tech Zone (Policy Measures)"
    md = Metadata(
        title="关于推进全省经济技术开发区创新提升的实施意见",
        jurisdiction="陕西省",
        zone_type="经济技术开发区",
    )
    assert derive_english_name(md, "x") == (
        "Shaanxi Economic and Technological Development Zones (Implementing Opinions)"
    )
    md = Metadata(
        title="国务院关于促进国家高新技术产业开发区高质量发展的若干意见", doc_number="国发〔2020〕7号"
    )
    assert derive_english_name(md, "x") == "Guo Fa [2020] No. 7"
    assert doc_number("临办发〔2019〕5号") == "Lin Ban Fa [2019] No. 5"
    assert pinyin("延边") == "yanbian" and pinyin("西安") == "xi'an"
    assert derive_english_name(Metadata(title=None), "2021-some-plan") == "2021-some-plan"


def test_a_plan_catalogue_name_en_is_the_english_name(tmp_path: Path, comparison: Any) -> None:
    first = comparison.plans[0]
    (tmp_path / "catalogue.yaml").write_text(
        f"plans:\n  {first.document.source_file}: {{name: 临沧, name_en: Lincang HTZ}}\n", encoding="utf-8"
    )
    named = apply_names(list(comparison.plans), load_plan_catalogue(tmp_path))
    docs = {p.document.plan_id: p.document for p in named}
    assert docs[first.document.plan_id].display_name_en == "Lincang HTZ"
    for pid, name in ENGLISH_PLAN_NAMES.items():
        if pid != first.document.plan_id:
            assert docs[pid].display_name_en == name


def test_the_methodology_page_defines_each_family_shown_in_the_editions_language(
    sites: dict[str, Path],
) -> None:
    by_name = {
        "zh": {f.name: f.definition for f in CATALOGUE.values()},
        "en": {f.name_en: f.gloss for f in CATALOGUE.values()},
    }
    for lang, names in by_name.items():
        rows = soup(sites[lang] / "methodology.html").select("table.glossary tbody tr:not(.group)")
        assert len(rows) > 50
        for row in rows:
            name, definition = row.th.get_text(strip=True), row.td.get_text(strip=True)
            assert name in names, (lang, name)
            if lang == "zh":
                assert definition == names[name]
            else:  # the gloss, without the Chinese terms of art it cites
                assert definition == english_only(names[name]) and not HAN.search(definition)


def test_every_province_and_city_of_the_gazetteer_has_an_english_name() -> None:
    """The table is reviewed (pypinyin reads 长治 as Zhangzhi): a place added to the gazetteer needs its
    English name too."""
    tables = english_names()
    for place in gazetteer().full.values():
        if place.is_city:
            english = tables.cities.get(place.province, {}).get(place.short)
        else:
            english = tables.provinces.get(place.name)
        assert english and not HAN.search(english), place.name
    assert place_name(gazetteer().full["长治市"]) == "Changzhi"
