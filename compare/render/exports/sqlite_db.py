"""``comparison.sqlite``: every row of every table, with keys, link tables, full-text search and named views.

Made to be read in Datasette or any SQLite browser as well as queried:

- the tables with their primary and foreign keys (``compare.tables.PRIMARY_KEYS`` / ``FOREIGN_KEYS``, and
  ``links``' for ``topics`` and ``measure_topics``), indexes on the foreign keys, a ``manifest`` key/value
  table (values as JSON text); a table whose id is an SQL keyword gets another name (``SQL_NAMES``:
  ``unique`` is ``unique_families``), so no query has to quote it;
- ``measures_fts``: FTS5 over the measures' text with the ``trigram`` tokenizer (Datasette's search box:
  any word of three or more characters, as written); a two-character word (人才, 土地), which has no
  trigram, is the trigrams that start or end with it, read from the index's vocabulary
  (``measures_fts_vocab``, ``TWO_CHARACTER_MATCH``); ``search_sql`` writes the query for any words;
- ``<table>_with_names`` views: each table with the name beside each id (plan, family, topic), the columns
  of the table's CSV file.

A repeated key or a dangling reference is an upstream bug: it is logged, and the file is still written.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from compare.render.exports import links
from compare.render.exports.columns import Column, chunks, name_columns, plain
from compare.tables import FOREIGN_KEYS, PRIMARY_KEYS

log = logging.getLogger(__name__)

_BIG_SQLITE_ROWS = 100_000  # from this many rows in all, the SQLite file uses 16 KB pages

SQL_NAMES = {"unique": "unique_families"}  # table ids that are SQL keywords, and their name in the file
FTS_TABLE = "measures_fts"
VOCAB_TABLE = "measures_fts_vocab"
VIEW_SUFFIX = "_with_names"

_KEYS = {**PRIMARY_KEYS, **links.PRIMARY_KEYS}
_REFERENCES = {**FOREIGN_KEYS, **links.FOREIGN_KEYS}


def sql_name(table: str) -> str:
    """The table's name in the SQLite file."""
    return SQL_NAMES.get(table, table)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# A two-character word has no trigram of its own: it is every indexed trigram that starts or ends with
# it (from the index's vocabulary), so a query for 人才 is "人才引" OR "进人才" OR … (one SQL statement;
# an empty phrase, which matches nothing, when no trigram has it).
TWO_CHARACTER_MATCH = (
    f"SELECT coalesce(group_concat('\"' || replace(term, '\"', '\"\"') || '\"', ' OR '), '\"\"') "
    f"FROM {VOCAB_TABLE} WHERE substr(term, 1, 2) = :word OR substr(term, 2, 2) = :word"
)


