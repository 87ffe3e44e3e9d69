"""A plan's short name for column headers (临沧高新区, 昆明市园区, 国发〔2019〕5号), from its metadata.

The rules (zone types and their short forms, collective markers, lengths) are those of
``compare/data/metadata.yaml`` as ``compare.ingest.metadata`` loads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from compare.datafiles import get_int, get_str, get_str_list, section
from compare.ingest.metadata import zone_matches
from compare.ingest.metadata_rules import DATA_FILE, ZoneType
from compare.ingest.metadata_rules import rules as metadata_rules
from compare.layout.frontmatter import rules as part_rules
from compare.model import Metadata
from compare.places import Place, place_in
from compare.text import match_text


@dataclass(frozen=True)
class _Rules:
    display_max: int
    display_separator: str
    collective_markers: tuple[str, ...]
    title_core_chars: int


@lru_cache(maxsize=1)
def rules() -> _Rules:
    """The ``display_name`` section of ``metadata.yaml`` (loaded once)."""
    d = section(DATA_FILE, "display_name")
    return _Rules(
        display_max=get_int(DATA_FILE, "display_name.max_chars", d.get("max_chars")),
        display_separator=get_str(DATA_FILE, "display_name.separator", d.get("separator")),
        collective_markers=tuple(
            get_str_list(DATA_FILE, "display_name.collective_markers", d.get("collective_markers"))
        ),
        title_core_chars=get_int(DATA_FILE, "display_name.title_core_chars", d.get("title_core_chars")),
    )


def _place_of(jurisdiction: str | None) -> Place | None:
    if not jurisdiction:
        return None
    return place_in(jurisdiction, short_names=False)


@dataclass(frozen=True)
class Naming:
    """What a plan's short name is made of: the place, the zone kind(s) its title names, and whether
    the plan is about all zones of the place (全市…)."""

    place: Place | None
    zone: ZoneType
    collective: bool
    second: ZoneType | None  # another kind the title names (云南自贸联动·经开区)


def naming(md: Metadata) -> Naming | None:
    """The parts of a plan's short name, or None when its title names no zone of its kind."""
    r = rules()
    title = md.title or ""
    zones = zone_matches(title)
    order = {z.label: i for i, z in enumerate(metadata_rules().zone_types)}
    named = {z.label for _, _, z in zones}
    primary = next(
        (z for z in metadata_rules().zone_types if z.label == md.zone_type and z.label in named), None
    )
    if primary is None:
        return None
    place = place_in(title) or _place_of(md.jurisdiction)
    collective = primary.collective or any(m in title for m in r.collective_markers)
    secondary = [z for _, _, z in sorted(zones, key=lambda t: order[t[2].label]) if z.label != primary.label]
    return Naming(place, primary, collective, secondary[0] if secondary else None)


def derive_display_name(md: Metadata, fallback: str) -> str:
    """A short column header: place + zone kind (临沧高新区, 昆明市园区, 重庆自贸联动, 云南自贸联动·经开区).

    The place is the one the title names, else the jurisdiction's; it keeps its 市/省 when the plan is
    about all zones of the place (全市…, 开发区及产业园区). A plan whose title names no zone is called by
    its 文号 (国发〔2019〕5号), else by the subject of its title.
    """
    r = rules()
    parts = naming(md)
    if parts is None:
        if md.doc_number:
            return md.doc_number
        core = _title_core(md.title or "")
        return core[: r.display_max] if core else fallback
    place = parts.place
    where = "" if place is None else place.name if parts.collective else place.short
    name = where + parts.zone.abbrev
    if parts.second:
        extra = name + r.display_separator + parts.second.abbrev
        if len(extra) <= r.display_max:
            return extra
    return name[: r.display_max]


def _title_core(title: str) -> str:
    """The subject of a title: after 关于 and any issuer, before the document kind."""
    r = rules()
    core = title.split("关于", 1)[1] if "关于" in title else title
    core = part_rules().doc_kind_end.sub("", match_text(core)).removesuffix("的")
    return title[len(title) - len(title.split("关于", 1)[-1]) :][: min(len(core), r.title_core_chars)]
