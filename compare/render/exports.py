"""Write the comparison tables as data files: CSV, JSON, XLSX, SQLite, and the build manifest.

``write_data(tables, out_dir, manifest)`` writes into ``out_dir`` (the ``data/`` folder of a release):

- ``<table>.csv`` per table, always every row: UTF-8 with BOM so Excel and WPS open Chinese correctly;
  a text cell that starts with ``= + - @``, a tab or a CR gets a leading ``'`` so a spreadsheet does not
  run it as a formula (numbers stay numbers); quoting as ``DataFrame.to_csv`` does it;
- ``comparison.json``: ``{"manifest": …, "<table>": [records…]}``, sorted keys (top level and in each
  record), NaN as null, Chinese unescaped, one record per line. A table with more rows than
  ``json.max_table_rows`` of ``compare/data/exports.yaml`` is left out (hundreds of MB of JSON nobody
  can load) and listed under ``"omitted": {"<table>": {"rows": n, "files": [...]}}``;
- ``comparison.xlsx``: the ``topic×plan`` (coverage score) and ``family×plan`` (measure counts, gaps
  marked) matrices first, then a sheet per table, then a ``README`` sheet: one line per sheet with its
  table's rows and columns, how many the workbook holds and why fewer. Colour scales, frozen headers,
  autofilters; text is always stored as text, never as a formula. A table with more cells than
  ``xlsx.max_table_cells`` keeps only its first ``xlsx.preview_rows`` rows (the matrices are not
  capped); a sheet over one of Excel's limits (``EXCEL_MAX_ROWS``, ``EXCEL_MAX_COLS``, ``EXCEL_MAX_CELL``
  characters per cell) is cut there. A cut sheet starts with a note row naming the files that have
  everything (its header is then on row 2). Written with xlsxwriter: in memory when small, rows streamed
  to temp files when big. Byte-reproducible: the document's created/modified dates are the manifest's
  ``created`` time and xlsxwriter gives every zip entry the same fixed 1980 time;
- ``comparison.sqlite``: every row of every table with primary and foreign keys
  (``compare.tables.PRIMARY_KEYS`` / ``FOREIGN_KEYS``), indexes on the foreign keys and a ``manifest``
  key/value table;
- ``manifest.json``: the manifest as given.

Each file is written to a temporary name and renamed, so a reader never sees half a file. Tables are
read column-wise in chunks of ``_CHUNK_ROWS`` rows and written from those, never as one Python dict per
row, so memory stays near the size of the tables themselves.
"""

from __future__ import annotations

import codecs
import functools
import json
import logging
import math
import os
import re
import sqlite3
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from compare.datafiles import get_int, section
from compare.tables import FOREIGN_KEYS, PRIMARY_KEYS

log = logging.getLogger(__name__)

CSV_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
JSON_NAME = "comparison.json"
XLSX_NAME = "comparison.xlsx"
SQLITE_NAME = "comparison.sqlite"
MANIFEST_NAME = "manifest.json"
TOPIC_MATRIX_SHEET = "topic×plan"
FAMILY_MATRIX_SHEET = "family×plan"
README_SHEET = "README"
EXPORTS_DATA = "exports.yaml"

# Excel's hard limits (module constants so tests can lower them): rows and columns per sheet including
# the header, characters per cell.
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLS = 16_384
EXCEL_MAX_CELL = 32_767

_XLSX_MAX_SHEET = 31
_CHUNK_ROWS = 50_000  # rows converted to Python values at a time: bounds memory on huge tables
_BIG_SQLITE_ROWS = 1_000_000  # from this many rows in all, the SQLite file uses 16 KB pages
_WIDTH_SAMPLE = 500  # rows looked at for a column's width
_IN_MEMORY_CELLS = 200_000  # up to this many cells xlsxwriter builds the workbook in memory (~50 MB)
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # characters XML 1.0 (and so XLSX) cannot hold
_WIDE = re.compile("[\u2e80-\U0010ffff]")  # CJK and beyond: two columns wide
_CSV_SPECIAL = re.compile('[,"\r\n]')  # a CSV field with one of these is quoted
_ZIP_EPOCH = datetime(1980, 1, 1, tzinfo=UTC)  # the earliest time a zip (XLSX) can carry
_GAP_COLOUR = "#F4C7C3"
_SCALE = {"type": "2_color_scale", "min_color": "#FFFFFF", "max_color": "#2B8CBE"}
_GAP_LABEL = {"zh": "缺口", "en": "gap"}
_NOTES = {
    "zh": {
        "cap": "此表共 {total:,} 行（{cells:,} 个单元格），超过工作簿每表 {cap:,} 个单元格的上限，"
        "这里只列前 {kept:,} 行。",
        "rows": "此表共 {total:,} 行，超过 Excel 每表 {limit:,} 行的上限，这里只列前 {kept:,} 行。",
        "cols": "此表共 {total:,} 列，超过 Excel 每表 {limit:,} 列的上限，这里只列前 {kept:,} 列。",
        "cells": "{n:,} 个单元格超过 Excel 每格 {limit:,} 个字符的上限，已截断（以“…”结尾）。",
        "full": "完整数据见 {files}。",
        "sep": "、",
    },
    "en": {
        "cap": "This table has {total:,} rows ({cells:,} cells), more than the workbook's {cap:,} cells "
        "per table: only the first {kept:,} rows are here. ",
        "rows": "This table has {total:,} rows, more than Excel's {limit:,} rows per sheet: only the first "
        "{kept:,} rows are here. ",
        "cols": "This table has {total:,} columns, more than Excel's {limit:,} per sheet: only the first "
        "{kept:,} are here. ",
        "cells": "{n:,} cell(s) longer than Excel's {limit:,} characters were cut (ending in …). ",
        "full": "Everything is in {files}.",
        "sep": ", ",
    },
}


