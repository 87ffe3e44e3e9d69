"""Documents a plan cites: 《title》(文号), and 《title》 alone where the title names a document, where the
plan says it implements or relies on them (根据, 按照, 贯彻落实 … before the title in the same sentence),
and a law named without 《》 after such a word (根据中华人民共和国宪法).

``find_citations`` scans the clean text, so a title broken over two lines by the page is read whole
(the line break is dropped from the title), and reports raw spans through ``CleanText.raw_span``.
Aliases introduced by 简称 (以下简称《总体规划》) are not citations; the plan's own title is not either.
"""

from __future__ import annotations

import re
from functools import lru_cache

from compare.datafiles import alternation, compile_pattern, get_int, get_str_list, section
from compare.layout.frontmatter import find_doc_numbers
from compare.model import CitedDocument, CleanText
from compare.text import SENTENCE_END, match_text

DATA_FILE = "metadata.yaml"
_TITLE = re.compile(r"《(?P<title>[^《》]{2,150})》")
_NUMBER_AFTER = re.compile(r"\s*[(（](?P<inner>[^()（）]{4,40})[)）]")
_ALIAS_BEFORE = re.compile(r"(?:简称|简称为|下称|称为)\s*$")


@lru_cache(maxsize=1)
def _doc_kind_end() -> re.Pattern[str]:
    kinds = get_str_list(DATA_FILE, "citations.doc_kinds", section(DATA_FILE, "citations").get("doc_kinds"))
    # the kind may be followed by bracketed notes: 《…规划（2018—2035年）》, 《…办法(试行)》,
    # 《…总体规划（2010—2030年）（2015年版）》 (a period and an edition)
    return re.compile(rf"(?:{alternation(kinds)})[〉>]?\s*(?:[(（][^()（）]{{1,20}}[)）]\s*){{0,2}}$")


@lru_cache(maxsize=1)
def _revised_after() -> re.Pattern[str]:
    c = section(DATA_FILE, "citations")
    return compile_pattern(DATA_FILE, "citations.revised_after", c.get("revised_after"))


@lru_cache(maxsize=1)
def _reliance() -> tuple[re.Pattern[str], int, re.Pattern[str], re.Pattern[str]]:
    c = section(DATA_FILE, "citations")
    cues = get_str_list(DATA_FILE, "citations.reliance_cues", c.get("reliance_cues"))
    after = get_str_list(DATA_FILE, "citations.reliance_after", c.get("reliance_after"))
    return (
        re.compile(alternation(cues)),
        get_int(DATA_FILE, "citations.max_gap", c.get("max_gap")),
        compile_pattern(DATA_FILE, "citations.bare_law", c.get("bare_law")),
        re.compile(rf"\s*(?:[(（][^()（）]{{1,40}}[)）])?[^。;,，；]{{0,4}}?(?:{alternation(after)})"),
    )


_NOTES = re.compile(r"《[^《》]*》|[(][^()]*[)]")


def relied_on(match: str, start: int, end: int) -> bool:
    """A reliance word stands before ``start`` in the same sentence, at most max_gap characters away
    (other 《…》 titles and bracketed notes in between not counted), or one follows the title at ``end``."""
    cues, max_gap, _, after = _reliance()
    if after.match(match, end):
        return True
    lo = max(0, start - 300)
    before = match[lo:start]
    cut = max((m.end() for m in SENTENCE_END.finditer(before)), default=0)
    sentence = before[cut:]
    for m in cues.finditer(sentence):
        gap = _NOTES.sub("", sentence[m.end() :])
        if len(gap) <= max_gap:
            return True
    return False


def _key(title: str) -> str:
    return re.sub(r"[\s《》〈〉<>]", "", match_text(title))


def find_citations(clean: CleanText, exclude_titles: tuple[str, ...] = ()) -> list[CitedDocument]:
    """Every cited document in order of first mention, deduplicated by title."""
    text = clean.text
    excluded = {_key(t) for t in exclude_titles if t}
    # a short name the plan introduces (以下简称《总体规划》) is never a citation, wherever it recurs
    excluded |= {
        _key(m.group("title"))
        for m in _TITLE.finditer(text)
        if _ALIAS_BEFORE.search(text[max(0, m.start() - 6) : m.start()])
    }
    found: dict[str, CitedDocument] = {}
    raw_map = clean  # CleanText maps spans in O(log n)
    for m in _TITLE.finditer(text):
        title = re.sub(r"[ \t\u3000\xa0]+", " ", re.sub(r"\s*\n\s*", "", m.group("title"))).strip()
        key = _key(title)
        if not key or key in excluded:
            continue
        number: str | None = None
        end = m.end()
        after = _NUMBER_AFTER.match(text, m.end())
        if after is not None:
            nums = find_doc_numbers(after.group("inner"))
            if len(nums) == 1 and nums[0].printed.strip() == after.group("inner").strip():
                number, end = nums[0].normalised, after.end()
        if number is None and not _doc_kind_end().search(match_text(title)):
            continue
        if not relied_on(clean.match, m.start(), m.end()) or _revised_after().match(clean.match, m.end()):
            continue
        start_raw, end_raw = raw_map.raw_span(m.start(), end)
        prev = found.get(key)
        if prev is None or (prev.doc_number is None and number is not None):
            found[key] = CitedDocument(title, number, start_raw, end_raw)
    _, _, bare_law, _ = _reliance()
    for m in bare_law.finditer(clean.match):
        key = _key(text[m.start() : m.end()])
        if key not in found and key not in excluded and relied_on(clean.match, m.start(), m.end()):
            start_raw, end_raw = raw_map.raw_span(m.start(), m.end())
            found[key] = CitedDocument(text[m.start() : m.end()], None, start_raw, end_raw)
    return sorted(found.values(), key=lambda c: c.start)
