"""Place names of China: find provinces and prefecture-level cities in a text, name a plan's jurisdiction.

The gazetteer is data (``compare/data/jurisdictions.yaml``: 34 provincial units, 333 prefecture-level
divisions). Short names (临沧, 云南, 广西) are trusted only in short texts such as an issuer or a
title; in running text only full names (临沧市, 云南省) count, because short names collide with
ordinary words (长治久安, 中山大学).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from compare.datafiles import DataFileError, get_str, get_str_list, load_yaml
from compare.text import literal_alternation, match_text

DATA_FILE = "jurisdictions.yaml"
_CITY_SUFFIXES = ("地区", "市", "盟")


@dataclass(frozen=True)
class Place:
    name: str  # full name: 临沧市, 云南省
    short: str  # 临沧, 云南
    province: str  # full name of the provincial unit (itself for a province)
    province_short: str
    is_city: bool
    municipality: bool  # 北京/天津/上海/重庆: a province-level city

    @property
    def jurisdiction(self) -> str:
        """云南省临沧市 for a city, 云南省 / 重庆市 for a provincial unit."""
        return f"{self.province}{self.name}" if self.is_city else self.name


@dataclass(frozen=True)
class Gazetteer:
    full: dict[str, Place]
    short: dict[str, Place]
    full_re: re.Pattern[str]
    any_re: re.Pattern[str]
    national_label: str
    national_issuers: frozenset[str]
    national_prefixes: tuple[str, ...]


def _alternation(names: list[str]) -> re.Pattern[str]:
    return re.compile(literal_alternation(names))


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The gazetteer of ``jurisdictions.yaml`` (loaded once)."""
    data = load_yaml(DATA_FILE)
    provinces = data.get("provinces")
    if not isinstance(provinces, list) or not provinces:
        raise DataFileError(DATA_FILE, "provinces", "expected a non-empty list")
    full: dict[str, Place] = {}
    short: dict[str, Place] = {}
    for i, p in enumerate(provinces):
        where = f"provinces[{i}]"
        if not isinstance(p, dict):
            raise DataFileError(DATA_FILE, where, "expected a mapping with name, short, kind, cities")
        pname = get_str(DATA_FILE, f"{where}.name", p.get("name"))
        pshort = get_str(DATA_FILE, f"{where}.short", p.get("short"))
        muni = p.get("kind") == "municipality"
        prov = Place(pname, pshort, pname, pshort, False, muni)
        full[pname] = prov
        short[pshort] = prov  # a province wins a short name it shares with a city (吉林)
        cities = p.get("cities")
        if not isinstance(cities, list):
            raise DataFileError(DATA_FILE, f"{where}.cities", "expected a list")
        for j, c in enumerate(cities):
            if isinstance(c, dict):
                cname = get_str(DATA_FILE, f"{where}.cities[{j}].name", c.get("name"))
                cshort = get_str(DATA_FILE, f"{where}.cities[{j}].short", c.get("short"))
            else:
                cname = get_str(DATA_FILE, f"{where}.cities[{j}]", c)
                cshort = next((cname[: -len(s)] for s in _CITY_SUFFIXES if cname.endswith(s)), cname)
            city = Place(cname, cshort, pname, pshort, True, False)
            full[cname] = city
            short.setdefault(cshort, city)
    nat = data.get("national") or {}
    return Gazetteer(
        full=full,
        short=short,
        full_re=_alternation(list(full)),
        any_re=_alternation(list(full) + list(short)),
        national_label=get_str(DATA_FILE, "national.label", nat.get("label")),
        national_issuers=frozenset(get_str_list(DATA_FILE, "national.issuers", nat.get("issuers"))),
        national_prefixes=tuple(
            get_str_list(DATA_FILE, "national.issuer_prefixes", nat.get("issuer_prefixes"))
        ),
    )


def find_places(text: str, short_names: bool = True) -> list[tuple[int, int, Place]]:
    """Places named in ``text`` (longest match first, no overlaps), in order of appearance."""
    g = gazetteer()
    regex = g.any_re if short_names else g.full_re
    out = []
    for m in regex.finditer(match_text(text)):  # same length: offsets hold for the printed text
        name = m.group()
        place = g.full.get(name) or g.short.get(name)
        if place is not None:
            out.append((m.start(), m.end(), place))
    return out


def place_in(text: str, short_names: bool = True) -> Place | None:
    """The most specific place a short text names: its first city, else its first province."""
    found = [p for _, _, p in find_places(text, short_names)]
    cities = [p for p in found if p.is_city]
    if cities:
        return cities[0]
    return found[0] if found else None


def place_in_body(text: str, min_mentions: int = 2) -> Place | None:
    """The place running text is about: the most mentioned full name (cities first), if mentioned enough."""
    counts = Counter(p for _, _, p in find_places(text, short_names=False))
    for want_city in (True, False):
        ranked = [(n, p) for p, n in counts.items() if p.is_city == want_city and n >= min_mentions]
        if ranked:
            return max(ranked, key=lambda t: t[0])[1]
    return None


def is_national(issuer: str) -> bool:
    """An issuer whose documents apply nationwide (国务院, 国务院办公厅, 国家发展改革委 …)."""
    g = gazetteer()
    parts = [p for p in re.split(r"[、,，\s]+", match_text(issuer)) if p]
    return bool(parts) and all(
        p in g.national_issuers or (p.startswith(g.national_prefixes) and place_in(p) is None) for p in parts
    )


def national_label() -> str:
    return gazetteer().national_label
