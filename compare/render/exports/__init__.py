"""The comparison tables as data files: CSV, JSON, XLSX, SQLite, and the build manifest.

``write_data(tables, out_dir, manifest, limits=...)`` writes into ``out_dir`` (the ``data/`` folder of
a release) the comparison's tables and the link tables derived from them (``links``: ``topics``,
``measure_topics``), in the edition of the manifest's ``lang``, one module per format:

- ``csv_files``: ``<table>.csv`` per table, always every row, formula-looking text neutralised; the
  field ids as headers, then the table's columns, then a name for each id (``names``; not in the
  family × plan grid, ``columns.CSV_WITHOUT_NAMES``);
- ``json_file``: ``comparison.json``, the manifest and the tables (a table over the JSON cap is listed
  under ``"omitted"`` instead);
- ``xlsx_book`` (with ``xlsx_sheets`` and ``xlsx_matrices``): ``comparison.xlsx``, the topic×plan and
  family×plan matrices, a sheet per table (capped), a ``README`` sheet; sheet names (``sheet_names``)
  and headers (``columns.label``) in the edition's language, the field ids in a hidden row and each
  sheet's id in the README sheet, names beside the ids;
- ``sqlite_db``: ``comparison.sqlite``, every row of every table with primary and foreign keys,
  full-text search of the measures' text and views with names;
- ``manifest``: ``manifest.json``, the one writer of the manifest (also used when the data format is
  off);
- ``facts_file``: ``facts.json``, the facts the next build compares with to say what changed (written
  by the build whatever its formats, not by ``write_data``).

The caps of the XLSX and JSON files (``ExportLimits``) come from ``templates/exports.yaml``, read once
by ``limits.load_export_limits`` and passed in. Each file is written to a temporary name and renamed
(``atomic``), so a reader never sees half a file; tables are read column-wise in chunks (``columns``),
never as one Python dict per row. File names are ``compare.config``'s output names.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pandas as pd

from compare.config import JSON_NAME, SQLITE_NAME, XLSX_NAME
from compare.render.exports import streamed
from compare.render.exports.atomic import write_atomic
from compare.render.exports.columns import CSV_WITHOUT_NAMES
from compare.render.exports.csv_files import CSV_FORMULA_PREFIXES, neutralise, write_csv, write_table_csv
from compare.render.exports.facts_file import write_facts
from compare.render.exports.json_file import write_json
from compare.render.exports.limits import EXPORT_LIMITS, ExportLimits, ExportLimitsError, load_export_limits
from compare.render.exports.links import link_tables
from compare.render.exports.manifest import write_manifest
from compare.render.exports.names import edition, edition_names
from compare.render.exports.sqlite_db import write_sqlite
from compare.render.exports.streamed import Sender
from compare.render.exports.xlsx_book import build_time, write_xlsx
from compare.render.exports.xlsx_sheets import (
    FAMILY_MATRIX_SHEET,
    README_SHEET,
    TOPIC_MATRIX_SHEET,
    sheet_names,
)

__all__ = [
    "CSV_FORMULA_PREFIXES",
    "CSV_WITHOUT_NAMES",
    "EXPORT_LIMITS",
    "FAMILY_MATRIX_SHEET",
    "README_SHEET",
    "TOPIC_MATRIX_SHEET",
    "ExportLimits",
    "ExportLimitsError",
    "build_time",
    "load_export_limits",
    "neutralise",
    "sheet_names",
    "write_csv",
    "write_data",
    "write_facts",
    "write_json",
    "write_manifest",
    "write_sqlite",
    "write_xlsx",
]


def write_data(
    tables: Mapping[str, pd.DataFrame],
    out_dir: Path,
    manifest: Mapping[str, Any],
    limits: ExportLimits | None = None,
    beside: Sender | None = None,
) -> list[Path]:
    """Write the tables as CSV, JSON, XLSX, SQLite and manifest.json into ``out_dir``; return the paths.

    ``limits``: the caps of the workbook and the JSON file; ``templates/exports.yaml``'s when None.
    ``beside``: the build's helper process, which writes the CSV files and the SQLite file
    (``streamed``); they are written when it has done what it was sent.
    """
    limits = load_export_limits() if limits is None else limits
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    lang = edition(manifest)
    tables = {**tables, **link_tables(tables)}
    names = edition_names(tables, lang)
    written: list[Path] = []
    # The SQLite file beside the others: in a thread, whose time is mostly SQLite's own C code (the
    # trigram index is built from the rows in C), which runs without the GIL while the other files are
    # written (at 2,000 plans the index alone takes over ten seconds); or, with the CSV files, by the
    # helper process, sent the tables one by one.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite") as pool:
        sqlite = None
        if beside is not None:
            streamed.send(beside, tables, out_dir, manifest, lang, names)
            written += [out_dir / f"{name}.csv" for name in tables]
        else:
            sqlite = pool.submit(
                write_atomic, out_dir / SQLITE_NAME, lambda tmp: write_sqlite(tables, manifest, tmp, lang)
            )
            written += [write_table_csv(out_dir, name, frame, names) for name, frame in tables.items()]
        for file_name, writer in (
            (JSON_NAME, lambda tmp: write_json(tables, manifest, tmp, limits)),
            (XLSX_NAME, lambda tmp: write_xlsx(tables, manifest, tmp, limits)),
        ):
            write_atomic(out_dir / file_name, writer)
            written.append(out_dir / file_name)
        if sqlite is not None:
            sqlite.result()  # its error, if any, is the build's
    written.append(out_dir / SQLITE_NAME)
    written.append(write_manifest(manifest, out_dir))
    return written