def write_data(tables: Mapping[str, pd.DataFrame], out_dir: Path, manifest: Mapping[str, Any]) -> list[Path]:
    """Write the tables as CSV, JSON, XLSX, SQLite and manifest.json into ``out_dir``; return the paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name, frame in tables.items():
        path = out_dir / f"{name}.csv"
        _write_atomic(path, functools.partial(write_csv, frame))
        written.append(path)
    for file_name, writer in (
        (JSON_NAME, lambda tmp: write_json(tables, manifest, tmp)),
        (XLSX_NAME, lambda tmp: write_xlsx(tables, manifest, tmp)),
        (SQLITE_NAME, lambda tmp: write_sqlite(tables, manifest, tmp)),
        (MANIFEST_NAME, lambda tmp: tmp.write_text(_dumps(_plain(dict(manifest))), encoding="utf-8")),
    ):
        path = out_dir / file_name
        _write_atomic(path, writer)
        written.append(path)
    return written


# ---------------------------------------------------------------------------------------------
# shared helpers


def _write_atomic(path: Path, write: Callable[[Path], object]) -> None:
    """Run ``write`` on a temp file beside ``path``, then rename it into place."""
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        tmp.unlink()  # writers create the file themselves (sqlite wants a fresh one)
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _plain(value: Any) -> Any:
    """A JSON/SQLite-ready Python value: numpy scalars unwrapped, NaN/NA/NaT as None, times as ISO text."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [_plain(v) for v in value]
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, datetime | pd.Timestamp):
        return value.isoformat()
    return value


@dataclass(frozen=True)
class _Column:
    """One column as Python values (None where missing) and what they are.

    ``kind``: ``bool``, ``int``, ``float`` (finite or None), ``text`` (str or None) or ``any`` (values
    passed through ``_plain``: may hold lists and dicts).
    """

    kind: str
    values: list[Any]


_NUMPY_KINDS = {"b": "bool", "i": "int", "u": "int", "f": "float"}
_SIMPLE = (str, int)  # and their subclasses (bool; the catalogue's str with a source position)


def _column(series: pd.Series) -> _Column:
    """``series`` as Python values, converted column-wise (numpy does the work, not a per-cell _plain)."""
    dtype = series.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in _NUMPY_KINDS:
        kind = _NUMPY_KINDS[dtype.kind]
        array = series.to_numpy()
        values = array.tolist()
        if kind == "float":
            for i in np.flatnonzero(~np.isfinite(array)):
                values[i] = None
        return _Column(kind, values)
    values = series.to_numpy(dtype=object).tolist()
    for i in np.flatnonzero(series.isna().to_numpy()):
        values[i] = None
    types = set(map(type, values))
    types.discard(type(None))
    if all(issubclass(t, str) for t in types):
        return _Column("text", values)
    if not all(issubclass(t, _SIMPLE) for t in types):  # floats (inf), numpy scalars, times, lists
        values = [_plain(v) for v in values]
    return _Column("any", values)


def _map_text(values: list[Any], encode: Callable[[str], str], null: str) -> list[str]:
    """``encode`` each text (None gives ``null``); once per distinct text when texts repeat a lot,
    as a family's peer list does on every gap row of that family."""
    distinct = dict.fromkeys(values)  # cheap: a str caches its hash
    if len(distinct) * 2 <= len(values):
        table = {v: null if v is None else encode(v) for v in distinct}
        return list(map(table.__getitem__, values))
    return [null if v is None else encode(v) for v in values]


def _chunks(frame: pd.DataFrame, size: int = _CHUNK_ROWS) -> Iterator[list[_Column]]:
    """The frame's columns in slices of ``size`` rows (positional: repeated column names are fine)."""
    for start in range(0, len(frame), size):
        part = frame.iloc[start : start + size]
        yield [_column(part.iloc[:, i]) for i in range(part.shape[1])]


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1, allow_nan=False) + "\n"


def build_time(manifest: Mapping[str, Any]) -> datetime:
    """The manifest's ``created`` time (UTC, not before 1980), or 1980-01-01 when absent or unreadable."""
    raw = manifest.get("created") or manifest.get("created_at") or manifest.get("build_time")
    try:
        when = datetime.fromisoformat(str(raw)) if raw else _ZIP_EPOCH
    except ValueError:
        when = _ZIP_EPOCH
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    return max(when, _ZIP_EPOCH).replace(microsecond=0)


# ---------------------------------------------------------------------------------------------
# CSV


def neutralise(value: Any) -> Any:
    """Prefix text that a spreadsheet would run as a formula with a ``'``; other values pass through."""
    if isinstance(value, str) and value.startswith(CSV_FORMULA_PREFIXES):
        return "'" + value
    return value


