"""The plans a build compares: each content once, with its display name and in the user's order.

``docs_in/catalogue.yaml`` (optional) gives a file a short display name (``name``, and ``name_en`` for
the English edition) and fixes the column order;
the same plan twice (same bytes, or the same text in another encoding or format) is compared once.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path
from typing import Any

from compare.config import PLAN_CATALOGUE_NAMES
from compare.errors import PlanCatalogueError
from compare.model import FailedInput, PlanAnalysis

MAX_CATALOGUE_BYTES = 1 << 20  # a catalogue of thousands of plans is a few hundred KB
CATALOGUE_KEYS = ("name", "name_en")


def load_plan_catalogue(input_dir: Path) -> dict[str, dict[str, Any]]:
    """Optional docs_in/catalogue.yaml: per file a short display name (and the column order).

    Data from the user, checked as such: at most 1 MB, aliases bounded (``compare.datafiles``), every
    entry a name or a mapping of the known keys to strings; an error names the file and line."""
    for name in PLAN_CATALOGUE_NAMES:
        path = input_dir / name
        if not path.exists():
            continue
        # imported here: most builds have no catalogue, and a no-change rebuild imports little
        from compare.datafiles import Section, line_of, parse_yaml, read_bytes

        raw = read_bytes(path, PlanCatalogueError)
        if len(raw) > MAX_CATALOGUE_BYTES:
            raise PlanCatalogueError(
                path, "", f"{len(raw) / (1 << 20):.1f} MB: too large (limit {MAX_CATALOGUE_BYTES >> 20} MB)"
            )
        top = Section(path, parse_yaml(raw, path, PlanCatalogueError) or {}, "", PlanCatalogueError)
        plans = top.data.get("plans", {})
        if not isinstance(plans, dict):
            raise top.error("plans", "a mapping 'plans: {file name: {name: …}}'")
        entries: dict[str, dict[str, Any]] = {}
        for file_name, entry in plans.items():
            where = f"plans.{file_name}"
            if isinstance(entry, str):
                entry = {"name": entry}
            if not isinstance(file_name, str) or not isinstance(entry, dict):
                raise PlanCatalogueError(
                    path,
                    where,
                    "must be a name, or a mapping like {name: 临沧高新区}",
                    line_of(plans, file_name),
                )
            for key, value in entry.items():
                if key not in CATALOGUE_KEYS:
                    raise PlanCatalogueError(
                        path,
                        f"{where}.{key}",
                        f"unknown key (known: {', '.join(CATALOGUE_KEYS)})",
                        line_of(entry, key),
                    )
                if not isinstance(value, str) or not value.strip():
                    raise PlanCatalogueError(
                        path,
                        f"{where}.{key}",
                        f'must be a text, got {value!r} (quote it: "…")',
                        line_of(entry, key),
                    )
            entries[str(file_name)] = {str(k): str(v) for k, v in entry.items()}
        return entries
    return {}


def drop_duplicates(plans: list[PlanAnalysis]) -> tuple[list[PlanAnalysis], list[FailedInput]]:
    """The same plan twice (same bytes, or the same text in another encoding/format) is compared once."""
    seen: dict[str, str] = {}
    kept: list[PlanAnalysis] = []
    dups: list[FailedInput] = []
    for p in plans:
        key = hashlib.sha256("".join(p.document.clean.match.split()).encode("utf-8")).hexdigest()
        if key in seen:
            dups.append(
                FailedInput(p.document.source_file, f"duplicate of {seen[key]} (same text): compared once")
            )
            continue
        seen[key] = p.document.source_file
        kept.append(p)
    return kept, dups


def apply_names(plans: list[PlanAnalysis], names: dict[str, dict[str, Any]]) -> list[PlanAnalysis]:
    """Display names, Chinese and English, from docs_in/catalogue.yaml where given, else derived (the
    English one by ``compare.ingest.display_en``); equal names made distinct; catalogue order."""
    named = [_with_names(p, _display_name(p, names), _english_name(p, names)) for p in plans]
    counts: dict[str, int] = {}
    counts_en: dict[str, int] = {}
    for p in named:
        counts[p.document.display_name] = counts.get(p.document.display_name, 0) + 1
        counts_en[p.document.display_name_en] = counts_en.get(p.document.display_name_en, 0) + 1
    distinct = []
    for p in named:
        name, name_en = p.document.display_name, p.document.display_name_en
        year = (p.document.metadata.date or p.document.metadata.published or "")[:4] or p.document.plan_id
        if counts[name] > 1:
            name = f"{name}({year})"
        if counts_en[name_en] > 1:
            name_en = f"{name_en} ({year})"
        distinct.append(_with_names(p, name, name_en))
    order = {name: i for i, name in enumerate(names)}
    return sorted(
        distinct, key=lambda p: (order.get(p.document.source_file, len(order)), p.document.source_file)
    )


def _display_name(plan: PlanAnalysis, names: dict[str, dict[str, Any]]) -> str:
    entry = names.get(plan.document.source_file)
    if entry and entry.get("name"):
        return str(entry["name"])
    return plan.document.display_name or Path(plan.document.source_file).stem


def _english_name(plan: PlanAnalysis, names: dict[str, dict[str, Any]]) -> str:
    entry = names.get(plan.document.source_file)
    if entry and entry.get("name_en"):
        return str(entry["name_en"])
    from compare.ingest.display_en import derive_english_name  # pypinyin: loaded when a build names plans

    return derive_english_name(plan.document.metadata, Path(plan.document.source_file).stem)


def _with_names(plan: PlanAnalysis, name: str, name_en: str) -> PlanAnalysis:
    doc = plan.document
    if doc.display_name == name and doc.display_name_en == name_en:
        return plan
    return replace(plan, document=replace(doc, display_name=name, display_name_en=name_en))
