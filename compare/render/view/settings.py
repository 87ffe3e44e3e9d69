"""Presentation settings of the site and the briefing (``templates/report.yaml``) and the topics' scope lines.

How things are shown lives here (excerpt lengths, columns per table, when to page or aggregate);
what is counted comes from the analysis. A bad edit fails with the file and the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from compare.config import TEMPLATES_DIR
from compare.errors import DataError
from compare.render.view.measures import collapse

REPORT_SETTINGS = TEMPLATES_DIR / "report.yaml"
TOPIC_SCOPES = TEMPLATES_DIR / "topic_scopes.yaml"


@dataclass(frozen=True)
class ReportSettings:
    mandatory_topics: tuple[str, ...]
    heat_scale: str  # "absolute" | "relative"
    heat_levels: tuple[float, ...]
    pdf_chars: int
    html_chars: int
    summary_items: int
    max_plan_columns: int
    many_plans: int
    compact_columns: int
    top_families: int
    measures_per_cell: int
    html_plans_per_page: int
    reuse_names: int
    pdf_aggregate_above: int


class ReportSettingsError(DataError):
    """templates/report.yaml is unusable; the message names the file and the key."""


@lru_cache(maxsize=4)
def load_report_settings(path: Path = REPORT_SETTINGS) -> ReportSettings:
    """Read and check the presentation settings (a bad edit fails with the file and key)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ReportSettingsError(f"{path}: {exc}") from exc
    if not isinstance(data, dict):
        raise ReportSettingsError(f"{path}: expected a mapping at the top level")

    def get(key: str, kind: type, low: float = 0) -> Any:
        node: Any = data
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                raise ReportSettingsError(f"{path}: missing key '{key}'")
            node = node[part]
        if kind is int and (not isinstance(node, int) or isinstance(node, bool) or node < low):
            raise ReportSettingsError(f"{path}: '{key}' must be an integer >= {low}, got {node!r}")
        if kind is list and not (isinstance(node, list) and node):
            raise ReportSettingsError(f"{path}: '{key}' must be a non-empty list, got {node!r}")
        return node

    mandatory = get("mandatory_topics", list)
    if not all(isinstance(t, str) for t in mandatory):
        raise ReportSettingsError(f"{path}: 'mandatory_topics' must list topic ids")
    levels = get("heat_levels", list)
    if not all(isinstance(x, int | float) for x in levels) or sorted(levels) != levels or levels[-1] < 1:
        raise ReportSettingsError(f"{path}: 'heat_levels' must be ascending numbers ending at >= 1")
    scale = data.get("heat_scale", "absolute")
    if scale not in ("absolute", "relative"):
        raise ReportSettingsError(f"{path}: 'heat_scale' must be 'absolute' or 'relative', got {scale!r}")
    return ReportSettings(
        mandatory_topics=tuple(mandatory),
        heat_scale=scale,
        heat_levels=tuple(float(x) for x in levels),
        pdf_chars=get("excerpt.pdf_chars", int, 10),
        html_chars=get("excerpt.html_chars", int, 10),
        summary_items=get("excerpt.summary_items", int, 1),
        max_plan_columns=get("pdf.max_plan_columns", int, 1),
        many_plans=get("pdf.many_plans", int, 1),
        compact_columns=get("pdf.compact_columns", int, 1),
        top_families=get("pdf.top_families", int, 1),
        measures_per_cell=get("pdf.measures_per_cell", int, 1),
        html_plans_per_page=get("html.plans_per_page", int, 1),
        reuse_names=get("excerpt.reuse_names", int, 1),
        pdf_aggregate_above=get("pdf.aggregate_above", int, 1),
    )


def default_topic_descriptions(
    path: Path = TOPIC_SCOPES, descriptions: Mapping[str, str] | None = None
) -> dict[str, tuple[str, str]]:
    """id -> (zh scope, en description): zh from ``templates/topic_scopes.yaml``, en from
    ``descriptions`` (topic id -> the codebook's English description, which ``compare.build``
    passes); without them each edition shows the zh scope."""
    try:
        zh = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ReportSettingsError(f"{path}: {exc}") from exc
    if not isinstance(zh, dict) or not all(isinstance(v, str) for v in zh.values()):
        raise ReportSettingsError(f"{path}: expected 'topic_id: scope text' lines")
    en = {t: collapse(d) for t, d in (descriptions or {}).items()}
    ids = list(dict.fromkeys([*zh, *en]))
    return {t: (str(zh.get(t) or en.get(t, "")), en.get(t) or str(zh.get(t, ""))) for t in ids}