def search_sql(words: str) -> tuple[str, dict[str, str]]:
    """SQL and its parameters giving the rowids of the measures that hold every one of ``words``
    (space-separated) as written: a word of three or more characters is matched by ``measures_fts``
    (trigram), a two-character one through the index's vocabulary, a single character by a scan."""
    parts, params = [], {}
    for i, word in enumerate(words.split()):
        key = f"w{i}"
        if len(word) >= 3:
            parts.append(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :{key}")
            params[key] = '"' + word.replace('"', '""') + '"'
        elif len(word) == 2:
            match = TWO_CHARACTER_MATCH.replace(":word", f":{key}")
            parts.append(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ({match})")
            params[key] = word.lower()  # the trigram index folds ASCII case
        else:
            parts.append(f"SELECT rowid FROM measures WHERE instr(text, :{key}) > 0")
            params[key] = word
    return " INTERSECT ".join(parts) or "SELECT rowid FROM measures WHERE 0", params


def _sql_type(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series) or pd.api.types.is_integer_dtype(series):
        return "INTEGER"
    if pd.api.types.is_float_dtype(series):
        return "REAL"
    return "TEXT"


def _ddl(name: str, frame: pd.DataFrame, present: set[str]) -> tuple[str, list[str]]:
    """The CREATE TABLE statement, and the CREATE INDEX statements to run once the rows are in."""
    columns = [str(c) for c in frame.columns]
    keys = [k for k in _KEYS.get(name, ()) if k in columns]
    parts = []
    for i, c in enumerate(columns):
        not_null = " NOT NULL" if c in keys else ""
        parts.append(f"{_quote(c)} {_sql_type(frame.iloc[:, i])}{not_null}")
    if keys:
        parts.append(f"PRIMARY KEY ({', '.join(_quote(k) for k in keys)})")
    indexes = []
    table = sql_name(name)
    for cols, ref_table, ref_cols in _REFERENCES.get(name, ()):
        if ref_table in present and all(c in columns for c in cols):
            parts.append(
                f"FOREIGN KEY ({', '.join(_quote(c) for c in cols)}) "
                f"REFERENCES {_quote(sql_name(ref_table))} ({', '.join(_quote(c) for c in ref_cols)})"
            )
            if tuple(cols) != tuple(keys[: len(cols)]):
                index_name = _quote(f"idx_{table}_{'_'.join(cols)}")
                column_list = ", ".join(_quote(c) for c in cols)
                indexes.append(f"CREATE INDEX {index_name} ON {_quote(table)} ({column_list})")
    # A composite key is the table's own order: one B-tree instead of rows plus a key index (the
    # family x plan grid goes in three times faster). Single keys keep their rowid (FTS needs it).
    rowid = " WITHOUT ROWID" if len(keys) > 1 else ""
    create = f"CREATE TABLE {_quote(table)} (\n  " + ",\n  ".join(parts) + f"\n){rowid}"
    return create, indexes


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
    table = _quote(sql_name(name))
    marks = ", ".join("?" for _ in frame.columns)
    statement = f"INSERT OR IGNORE INTO {table} VALUES ({marks})"
    for columns in chunks(frame):
        con.executemany(statement, zip(*(_sql_values(c) for c in columns), strict=True))
    (stored,) = con.execute(f"SELECT count(*) FROM {table}").fetchone()
    if stored != len(frame):  # a repeated key is an upstream bug: say so rather than lose the file
        log.warning("%s: %d rows of %s repeat a key and were left out", path.name, len(frame) - stored, name)


def _search(con: sqlite3.Connection) -> None:
    """The full-text index of the measures' text, and its vocabulary (for two-character words)."""
    # External content: the index only, the text stays in measures. content="measures" in double
    # quotes is how Datasette finds the index of a table (and offers its search box).
    # No column sizes (bm25 reads them from the text of the rows it ranks) and no merging while the
    # index is built: a third less time, for a file written once.
    con.execute(
        f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5("
        'text, content="measures", content_rowid="rowid", tokenize="trigram", columnsize=0)'
    )
    con.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rank) VALUES ('automerge', 0)")
    con.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")  # in C, from the rows
    con.execute(f"CREATE VIRTUAL TABLE {VOCAB_TABLE} USING fts5vocab({FTS_TABLE}, 'row')")


def _name_sql(kind: str, alias: str, lang: str) -> tuple[str, str, str]:
    """(table, key column, name expression) of a kind of name, for a join under ``alias``."""
    if kind == "plan":
        return "documents", "plan_id", f"{alias}.display_name"
    if kind == "family":
        name = f"COALESCE(NULLIF({alias}.gloss, ''), {alias}.name)" if lang == "en" else f"{alias}.name"
        return "families", "family_id", name
    return links.TOPICS, "topic", f"{alias}.name_en" if lang == "en" else f"{alias}.name_zh"


def _views(con: sqlite3.Connection, tables: Mapping[str, list[str]], lang: str) -> None:
    """``<table>_with_names``: the table's columns, then a name for each id (as its CSV file has them)."""
    for name, columns in tables.items():
        added = name_columns(name, columns, lang)
        if not added:
            continue
        selects, joins = ["t.*"], []
        for i, (id_column, name_column, kind) in enumerate(added):
            ref, key, expression = _name_sql(kind, f"n{i}", lang)
            if ref not in tables:
                selects.append(f"NULL AS {_quote(name_column)}")
                continue
            on = f"n{i}.{_quote(key)} = t.{_quote(id_column)}"
            joins.append(f"LEFT JOIN {_quote(sql_name(ref))} AS n{i} ON {on}")
            selects.append(f"{expression} AS {_quote(name_column)}")
        view = _quote(sql_name(name) + VIEW_SUFFIX)
        con.execute(
            f"CREATE VIEW {view} AS SELECT {', '.join(selects)} FROM {_quote(sql_name(name))} AS t "
            + " ".join(joins)
        )


def write_sqlite(
    tables: Mapping[str, pd.DataFrame], manifest: Mapping[str, Any], path: Path, lang: str = "zh"
) -> None:
    """The tables with explicit keys in one SQLite file (plus a ``manifest`` key/value table), full-text
    indexes of the measures' text and views with names in the edition ``lang``."""
    file = SqliteFile(path, manifest, list(tables), sum(len(frame) for frame in tables.values()), lang)
    try:
        for name in file.order:
            file.add(name, tables[name])
        file.finish()
    finally:
        file.close()


def table_order(tables: list[str]) -> list[str]:
    """The order tables go into the file: referenced tables first, so the schema reads top-down; the
    tables' own order otherwise."""
    return [n for n in _KEYS if n in tables] + [n for n in tables if n not in _KEYS]


class SqliteFile:
    """``comparison.sqlite`` written table by table (``add``, in the order of ``order``), then its
    indexes, full-text search and views (``finish``): a process can be sent the tables one at a time.

    ``tables``: the names of the tables to come, ``rows`` their rows in all."""

    def __init__(
        self, path: Path, manifest: Mapping[str, Any], tables: list[str], rows: int, lang: str = "zh"
    ) -> None:
        self.path, self.lang, self.tables = path, lang, tables
        self.order = table_order(tables)
        self.present = set(tables)
        self.columns: dict[str, list[str]] = {}
        self.indexes: list[str] = []
        self.search = False
        self.con = con = sqlite3.connect(path, isolation_level=None)
        # A fresh temp file renamed into place when complete: a crash loses nothing, so no journal.
        # Big pages insert ~10% faster and store long rows in less space; small files stay small.
        con.execute(f"PRAGMA page_size = {16384 if rows > _BIG_SQLITE_ROWS else 4096}")
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

    def add(self, name: str, frame: pd.DataFrame) -> None:
        create, table_indexes = _ddl(name, frame, self.present)
        self.con.execute(create)
        _insert(self.con, name, frame, self.path)
        self.indexes += table_indexes
        self.columns[name] = [str(c) for c in frame.columns]
        self.search = self.search or (name == "measures" and "text" in self.columns[name])

    def finish(self) -> None:
        con = self.con
        for statement in self.indexes:  # built once over all rows: faster and more compact than row by row
            con.execute(statement)
        if self.search:
            _search(con)
        _views(con, {n: self.columns[n] for n in self.tables if n in self.columns}, self.lang)
        con.execute("COMMIT")
        problems = con.execute("PRAGMA foreign_key_check").fetchall()
        for table, rowid, parent, _ in problems[:20]:
            log.warning("%s: row %s of %s names a missing %s", self.path.name, rowid, table, parent)

    def close(self) -> None:
        self.con.close()
