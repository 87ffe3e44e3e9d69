"""The data exports an analyst opens: CSV in Excel/WPS, JSON, the XLSX workbook and the SQLite file.

Written from the seed plans' comparison (tests/render_fixture.py), with two hostile cells planted in
measure texts to check that spreadsheets never run them as formulas. A sheet's first row holds the field
ids (hidden), its second the headers a person reads, its data start on the third (below a note row when
the sheet is cut). Sheets are named in the edition's language; a tool finds one by its id (the table's
name) in the README sheet, the last (``Book``).
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

import compare.render.exports as exports
from compare import fingerprint
from compare.config import PACKAGE_DIR, TEMPLATES_DIR
from compare.errors import DataError
from compare.fingerprint import templates_version
from compare.heap import release_freed
from compare.render.exports import (
    CSV_WITHOUT_NAMES,
    EXPORT_LIMITS,
    FAMILY_MATRIX_SHEET,
    README_SHEET,
    TOPIC_MATRIX_SHEET,
    ExportLimitsError,
    load_export_limits,
    write_data,
    write_manifest,
    xlsx_book,
    xlsx_sheets,
)
from compare.render.exports.links import MEASURE_TOPICS, TOPICS, link_tables
from compare.render.exports.sqlite_db import TWO_CHARACTER_MATCH, search_sql, sql_name
from compare.tables import FOREIGN_KEYS, PRIMARY_KEYS, TABLE_COLUMNS, comparison_tables
from tests.render_fixture import (
    build_fixture_comparison,
    fixture_manifest,
    fixture_topic_names,
    replace_measure,
)

DDE = "=cmd|' /C calc'!A0 第一条"
AT_SUM = "@SUM(1+1)*cmd|' /C calc'!A0"


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    comparison = copy.deepcopy(build_fixture_comparison())
    measures = [m for p in comparison.plans for m in p.measures]
    replace_measure(comparison, measures[0].measure_id, text=DDE)
    replace_measure(comparison, measures[1].measure_id, heading=AT_SUM)
    replace_measure(comparison, measures[2].measure_id, text="含控制符\x0b的文本")  # XLSX cannot hold it
    return comparison_tables(comparison, fixture_topic_names())


@pytest.fixture(scope="module")
def manifest() -> dict:
    return fixture_manifest()


@pytest.fixture(scope="module")
def out(tables: dict[str, pd.DataFrame], manifest: dict, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("release") / "data"
    written = write_data(tables, path, manifest)
    assert all(p.exists() and p.parent == path for p in written)
    assert {p.name for p in written} == {f"{n}.csv" for n in [*tables, TOPICS, MEASURE_TOPICS]} | {
        "comparison.json",
        "comparison.xlsx",
        "comparison.sqlite",
        "manifest.json",
    }
    assert not [p for p in path.iterdir() if p.name.startswith(".")]  # no temp files left behind
    return path


class Book:
    """A workbook as a tool reads it: a sheet is found by its id (a table's name, ``topic×plan`` …) in the
    README sheet, the last one, whatever the language its sheets are named in."""

    def __init__(self, path: Path) -> None:
        self.wb = openpyxl.load_workbook(path)
        rows = list(self.wb.worksheets[-1].iter_rows(values_only=True))
        top = [r[0] for r in rows].index("sheet")  # the field ids, below a note row when the README was cut
        fields = list(rows[top])
        # what the README says of each sheet, by its id
        self.readme = {
            r[fields.index("sheet_id")]: dict(zip(fields, r, strict=False)) for r in rows[top + 2 :]
        }
        self.ids = {sid: str(row["sheet"]) for sid, row in self.readme.items()}
        self.ids[README_SHEET] = self.wb.sheetnames[-1]

    def __getitem__(self, sheet_id: str) -> Any:
        return self.wb[self.ids[sheet_id]]

    @property
    def worksheets(self) -> list[Any]:
        return list(self.wb.worksheets)

    @property
    def sheetnames(self) -> list[str]:
        return list(self.wb.sheetnames)

    def is_matrix(self, ws: Any) -> bool:
        return ws.title in (self.ids[TOPIC_MATRIX_SHEET], self.ids[FAMILY_MATRIX_SHEET])


@pytest.fixture(scope="module")
def workbook(out: Path) -> Book:
    return Book(out / "comparison.xlsx")


def test_csv_files_open_in_excel_with_chinese_intact(out: Path, tables: dict[str, pd.DataFrame]) -> None:
    for name, frame in tables.items():
        raw = (out / f"{name}.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), name
        back = pd.read_csv(out / f"{name}.csv", encoding="utf-8-sig", keep_default_na=False, dtype=str)
        assert list(back.columns)[: len(frame.columns)] == list(frame.columns)  # then names (below)
        assert len(back) == len(frame), name
    docs = pd.read_csv(out / "documents.csv", encoding="utf-8-sig")
    assert list(docs["plan_id"]) == list(tables["documents"]["plan_id"])
    assert list(docs["n_measures"]) == list(tables["documents"]["n_measures"])
    assert "关于支持临沧高新技术产业开发区转型升级创新发展的实施意见" in set(docs["title"])
    measures = pd.read_csv(out / "measures.csv", encoding="utf-8-sig", keep_default_na=False)
    assert list(measures["measure_id"]) == list(tables["measures"]["measure_id"])
    assert measures["start"].dtype.kind == "i"


def test_csv_neutralises_formula_cells_but_keeps_numbers(out: Path, tables: dict[str, pd.DataFrame]) -> None:
    measures = pd.read_csv(out / "measures.csv", encoding="utf-8-sig", keep_default_na=False)
    assert measures.loc[0, "text"] == "'" + DDE
    assert measures.loc[1, "heading"] == "'" + AT_SUM
    for column in measures.columns:
        values = measures[column].astype(str)
        assert not values.str.match(r"^[=+@\t\r]").any(), column
    # a negative number in a numeric column is a number, not a formula
    frame = tables["coverage"].copy()
    frame.loc[0, "score"] = -0.5
    frame.loc[1, "topic_name"] = "-负号开头"
    path = out.parent / "negative"
    write_data({"coverage": frame}, path, {"created": "2024-01-01T00:00:00Z"})
    text = (path / "coverage.csv").read_text(encoding="utf-8-sig")
    assert ",-0.5," in text and "'-负号开头" in text
    assert pd.read_csv(path / "coverage.csv", encoding="utf-8-sig")["score"].iloc[0] == -0.5


def test_json_has_the_manifest_and_every_table_with_formulas_intact(
    out: Path, tables: dict[str, pd.DataFrame], manifest: dict
) -> None:
    text = (out / "comparison.json").read_text(encoding="utf-8")
    assert "NaN" not in text and not re.search(r"\\u[4-9][0-9a-f]{3}", text)  # nulls; Chinese unescaped
    data = json.loads(text)
    assert data["manifest"] == manifest
    for name, frame in tables.items():
        assert len(data[name]) == len(frame), name
        if len(frame):
            assert list(data[name][0]) == sorted(frame.columns)
    assert data["measures"][0]["text"] == DDE
    assert data["measures"][1]["heading"] == AT_SUM
    assert any(d["published"] is None for d in data["documents"])
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8")) == manifest


def test_xlsx_has_matrices_and_a_sheet_per_table_ready_to_read(
    workbook: Book, tables: dict[str, pd.DataFrame]
) -> None:
    assert workbook.sheetnames[:2] == ["议题×方案", "措施家族×方案"]
    assert set(tables) <= set(workbook.ids)
    for ws in workbook.worksheets:
        assert len(ws.title) <= 31
        assert ws.freeze_panes is not None and ws.freeze_panes.endswith("3"), ws.title
        assert ws.auto_filter.ref and ws.auto_filter.ref.split(":")[0].endswith("2"), ws.title
        assert ws.row_dimensions[1].hidden, ws.title  # the field ids
        assert ws.column_dimensions["A"].width >= 6
    for name, frame in tables.items():
        assert workbook[name].max_row == len(frame) + 2, name
    for sheet in (TOPIC_MATRIX_SHEET, FAMILY_MATRIX_SHEET):
        ws = workbook[sheet]
        assert len(ws.conditional_formatting) >= 1, sheet
        assert ws.freeze_panes != "A2"  # the first column is frozen too


def test_xlsx_matrices_show_coverage_scores_and_mark_gaps(
    workbook: Book, tables: dict[str, pd.DataFrame]
) -> None:
    topic_ws = workbook[TOPIC_MATRIX_SHEET]
    ids, header = [c.value for c in topic_ws[1]], [c.value for c in topic_ws[2]]
    names = dict(zip(tables["documents"]["plan_id"], tables["documents"]["display_name"], strict=True))
    assert ids == ["topic", "topic_name", *names]  # the plan ids, hidden above their names
    assert header[:2] == ["议题编号", "议题"] and header[2:] == [names[p] for p in names]
    coverage = tables["coverage"].set_index(["topic", "plan_id"])["score"]
    for row in topic_ws.iter_rows(min_row=3, values_only=True):
        for pid, value in zip(names, row[2:], strict=True):
            assert value == pytest.approx(coverage[(row[0], pid)])
    family_ws = workbook[FAMILY_MATRIX_SHEET]
    ids = list(names)
    gaps = {(g.family_id, g.plan_id) for g in tables["gaps"].itertuples()}
    counts = tables["family_matrix"].set_index(["family_id", "plan_id"])["n_measures"]
    marked, blank = set(), 0
    for row in family_ws.iter_rows(min_row=3):
        for pid, cell in zip(ids, row[3:], strict=True):
            if cell.fill.fill_type == "solid":
                marked.add((row[0].value, pid))
                assert cell.value == 0 and "缺口" in cell.number_format
            elif counts[(row[0].value, pid)] == 0:  # silent, no gap: blank, as the site's "—"
                assert cell.value is None
                blank += 1
            else:
                assert cell.value == counts[(row[0].value, pid)]
    assert marked == gaps and blank


def test_xlsx_keeps_formula_text_as_text(workbook: Book) -> None:
    ws = workbook["measures"]
    header = [c.value for c in ws[1]]  # the field ids
    text_cell = ws.cell(row=3, column=header.index("text") + 1)
    heading_cell = ws.cell(row=4, column=header.index("heading") + 1)
    assert text_cell.value == DDE and text_cell.data_type == "s"
    assert heading_cell.value == AT_SUM and heading_cell.data_type == "s"
    assert ws.cell(row=5, column=header.index("text") + 1).value == "含控制符的文本"


def test_sqlite_has_the_tables_with_keys_and_clean_foreign_keys(
    out: Path, tables: dict[str, pd.DataFrame]
) -> None:
    con = sqlite3.connect(out / "comparison.sqlite")
    try:
        present = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {sql_name(n) for n in tables} | {"manifest", TOPICS, MEASURE_TOPICS} <= present
        assert "unique_families" in present and "unique" not in present  # no SQL keyword as a name
        for name, frame in tables.items():
            (count,) = con.execute(f'SELECT count(*) FROM "{sql_name(name)}"').fetchone()
            assert count == len(frame), name
            info = con.execute(f'PRAGMA table_info("{sql_name(name)}")').fetchall()
            assert [r[1] for r in info] == list(frame.columns)
            pk = [r[1] for r in sorted(info, key=lambda r: r[5]) if r[5]]
            assert pk == list(PRIMARY_KEYS[name]), name
            fks = {(r[3], r[2], r[4]) for r in con.execute(f'PRAGMA foreign_key_list("{sql_name(name)}")')}
            for cols, ref_table, ref_cols in FOREIGN_KEYS.get(name, ()):
                assert (cols[0], sql_name(ref_table), ref_cols[0]) in fks, (name, cols)
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        (text,) = con.execute("SELECT text FROM measures ORDER BY rowid LIMIT 1").fetchone()
        assert text == DDE
        (start,) = con.execute("SELECT typeof(start) FROM measures LIMIT 1").fetchone()
        assert start == "integer"
        build = con.execute("SELECT value FROM manifest WHERE key = 'build_id'").fetchone()
        assert json.loads(build[0]) == "fixture-0001"
        # an analyst's question: which plans lack a family most peers have?
        top = con.execute(
            "SELECT d.display_name, f.name FROM gaps g JOIN documents d USING (plan_id) "
            "JOIN families f USING (family_id) WHERE g.rank = 1"
        ).fetchall()
        assert len(top) == tables["gaps"]["plan_id"].nunique()
    finally:
        con.close()


# ---------------------------------------------------------------------------------------------
# data for people: names beside the ids, headers in the edition's language, search in the SQLite file

CJK = re.compile("[\u4e00-\u9fff]")

# The name columns each CSV file gains after its own columns, spelled out (the column contract).
NAME_COLUMNS_OF = {
    "documents": [],  # display_name is the plan's name
    "sections": ["plan_name"],
    "measures": ["plan_name"],
    "families": [],  # name and topic_name
    "family_members": ["family_name", "plan_name"],
    "coverage": ["plan_name"],  # topic_name is there already
    "family_matrix": [],  # the full grid: CSV_WITHOUT_NAMES
    "gaps": ["plan_name", "topic_name"],  # name is the family's
    "unique": ["plan_name", "topic_name"],
    "mentions": ["plan_name", "topic_name"],
    "reviewed": ["plan_name", "family_name"],
    "reuse": ["plan_a_name", "plan_b_name"],
    "failed": [],
    TOPICS: [],
    MEASURE_TOPICS: ["plan_name", "topic_name"],
}


def _names(tables: dict[str, pd.DataFrame]) -> dict[str, dict[str, str]]:
    docs, families, coverage = tables["documents"], tables["families"], tables["coverage"]
    return {
        "plan": dict(zip(docs["plan_id"], docs["display_name"], strict=True)),
        "family": dict(zip(families["family_id"], families["name"], strict=True)),
        "topic": dict(zip(coverage["topic"], coverage["topic_name"], strict=False)),
    }


def test_csv_keeps_its_ids_and_gains_name_columns(out: Path, tables: dict[str, pd.DataFrame]) -> None:
    every = {**tables, **link_tables(tables)}
    assert set(NAME_COLUMNS_OF) == set(every) and {"family_matrix"} == CSV_WITHOUT_NAMES
    names = _names(tables)
    for name, frame in every.items():
        back = pd.read_csv(out / f"{name}.csv", encoding="utf-8-sig", keep_default_na=False, dtype=str)
        assert list(back.columns) == [*frame.columns, *NAME_COLUMNS_OF[name]], name
        for id_column, name_column, kind in (
            ("plan_id", "plan_name", "plan"),
            ("family_id", "family_name", "family"),
            ("topic", "topic_name", "topic"),
            ("plan_a", "plan_a_name", "plan"),
            ("plan_b", "plan_b_name", "plan"),
        ):
            if name_column in NAME_COLUMNS_OF[name]:
                assert list(back[name_column]) == [names[kind].get(i, "") for i in back[id_column]], name
    measures = pd.read_csv(out / "measures.csv", encoding="utf-8-sig", keep_default_na=False)
    assert "临沧高新区" in set(measures["plan_name"])  # the name a reader knows, beside the id


def test_xlsx_headers_are_chinese_and_the_field_ids_are_kept_for_tools(
    workbook: Book, out: Path, tables: dict[str, pd.DataFrame]
) -> None:
    for ws in workbook.worksheets:
        ids, headers = [c.value for c in ws[1]], [c.value for c in ws[2]]
        assert ws.row_dimensions[1].hidden and len(ids) == len(headers), ws.title
        label_columns = ws.max_column if not workbook.is_matrix(ws) else 2
        for field, header in list(zip(ids, headers, strict=True))[:label_columns]:
            assert header != field and CJK.search(header), (ws.title, field, header)
    for name, frame in tables.items():
        ids = [c.value for c in workbook[name][1]]
        assert sorted(i for i in ids if i in frame.columns) == sorted(frame.columns), name  # all kept
        assert ids[0] == frame.columns[0], name
    # names beside their ids
    measures = workbook["measures"]
    assert [c.value for c in measures[1]][:3] == ["plan_id", "plan_name", "measure_id"]
    assert [c.value for c in measures[2]][:3] == ["方案编号", "方案名称", "措施编号"]
    names = _names(tables)
    for plan_id, plan_name in measures.iter_rows(min_row=3, max_col=2, values_only=True):
        assert plan_name == names["plan"][plan_id]
    members = workbook["family_members"]
    assert [c.value for c in members[1]][:4] == ["family_id", "family_name", "plan_id", "plan_name"]
    gaps = [c.value for c in workbook["gaps"][1]]  # the family's own name column moves beside its id
    assert gaps[:5] == ["plan_id", "plan_name", "family_id", "name", "topic"]
    # a tool finds a sheet by its id in the README sheet (the last), and reads it by its field ids
    path = out / "comparison.xlsx"
    sheets = pd.read_excel(path, sheet_name=-1, skiprows=[1]).set_index("sheet_id")["sheet"]
    back = pd.read_excel(path, sheet_name=sheets["measures"], skiprows=[1])
    assert list(back.columns)[:3] == ["plan_id", "plan_name", "measure_id"]
    assert list(back["measure_id"]) == list(tables["measures"]["measure_id"])


def test_xlsx_wraps_long_text_and_links_measures_to_topics(
    workbook: Book, tables: dict[str, pd.DataFrame]
) -> None:
    ws = workbook["measures"]
    ids = [c.value for c in ws[1]]
    text = openpyxl.utils.get_column_letter(ids.index("text") + 1)
    assert ws.column_dimensions[text].width >= 60
    assert ws[f"{text}3"].alignment.wrap_text and ws[f"{text}3"].alignment.vertical == "top"
    plan_id = openpyxl.utils.get_column_letter(ids.index("plan_id") + 1)
    assert not ws[f"{plan_id}3"].alignment.wrap_text  # short columns are not wrapped
    # topics as a link sheet: one row per (measure, topic), names beside the ids
    links = workbook[MEASURE_TOPICS]
    assert [c.value for c in links[1]] == [
        "measure_id",
        "plan_id",
        "plan_name",
        "topic",
        "topic_name",
        "is_primary",
    ]
    rows = list(links.iter_rows(min_row=3, values_only=True))
    topics = {
        m: t.split(";")
        for m, t in zip(tables["measures"]["measure_id"], tables["measures"]["topics"], strict=True)
        if t
    }
    assert len(rows) == sum(map(len, topics.values()))
    assert all(topic in topics[measure] for measure, _, _, topic, _, _ in rows)
    assert {r[4] for r in rows} >= {"人才", "土地"}


def test_the_english_edition_has_english_headers_and_names(
    tables: dict[str, pd.DataFrame], manifest: dict, tmp_path: Path
) -> None:
    write_data(tables, tmp_path, {**manifest, "lang": "en"})
    wb = Book(tmp_path / "comparison.xlsx")
    for ws in wb.worksheets:
        headers = [c.value for c in ws[2]]
        label_columns = ws.max_column if not wb.is_matrix(ws) else 2
        assert not [h for h in headers[:label_columns] if CJK.search(h)], ws.title
    assert [c.value for c in wb["measures"][2]][:3] == ["Plan ID", "Plan", "Measure ID"]
    topic_names = dict(zip(tables["coverage"]["topic"], tables["coverage"]["topic_name_en"], strict=False))
    for topic, name, *_ in wb[TOPIC_MATRIX_SHEET].iter_rows(min_row=3, values_only=True):
        assert name == topic_names[topic] and not CJK.search(name)
    glosses = dict(zip(tables["families"]["family_id"], tables["families"]["gloss"], strict=True))
    for family_id, _, name, *_ in wb[FAMILY_MATRIX_SHEET].iter_rows(min_row=3, values_only=True):
        assert name == (glosses[family_id] or _names(tables)["family"][family_id])
    # a gap names its family in Chinese (name): the English edition adds the English name beside it
    english = {f: glosses[f] or _names(tables)["family"][f] for f in glosses}
    gaps = pd.read_csv(tmp_path / "gaps.csv", encoding="utf-8-sig", keep_default_na=False)
    assert list(gaps.columns)[len(tables["gaps"].columns) :] == ["plan_name", "family_name", "topic_name"]
    assert list(gaps["family_name"]) == [english[f] for f in gaps["family_id"]]
    assert [c.value for c in wb["gaps"][1]][2:5] == ["family_id", "family_name", "name"]
    con = sqlite3.connect(tmp_path / "comparison.sqlite")
    try:
        (name,) = con.execute(
            "SELECT topic_name FROM measure_topics_with_names WHERE topic = 'land'"
        ).fetchone()
        assert name == topic_names["land"]
    finally:
        con.close()


def test_sqlite_full_text_search_finds_a_two_character_word_and_longer_ones(out: Path) -> None:
    assert sqlite3.sqlite_version_info >= (3, 34)  # the trigram tokenizer
    con = sqlite3.connect(out / "comparison.sqlite")
    try:
        # Datasette finds the index by its content table, and its search box queries it as typed
        (sql,) = con.execute("SELECT sql FROM sqlite_master WHERE name = 'measures_fts'").fetchone()
        assert 'content="measures"' in sql and "trigram" in sql
        texts = dict(con.execute("SELECT rowid, text FROM measures"))
        box = con.execute(
            "SELECT rowid FROM measures WHERE rowid IN "
            "(SELECT rowid FROM measures_fts WHERE measures_fts MATCH ?)",
            ['"标准地"'],
        ).fetchall()
        assert box and {r for (r,) in box} == {r for r, t in texts.items() if "标准地" in t}
        # any words: two characters (人才, 土地: no trigram of their own), longer, several, one
        for words in ("人才", "土地", "标准地", "兼职兼薪", "人才 土地", "地"):
            query, params = search_sql(words)
            found = {r for (r,) in con.execute(query, params)}
            expected = {r for r, t in texts.items() if all(w in t for w in words.split())}
            assert found and found == expected, words
        # the two-character query is SQL alone (as the README shows it for Datasette's SQL box)
        two = con.execute(
            f"SELECT count(*) FROM measures_fts WHERE measures_fts MATCH ({TWO_CHARACTER_MATCH})",
            {"word": "人才"},
        ).fetchone()[0]
        assert two == sum("人才" in t for t in texts.values())
        query, params = search_sql("人才 zq")  # a word no measure has: nothing, and no error
        assert con.execute(query, params).fetchall() == []
    finally:
        con.close()


def test_sqlite_names_need_no_quoting_and_views_carry_the_names(
    out: Path, tables: dict[str, pd.DataFrame]
) -> None:
    con = sqlite3.connect(out / "comparison.sqlite")
    try:
        objects = con.execute(
            "SELECT name, type FROM sqlite_master "
            "WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
        for name, _ in objects:
            assert re.fullmatch("[a-z][a-z0-9_]*", name), name
            con.execute(f"SELECT * FROM {name} LIMIT 1")  # unquoted: no SQL keyword (as `unique` was)
        views = {name for name, kind in objects if kind == "view"}
        every = {**tables, **link_tables(tables)}
        for name, extra in NAME_COLUMNS_OF.items():
            view = f"{sql_name(name)}_with_names"
            if not extra and name not in CSV_WITHOUT_NAMES:
                assert view not in views
                continue
            columns = [r[1] for r in con.execute(f"PRAGMA table_info({view})")]
            assert columns[: len(every[name].columns)] == list(every[name].columns), view
            if name not in CSV_WITHOUT_NAMES:  # the columns of the CSV file
                assert columns[len(every[name].columns) :] == extra, view
            (rows,) = con.execute(f"SELECT count(*) FROM {view}").fetchone()
            assert rows == len(every[name]), view
        names = _names(tables)
        for plan_id, plan_name in con.execute("SELECT plan_id, plan_name FROM measures_with_names"):
            assert plan_name == names["plan"][plan_id]
        assert con.execute(
            "SELECT count(*) FROM family_matrix_with_names WHERE family_name IS NULL OR plan_name IS NULL"
        ).fetchone() == (0,)
    finally:
        con.close()


def test_sqlite_link_tables_agree_with_the_measures(out: Path, tables: dict[str, pd.DataFrame]) -> None:
    measures = tables["measures"]
    con = sqlite3.connect(out / "comparison.sqlite")
    try:
        linked: dict[str, set[tuple[str, int]]] = {}
        for measure_id, topic, primary in con.execute(
            "SELECT measure_id, topic, is_primary FROM measure_topics"
        ):
            linked.setdefault(measure_id, set()).add((topic, primary))
        for measure_id, topics, primary in zip(
            measures["measure_id"], measures["topics"], measures["primary_topic"], strict=True
        ):
            expected = {(t, int(t == primary)) for t in topics.split(";") if t}
            assert linked.get(measure_id, set()) == expected, measure_id
        families: dict[str, set[str]] = {}
        for measure_id, family_id in con.execute("SELECT measure_id, family_id FROM family_members"):
            families.setdefault(measure_id, set()).add(family_id)
        for measure_id, family_ids in zip(measures["measure_id"], measures["family_ids"], strict=True):
            assert families.get(measure_id, set()) == {f for f in family_ids.split(";") if f}, measure_id
        assert con.execute(
            "SELECT count(*) FROM measure_topics WHERE topic NOT IN (SELECT topic FROM topics)"
        ).fetchone() == (0,)
        fks = {r[2] for r in con.execute("PRAGMA foreign_key_list(measure_topics)")}
        assert fks == {"measures", "documents", "topics"}
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        con.close()


def test_writing_twice_gives_identical_bytes(
    out: Path, tables: dict[str, pd.DataFrame], manifest: dict, tmp_path: Path
) -> None:
    again = tmp_path / "data"
    write_data(tables, again, manifest)
    for path in sorted(out.iterdir()):
        assert (again / path.name).read_bytes() == path.read_bytes(), path.name
    props = openpyxl.load_workbook(again / "comparison.xlsx").properties
    assert props.created.isoformat() == props.modified.isoformat() == "2024-05-01T08:00:00"


def test_long_table_names_get_valid_sheet_names(tables: dict[str, pd.DataFrame], tmp_path: Path) -> None:
    extra = {"documents": tables["documents"], "a_table_name_far_longer_than_excel_allows": tables["failed"]}
    write_data(extra, tmp_path, {"created": "2024-01-01T00:00:00Z"})
    wb = openpyxl.load_workbook(tmp_path / "comparison.xlsx")
    assert all(len(n) <= 31 for n in wb.sheetnames)
    assert "a_table_name_far_longer_than_ex" in wb.sheetnames


EXCEL_SHEET_NAME = re.compile(r"^(?!')[^\[\]:*?/\\]{1,31}(?<!')$")


def test_sheets_are_named_in_the_edition_s_language_and_the_readme_gives_their_ids(
    workbook: Book, tables: dict[str, pd.DataFrame], manifest: dict, tmp_path: Path
) -> None:
    chinese = {
        TOPIC_MATRIX_SHEET: "议题×方案",
        FAMILY_MATRIX_SHEET: "措施家族×方案",
        "documents": "方案",
        "sections": "章节",
        "measures": "措施",
        "families": "措施家族",
        "family_members": "措施家族成员",
        "coverage": "议题覆盖",
        "family_matrix": "措施家族×方案明细",
        "gaps": "缺口",
        "unique": "独有措施",
        "mentions": "提及",
        "reviewed": "人工核对",
        "reuse": "逐字相同的段落",
        "failed": "未能读取的文件",
        "changes": "变化",
        "topics": "议题",
        "measure_topics": "措施的议题",
        README_SHEET: "说明",
    }
    assert workbook.sheetnames == [chinese[i] for i in [*workbook.readme, README_SHEET]]
    write_data(tables, tmp_path, {**manifest, "lang": "en"})
    en = Book(tmp_path / "comparison.xlsx")
    assert en.sheetnames[:5] == ["Topic × plan", "Family × plan", "Plans", "Sections", "Measures"]
    assert en.sheetnames[-1] == "README" and not [n for n in en.sheetnames if CJK.search(n)]
    for book in (workbook, en):
        names = book.sheetnames
        assert all(EXCEL_SHEET_NAME.match(n) for n in names) and len({n.lower() for n in names}) == len(names)
        # the README names every other sheet with its id: the table it shows, or the matrix
        assert [book.readme[i]["sheet"] for i in book.readme] == names[:-1]
        assert set(book.readme) == {TOPIC_MATRIX_SHEET, FAMILY_MATRIX_SHEET, *tables, TOPICS, MEASURE_TOPICS}
        assert [c.value for c in book[README_SHEET][2]][:3] == (
            ["工作表", "工作表编号", "数据表"] if book is workbook else ["Sheet", "Sheet id", "Data table"]
        )


def test_a_sheet_name_is_made_valid_for_excel() -> None:
    names = xlsx_sheets.sheet_names(
        ["a/b:c", "'quoted'", "History", "Foo", "foo", "长" * 40, "[x]*?", "measures"], "en"
    )
    assert names["a/b:c"] == "a_b_c" and names["'quoted'"] == "quoted" and names["[x]*?"] == "_x___"
    assert names["History"] == "History~2"  # Excel's own
    assert names["长" * 40] == "长" * 31 and names["measures"] == "Measures"
    assert (names["Foo"], names["foo"]) == ("Foo", "foo~2")  # Excel ignores case
    assert all(EXCEL_SHEET_NAME.match(n) for n in names.values())


def test_a_repeated_id_is_reported_not_fatal(
    tables: dict[str, pd.DataFrame], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    docs = pd.concat([tables["documents"], tables["documents"].head(1)], ignore_index=True)
    with caplog.at_level("WARNING"):
        write_data({"documents": docs}, tmp_path, {"created": "2024-01-01T00:00:00Z"})
    con = sqlite3.connect(tmp_path / "comparison.sqlite")
    try:
        assert con.execute("SELECT count(*) FROM documents").fetchone() == (len(tables["documents"]),)
    finally:
        con.close()
    assert "repeat a key" in caplog.text


# ---------------------------------------------------------------------------------------------
# Excel's limits and the workbook's caps: a sheet is cut with a note, CSV and SQLite stay complete


def _csv_rows(path: Path) -> int:
    return len(pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False, dtype=str))


def _sqlite_rows(path: Path, table: str) -> int:
    con = sqlite3.connect(path)
    try:
        return con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
    finally:
        con.close()


def test_a_sheet_over_excel_limits_is_cut_with_a_note(
    tables: dict[str, pd.DataFrame], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(xlsx_sheets, "EXCEL_MAX_ROWS", 30)  # the README's 16 rows still fit
    monkeypatch.setattr(xlsx_sheets, "EXCEL_MAX_COLS", 8)  # as do its 8 columns
    monkeypatch.setattr(xlsx_sheets, "EXCEL_MAX_CELL", 40)
    write_data(tables, tmp_path, {"created": "2024-01-01T00:00:00Z", "lang": "zh"})
    wb = Book(tmp_path / "comparison.xlsx")
    n_measures = len(tables["measures"])
    ws = wb["measures"]
    note = ws["A1"].value
    assert f"{n_measures:,}" in note and "前 27 行" in note and "前 8 列" in note and "截断" in note
    assert "measures.csv" in note and "comparison.sqlite" in note
    assert ws.max_row == 30 and ws.max_column == 8  # note + ids + header + 27 rows
    columns = list(tables["measures"].columns)
    assert [c.value for c in ws[2]] == [columns[0], "plan_name", *columns[1:7]]  # the name beside its id
    assert ws.freeze_panes == "A4" and ws.auto_filter.ref == "A3:H30"
    texts = [v for row in ws.iter_rows(min_row=4, values_only=True) for v in row if isinstance(v, str)]
    assert max(map(len, texts)) <= 40 and any(t.endswith("…") for t in texts)
    family = wb[FAMILY_MATRIX_SHEET]  # 3 label columns + 5 plans, 114 families: cut both ways
    assert "family_matrix.csv" in family["A1"].value and (family.max_row, family.max_column) == (30, 8)
    assert [c.value for c in family[2]][:3] == ["family_id", "topic", "name"] and family.freeze_panes == "D4"
    topic = wb[TOPIC_MATRIX_SHEET]  # 13 topics x (2 + 5 plans) fits: no note
    assert topic["A1"].value == "topic" and topic.freeze_panes == "C3"
    readme = wb.readme
    assert readme["measures"]["rows"] == n_measures and readme["measures"]["rows_in_workbook"] == 27
    assert readme["measures"]["columns"] == len(tables["measures"].columns) + 1  # and the plan's name
    assert readme["measures"]["columns_in_workbook"] == 8
    assert note.startswith(readme["measures"]["note"].rstrip("…"))  # the README's cells are cut too
    assert readme[FAMILY_MATRIX_SHEET]["rows"] == len(tables["families"])
    assert readme[TOPIC_MATRIX_SHEET]["note"] is None
    # everything is still in the CSV and SQLite files, long texts whole
    assert _csv_rows(tmp_path / "measures.csv") == n_measures
    assert _sqlite_rows(tmp_path / "comparison.sqlite", "measures") == n_measures
    measures = pd.read_csv(tmp_path / "measures.csv", encoding="utf-8-sig", keep_default_na=False)
    assert measures["text"].str.len().max() > 40


def test_tables_over_the_workbook_cap_get_a_preview_and_a_note(
    tables: dict[str, pd.DataFrame], tmp_path: Path
) -> None:
    limits = dataclasses.replace(load_export_limits(), xlsx_max_table_cells=1000, xlsx_preview_rows=10)
    write_data(tables, tmp_path, {"created": "2024-01-01T00:00:00Z", "lang": "en"}, limits=limits)
    wb = Book(tmp_path / "comparison.xlsx")
    ws = wb["measures"]
    assert ws.max_row == 13 and "first 10 rows" in ws["A1"].value and "measures.csv" in ws["A1"].value
    columns = list(tables["measures"].columns)
    assert [c.value for c in ws[2]] == [columns[0], "plan_name", *columns[1:]]
    assert [c.value for c in ws[3]][:3] == ["Plan ID", "Plan", "Measure ID"]  # the English edition's
    assert ws.cell(row=4, column=1).value == tables["measures"]["plan_id"].iloc[0]
    documents = wb["documents"]  # 5 x 19 cells: under the cap, whole and without a note
    assert documents["A1"].value == "plan_id" and documents.max_row == len(tables["documents"]) + 2
    family = wb[FAMILY_MATRIX_SHEET]  # the matrices are not capped
    assert family["A1"].value == "family_id" and family.max_row == len(tables["families"]) + 2
    formats = {c.number_format for row in family.iter_rows(min_row=2, min_col=4) for c in row}
    assert '0;-0;"gap"' in formats  # the English edition's word in a gap cell
    readme = wb.readme
    assert readme["measures"]["rows_in_workbook"] == 10 and readme["measures"]["note"] == ws["A1"].value
    assert readme["documents"]["note"] is None
    assert readme["documents"]["rows_in_workbook"] == readme["documents"]["rows"] == len(tables["documents"])
    assert _csv_rows(tmp_path / "measures.csv") == len(tables["measures"])


def test_json_leaves_out_tables_over_its_cap_and_says_so(
    tables: dict[str, pd.DataFrame], manifest: dict, tmp_path: Path
) -> None:
    limits = dataclasses.replace(load_export_limits(), json_max_table_rows=100)
    write_data(tables, tmp_path, manifest, limits=limits)
    data = json.loads((tmp_path / "comparison.json").read_text(encoding="utf-8"))
    assert data["manifest"] == manifest
    every = {**tables, **link_tables(tables)}  # the link tables are written too
    big = {name for name, frame in every.items() if len(frame) > 100}
    assert big and set(data["omitted"]) == big
    for name in big:
        assert name not in data
        assert data["omitted"][name] == {
            "rows": len(every[name]),
            "files": [f"{name}.csv", "comparison.sqlite"],
        }
    for name in set(every) - big:
        assert len(data[name]) == len(every[name])


def _synthetic_tables(n_plans: int, n_families: int) -> dict[str, pd.DataFrame]:
    """Tables shaped like ``comparison_tables``' for many plans: each family is held by 4 plans, the
    family x plan grid is full and every other plan has a gap with the peers' ids on each row."""
    plans = [f"plan-{i:04d}" for i in range(n_plans)]
    families = [f"talent.f{i:03d}" for i in range(n_families)]
    holders = [sorted({plans[(i * 7 + k * 37) % n_plans] for k in range(4)}) for i in range(n_families)]

    def frame(table: str, **columns: list) -> pd.DataFrame:
        n = len(next(iter(columns.values())))
        return pd.DataFrame({c: columns.get(c, [""] * n) for c in TABLE_COLUMNS[table]})

    held = [(f, p) for f, ps in zip(families, holders, strict=True) for p in ps]
    grid = [(f, p) for f in families for p in plans]
    have = set(held)
    gaps = [
        (p, f, ";".join(ps)) for f, ps in zip(families, holders, strict=True) for p in plans if p not in ps
    ]
    first_member = {f: f"{ps[0]}/{f}" for f, ps in zip(families, holders, strict=True)}
    return {
        "documents": frame("documents", plan_id=plans, display_name=[f"方案{p}" for p in plans]),
        "measures": frame("measures", plan_id=[p for _, p in held], measure_id=[f"{p}/{f}" for f, p in held]),
        "families": frame("families", family_id=families, topic=["talent"] * n_families, name=families),
        "family_members": frame(
            "family_members",
            family_id=[f for f, _ in held],
            plan_id=[p for _, p in held],
            measure_id=[f"{p}/{f}" for f, p in held],
            similarity=[1.0] * len(held),
        ),
        "coverage": frame("coverage", topic=["talent"] * n_plans, plan_id=plans, score=[0.5] * n_plans),
        "family_matrix": frame(
            "family_matrix",
            family_id=[f for f, _ in grid],
            plan_id=[p for _, p in grid],
            n_measures=[int((f, p) in have) for f, p in grid],
            measure_ids=[f"{p}/{f}" if (f, p) in have else "" for f, p in grid],
        ),
        "gaps": frame(
            "gaps",
            plan_id=[p for p, _, _ in gaps],
            family_id=[f for _, f, _ in gaps],
            topic=["talent"] * len(gaps),
            peers_with=[4] * len(gaps),
            best_peer_measure_id=[first_member[f] for _, f, _ in gaps],
            rank=[1] * len(gaps),
            peer_plan_ids=[peers for _, _, peers in gaps],
        ),
    }


def test_many_plans_keep_every_row_in_csv_and_sqlite_and_the_matrices_whole(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(xlsx_book, "_IN_MEMORY_CELLS", 0)  # write as a big workbook: rows streamed to disk
    big = _synthetic_tables(n_plans=250, n_families=200)  # 50,000-row family x plan grid
    manifest = {"created": "2024-01-01T00:00:00Z"}
    write_data(big, tmp_path / "a", manifest)
    out = tmp_path / "a"
    for name, frame in big.items():
        assert _csv_rows(out / f"{name}.csv") == len(frame), name
        assert _sqlite_rows(out / "comparison.sqlite", name) == len(frame), name
    data = json.loads((out / "comparison.json").read_text(encoding="utf-8"))
    assert len(data["gaps"]) == len(big["gaps"]) and "omitted" not in data
    wb = Book(out / "comparison.xlsx")
    caps = load_export_limits()
    for name in ("family_matrix", "gaps"):  # over the cap: the first rows and a note
        ws = wb[name]
        assert len(big[name]) * len(big[name].columns) > caps.xlsx_max_table_cells
        assert f"{name}.csv" in ws["A1"].value and ws.max_row == caps.xlsx_preview_rows + 3
    family = wb[FAMILY_MATRIX_SHEET]  # the matrix is whole, every gap marked
    assert family.max_row == 202 and family.max_column == 3 + 250
    marked = sum(c.fill.fill_type == "solid" for row in family.iter_rows(min_row=2, min_col=4) for c in row)
    assert marked == len(big["gaps"])
    # streamed through temp files, the workbook is byte-reproducible all the same
    write_data(big, tmp_path / "b", manifest)
    assert (tmp_path / "b" / "comparison.xlsx").read_bytes() == (out / "comparison.xlsx").read_bytes()


# ---------------------------------------------------------------------------------------------
# the caps are presentation, and the manifest is written one way


def test_editing_the_export_caps_re_renders_but_keeps_every_cached_analysis(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # code_version() (the analysis cache key) hashes every file under compare/: the caps are not one
    assert EXPORT_LIMITS.is_file() and EXPORT_LIMITS.parent == TEMPLATES_DIR
    assert not EXPORT_LIMITS.resolve().is_relative_to(PACKAGE_DIR.resolve())
    assert not [p for p in PACKAGE_DIR.rglob("*.yaml") if p.name == EXPORT_LIMITS.name]
    # …and the build id (templates_version) sees an edit of them, so the outputs are written again
    copy_dir = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR, copy_dir)
    monkeypatch.setattr(fingerprint, "TEMPLATES_DIR", copy_dir)
    before = templates_version()
    caps = copy_dir / EXPORT_LIMITS.name
    caps.write_text(caps.read_text(encoding="utf-8").replace("preview_rows: 1000", "preview_rows: 999"))
    assert templates_version() != before


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (
            "xlsx: {max_table_cells: lots, preview_rows: 10}\njson: {max_table_rows: 5}",
            "xlsx.max_table_cells",
        ),
        ("xlsx: {max_table_cells: 100}\njson: {max_table_rows: 5}", "xlsx.preview_rows"),
        ("xlsx: {max_table_cells: 100, preview_rows: -1}\njson: {max_table_rows: 5}", "xlsx.preview_rows"),
        ("xlsx: {max_table_cells: 100, preview_rows: 10}\njson: 5", ":2: json: must be a mapping"),
        ("xlsx: [1000", "YAML"),
    ],
)
def test_a_bad_exports_yaml_names_the_file_and_the_key(tmp_path: Path, text: str, key: str) -> None:
    path = tmp_path / "exports.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ExportLimitsError) as caught:
        load_export_limits(path)
    assert isinstance(caught.value, DataError)
    assert str(path) in str(caught.value) and key in str(caught.value)


