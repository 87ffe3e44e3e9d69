"""``comparison.sqlite``: every row of every table, with primary and foreign keys, in one SQLite file.

Keys from ``compare.tables.PRIMARY_KEYS`` / ``FOREIGN_KEYS``, indexes on the foreign keys, and a
``manifest`` key/value table (values as JSON text). A repeated key or a dangling reference is an
upstream bug: it is logged, and the file is still written.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from compare.render.exports.columns import Column, chunks, plain
from compare.tables import FOREIGN_KEYS, PRIMARY_KEYS

log = logging.getLogger(__name__)

_BIG_SQLITE_ROWS = 1_000_000  # from this many rows in all, the SQLite file uses 16 KB pages


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


def _sql_values(column: Column) -> list[Any]:
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
    for columns in chunks(frame):
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
                (str(k), json.dumps(plain(v), ensure_ascii=False, sort_keys=True))
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
