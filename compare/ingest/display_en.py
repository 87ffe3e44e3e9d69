"""A plan's English name for the English edition's headers (Lincang High-tech Zone (Implementing Opinions)).

Made of the same parts as the Chinese short name (``compare.ingest.display.naming``): the place by its
English name, the zone kind translated, and the kind of document the title calls itself. A plan whose
title names no zone is called by its 文号 in pinyin (Lin Ban Fa [2019] No. 5), else by its place and
kind of document. The words are data (``compare/data/names_en.yaml``: every province and prefecture-level
city of the gazetteer, reviewed); ``pypinyin`` spells what the tables do not know (a 文号's issuer, a
place outside the gazetteer) and is imported only then (it takes a few tenths of a second).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from compare.datafiles import DATA_DIR, Section
from compare.errors import DataError
from compare.ingest.display import naming
from compare.layout.frontmatter import notice_subject
from compare.model import Metadata
from compare.places import Place, place_in

DATA_FILE = DATA_DIR / "names_en.yaml"
_HAN = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class ZoneKind:
    name: str
    plural: str
    short: str


@dataclass(frozen=True)
class EnglishNames:
    provinces: dict[str, str]  # full name -> English
    cities: dict[str, dict[str, str]]  # province (full name) -> city (short name) -> English
    zone_kinds: dict[str, ZoneKind]
    doc_kinds: tuple[tuple[re.Pattern[str], str], ...]
    doc_number: re.Pattern[str]
    separator: str  # before the second zone kind a title names


@lru_cache(maxsize=1)
def english_names() -> EnglishNames:
    """The tables of ``names_en.yaml`` (loaded once)."""
    top = Section.read(DATA_FILE, error=DataError)
    kinds = top.section("zone_kinds")
    cities = top.section("cities")
    return EnglishNames(
        provinces=top.mapping("provinces"),
        cities={str(province): cities.mapping(str(province)) for province in cities.data},
        zone_kinds={
            str(label): ZoneKind(k.string("name"), k.string("plural"), k.string("short"))
            for label in kinds.data
            for k in [kinds.section(str(label))]
        },
        doc_kinds=tuple((d.regex("pattern"), d.string("name")) for d in top.sections("doc_kinds")),
        doc_number=top.regex("doc_number"),
        separator=top.string("separator"),
    )


def derive_english_name(md: Metadata, fallback: str) -> str:
    """The plan's English name: place, zone kind and kind of document (see the module's docstring);
    ``fallback`` (the file's stem) when nothing of it can be read."""
    t = english_names()
    title = md.title or ""
    kind = doc_kind(title)
    parts = naming(md)
    if parts is not None and parts.zone.label in t.zone_kinds:
        zone = t.zone_kinds[parts.zone.label]
        name = zone.plural if parts.collective else zone.name
        where = place_name(parts.place) if parts.place else ""
        if parts.second and parts.second.label in t.zone_kinds:
            name += t.separator + t.zone_kinds[parts.second.label].short
        return " ".join(w for w in (where, name, f"({kind})" if kind else "") if w)
    if md.doc_number and (number := doc_number(md.doc_number)):
        return number
    place = place_in(title) or (place_in(md.jurisdiction, short_names=False) if md.jurisdiction else None)
    if place and kind:
        return f"{place_name(place)} {kind}"
    return fallback if not _HAN.search(fallback) else _capitalised(pinyin(fallback))


def doc_kind(title: str) -> str:
    """What the title calls the document (Opinions, Implementation Plan …), '' when it says nothing."""
    # a transmittal notice is named for the plan it hands over
    name = notice_subject(title) or title
    return next((en for pattern, en in english_names().doc_kinds if pattern.search(name)), "")


def place_name(place: Place) -> str:
    """A place in English: by the tables (Yunnan, Lincang, Harbin), else in pinyin."""
    t = english_names()
    if not place.is_city:
        return t.provinces.get(place.name) or _capitalised(pinyin(place.short))
    return t.cities.get(place.province, {}).get(place.short) or _capitalised(pinyin(place.short))


def doc_number(text: str) -> str:
    """A 文号 in English (临办发〔2019〕5号 → Lin Ban Fa [2019] No. 5), '' when it is not one."""
    found = english_names().doc_number.search(text)
    if not found:
        return ""
    code = " ".join(s.title() for s in _syllables(found.group("code")))
    return f"{code} [{found.group('year')}] No. {found.group('number')}"


def pinyin(text: str) -> str:
    """Han characters in pinyin without tones, syllables joined (an apostrophe before a syllable that
    starts with a vowel: Xi'an); other characters kept."""
    out = ""
    for syllable in _syllables(text):
        if out and syllable[:1] in "aeo" and out[-1:].isalpha():
            out += "'"
        out += syllable
    return out


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]  # Xi'an, not Xi'An


def _syllables(text: str) -> list[str]:
    from pypinyin import lazy_pinyin  # imported here: only the English names need it

    return [s for s in lazy_pinyin(text) if s.strip()]
