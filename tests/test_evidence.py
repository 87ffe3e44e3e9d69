"""Every family cell shows the words it rests on: the deciding clause, the decisive words marked, and a
link that lands on that clause in the plan's text.

Given the five plans, on every topic page each measure in a family's cell shows its clause with at least
one marked word, every marked word is a word of that clause, and its link names a clause that the plan
page anchors.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup

from compare.analyse import analyse_file
from compare.render.html import write_site
from compare.render.view.evidence import EvidencePart, window
from tests.render_fixture import build_fixture_comparison, fixture_view

from .seeds import DOCS_IN


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    comparison = build_fixture_comparison()
    data = fixture_view(comparison)
    out = tmp_path_factory.mktemp("site")
    write_site(data, out)
    return out


def test_every_family_cell_shows_its_deciding_words(site: Path) -> None:
    anchors: dict[str, set[str]] = {}
    cells = lacking = 0
    for page in sorted((site / "topics").glob("*.html")):
        doc = BeautifulSoup(page.read_text(encoding="utf-8"), "lxml")
        for td in doc.select("table.matrix tbody:not([data-group=other]) td.has"):
            for measure in td.select(".measure"):
                cells += 1
                clause = measure.select_one("p.clause")
                marks = [m.get_text() for m in clause.select("mark")] if clause else []
                if not clause or not marks or not all(w in clause.get_text() for w in marks):
                    lacking += 1
                    continue
                href = measure.select_one("a.src")["href"]
                plan_file = (page.parent / urlsplit(href).path).resolve()
                if plan_file not in anchors:
                    plan_doc = BeautifulSoup(plan_file.read_text(encoding="utf-8"), "lxml")
                    anchors[str(plan_file)] = {str(t["id"]) for t in plan_doc.select(".plantext [id]")}
                assert unquote(urlsplit(href).fragment) in anchors[str(plan_file)], href
    print(f"\nfamily cells whose visible clause lacks the deciding words: {lacking} of {cells}")
    assert cells > 100
    assert lacking == 0


def test_clauses_partition_every_measure() -> None:
    for path in sorted(DOCS_IN.glob("*.txt")):
        plan = analyse_file(path, DOCS_IN)
        for m in plan.measures:
            assert m.clauses[0][0] == m.clean_start and m.clauses[-1][1] == m.clean_end
            assert all(a < b == c for (a, b), (c, _) in zip(m.clauses, m.clauses[1:], strict=False))
        for member in plan.catalogue_members or []:
            m = next(x for x in plan.measures if x.measure_id == member.measure_id)
            assert member.clause in m.clauses and member.marks
            assert all(member.clause[0] <= a < b <= member.clause[1] for a, b in member.marks)


def test_a_long_clause_is_cut_around_its_decisive_words() -> None:
    """The briefing's cell: at most ``limit`` characters (and the two "…"), from a little before the
    first marked word; a clause that fits is left whole."""
    parts: list[EvidencePart] = [
        {"text": "为" * 60, "mark": False},
        {"text": "标准地", "mark": True},
        {"text": "出让" + "，" * 40, "mark": False},
    ]
    cut = window(parts, 30)
    text = "".join(p["text"] for p in cut)
    assert text.startswith("…") and text.endswith("…") and len(text) == 32
    assert [p["text"] for p in cut if p["mark"]] == ["标准地"]
    assert text.index("标准地") == 1 + 8  # the lead kept before the first marked word
    short: list[EvidencePart] = [{"text": "实行", "mark": False}, {"text": "标准地", "mark": True}]
    assert window(short, 30) == short
