"""Write the comparison tables as data files: CSV, JSON, XLSX, SQLite, and the build manifest.

``write_data(tables, out_dir, manifest)`` writes into ``out_dir`` (the ``data/`` folder of a release):

- ``<table>.csv`` per table: UTF-8 with BOM so Excel and WPS open Chinese correctly; a text cell that
  starts with ``= + - @``, a tab or a CR gets a leading ``'`` so a spreadsheet does not run it as a
  formula (numbers stay numbers);
- ``comparison.json``: ``{"manifest": …, "<table>": [records…]}``, sorted keys, NaN as null;
- ``comparison.xlsx``: the ``topic×plan`` (coverage score) and ``family×plan`` (measure counts, gaps
  marked) matrices first, then a sheet per table; colour scales, frozen headers, autofilters. Text that
  looks like a formula is stored as text. The file is byte-reproducible: zip times and the document's
  created/modified dates come from the manifest's ``created`` time;
- ``comparison.sqlite``: the tables with primary and foreign keys (``compare.tables.PRIMARY_KEYS`` /
  ``FOREIGN_KEYS``), indexes on the foreign keys and a ``manifest`` key/value table; built in a temp
  file and renamed into place;
- ``manifest.json``: the manifest as given.

Each file is written to a temporary name and renamed, so a reader never sees half a file.
"""

from __future__ import annotations

import functools
import io
import json
import logging
import math
import os
import re
import sqlite3
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from compare.tables import FOREIGN_KEYS, PRIMARY_KEYS

log = logging.getLogger(__name__)

CSV_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
JSON_NAME = "comparison.json"
XLSX_NAME = "comparison.xlsx"
SQLITE_NAME = "comparison.sqlite"
MANIFEST_NAME = "manifest.json"
TOPIC_MATRIX_SHEET = "topic×plan"
FAMILY_MATRIX_SHEET = "family×plan"

_XLSX_MAX_CELL = 32767  # Excel's limit on characters in a cell
_XLSX_MAX_SHEET = 31
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # characters XML 1.0 (and so XLSX) cannot hold
_ZIP_EPOCH = datetime(1980, 1, 1, tzinfo=UTC)  # the earliest time a zip entry can carry
_GAP_FILL = PatternFill(fill_type="solid", start_color="FFF4C7C3", end_color="FFF4C7C3")
_HEADER_FONT = Font(bold=True)
_GAP_LABEL = {"zh": "缺口", "en": "gap"}


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


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    columns = [str(c) for c in frame.columns]
    return [
        {c: _plain(v) for c, v in zip(columns, row, strict=True)}
        for row in frame.itertuples(index=False, name=None)
    ]


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


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """One table as UTF-8-with-BOM CSV (CRLF rows), formula-looking text neutralised."""
    safe = frame.copy()
    for column in safe.columns:
        if not (pd.api.types.is_numeric_dtype(safe[column]) or pd.api.types.is_bool_dtype(safe[column])):
            safe[column] = safe[column].map(neutralise).astype(object)
    safe.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\r\n")


# ---------------------------------------------------------------------------------------------
# JSON


