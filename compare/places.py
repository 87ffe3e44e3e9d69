"""Place names of China: find provinces and prefecture-level cities in a text, name a plan's jurisdiction.

The gazetteer is data (``compare/data/jurisdictions.yaml``: 34 provincial units, 333 prefecture-level
divisions, and the districts and counties of the four municipalities; ``compare/data/counties.yaml``: the
county-level divisions of the prefectures). Short names (临沧, 云南, 广西) are trusted only in short texts
such as an issuer or a title; in running text only full names (临沧市, 云南省) count, because short names
collide with ordinary words (长治久安, 中山大学). Districts are read in issuers and titles only, and by a
short name (永川) only beside their municipality's name. Counties too are read in issuers and titles only:
by their full name (柳河县, 张家港市), or by their short name right before a zone's kind (江阴经济开发区); a
name two counties share (伊宁市, 伊宁县 → 伊宁; 鼓楼区) counts only where the text names its city or province.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from compare.datafiles import DataFileError, get_str, get_str_list, load_yaml
from compare.text import literal_alternation, match_text

DATA_FILE = "jurisdictions.yaml"
COUNTIES_FILE = "counties.yaml"
_CITY_SUFFIXES = ("地区", "市", "盟")
_DISTRICT_SUFFIXES = ("新区", "区", "县")


@dataclass(frozen=True)
class Place:
    name: str  # full name: 临沧市, 云南省
    short: str  # 临沧, 云南
    province: str  # full name of the provincial unit (itself for a province)
    province_short: str
    is_city: bool  # a prefecture-level city, or a municipality's district (the level below it)
    municipality: bool  # 北京/天津/上海/重庆: a province-level city
    is_district: bool = False  # a district or county of a municipality (重庆市永川区), or of a prefecture
    city: str = ""  # a prefecture's county: the prefecture (苏州市 for 张家港市)

    @property
    def jurisdiction(self) -> str:
        """云南省临沧市 for a city, 江苏省苏州市张家港市 for a county, 云南省 / 重庆市 for a province."""
        return f"{self.province}{self.city}{self.name}" if self.is_city else self.name


@dataclass(frozen=True)
class Gazetteer:
    full: dict[str, Place]
    short: dict[str, Place]
    districts: dict[str, Place]  # full and short names of the municipalities' districts
    counties: dict[str, tuple[Place, ...]]  # full and short names of the prefectures' counties
    county_re: re.Pattern[str]  # full names, and short names before a zone's kind
    full_re: re.Pattern[str]
    any_re: re.Pattern[str]  # full and short names, districts included (issuers and titles)
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
    districts: dict[str, Place] = {}
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
        for dname, dshort in _names(p.get("districts") or [], f"{where}.districts"):
            district = Place(dname, dshort, pname, pshort, True, False, is_district=True)
            districts.setdefault(dname, district)
            districts.setdefault(dshort, district)
    counties, county_re = _counties(full)
    nat = data.get("national") or {}
    return Gazetteer(
        full=full,
        short=short,
        districts=districts,
        counties=counties,
        county_re=county_re,
        full_re=_alternation(list(full)),
        any_re=_alternation(list(full) + list(short) + list(districts)),
        national_label=get_str(DATA_FILE, "national.label", nat.get("label")),
        national_issuers=frozenset(get_str_list(DATA_FILE, "national.issuers", nat.get("issuers"))),
        national_prefixes=tuple(
            get_str_list(DATA_FILE, "national.issuer_prefixes", nat.get("issuer_prefixes"))
        ),
    )


def _counties(full: dict[str, Place]) -> tuple[dict[str, tuple[Place, ...]], re.Pattern[str]]:
    """The prefectures' counties of ``counties.yaml`` by full and short name, and the pattern finding them."""
    data = load_yaml(COUNTIES_FILE)
    provinces = data.get("provinces")
    if not isinstance(provinces, dict):
        raise DataFileError(COUNTIES_FILE, "provinces", "expected a mapping of provinces to their cities")
    by_name: dict[str, list[Place]] = {}
    shorts: set[str] = set()
    for pname, cities in provinces.items():
        province = full.get(str(pname))
        if province is None or not isinstance(cities, dict):
            raise DataFileError(
                COUNTIES_FILE, f"provinces.{pname}", "a province of jurisdictions.yaml, with cities"
            )
        for cname, names in cities.items():
            where = f"provinces.{pname}.{cname}"
            city = "" if cname == "-" else str(cname)
            if city and city not in full:
                raise DataFileError(COUNTIES_FILE, where, "a city of jurisdictions.yaml")
            for name in get_str_list(COUNTIES_FILE, where, names):
                cut = next((name[:-1] for s in ("县", "市", "旗", "区") if name.endswith(s)), "")
                cut = cut if len(cut) >= 2 and not cut.endswith("自治") else ""
                place = Place(
                    name, cut or name, province.name, province.short, True, False, is_district=True, city=city
                )
                by_name.setdefault(name, []).append(place)
                if cut:
                    by_name.setdefault(cut, []).append(place)
                    shorts.add(cut)
    before = get_str(COUNTIES_FILE, "short_before", data.get("short_before"))
    full_names = [n for n in by_name if n not in shorts]
    pattern = re.compile(
        f"{literal_alternation(full_names)}|(?:{literal_alternation(sorted(shorts))})(?={before})"
    )
    return {n: tuple(ps) for n, ps in by_name.items()}, pattern


