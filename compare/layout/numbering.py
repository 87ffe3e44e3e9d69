"""The label grammar of Chinese official documents: recognise a numbering token at a line start.

A label is the number that opens an outline item — 第一章, 一、, （一）, 1., （1）, ① … — with its
style, its integer value and a display form for section paths. The styles and their patterns are
data (``compare/data/outline.yaml``, key ``numbering``); this module only applies them. Deciding
whether a recognised token really opens an item (sequence, nesting) is ``parts.py``'s job.

Display forms (used in ``Section.path``): 第一章, 三 (for 三、), (一), 17 (for 17.), (1), 1), ①.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from compare.datafiles import DataFileError, compile_pattern, get_int, get_str, get_str_list, section
from compare.text import parse_numeral, to_halfwidth

DATA_FILE = "outline.yaml"
_INDENT = " \t\u3000\xa0"


@dataclass(frozen=True)
class Style:
    id: str
    regex: re.Pattern[str]
    display: str
    needs_text: bool
    alone_above_text: bool = False  # needs_text is met by text on the next line (第一条 / its text)
    # a label only below a line reading this (序号: the row numbers of a flattened table, 1 / its cells)
    under_header: str | None = None


@dataclass(frozen=True)
class Label:
    """A numbering token found at the start of a line."""

    style: str  # "cn-dun", "cn-paren", "num-dot", …
    value: int  # 1 for 一、 / (一) / 1. / ①
    token: str  # as printed, e.g. "（一）", "1．"
    start: int  # offset of the token in the line (after indentation)
    end: int  # offset just after the token
    display: str  # normalised form for paths, e.g. "(一)"
    rest: str  # the text after the token on the same line (as printed)


@dataclass(frozen=True)
class Grammar:
    styles: tuple[Style, ...]
    max_value: int
    may_skip_one: frozenset[str] = frozenset()  # styles whose next label may skip a value
    may_skip_any: frozenset[str] = frozenset()  # ... or any number of values


def style(style_id: str) -> Style:
    return next(s for s in grammar().styles if s.id == style_id)


@lru_cache(maxsize=1)
def grammar() -> Grammar:
    """The numbering styles of ``outline.yaml`` (loaded once)."""
    data = section(DATA_FILE, "numbering")
    numerals = get_str(DATA_FILE, "numbering.chinese_numerals", data.get("chinese_numerals"))
    max_value = get_int(DATA_FILE, "numbering.max_value", data.get("max_value"))
    raw_styles = data.get("styles")
    if not isinstance(raw_styles, list) or not raw_styles:
        raise DataFileError(DATA_FILE, "numbering.styles", "expected a non-empty list")
    styles = []
    macros = {"CN": f"[{re.escape(numerals)}]{{1,5}}", "D": "[0-9]{1,3}"}
    for i, item in enumerate(raw_styles):
        where = f"numbering.styles[{i}]"
        if not isinstance(item, dict):
            raise DataFileError(DATA_FILE, where, "expected a mapping with id, pattern, display")
        regex = compile_pattern(DATA_FILE, f"{where}.pattern", item.get("pattern"), **macros)
        if "num" not in regex.groupindex:
            raise DataFileError(DATA_FILE, f"{where}.pattern", "needs a named group (?P<num>…)")
        display = get_str(DATA_FILE, f"{where}.display", item.get("display"))
        if "{num}" not in display:
            raise DataFileError(DATA_FILE, f"{where}.display", "must contain {num}")
        styles.append(
            Style(
                id=get_str(DATA_FILE, f"{where}.id", item.get("id")),
                regex=regex,
                display=display,
                needs_text=bool(item.get("needs_text", True)),
                alone_above_text=bool(item.get("alone_above_text", False)),
                under_header=(
                    get_str(DATA_FILE, f"{where}.under_header", item["under_header"])
                    if item.get("under_header") is not None
                    else None
                ),
            )
        )
        if styles[-1].under_header is not None and not styles[-1].alone_above_text:
            raise DataFileError(DATA_FILE, f"{where}.under_header", "needs alone_above_text: true")
    skip = get_str_list(DATA_FILE, "numbering.may_skip_one", data.get("may_skip_one") or [])
    skip_any = get_str_list(DATA_FILE, "numbering.may_skip_any", data.get("may_skip_any") or [])
    return Grammar(tuple(styles), max_value, frozenset(skip), frozenset(skip_any))


def parse_label(line: str, match_line: str | None = None, *, text_below: bool = False) -> Label | None:
    """The label opening ``line``, or None.

    ``match_line`` is the same line from ``CleanText.match`` (same length, half-width, simplified);
    patterns run on it, the token is reported as printed in ``line``. ``text_below``: the next line is
    text (no label of its own), so a style that allows it may stand alone on its line.
    """
    m_line = match_line if match_line is not None and len(match_line) == len(line) else to_halfwidth(line)
    indent = len(m_line) - len(m_line.lstrip(_INDENT))
    g = grammar()
    for style in g.styles:
        m = style.regex.match(m_line, indent)
        if m is None:
            continue
        special = m.group("num2") if "num2" in style.regex.groupindex else None  # ⑴, ⒈
        numeral = m.group("num") or special
        if numeral is None:
            continue
        numeral = numeral.replace(" ", "")  # 第 1 0 条
        value = parse_numeral(numeral)
        if value is None or not 0 < value <= g.max_value:
            continue
        rest = line[m.end() :]
        if style.needs_text and not rest.strip(_INDENT + " ") and not (text_below and style.alone_above_text):
            continue
        printed_numeral = str(value) if special or numeral.isdecimal() else numeral
        return Label(
            style=style.id,
            value=value,
            token=line[indent : m.end()],
            start=indent,
            end=m.end(),
            display=style.display.replace("{num}", printed_numeral),
            rest=rest,
        )
    return None