def _csv_quoted(text: str) -> str:
    """A field as the csv module's QUOTE_MINIMAL writes it (quoted when it holds , " CR or LF)."""
    if _CSV_SPECIAL.search(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def _csv_text(text: str) -> str:
    return _csv_quoted(neutralise(text))


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return _csv_text(value)
    if isinstance(value, bool | int | float):
        return repr(value)
    return _csv_quoted(str(value))


def _csv_fields(column: _Column) -> list[str]:
    """Each value of the column as CSV text, as pandas' ``to_csv`` writes it (missing: empty)."""
    values = column.values
    if column.kind == "bool":
        return ["True" if v else "False" for v in values]
    if column.kind == "int":
        return list(map(str, values))
    if column.kind == "float":
        return ["" if v is None else float.__repr__(v) for v in values]
    if column.kind == "text":
        return _map_text(values, _csv_text, "")
    return list(map(_csv_value, values))


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """One table as UTF-8-with-BOM CSV (CRLF rows), formula-looking text neutralised.

    Written by hand rather than with ``DataFrame.to_csv``: the csv module copies every character one by
    one, which made a table with long repeated text (the gaps' peer lists) take half a minute.
    """
    with path.open("wb") as out:  # bytes: a text wrapper costs a second on a gigabyte
        header = ",".join(_csv_quoted(str(c)) for c in frame.columns) + "\r\n"
        out.write(codecs.BOM_UTF8 + header.encode("utf-8"))
        for columns in _chunks(frame):
            fields = [_csv_fields(c) for c in columns]
            out.write("\r\n".join(map(",".join, zip(*fields, strict=True))).encode("utf-8"))
            out.write(b"\r\n")  # apart: appending to a chunk's text would copy 100s of MB


# ---------------------------------------------------------------------------------------------
# JSON

_NULL = "null"
_encode_str: Callable[[str], str] = json.encoder.encode_basestring


def _json_value(value: Any) -> str:
    if isinstance(value, str):
        return _encode_str(value)
    if value is None:
        return _NULL
    return json.dumps(value, ensure_ascii=False, sort_keys=True, allow_nan=False)


def _json_texts(column: _Column, prefix: str) -> list[str]:
    """``prefix`` + each value of the column as JSON text, exactly as ``json.dumps`` writes it."""
    values = column.values
    if column.kind == "bool":
        yes, no = prefix + "true", prefix + "false"
        return [yes if v else no for v in values]
    if column.kind == "int":
        return list(map(prefix.__add__, map(str, values)))
    if column.kind == "float":
        null = prefix + _NULL
        return [null if v is None else prefix + float.__repr__(v) for v in values]
    if column.kind == "text":
        return _map_text(values, lambda v: prefix + _encode_str(v), prefix + _NULL)
    return list(map(prefix.__add__, map(_json_value, values)))


def _write_json_records(out: IO[bytes], frame: pd.DataFrame) -> None:
    """``[{record}, …]`` one record per line, keys sorted, built column-wise chunk by chunk."""
    keys = [str(c) for c in frame.columns]
    order = sorted(range(len(keys)), key=lambda i: keys[i])
    prefixes = [
        ("{" if n == 0 else ", ") + json.dumps(keys[i], ensure_ascii=False) + ": "
        for n, i in enumerate(order)
    ]
    if not order:  # no columns: a record per row all the same
        out.write(("[" + ", ".join(["{}"] * len(frame)) + "]").encode("utf-8"))
        return
    out.write(b"[")
    first = True
    for columns in _chunks(frame):
        texts = [_json_texts(columns[i], prefix) for i, prefix in zip(order, prefixes, strict=True)]
        text = "},\n  ".join(map("".join, zip(*texts, strict=True)))
        out.write(b"\n  " if first else b",\n  ")
        out.write(text.encode("utf-8"))  # written in pieces: a chunk's text can be 100s of MB
        out.write(b"}")
        first = False
    out.write(b"]" if first else b"\n ]")


@functools.cache
def json_max_table_rows() -> int:
    """Tables with more rows stay out of comparison.json (``compare/data/exports.yaml``, ``json``)."""
    data = section(EXPORTS_DATA, "json")
    return get_int(EXPORTS_DATA, "json.max_table_rows", data.get("max_table_rows"))


def _json_value_text(value: Any) -> str:
    return _dumps(_plain(value)).rstrip("\n").replace("\n", "\n ")  # indented one level


def write_json(tables: Mapping[str, pd.DataFrame], manifest: Mapping[str, Any], path: Path) -> None:
    """``{"manifest": …, "<table>": [records…]}`` as UTF-8 JSON, unescaped, sorted keys, NaN → null.

    A table over ``json_max_table_rows()`` is left out and listed under ``"omitted"`` with its row
    count and the files that hold it.
    """
    limit = json_max_table_rows()
    parts: dict[str, Any] = {"manifest": dict(manifest)}
    omitted = {
        name: {"rows": len(frame), "files": [f"{name}.csv", SQLITE_NAME]}
        for name, frame in tables.items()
        if len(frame) > limit
    }
    if omitted:
        parts["omitted"] = omitted
    parts.update({name: frame for name, frame in tables.items() if name not in omitted})
    with path.open("wb") as out:  # bytes: a text wrapper costs a second on a gigabyte
        out.write(b"{")
        for i, key in enumerate(sorted(parts)):
            out.write((("\n " if i == 0 else ",\n ") + json.dumps(key, ensure_ascii=False) + ": ").encode())
            if isinstance(parts[key], pd.DataFrame):
                _write_json_records(out, parts[key])
            else:
                out.write(_json_value_text(parts[key]).encode("utf-8"))
        out.write(b"\n}\n")


# ---------------------------------------------------------------------------------------------
# XLSX: what goes on a sheet


@dataclass(frozen=True)
class XlsxCaps:
    """How much of a table the workbook holds (``compare/data/exports.yaml``, ``xlsx``)."""

    max_table_cells: int
    preview_rows: int


@functools.cache
def xlsx_caps() -> XlsxCaps:
    data = section(EXPORTS_DATA, "xlsx")
    caps = XlsxCaps(
        max_table_cells=get_int(EXPORTS_DATA, "xlsx.max_table_cells", data.get("max_table_cells")),
        preview_rows=get_int(EXPORTS_DATA, "xlsx.preview_rows", data.get("preview_rows")),
    )
    return caps


@dataclass
class _Sheet:
    """One worksheet's content: label/table columns, then (matrices) a numeric grid.

    ``total_rows``/``total_cols`` are the source's size; ``headers``, ``values`` and ``grid`` hold only
    what fits. ``marks`` flags grid cells shown as gaps.
    """

    title: str
    source: str  # the table (or tables) the sheet shows, for the README
    files: list[str]  # the files that hold everything
    headers: list[str]
    values: list[_Column]
    total_rows: int
    total_cols: int
    freeze_cols: int = 0
    grid: np.ndarray | None = None
    marks: np.ndarray | None = None
    grid_format: str | None = None
    scale_cols: tuple[int, ...] = ()  # columns (0-based) with a colour scale
    note: str = ""

    @property
    def n_rows(self) -> int:
        if self.values:
            return len(self.values[0].values)
        return 0 if self.grid is None else int(self.grid.shape[0])


def _sheet_names(names: Sequence[str]) -> dict[str, str]:
    """Excel-safe, unique sheet names (<= 31 chars, no []:*?/\\)."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for name in names:
        base = re.sub(r"[\[\]:*?/\\]", "_", name)[:_XLSX_MAX_SHEET] or "sheet"
        candidate, k = base, 2
        while candidate.lower() in used:
            suffix = f"~{k}"
            candidate, k = base[: _XLSX_MAX_SHEET - len(suffix)] + suffix, k + 1
        used.add(candidate.lower())
        out[name] = candidate
    return out


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _xlsx_text(value: str) -> tuple[str, bool]:
    """Text an XLSX cell can hold (no XML-illegal characters, within EXCEL_MAX_CELL), and whether cut."""
    if _ILLEGAL_XML.search(value):
        value = _ILLEGAL_XML.sub("", value)
    limit = EXCEL_MAX_CELL
    if len(value) <= limit // 2 or _utf16_len(value) <= limit:  # Excel counts UTF-16 units
        return value, False
    cut = value[: limit - 1]
    excess = _utf16_len(cut) - (limit - 1)
    if excess > 0:  # characters beyond the BMP take two units each
        cut = cut[: len(cut) - excess]
    return cut + "…", True


def _xlsx_cell(value: Any) -> tuple[Any, bool]:
    if isinstance(value, str):
        return _xlsx_text(value)
    if value is None or isinstance(value, bool | int | float):
        return value, False
    return _xlsx_text(json.dumps(value, ensure_ascii=False, sort_keys=True))


def _xlsx_column(column: _Column) -> tuple[_Column, int]:
    """The column ready for a sheet, and how many of its cells were cut to Excel's cell limit."""
    if column.kind not in ("text", "any"):
        return column, 0
    if column.kind == "text":  # the common case, checked for the whole column at C speed
        texts = [v for v in column.values if v is not None]
        if max(map(len, texts), default=0) <= EXCEL_MAX_CELL // 2 and not _ILLEGAL_XML.search(
            "\n".join(texts)
        ):
            return column, 0
    cells = [_xlsx_cell(v) for v in column.values]
    return _Column(column.kind, [v for v, _ in cells]), sum(cut for _, cut in cells)