def write_json(tables: Mapping[str, pd.DataFrame], manifest: Mapping[str, Any], path: Path) -> None:
    """``{"manifest": …, "<table>": [records…]}`` as UTF-8 JSON, unescaped, sorted keys, NaN → null."""
    data: dict[str, Any] = {"manifest": _plain(dict(manifest))}
    for name, frame in tables.items():
        data[name] = _records(frame)
    path.write_text(_dumps(data), encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# XLSX


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


def _xlsx_text(value: Any) -> Any:
    if isinstance(value, str):
        value = _ILLEGAL_XML.sub("", value)
        if len(value) > _XLSX_MAX_CELL:
            value = value[: _XLSX_MAX_CELL - 1] + "…"
    return value


def _xlsx_frame(frame: pd.DataFrame) -> pd.DataFrame:
    safe = frame.copy()
    for column in safe.columns:
        if not pd.api.types.is_numeric_dtype(safe[column]):
            safe[column] = safe[column].map(_xlsx_text).astype(object)
    return safe


def _plan_headers(tables: Mapping[str, pd.DataFrame]) -> tuple[list[str], dict[str, str]]:
    """Plan ids in report order and their column headers (display names when those are distinct)."""
    docs = tables.get("documents")
    if docs is None or docs.empty:
        found: dict[str, None] = {}
        for name in ("coverage", "family_matrix"):
            frame = tables.get(name)
            if frame is not None and "plan_id" in frame.columns:
                found.update(dict.fromkeys(str(p) for p in frame["plan_id"]))
        return list(found), {p: p for p in found}
    ids = [str(p) for p in docs["plan_id"]]
    names = [
        str(n) if isinstance(n, str) and n else p
        for p, n in zip(ids, docs.get("display_name", ids), strict=True)
    ]
    if len(set(names)) != len(names) or set(names) & {"topic", "topic_name", "family_id", "name"}:
        names = ids
    return ids, dict(zip(ids, names, strict=True))


def _topic_matrix(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame | None:
    coverage = tables.get("coverage")
    if coverage is None or not {"topic", "plan_id", "score"} <= set(coverage.columns):
        return None
    plan_ids, headers = _plan_headers(tables)
    topics = list(dict.fromkeys(str(t) for t in coverage["topic"]))
    score = {
        (str(t), str(p)): _plain(s)
        for t, p, s in zip(coverage["topic"], coverage["plan_id"], coverage["score"], strict=True)
    }
    names: dict[str, Any] = {}
    if "topic_name" in coverage.columns:
        names = {str(t): _plain(n) for t, n in zip(coverage["topic"], coverage["topic_name"], strict=True)}
    rows = []
    for topic in topics:
        row: dict[str, Any] = {"topic": topic, "topic_name": names.get(topic) or ""}
        for pid in plan_ids:
            row[headers[pid]] = score.get((topic, pid))
        rows.append(row)
    return pd.DataFrame(rows, columns=["topic", "topic_name", *[headers[p] for p in plan_ids]])


def _family_matrix(tables: Mapping[str, pd.DataFrame]) -> tuple[pd.DataFrame, set[tuple[int, int]]] | None:
    """The family × plan counts, and the (row, column) positions (0-based, data only) of gap cells."""
    fm, families = tables.get("family_matrix"), tables.get("families")
    if fm is None or not {"family_id", "plan_id", "n_measures"} <= set(fm.columns):
        return None
    plan_ids, headers = _plan_headers(tables)
    count = {
        (str(f), str(p)): _plain(n)
        for f, p, n in zip(fm["family_id"], fm["plan_id"], fm["n_measures"], strict=True)
    }
    fam_rows: list[tuple[str, Any, Any]] = []
    if families is not None and not families.empty:
        fam_rows = [
            (str(f), _plain(t), _plain(n))
            for f, t, n in zip(families["family_id"], families["topic"], families["name"], strict=True)
        ]
    else:
        fam_rows = [(f, None, None) for f in dict.fromkeys(str(f) for f in fm["family_id"])]
    gaps = tables.get("gaps")
    gap_keys = set()
    if gaps is not None and {"plan_id", "family_id"} <= set(gaps.columns):
        gap_keys = {(str(f), str(p)) for p, f in zip(gaps["plan_id"], gaps["family_id"], strict=True)}
    rows, marks = [], set()
    for r, (fid, topic, name) in enumerate(fam_rows):
        row: dict[str, Any] = {"family_id": fid, "topic": topic, "name": name}
        for c, pid in enumerate(plan_ids):
            row[headers[pid]] = count.get((fid, pid), 0)
            if (fid, pid) in gap_keys:
                marks.add((r, c))
        rows.append(row)
    frame = pd.DataFrame(rows, columns=["family_id", "topic", "name", *[headers[p] for p in plan_ids]])
    return frame, marks


def _display_width(value: Any) -> int:
    text = "" if value is None else str(value)
    text = text.split("\n", 1)[0]
    return sum(2 if ord(ch) >= 0x2E80 else 1 for ch in text[:200])


def _finish_sheet(ws: Worksheet, frame: pd.DataFrame, freeze: str, max_width: int = 60) -> None:
    """Text stays text, header bold, frozen panes, autofilter, column widths from the content."""
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if cell.data_type == "f":  # a string that starts with '=': keep it as text, never a formula
                cell.data_type = "s"
    for cell in ws[1]:
        cell.font = _HEADER_FONT
        cell.alignment = Alignment(vertical="top", wrap_text=False)
    ws.freeze_panes = freeze
    ws.auto_filter.ref = ws.dimensions
    for i, column in enumerate(frame.columns, start=1):
        sample = [column, *frame.iloc[:500, i - 1].tolist()]
        width = max(_display_width(v) for v in sample) + 2
        ws.column_dimensions[get_column_letter(i)].width = max(6, min(max_width, width))


def _colour_scale(ws: Worksheet, first_col: int, n_cols: int, n_rows: int) -> None:
    if n_cols <= 0 or n_rows <= 0:
        return
    ref = f"{get_column_letter(first_col)}2:{get_column_letter(first_col + n_cols - 1)}{n_rows + 1}"
    ws.conditional_formatting.add(
        ref,
        ColorScaleRule(start_type="min", start_color="FFFFFFFF", end_type="max", end_color="FF2B8CBE"),
    )


def write_xlsx(tables: Mapping[str, pd.DataFrame], manifest: Mapping[str, Any], path: Path) -> None:
    """The matrices and every table as sheets of one workbook, byte-reproducible for one manifest."""
    when = build_time(manifest)
    gap_label = _GAP_LABEL.get(str(manifest.get("lang", "zh"))[:2], _GAP_LABEL["zh"])
    topic_matrix = _topic_matrix(tables)
    family = _family_matrix(tables)
    names = _sheet_names([TOPIC_MATRIX_SHEET, FAMILY_MATRIX_SHEET, *tables])
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        if topic_matrix is not None:
            sheet = names[TOPIC_MATRIX_SHEET]
            _xlsx_frame(topic_matrix).to_excel(writer, sheet_name=sheet, index=False)
            ws = writer.sheets[sheet]
            _finish_sheet(ws, topic_matrix, "C2")
            n_plans = len(topic_matrix.columns) - 2
            _colour_scale(ws, 3, n_plans, len(topic_matrix))
            for row in ws.iter_rows(min_row=2, min_col=3, max_col=2 + n_plans):
                for cell in row:
                    cell.number_format = "0.00"
        if family is not None:
            frame, marks = family
            sheet = names[FAMILY_MATRIX_SHEET]
            _xlsx_frame(frame).to_excel(writer, sheet_name=sheet, index=False)
            ws = writer.sheets[sheet]
            _finish_sheet(ws, frame, "D2")
            _colour_scale(ws, 4, len(frame.columns) - 3, len(frame))
            for r, c in sorted(marks):
                cell = ws.cell(row=r + 2, column=c + 4)
                cell.fill = _GAP_FILL
                cell.number_format = f'0;-0;"{gap_label}"'  # a gap is 0 measures: show the word instead
        for name, frame in tables.items():
            sheet = names[name]
            _xlsx_frame(frame).to_excel(writer, sheet_name=sheet, index=False)
            ws = writer.sheets[sheet]
            _finish_sheet(ws, frame, "A2")
            for column in ("score", "n_measures"):
                if column in frame.columns and name in ("coverage", "family_matrix"):
                    col = list(frame.columns).index(column) + 1
                    _colour_scale(ws, col, 1, len(frame))
        props = writer.book.properties
        props.creator = "compare"
        props.created = when.replace(tzinfo=None)
        props.modified = when.replace(tzinfo=None)
    path.write_bytes(_reproducible_zip(buffer.getvalue(), when))


def _reproducible_zip(data: bytes, when: datetime) -> bytes:
    """Rewrite an XLSX zip with fixed entry times and the fixed modified date openpyxl overwrites on save."""
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = body.decode("utf-8")
                text = re.sub(
                    r"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rf"\g<1>{stamp}\g<2>", text
                )
                text = re.sub(
                    r"(<dcterms:created[^>]*>)[^<]*(</dcterms:created>)", rf"\g<1>{stamp}\g<2>", text
                )
                body = text.encode("utf-8")
            entry = zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            dst.writestr(entry, body)
    return out.getvalue()


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


def _ddl(name: str, frame: pd.DataFrame, present: set[str]) -> list[str]:
    columns = [str(c) for c in frame.columns]
    keys = [k for k in PRIMARY_KEYS.get(name, ()) if k in columns]
    parts = []
    for c in columns:
        not_null = " NOT NULL" if c in keys else ""
        parts.append(f"{_quote(c)} {_sql_type(frame[c])}{not_null}")
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
    return [create, *indexes]


@contextmanager
def _connect(path: Path) -> Iterator[sqlite3.Connection]:
    con = sqlite3.connect(path, isolation_level=None)
    try:
        yield con
    finally:
        con.close()


def write_sqlite(tables: Mapping[str, pd.DataFrame], manifest: Mapping[str, Any], path: Path) -> None:
    """The tables with explicit keys in one SQLite file (plus a ``manifest`` key/value table)."""
    # Referenced tables first, so the schema reads top-down; the order of the mapping otherwise.
    order = [n for n in PRIMARY_KEYS if n in tables] + [n for n in tables if n not in PRIMARY_KEYS]
    present = set(order)
    with _connect(path) as con:
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
        for name in order:
            frame = tables[name]
            for statement in _ddl(name, frame, present):
                con.execute(statement)
            marks = ", ".join("?" for _ in frame.columns)
            rows = [tuple(_plain(v) for v in row) for row in frame.itertuples(index=False, name=None)]
            # A repeated key is an upstream bug; keep the first row and say so rather than lose the file.
            con.executemany(f"INSERT OR IGNORE INTO {_quote(name)} VALUES ({marks})", rows)
            (stored,) = con.execute(f"SELECT count(*) FROM {_quote(name)}").fetchone()
            if stored != len(rows):
                log.warning(
                    "%s: %d rows of %s repeat a key and were left out", path.name, len(rows) - stored, name
                )
        con.execute("COMMIT")
        problems = con.execute("PRAGMA foreign_key_check").fetchall()
        for table, rowid, parent, _ in problems[:20]:
            log.warning("%s: row %s of %s names a missing %s", path.name, rowid, table, parent)
        con.execute("VACUUM")
