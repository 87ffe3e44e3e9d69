"""How much of a table the capped exports hold (``templates/exports.yaml``): read once, passed to the writers.

The caps shape only presentation, so the file lives beside the templates: editing it changes the build
id (templates are hashed into it) but not the analysis version, and no cached analysis is thrown away.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from compare.config import TEMPLATES_DIR
from compare.errors import DataError

EXPORT_LIMITS = TEMPLATES_DIR / "exports.yaml"


class ExportLimitsError(DataError):
    """``templates/exports.yaml`` is unusable; the message names the file and the key."""

    def __init__(self, path: Path, key: str, problem: str) -> None:
        self.path = path
        self.key = key
        super().__init__(f"{path}: {key}: {problem}" if key else f"{path}: {problem}")


@dataclass(frozen=True)
class ExportLimits:
    """The caps of the XLSX workbook and of comparison.json (CSV and SQLite always hold every row).

    ``xlsx_max_table_cells``: a table sheet with more cells (rows × columns) keeps only its first
    ``xlsx_preview_rows`` rows, with a note naming the files that have every row (the matrices are not
    capped). ``json_max_table_rows``: a table with more rows is left out of comparison.json and listed
    under its ``"omitted"``.
    """

    xlsx_max_table_cells: int
    xlsx_preview_rows: int
    json_max_table_rows: int


@cache
def load_export_limits(path: Path = EXPORT_LIMITS) -> ExportLimits:
    """Read and check the caps (cached: read once per process; raise ExportLimitsError on a bad file)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ExportLimitsError(path, "", f"cannot read: {exc}") from exc
    except yaml.YAMLError as exc:
        raise ExportLimitsError(path, "", f"not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ExportLimitsError(path, "", "the top level must be a mapping")

    def count(key: str) -> int:
        node: Any = data
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                raise ExportLimitsError(path, key, "missing")
            node = node[part]
        if not isinstance(node, int) or isinstance(node, bool) or node < 0:
            raise ExportLimitsError(path, key, f"expected a whole number >= 0, got {node!r}")
        return node

    return ExportLimits(
        xlsx_max_table_cells=count("xlsx.max_table_cells"),
        xlsx_preview_rows=count("xlsx.preview_rows"),
        json_max_table_rows=count("json.max_table_rows"),
    )