def _kept_rows(n_rows: int, n_cols: int, capped: bool) -> tuple[int, str]:
    """How many data rows fit, and why fewer ("cap", "rows" for Excel's limit, or "")."""
    caps = xlsx_caps()
    if capped and n_rows * max(n_cols, 1) > caps.max_table_cells and n_rows > caps.preview_rows:
        return caps.preview_rows, "cap"
    if n_rows > EXCEL_MAX_ROWS - 1:
        return EXCEL_MAX_ROWS - 2, "rows"  # header and note rows
    return n_rows, ""


def _note(lang: str, files: Sequence[str], **parts: dict[str, int]) -> str:
    """The sentence(s) a cut sheet starts with; '' when nothing was cut."""
    texts = _NOTES.get(lang, _NOTES["zh"])
    said = "".join(texts[key].format(**values) for key, values in parts.items() if values)
    if not said or not files:
        return said.strip()
    return said + texts["full"].format(files=texts["sep"].join(files))


def _fit(sheet: _Sheet, lang: str, reason: str) -> _Sheet:
    """Cut long cells, then make room for the note row the sheet needs now; set the note."""
    fitted = [_xlsx_column(c) for c in sheet.values]
    sheet.values = [c for c, _ in fitted]
    n_cut = sum(n for _, n in fitted)
    kept_cols = len(sheet.headers)
    parts: dict[str, dict[str, int]] = {"cap": {}, "rows": {}, "cols": {}, "cells": {}}
    if (reason or n_cut or kept_cols < sheet.total_cols) and sheet.n_rows > EXCEL_MAX_ROWS - 2:
        _keep_rows(sheet, EXCEL_MAX_ROWS - 2)
        reason = reason or "rows"
    if reason == "cap":
        cap = xlsx_caps().max_table_cells
        cells = sheet.total_rows * sheet.total_cols
        parts["cap"] = {"total": sheet.total_rows, "cells": cells, "cap": cap, "kept": sheet.n_rows}
    elif reason == "rows":
        parts["rows"] = {"total": sheet.total_rows, "limit": EXCEL_MAX_ROWS, "kept": sheet.n_rows}
    if kept_cols < sheet.total_cols:
        parts["cols"] = {"total": sheet.total_cols, "limit": EXCEL_MAX_COLS, "kept": kept_cols}
    if n_cut:
        parts["cells"] = {"n": n_cut, "limit": EXCEL_MAX_CELL}
    sheet.note = _note(lang, sheet.files, **parts)
    return sheet


