"""Names beside ids in the data files a person reads: plan, family and topic names in the edition's language.

``edition_names(tables, lang)`` reads the names once from the tables (plans: ``documents.display_name``;
families: ``families.name``, in the English edition its English gloss where it has one; topics: the
codebook's names carried by ``coverage``); ``with_names`` adds the name columns ``columns.NAME_COLUMNS``
defines to a table, beside their ids (the workbook) or after the table's own columns (the CSV files,
whose leading columns stay as they are). The SQLite views join the same names in SQL (``sqlite_db``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from compare.render.exports.columns import NAMED_BY, name_columns
from compare.render.i18n import DEFAULT_LANG, SUPPORTED_LANGS


def edition(manifest: Mapping[str, Any]) -> str:
    """The edition the data files are written for: the manifest's ``lang`` (Chinese when unknown)."""
    lang = str(manifest.get("lang", DEFAULT_LANG))[:2]
    return lang if lang in SUPPORTED_LANGS else DEFAULT_LANG


@dataclass(frozen=True)
class Names:
    """id -> name, per kind of name (``plan``, ``family``, ``topic``), in the edition ``lang``."""

    by_kind: dict[str, dict[str, str]]
    lang: str = "zh"

    def lookup(self, kind: str) -> dict[str, str]:
        return self.by_kind.get(kind, {})


def _pairs(frame: pd.DataFrame | None, key: str, value: str) -> dict[str, str]:
    if frame is None or key not in frame.columns or value not in frame.columns:
        return {}
    values = frame[value].astype(object).where(frame[value].notna(), "")
    return {str(k): str(v) for k, v in zip(frame[key].astype(str), values, strict=True) if str(v)}


def edition_names(tables: Mapping[str, pd.DataFrame], lang: str) -> Names:
    """The names of plans, families and topics as the edition ``lang`` shows them."""
    families = _pairs(tables.get("families"), "family_id", "name")
    if lang == "en":  # the English gloss where a family has one (English names: issue 20's catalogue)
        families.update(_pairs(tables.get("families"), "family_id", "gloss"))
    coverage = tables.get("coverage")
    topics = _pairs(coverage, "topic", "topic_name")
    if lang == "en":
        topics.update(_pairs(coverage, "topic", "topic_name_en"))
    return Names(
        {
            "plan": _pairs(tables.get("documents"), "plan_id", "display_name"),
            "family": families,
            "topic": topics,
        },
        lang,
    )


def with_names(table: str, frame: pd.DataFrame, names: Names, beside: bool) -> pd.DataFrame:
    """``frame`` with a name column for each of its id columns that ``NAME_COLUMNS`` names (an unknown id
    gets an empty name); ``beside``: right after the id (and a name the table has already, such as a
    gap's family ``name``, moved there too), else after all of the table's columns."""
    added = name_columns(table, [str(c) for c in frame.columns], names.lang)
    own = [(i, n) for (t, i), n in NAMED_BY.items() if t == table and {i, n} <= set(frame.columns)]
    if not added and not (beside and own):
        return frame
    out = frame.copy(deep=False)
    if beside:
        for id_column, name_column in own:
            values = out.pop(name_column)
            out.insert(list(out.columns).index(id_column) + 1, name_column, values)
    for id_column, name_column, kind in added:
        lookup = names.lookup(kind)
        # positions in the lookup, an unknown id at the end (""): numpy, not a dict look-up per row
        position = pd.Index(list(lookup)).get_indexer(out[id_column].astype(object))
        values = np.array([*lookup.values(), ""], dtype=object)[position]
        at = list(out.columns).index(id_column) + 1 if beside else len(out.columns)
        out.insert(at, name_column, values)
    return out
