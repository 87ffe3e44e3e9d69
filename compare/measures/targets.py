"""Quantified targets of a measure: every quantity with its value, normalised unit and year.

200万元 → 2e6 元; 350万元/亩 → 3.5e6 元/亩; 1.5亿美元 → 1.5e8 美元; 二十家 → 20 家; 15% → 15 %;
ranges (5—10年, 1至2家) give their lower bound as value (the commitment) and keep the text as printed.
Dates, times, 文号, cited titles, article numbers (第三十六条) and years (2025年 is a year, not a
quantity) are skipped. The units table and skip patterns live in attributes.yaml (``targets``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from compare.measures.attributes import Rules, load_rules
from compare.model import Target
from compare.text import AMOUNT_NUMERALS, normalise_chars, parse_numeral


@dataclass(frozen=True)
class _Compiled:
    quantity: re.Pattern[str]
    skip: tuple[re.Pattern[str], ...]
    year: re.Pattern[str]
    units: dict[str, tuple[str, float]]
    multipliers: dict[str, float]
    count_units: frozenset[str]
    chinese_count_min: float
    count_before: re.Pattern[str]  # a limit word before a small Chinese count (不少于五年)
    count_after: re.Pattern[str]  # …or after it (二年内)
    window: int  # characters before a number searched for a qualifier or a "per" word
    # a "per" said before the number (生均…元, 每年…次): its pattern, the per, the units it applies to
    per_before: tuple[tuple[re.Pattern[str], str, frozenset[str]], ...]
    once_per_cycle: re.Pattern[str]  # before a count of times: the cycle is the quantity


_COMPILED: dict[str, _Compiled] = {}


def _compile(rules: Rules) -> _Compiled:
    if rules.version not in _COMPILED:
        _COMPILED[rules.version] = _build(rules)
    return _COMPILED[rules.version]


def _build(rules: Rules) -> _Compiled:
    t = rules.targets
    units = {str(k): (str(v[0]), float(v[1])) for k, v in t["units"].items()}
    mult = {str(k): float(v) for k, v in t["multipliers"].items()}
    per = sorted(map(str, t["per"]), key=len, reverse=True)
    unit_alt = "|".join(re.escape(u) for u in sorted(units, key=len, reverse=True))
    mult_alt = "|".join(re.escape(m) for m in sorted(mult, key=len, reverse=True))
    per_alt = "|".join(map(re.escape, per))
    num = rf"(?:\d+(?:\.\d+)?|[{AMOUNT_NUMERALS}]+)"
    rng = t["range_separators"]
    quantity = re.compile(
        rf"(?P<a>{num})(?:\s*(?P<ma>{mult_alt})?\s*(?:{rng})\s*(?P<b>{num}))?\s*"
        rf"(?P<mult>{mult_alt})?\s*(?P<unit>{unit_alt})(?:\s*/\s*(?P<per>{per_alt}))?"
    )
    return _Compiled(
        quantity=quantity,
        skip=tuple(re.compile(p) for p in t["skip"]),
        year=re.compile(t["year"]),
        units=units,
        multipliers=mult,
        count_units=frozenset(map(str, t["count_units"])),
        chinese_count_min=float(t["chinese_count_min"]),
        count_before=re.compile(t["count_qualifiers"]["before"]),
        count_after=re.compile(t["count_qualifiers"]["after"]),
        window=int(t["count_qualifiers"]["window"]),
        once_per_cycle=re.compile(t["once_per_cycle"]),
        per_before=tuple(
            (re.compile(p["pattern"]), str(p["per"]), frozenset(map(str, p["units"])))
            for p in t["per_before"]
        ),
    )


def find_targets(
    text: str,
    rules: Rules | None = None,
    *,
    match: str | None = None,
    to_raw: Callable[[int, int], tuple[int, int]] | None = None,
) -> list[Target]:
    """Quantities in ``text``, read in ``match`` (the aligned simplified text) when given.

    ``to_raw`` maps a local (start, end) to raw offsets (default: the local offsets).
    """
    c = _compile(rules or load_rules())
    norm = normalise_chars(match if match is not None and len(match) == len(text) else text)
    quantities = list(c.quantity.finditer(norm))
    if not quantities:  # most measures name no quantity: skip the date and year scans
        return []
    blocked = [(m.start(), m.end()) for rx in c.skip for m in rx.finditer(norm)]
    years = [(m.start(), int(m.group(1))) for m in c.year.finditer(norm)]
    out: list[Target] = []
    for m in quantities:
        s, e = m.span()
        if any(bs < e and s < be for bs, be in blocked):
            continue
        a_tok, unit_tok = m.group("a"), m.group("unit")
        # a number glued to a preceding letter or digit is part of a code (IPv6, 9610, B型)
        if s > 0 and (norm[s - 1].isascii() and norm[s - 1].isalnum()) and a_tok[0].isdigit():
            continue
        if s > 0 and norm[s - 1] == "第":
            continue
        if a_tok in ("十", "百", "千", "万", "亿"):
            continue  # a unit on its own is no amount (and reading one would import cn2an)
        value = parse_numeral(a_tok, "amount")
        if value is None:
            continue
        chinese = not a_tok[0].isdigit()
        norm_unit, unit_factor = c.units[unit_tok]
        before = max(0, s - c.window)
        per = m.group("per") or next(
            (p for rx, p, units in c.per_before if norm_unit in units and rx.search(norm, before, s)), None
        )
        if (
            chinese
            and unit_tok in c.count_units
            and value < c.chinese_count_min
            and per is None
            and not c.count_before.search(norm, before, s)
            and not c.count_after.match(norm, e)
        ):
            continue  # "一个", "三项制度": an article or a name, not a quantity (二年内 is one)
        # 万 written once for a range ("1—2万元") applies to both ends
        factor = c.multipliers.get(m.group("mult") or "", 1.0)
        if m.group("ma") and not m.group("mult"):
            factor = c.multipliers[m.group("ma")]
        if norm_unit == "次" and c.once_per_cycle.search(norm, before, s):
            continue  # 每5年修订1次: the cycle (5年) is the quantity
        if per:
            norm_unit = f"{norm_unit}/{per}"
        year = None
        sentence_start = max(norm.rfind(ch, 0, s) for ch in "。;\n")
        for ys, y in years:
            if sentence_start < ys < s:
                year = y
        raw_s, raw_e = to_raw(s, e) if to_raw else (s, e)
        out.append(
            Target(
                text=text[s:e],
                value=value * factor * unit_factor,
                unit=norm_unit,
                year=year,
                start=raw_s,
                end=raw_e,
            )
        )
    return out