def _keep_rows(sheet: _Sheet, n: int) -> None:
    sheet.values = [_Column(c.kind, c.values[:n]) for c in sheet.values]
    if sheet.grid is not None:
        sheet.grid = sheet.grid[:n]
    if sheet.marks is not None:
        sheet.marks = sheet.marks[:n]


def _table_sheet(name: str, title: str, frame: pd.DataFrame, lang: str) -> _Sheet:
    """A table's sheet: every row, or the first few when the table is over the cap or Excel's limits."""
    n_rows, n_cols = frame.shape
    rows, reason = _kept_rows(n_rows, n_cols, capped=True)
    cols = min(n_cols, EXCEL_MAX_COLS)
    part = frame.iloc[:rows, :cols]
    headers = [str(c) for c in part.columns]
    values = [_column(part.iloc[:, i]) for i in range(cols)]
    scale = tuple(
        i
        for i, c in enumerate(headers)
        if (name, c) in {("coverage", "score"), ("family_matrix", "n_measures")}
    )
    sheet = _Sheet(title, name, [f"{name}.csv", SQLITE_NAME], headers, values, n_rows, n_cols)
    sheet.scale_cols = scale
    return _fit(sheet, lang, reason)


# ---------------------------------------------------------------------------------------------
# XLSX: the matrices


def _plan_headers(tables: Mapping[str, pd.DataFrame]) -> tuple[list[str], dict[str, str]]:
    """Plan ids in report order and their column headers (display names when those are distinct)."""
    docs = tables.get("documents")
    if docs is None or docs.empty:
        found: dict[str, None] = {}
        for name in ("coverage", "family_matrix"):
            frame = tables.get(name)
            if frame is not None and "plan_id" in frame.columns:
                found.update(dict.fromkeys(frame["plan_id"].astype(str)))
        return list(found), {p: p for p in found}
    named = dict(zip(docs["plan_id"].astype(str), docs.get("display_name", docs["plan_id"]), strict=True))
    ids = list(named)  # a repeated plan id is one column
    names = [n if isinstance(n, str) and n else p for p, n in named.items()]
    if len(set(names)) != len(names) or set(names) & {"topic", "topic_name", "family_id", "name"}:
        names = ids
    return ids, dict(zip(ids, names, strict=True))