def _names(entries: list[object], where: str) -> list[tuple[str, str]]:
    """(full name, short name) of a municipality's districts: a short name is the full one without
    区/县/新区 when two characters or more remain, unless given ({name: 浦东新区, short: 浦东})."""
    if not isinstance(entries, list):
        raise DataFileError(DATA_FILE, where, "expected a list")
    out = []
    for j, d in enumerate(entries):
        if isinstance(d, dict):
            name = get_str(DATA_FILE, f"{where}[{j}].name", d.get("name"))
            out.append((name, get_str(DATA_FILE, f"{where}[{j}].short", d.get("short"))))
            continue
        name = get_str(DATA_FILE, f"{where}[{j}]", d)
        cut = next((name[: -len(s)] for s in _DISTRICT_SUFFIXES if name.endswith(s)), name)
        out.append((name, cut if len(cut) >= 2 else name))
    return out


def find_places(text: str, short_names: bool = True) -> list[tuple[int, int, Place]]:
    """Places named in ``text`` (longest match first, no overlaps), in order of appearance. With
    ``short_names`` (issuers, titles) districts count too: beside their municipality, or by their full
    name where no other place is named (南通市通州区 is Nantong's, not Beijing's)."""
    g = gazetteer()
    regex = g.any_re if short_names else g.full_re
    out = []
    for m in regex.finditer(match_text(text)):  # same length: offsets hold for the printed text
        name = m.group()
        place = g.full.get(name) or g.short.get(name) or g.districts.get(name)
        if place is not None:
            out.append((m.start(), m.end(), place, name == place.name))
    named = {p.name for _, _, p, _ in out}
    others = {p.province for _, _, p, _ in out if not p.is_district}
    found = [
        (s, e, p)
        for s, e, p, whole in out
        if not p.is_district or p.province in named or (whole and not others - {p.province})
    ]
    if short_names:
        found = sorted(found + _counties_in(text, found, named | others), key=lambda f: f[0])
    return found


def _counties_in(
    text: str, found: list[tuple[int, int, Place]], named: set[str]
) -> list[tuple[int, int, Place]]:
    """Counties a short text names, where no other place was found: by a name only one county has, or
    one of the counties of a city or province the text names."""
    g = gazetteer()
    taken = [(s, e) for s, e, _ in found]
    out = []
    for m in g.county_re.finditer(match_text(text)):
        if any(s < m.end() and m.start() < e for s, e in taken):
            continue
        places = g.counties[m.group()]
        if len(places) > 1:
            places = tuple(p for p in places if p.city in named or p.province in named)
        if len(places) == 1:
            out.append((m.start(), m.end(), places[0]))
    return out


def place_in(text: str, short_names: bool = True) -> Place | None:
    """The most specific place a short text names: its first district, else its first city, else its
    first province."""
    found = [p for _, _, p in find_places(text, short_names)]
    for level in ([p for p in found if p.is_district], [p for p in found if p.is_city], found):
        if level:
            return level[0]
    return None


def place_in_body(text: str, min_mentions: int = 2) -> Place | None:
    """The place running text is about: the most mentioned full name (cities first), if mentioned enough."""
    counts = Counter(p for _, _, p in find_places(text, short_names=False))
    for want_city in (True, False):
        ranked = [(n, p) for p, n in counts.items() if p.is_city == want_city and n >= min_mentions]
        if ranked:
            return max(ranked, key=lambda t: t[0])[1]
    return None


def within(inner: Place, outer: Place) -> bool:
    """``inner`` lies in ``outer``: a city or county in a province, a county in a city."""
    if not outer.is_city:
        return inner.is_city and inner.province == outer.name
    return bool(inner.city) and inner.city == outer.name and inner.province == outer.province


def is_national(issuer: str) -> bool:
    """An issuer whose documents apply nationwide (国务院, 国务院办公厅, 国家发展改革委 …)."""
    g = gazetteer()
    parts = [p for p in re.split(r"[、,，\s]+", match_text(issuer)) if p]
    return bool(parts) and all(
        p in g.national_issuers or (p.startswith(g.national_prefixes) and place_in(p) is None) for p in parts
    )


def national_label() -> str:
    return gazetteer().national_label