def test_the_shipped_caps_are_read() -> None:
    limits = load_export_limits()
    assert limits.xlsx_preview_rows < limits.xlsx_max_table_cells
    assert limits.json_max_table_rows > 0


def test_the_manifest_is_the_same_file_with_or_without_the_data_exports(
    out: Path, manifest: dict, tmp_path: Path
) -> None:
    alone = write_manifest(manifest, tmp_path / "data")  # what a build without the data format writes
    assert alone == tmp_path / "data" / "manifest.json"
    assert alone.read_bytes() == (out / "manifest.json").read_bytes()
    assert not [p for p in alone.parent.iterdir() if p.name.startswith(".")]


def test_a_failed_sqlite_file_fails_the_export_and_leaves_no_part_of_it(
    tables: dict[str, pd.DataFrame], manifest: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The SQLite file is written in a thread beside the others: its error is still the build's, and
    no temporary file is left behind."""

    def broken(*args: object) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(exports, "write_sqlite", broken)
    with pytest.raises(sqlite3.OperationalError, match="disk I/O error"):
        write_data(tables, tmp_path, manifest)
    assert not (tmp_path / "comparison.sqlite").exists()
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_the_c_heap_is_trimmed_without_forking_a_helper(monkeypatch: pytest.MonkeyPatch) -> None:
    # a helper process forked off a build of 2,000 plans would copy a heap of gigabytes
    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("a process was started")

    monkeypatch.setattr(subprocess, "Popen", forbidden)
    monkeypatch.setattr(os, "fork", forbidden)
    release_freed()