def _positions(
    row_keys: pd.Series, col_keys: pd.Series, rows: list[str], cols: list[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row and column positions of each key pair among ``rows``/``cols``, and which pairs are there."""
    r = pd.Index(rows).get_indexer(row_keys.astype(str))
    c = pd.Index(cols).get_indexer(col_keys.astype(str))
    ok = (r >= 0) & (c >= 0)
    return r[ok], c[ok], ok


def _grid(
    row_keys: pd.Series, col_keys: pd.Series, values: pd.Series, rows: list[str], cols: list[str], fill: float
) -> np.ndarray:
    """A rows x cols float grid of ``values`` placed by their keys (the last of repeated keys wins)."""
    r, c, ok = _positions(row_keys, col_keys, rows, cols)
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    numbers = np.where(np.isfinite(numbers), numbers, np.nan)  # Excel has no NaN or infinity: blank
    grid = np.full((len(rows), len(cols)), fill, dtype=float)
    grid[r, c] = numbers[ok]
    return grid


def _matrix_sheet(
    title: str,
    source: str,
    files: list[str],
    labels: dict[str, list[Any]],
    plans: list[str],
    grid: np.ndarray,
) -> _Sheet:
    """A label columns + plan columns sheet, plan columns cut at Excel's column limit."""
    room = max(EXCEL_MAX_COLS - len(labels), 0)
    kept = min(len(plans), room)
    n_rows = len(grid)
    rows, _ = _kept_rows(n_rows, 0, capped=False)
    values = [_Column("any", list(v)[:rows]) for v in labels.values()]
    sheet = _Sheet(
        title, source, files, [*labels, *plans[:kept]], values, n_rows, len(labels) + len(plans), len(labels)
    )
    sheet.grid = grid[:rows, :kept]
    return sheet


def _topic_matrix(tables: Mapping[str, pd.DataFrame], title: str, lang: str) -> _Sheet | None:
    coverage = tables.get("coverage")
    if coverage is None or not {"topic", "plan_id", "score"} <= set(coverage.columns):
        return None
    plan_ids, headers = _plan_headers(tables)
    topic_keys = coverage["topic"].astype(str)
    topics = list(dict.fromkeys(topic_keys))
    names: dict[str, Any] = {}
    if "topic_name" in coverage.columns:
        names = dict(zip(topic_keys, _column(coverage["topic_name"]).values, strict=True))
    grid = _grid(coverage["topic"], coverage["plan_id"], coverage["score"], topics, plan_ids, np.nan)
    labels = {"topic": topics, "topic_name": [names.get(t) or "" for t in topics]}
    plans = [headers[p] for p in plan_ids]
    sheet = _matrix_sheet(title, "coverage", ["coverage.csv"], labels, plans, grid)
    sheet.grid_format = "0.00"
    reason = "rows" if sheet.n_rows < len(grid) else ""
    return _fit(sheet, lang, reason)


def _family_rows(tables: Mapping[str, pd.DataFrame], fm: pd.DataFrame) -> dict[str, list[Any]]:
    families = tables.get("families")
    if families is None or families.empty:
        ids = list(dict.fromkeys(fm["family_id"].astype(str)))
        return {"family_id": ids, "topic": [None] * len(ids), "name": [None] * len(ids)}
    unique = families.drop_duplicates("family_id")
    return {
        "family_id": unique["family_id"].astype(str).tolist(),
        "topic": _column(unique["topic"]).values,
        "name": _column(unique["name"]).values,
    }


def _family_matrix(tables: Mapping[str, pd.DataFrame], title: str, lang: str) -> _Sheet | None:
    """The family × plan counts, gap cells marked."""
    fm = tables.get("family_matrix")
    if fm is None or not {"family_id", "plan_id", "n_measures"} <= set(fm.columns):
        return None
    plan_ids, headers = _plan_headers(tables)
    labels = _family_rows(tables, fm)
    families = labels["family_id"]
    grid = _grid(fm["family_id"], fm["plan_id"], fm["n_measures"], families, plan_ids, 0.0)
    marks = np.zeros(grid.shape, dtype=bool)
    gaps = tables.get("gaps")
    if gaps is not None and {"plan_id", "family_id"} <= set(gaps.columns):
        r, c, _ = _positions(gaps["family_id"], gaps["plan_id"], families, plan_ids)
        marks[r, c] = True
    files = ["family_matrix.csv", "gaps.csv"]
    sheet = _matrix_sheet(title, "family_matrix, gaps", files, labels, [headers[p] for p in plan_ids], grid)
    sheet.marks = marks[: sheet.n_rows, : sheet.grid.shape[1] if sheet.grid is not None else 0]
    reason = "rows" if sheet.n_rows < len(grid) else ""
    return _fit(sheet, lang, reason)


# ---------------------------------------------------------------------------------------------
# XLSX: writing


@dataclass(frozen=True)
class _Formats:
    header: Format
    note: Format
    gap: Format
    numbers: dict[str, Format]


def _formats(book: xlsxwriter.Workbook, lang: str) -> _Formats:
    gap_label = _GAP_LABEL.get(lang, _GAP_LABEL["zh"])
    return _Formats(
        header=book.add_format({"bold": True, "valign": "top"}),
        note=book.add_format({"bold": True, "font_color": "#9C0006"}),
        # a gap is 0 measures: show the word instead
        gap=book.add_format({"bg_color": _GAP_COLOUR, "num_format": f'0;-0;"{gap_label}"'}),
        numbers={"0.00": book.add_format({"num_format": "0.00"})},
    )


def _display_width(value: Any) -> int:
    if value is None:
        return 0
    text = (value if isinstance(value, str) else str(value))[:200].partition("\n")[0]
    if text.isascii():
        return len(text)
    return len(text) + len(_WIDE.findall(text))


def _column_width(header: str, sample: list[Any], max_width: int) -> int:
    best = _display_width(header)
    texts = {v if isinstance(v, str) else str(v) for v in sample if v is not None}
    # A text is at most twice its length wide: measure the longest first, stop when none can be wider.
    for text in sorted(texts, key=len, reverse=True):
        if best >= max_width - 2 or 2 * min(len(text), 200) <= best:
            break
        best = max(best, _display_width(text))
    return max(6, min(max_width, best + 2))


def _widths(sheet: _Sheet, max_width: int = 60) -> list[int]:
    """Column widths from the header and the first rows; plan columns of a matrix from the header."""
    return [
        _column_width(
            header, sheet.values[i].values[:_WIDTH_SAMPLE] if i < len(sheet.values) else [], max_width
        )
        for i, header in enumerate(sheet.headers)
    ]


def _putter(ws: Worksheet, kind: str) -> Callable[[int, int, Any], Any]:
    """The worksheet method that writes a value of this kind (text is always text, never a formula)."""
    if kind == "bool":
        return ws.write_boolean
    if kind in ("int", "float"):
        return ws.write_number
    if kind == "text":
        return ws.write_string

    def put(row: int, col: int, value: Any) -> Any:
        if isinstance(value, str):
            return ws.write_string(row, col, value)
        if isinstance(value, bool):
            return ws.write_boolean(row, col, value)
        return ws.write_number(row, col, value)

    return put


def _write_body(ws: Worksheet, sheet: _Sheet, first: int, fmt: _Formats) -> None:
    """The data rows, in row order (constant-memory mode flushes a row once the next one starts)."""
    puts = [_putter(ws, c.kind) for c in sheet.values]
    columns = [c.values for c in sheet.values]
    grid, marks, start = sheet.grid, sheet.marks, len(columns)
    plain = fmt.numbers.get(sheet.grid_format or "")
    write_number = ws.write_number
    for i in range(sheet.n_rows):
        r = first + i
        for c, column in enumerate(columns):
            value = column[i]
            if value is not None:
                puts[c](r, c, value)
        if grid is None:
            continue
        flags = marks[i].tolist() if marks is not None else [False] * grid.shape[1]
        for j, (value, gap) in enumerate(zip(grid[i].tolist(), flags, strict=True)):
            if value == value:  # NaN (no value) stays blank
                write_number(r, start + j, value, fmt.gap if gap else plain)


def _write_sheet(book: xlsxwriter.Workbook, sheet: _Sheet, fmt: _Formats) -> None:
    """Note row (if cut), bold header, data, frozen header (and label columns), filter, widths, scales."""
    ws = book.add_worksheet(sheet.title)
    top = 0
    if sheet.note:
        ws.write_string(0, 0, sheet.note, fmt.note)
        top = 1
    for c, header in enumerate(sheet.headers):
        ws.write_string(top, c, _xlsx_text(header)[0], fmt.header)
    _write_body(ws, sheet, top + 1, fmt)
    n, last_col = sheet.n_rows, max(len(sheet.headers) - 1, 0)
    ws.freeze_panes(top + 1, sheet.freeze_cols)
    ws.autofilter(top, 0, top + n, last_col)
    for c, width in enumerate(_widths(sheet)):
        ws.set_column(c, c, width)
    if n == 0:
        return
    for c in sheet.scale_cols:
        ws.conditional_format(top + 1, c, top + n, c, _SCALE)
    if sheet.grid is not None and sheet.grid.shape[1]:
        ws.conditional_format(top + 1, sheet.freeze_cols, top + n, last_col, _SCALE)


@dataclass(frozen=True)
class _Written:
    """What the README says about a sheet."""

    sheet: str
    source: str
    rows: int
    rows_in_workbook: int
    columns: int
    columns_in_workbook: int
    note: str


def _written(sheet: _Sheet) -> _Written:
    return _Written(
        sheet.title,
        sheet.source,
        sheet.total_rows,
        sheet.n_rows,
        sheet.total_cols,
        len(sheet.headers),
        sheet.note,
    )


def _readme_sheet(written: list[_Written], title: str, lang: str) -> _Sheet:
    """One line per sheet: its table, how much of it the workbook holds, and the note of a cut sheet."""
    fields = ["sheet", "table", "rows", "rows_in_workbook", "columns", "columns_in_workbook", "note"]
    kinds = ["text", "text", "int", "int", "int", "int", "text"]
    rows = [
        (w.sheet, w.source, w.rows, w.rows_in_workbook, w.columns, w.columns_in_workbook, w.note or None)
        for w in written
    ]
    kept, reason = _kept_rows(len(rows), len(fields), capped=False)
    cols = min(len(fields), EXCEL_MAX_COLS)
    values = [_Column(kind, [row[i] for row in rows[:kept]]) for i, kind in enumerate(kinds[:cols])]
    return _fit(_Sheet(title, "", [], fields[:cols], values, len(rows), len(fields)), lang, reason)


def _estimated_cells(tables: Mapping[str, pd.DataFrame]) -> int:
    """About how many cells the workbook gets: the matrices are as big as their long tables."""
    cells = sum(len(tables[n]) for n in ("coverage", "family_matrix") if n in tables)
    for frame in tables.values():
        rows, _ = _kept_rows(len(frame), frame.shape[1], capped=True)
        cells += rows * frame.shape[1]
    return cells


def write_xlsx(tables: Mapping[str, pd.DataFrame], manifest: Mapping[str, Any], path: Path) -> None:
    """The matrices, every table (capped) and a README as sheets of one workbook, byte-reproducible."""
    lang = str(manifest.get("lang", "zh"))[:2]
    names = _sheet_names([TOPIC_MATRIX_SHEET, FAMILY_MATRIX_SHEET, *tables, README_SHEET])
    options = {
        # Big workbooks stream rows to temp files (flat memory); small ones stay in memory, which
        # saves the temp files' cost (a fifth of the time on the seed plans).
        "constant_memory": True,
        "in_memory": _estimated_cells(tables) <= _IN_MEMORY_CELLS,
        "strings_to_formulas": False,  # belt and braces: text is written with write_string anyway
        "strings_to_urls": False,
        "allow_zip64": True,  # a workbook over 4 GB is slow, not an error
    }
    book = xlsxwriter.Workbook(str(path), options)
    # xlsxwriter writes 'created' as both the created and the modified date
    book.set_properties({"author": "compare", "created": build_time(manifest)})
    fmt = _formats(book, lang)
    written = []
    builders: list[Callable[[], _Sheet | None]] = [
        lambda: _topic_matrix(tables, names[TOPIC_MATRIX_SHEET], lang),
        lambda: _family_matrix(tables, names[FAMILY_MATRIX_SHEET], lang),
        *(functools.partial(_table_sheet, name, names[name], frame, lang) for name, frame in tables.items()),
    ]
    for build in builders:
        sheet = build()  # one sheet's values in memory at a time
        if sheet is not None:
            _write_sheet(book, sheet, fmt)
            written.append(_written(sheet))
    _write_sheet(book, _readme_sheet(written, names[README_SHEET], lang), fmt)
    book.close()


# ---------------------------------------------------------------------------------------------
# SQLite


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_type(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series) or pd.api.types.is_integer_dtype(series):
        return "INTEGER"
    if pd.api.types.is_float_dtype(series):
        return "REAL"
    return "TEXT"


def _ddl(name: str, frame: pd.DataFrame, present: set[str]) -> tuple[str, list[str]]:
    """The CREATE TABLE statement, and the CREATE INDEX statements to run once the rows are in."""
    columns = [str(c) for c in frame.columns]
    keys = [k for k in PRIMARY_KEYS.get(name, ()) if k in columns]
    parts = []
    for i, c in enumerate(columns):
        not_null = " NOT NULL" if c in keys else ""
        parts.append(f"{_quote(c)} {_sql_type(frame.iloc[:, i])}{not_null}")
    if keys:
        parts.append(f"PRIMARY KEY ({', '.join(_quote(k) for k in keys)})")
    indexes = []
    for cols, ref_table, ref_cols in FOREIGN_KEYS.get(name, ()):
        if ref_table in present and all(c in columns for c in cols):
            parts.append(
                f"FOREIGN KEY ({', '.join(_quote(c) for c in cols)}) "
                f"REFERENCES {_quote(ref_table)} ({', '.join(_quote(c) for c in ref_cols)})"
            )
            if tuple(cols) != tuple(keys[: len(cols)]):
                index_name = _quote(f"idx_{name}_{'_'.join(cols)}")
                column_list = ", ".join(_quote(c) for c in cols)
                indexes.append(f"CREATE INDEX {index_name} ON {_quote(name)} ({column_list})")
    create = f"CREATE TABLE {_quote(name)} (\n  " + ",\n  ".join(parts) + "\n)"
    return create, indexes


@contextmanager
def _connect(path: Path) -> Iterator[sqlite3.Connection]:
    con = sqlite3.connect(path, isolation_level=None)
    try:
        yield con
    finally:
        con.close()


def _sql_values(column: _Column) -> list[Any]:
    if column.kind != "any":
        return column.values
    # lists and dicts a stage left in a cell go in as JSON text rather than failing the insert
    return [
        v
        if v is None or isinstance(v, str | int | float)
        else json.dumps(v, ensure_ascii=False, sort_keys=True)
        for v in column.values
    ]


def _insert(con: sqlite3.Connection, name: str, frame: pd.DataFrame, path: Path) -> None:
    """Every row of ``frame`` into table ``name``, chunk by chunk; a repeated key keeps the first row."""
    marks = ", ".join("?" for _ in frame.columns)
    statement = f"INSERT OR IGNORE INTO {_quote(name)} VALUES ({marks})"
    for columns in _chunks(frame):
        con.executemany(statement, zip(*(_sql_values(c) for c in columns), strict=True))
    (stored,) = con.execute(f"SELECT count(*) FROM {_quote(name)}").fetchone()
    if stored != len(frame):  # a repeated key is an upstream bug: say so rather than lose the file
        log.warning("%s: %d rows of %s repeat a key and were left out", path.name, len(frame) - stored, name)


def write_sqlite(tables: Mapping[str, pd.DataFrame], manifest: Mapping[str, Any], path: Path) -> None:
    """The tables with explicit keys in one SQLite file (plus a ``manifest`` key/value table)."""
    # Referenced tables first, so the schema reads top-down; the order of the mapping otherwise.
    order = [n for n in PRIMARY_KEYS if n in tables] + [n for n in tables if n not in PRIMARY_KEYS]
    present = set(order)
    with _connect(path) as con:
        # A fresh temp file renamed into place when complete: a crash loses nothing, so no journal.
        # Big pages insert ~10% faster and store long rows in less space; small files stay small.
        big = sum(len(frame) for frame in tables.values()) > _BIG_SQLITE_ROWS
        con.execute(f"PRAGMA page_size = {16384 if big else 4096}")
        con.execute("PRAGMA journal_mode = OFF")
        con.execute("PRAGMA synchronous = OFF")
        con.execute("PRAGMA cache_size = -65536")  # 64 MB: the key indexes of million-row tables
        con.execute("PRAGMA foreign_keys = OFF")  # rows go in table by table; checked once at the end
        con.execute("BEGIN")
        con.execute('CREATE TABLE "manifest" ("key" TEXT NOT NULL PRIMARY KEY, "value" TEXT)')
        con.executemany(
            'INSERT INTO "manifest" VALUES (?, ?)',
            [
                (str(k), json.dumps(_plain(v), ensure_ascii=False, sort_keys=True))
                for k, v in sorted(manifest.items())
            ],
        )
        indexes: list[str] = []
        for name in order:
            create, table_indexes = _ddl(name, tables[name], present)
            con.execute(create)
            _insert(con, name, tables[name], path)
            indexes += table_indexes
        for statement in indexes:  # built once over all rows: faster and more compact than row by row
            con.execute(statement)
        con.execute("COMMIT")
        problems = con.execute("PRAGMA foreign_key_check").fetchall()
        for table, rowid, parent, _ in problems[:20]:
            log.warning("%s: row %s of %s names a missing %s", path.name, rowid, table, parent)
