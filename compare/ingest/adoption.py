"""What a regulation's adoption line and a draft's title say: adopting body, adoption date, 施行 date, draft.

A 地方性法规 prints no signature: who adopted it and when stand in its adoption line under the title
(…人民代表大会常务委员会第X次会议通过), and when it takes effect in an article (本条例自…起施行).
A draft for comment says so in its title (（草案）, 征求意见稿). Patterns are data in
``compare/data/metadata.yaml`` (keys ``adoption`` and ``draft``); they run on the match text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from compare.datafiles import compile_pattern, load_yaml, section
from compare.layout.frontmatter import parse_date
from compare.text import match_text

DATA_FILE = "metadata.yaml"


@dataclass(frozen=True)
class Adoption:
    issuer: str  # as printed, without the session ordinals: 武汉市人民代表大会常务委员会
    date: str  # ISO date of the first adoption (通过)
    line: str  # the adoption as printed, for the evidence


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    a = section(DATA_FILE, "adoption")
    return (
        compile_pattern(DATA_FILE, "adoption.line", a.get("line")),
        compile_pattern(DATA_FILE, "adoption.in_force", a.get("in_force")),
        compile_pattern(DATA_FILE, "draft", load_yaml(DATA_FILE).get("draft")),
        compile_pattern(DATA_FILE, "adoption.outer_place", a.get("outer_place")),
    )


_BREAKS = re.compile(r"\s*\n\s*(?:>\s*)*|[ \t\u3000\xa0]+")


def find_adoption(head: str) -> Adoption | None:
    """The first adoption (通过, earliest date) among the adoption and history lines of ``head`` (read with
    line breaks, quote markers and spaces removed: a converter may break the line anywhere)."""
    line, _, _, outer = _patterns()
    head = _BREAKS.sub("", head)
    found: list[Adoption] = []
    for m in line.finditer(match_text(head)):
        iso = parse_date(m.group("date"))
        if m.group("act") != "通过" or iso is None:
            continue
        place = head[m.start("place") : m.end("place")]
        province = outer.match(match_text(place))
        place = place[province.end() :] if province else place
        issuer = place + head[m.start("organ") : m.end("organ")]
        found.append(Adoption(issuer, iso, head[m.start() : m.end()]))
    return min(found, key=lambda a: a.date) if found else None


def find_in_force(text: str) -> tuple[str, str] | None:
    """(ISO date, the phrase) of the first 自…起施行 in ``text``."""
    _, in_force, _, _ = _patterns()
    m = in_force.search(match_text(text))
    iso = parse_date(m.group("date")) if m else None
    return (iso, text[m.start() : m.end()]) if m and iso else None


def is_draft(title: str) -> bool:
    """A draft for comment: （草案）, （征求意见稿） in the title."""
    _, _, draft, _ = _patterns()
    return draft.search(match_text(title)) is not None
