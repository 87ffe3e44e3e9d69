"""The metadata rules of ``compare/data/metadata.yaml``, loaded and checked once: the labels of metadata
tables and cards, issuer names, zone types (``compare.ingest.metadata`` reads a plan with them,
``compare.ingest.display`` names a plan with them)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from compare.datafiles import (
    DataFileError,
    compile_pattern,
    get_int,
    get_str,
    get_str_list,
    load_yaml,
    section,
)

DATA_FILE = "metadata.yaml"


# --- rules -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ZoneType:
    label: str
    patterns: tuple[re.Pattern[str], ...]
    abbrev: str
    collective: bool


@dataclass(frozen=True)
class Rules:
    table_labels: dict[str, str | None]
    table_min_labels: int
    table_window: int
    table_glued: int  # a label glued to its value has at least this many characters
    reading: re.Pattern[str]  # a pinyin reading a converter site inserted after a character
    card_line: re.Pattern[str]
    card_labels: dict[str, str]
    page_date_line: re.Pattern[str]
    page_doc_number: re.Pattern[str]
    print_line: re.Pattern[str]
    org_end: re.Pattern[str]
    title_separators: tuple[str, ...]
    expansions: tuple[tuple[re.Pattern[str], str], ...]
    signature_notes: re.Pattern[str]
    joiner: str
    self_named: re.Pattern[str]  # the maker named in a notice's opening (…管理委员会…制定如下…)
    self_named_chars: int
    zone_types: tuple[ZoneType, ...]
    rename_title: re.Pattern[str]
    several_in_title: re.Pattern[str]
    renamed_to: re.Pattern[str]
    body_min_mentions: int
    body_min_per_thousand: int


def _mapping(where: str, value: object) -> dict[str, str | None]:
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise DataFileError(DATA_FILE, where, "expected a mapping of labels to field names")
    return {k: (v if isinstance(v, str) else None) for k, v in value.items()}


@lru_cache(maxsize=1)
def rules() -> Rules:
    """The metadata rules of ``metadata.yaml`` (loaded once)."""
    data = load_yaml(DATA_FILE)
    table = section(DATA_FILE, "govcn_table")
    card = section(DATA_FILE, "card")
    issuer = section(DATA_FILE, "issuer")
    endings = get_str_list(DATA_FILE, "issuer.org_endings", issuer.get("org_endings"))
    expansions = []
    for i, e in enumerate(issuer.get("expansions") or []):
        where = f"issuer.expansions[{i}]"
        if not isinstance(e, dict):
            raise DataFileError(DATA_FILE, where, "expected {pattern, replace}")
        expansions.append(
            (compile_pattern(DATA_FILE, f"{where}.pattern", e.get("pattern")), str(e.get("replace", "")))
        )
    zones = []
    zone_data = section(DATA_FILE, "zone_types")
    several = section(DATA_FILE, "jurisdiction").get("several_in_title")
    raw_zones = zone_data.get("rules")
    if not isinstance(raw_zones, list):
        raise DataFileError(DATA_FILE, "zone_types.rules", "expected a list")
    body_min = get_int(DATA_FILE, "zone_types.body_min_mentions", zone_data.get("body_min_mentions"))
    for i, z in enumerate(raw_zones):
        where = f"zone_types.rules[{i}]"
        if not isinstance(z, dict):
            raise DataFileError(DATA_FILE, where, "expected {label, patterns, abbrev}")
        pats = get_str_list(DATA_FILE, f"{where}.patterns", z.get("patterns"))
        zones.append(
            ZoneType(
                label=get_str(DATA_FILE, f"{where}.label", z.get("label")),
                patterns=tuple(compile_pattern(DATA_FILE, f"{where}.patterns", p) for p in pats),
                abbrev=get_str(DATA_FILE, f"{where}.abbrev", z.get("abbrev")),
                collective=bool(z.get("collective", False)),
            )
        )
    return Rules(
        table_labels=_mapping("govcn_table.labels", table.get("labels")),
        table_min_labels=get_int(DATA_FILE, "govcn_table.min_labels", table.get("min_labels")),
        table_window=get_int(DATA_FILE, "govcn_table.window_lines", table.get("window_lines")),
        table_glued=get_int(DATA_FILE, "govcn_table.glued_label_chars", table.get("glued_label_chars")),
        reading=compile_pattern(DATA_FILE, "govcn_table.reading", table.get("reading")),
        card_line=compile_pattern(DATA_FILE, "card.line", card.get("line")),
        card_labels={k: v for k, v in _mapping("card.labels", card.get("labels")).items() if v},
        page_date_line=compile_pattern(DATA_FILE, "page_date_line", data.get("page_date_line")),
        page_doc_number=compile_pattern(
            DATA_FILE, "page_doc_number_field", data.get("page_doc_number_field")
        ),
        print_line=compile_pattern(DATA_FILE, "print_line", data.get("print_line")),
        org_end=re.compile(
            "(?:" + "|".join(re.escape(e) for e in sorted(endings, key=len, reverse=True)) + ")$"
        ),
        title_separators=tuple(
            get_str_list(DATA_FILE, "issuer.title_separators", issuer.get("title_separators"))
        ),
        expansions=tuple(expansions),
        signature_notes=compile_pattern(DATA_FILE, "issuer.signature_notes", issuer.get("signature_notes")),
        joiner=get_str(DATA_FILE, "issuer.joiner", issuer.get("joiner")),
        self_named=compile_pattern(DATA_FILE, "issuer.self_named", issuer.get("self_named")),
        self_named_chars=get_int(DATA_FILE, "issuer.self_named_chars", issuer.get("self_named_chars")),
        zone_types=tuple(zones),
        rename_title=compile_pattern(DATA_FILE, "zone_types.rename_title", zone_data.get("rename_title")),
        several_in_title=compile_pattern(DATA_FILE, "jurisdiction.several_in_title", several),
        renamed_to=compile_pattern(DATA_FILE, "zone_types.renamed_to", zone_data.get("renamed_to")),
        body_min_mentions=body_min,
        body_min_per_thousand=get_int(
            DATA_FILE, "zone_types.body_min_per_thousand", zone_data.get("body_min_per_thousand")
        ),
    )


# --- page chrome in the raw text --------------------------------------------------------------------
