"""Literal prefilters (compare.literals): a pattern is skipped only when it cannot match.

The words ``required_literals`` finds must be inside every match, for every regex of the data files
(codebook, catalogue, attributes) on every match in the seeds and the State Council corpus.
"""

from __future__ import annotations

import re

import pytest

from compare.align.catalogue import load_catalogue
from compare.literals import LiteralFinder, RegexFilter, possible, required_literals
from compare.measures.attributes import load_rules
from compare.text import normalise_chars
from compare.topics import load_codebook

from .seeds import CORPUS_DIR, DOCS_IN


def _groups(pattern: str) -> list[set[str]]:
    return [set(g) for g in required_literals(re.compile(pattern))]


@pytest.mark.parametrize(
    ("pattern", "groups"),
    [
        ("(?:下放|赋予|授予)", [{"下放", "赋予", "授予"}]),
        ("(?:下放|下达)", [{"下放", "下达"}]),  # the parser factors the common prefix out
        ("赋予[^。]{0,20}(?:开发区|园区)", [{"赋予"}, {"开发区", "园区"}]),
        ("(?<!环保)基础设施", [{"基础设施"}]),  # a look-behind is not part of the match
        ("x{1,3}y", [{"x"}, {"y"}]),
        ("(?:ab){2}", [{"abab"}]),
        ("园区|[^a]", []),  # one alternative needs nothing: neither does the pattern
        ("(?:开发区)?园区", [{"园区"}]),
        ("a?", []),
        ("(?i)abc", []),  # case-insensitive: the words could be spelled otherwise
        ("(?i:ab)c", [{"c"}]),
    ],
)
def test_required_literals(pattern: str, groups: list[set[str]]) -> None:
    assert _groups(pattern) == groups


def _data_regexes() -> list[re.Pattern[str]]:
    cb = load_codebook()
    out: list[re.Pattern[str]] = [*cb.neutral, *cb.enumeration, *cb.purpose]
    for t in cb.topics:
        out += [c.regex for c in t.patterns] + list(t.negative)
    for f in load_catalogue().families:
        for r in f.rules + f.negative:
            out += [p for group in r.groups + r.also for p in group]
    rules = load_rules()
    out += [r.regex for r in rules.instruments] + list(rules.deadline_patterns)
    return out


def _texts() -> list[str]:
    paths = sorted(DOCS_IN.glob("*.txt")) + sorted(CORPUS_DIR.glob("*.txt"))
    return [normalise_chars(p.read_text(encoding="utf-8")) for p in paths]


def test_every_match_of_every_data_regex_holds_its_required_words() -> None:
    texts = _texts()
    checked = 0
    for rx in _data_regexes():
        requirement = required_literals(rx)
        for text in texts:
            for m in rx.finditer(text):
                for group in requirement:
                    assert any(w in m.group(0) for w in group), (rx.pattern, m.group(0), group)
                checked += 1
    assert checked > 1000


def test_most_data_regexes_can_be_prefiltered() -> None:
    regexes = _data_regexes()
    assert sum(1 for rx in regexes if required_literals(rx)) > 0.9 * len(regexes)


def test_finder_reports_overlapping_occurrences() -> None:
    finder = LiteralFinder(["区区", "园区", "区", "x"])
    text = "园区区区园"
    found = finder.occurrences(text)
    for word in ("区区", "园区", "区"):
        assert found[word] == [i for i in range(len(text)) if text.startswith(word, i)]
    assert "x" not in found
    assert finder.present(text) == {"区区", "园区", "区"}
    assert LiteralFinder([]).present(text) == set()


def test_regex_filter_agrees_with_possible() -> None:
    patterns = ["赋予[^。]{0,20}(?:开发区|园区)", "(?:下放|下达)", "a?", "(?<!环保)基础设施", "权限"]
    requirements = [required_literals(re.compile(p)) for p in patterns]
    flt = RegexFilter(requirements)
    finder = LiteralFinder(flt.words)
    for text in ["赋予园区权限", "下达任务", "开发区基础设施", "赋予", "", "无关"]:
        present = finder.present(text)
        live = flt.live(present)
        assert live == {i for i, req in enumerate(requirements) if possible(req, present)}
        for i, p in enumerate(patterns):  # what is left out cannot match
            assert i in live or not re.search(p, text)


def test_prefiltered_patterns_find_what_plain_patterns_find() -> None:
    rules = load_rules()
    regexes = [r.regex for r in rules.instruments]
    flt = RegexFilter([required_literals(rx) for rx in regexes])
    finder = LiteralFinder(flt.words)
    for text in _texts():
        for line in text.splitlines():
            live = flt.live(finder.present(line))
            assert [i for i, rx in enumerate(regexes) if rx.search(line)] == [
                i for i, rx in enumerate(regexes) if i in live and rx.search(line)
            ]
