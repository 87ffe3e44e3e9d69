"""How much of a table the capped exports hold (``templates/exports.yaml``): read once, passed to the writers.

The caps shape only presentation, so the file lives beside the templates: editing it changes the build
id (templates are hashed into it) but not the analysis version, and no cached analysis is thrown away.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from compare.config import TEMPLATES_DIR
from compare.datafiles import Section
from compare.errors import DataError

EXPORT_LIMITS = TEMPLATES_DIR / "exports.yaml"


class ExportLimitsError(DataError):
    """``templates/exports.yaml`` is unusable; the message names the file, the line and the key."""


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
    top = Section.read(path, error=ExportLimitsError)
    xlsx, json = top.section("xlsx"), top.section("json")
    return ExportLimits(
        xlsx_max_table_cells=xlsx.integer("max_table_cells"),
        xlsx_preview_rows=xlsx.integer("preview_rows"),
        json_max_table_rows=json.integer("max_table_rows"),
    )
