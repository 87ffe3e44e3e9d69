"""What goes on a worksheet of ``comparison.xlsx``: the cells that fit, and the note of a cut sheet.

A table with more cells than ``ExportLimits.xlsx_max_table_cells`` keeps only its first
``xlsx_preview_rows`` rows (the matrices are not capped); a sheet over one of Excel's limits
(``EXCEL_MAX_ROWS``, ``EXCEL_MAX_COLS``, ``EXCEL_MAX_CELL`` characters per cell) is cut there. A cut sheet
starts with a note row naming the files that have everything, in the workbook's language (through the
message catalogue, ``compare.render.i18n``). Sheets are named in the workbook's language too
(``sheet_names``); the ``README`` sheet (说明, the last) lists every sheet with its id (the table's name,
what tools find it by), its table's size, how much of it the workbook holds and why fewer.

A person reads the headers (``columns.label``: Chinese in the Chinese edition, English in the English
one) and the names beside the ids (``names.with_names``); tools read the field ids, kept in a hidden row
above the headers (``pandas.read_excel(path, sheet, skiprows=[1])`` reads a sheet by them).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from compare.config import SQLITE_NAME
from compare.render.exports.columns import Column, column, label
from compare.render.exports.limits import ExportLimits
from compare.render.exports.names import Names, with_names
from compare.render.i18n import translations

# Excel's hard limits (module constants so tests can lower them): rows and columns per sheet including
# the header, characters per cell.
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLS = 16_384
EXCEL_MAX_CELL = 32_767

_XLSX_MAX_SHEET = 31

# The ids of the sheets that show no one table (a table's sheet has the table's name as its id). A
# tool finds a sheet by its id in the README sheet (the last), whose tab is named in the workbook's
# language like every other.
TOPIC_MATRIX_SHEET = "topic×plan"
FAMILY_MATRIX_SHEET = "family×plan"
README_SHEET = "README"
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # characters XML 1.0 (and so XLSX) cannot hold


@dataclass
class Sheet:
    """One worksheet's content: label/table columns, then (matrices) a numeric grid.

    ``total_rows``/``total_cols`` are the source's size; ``headers``, ``values`` and ``grid`` hold only
    what fits. ``marks`` flags grid cells shown as gaps. ``ids``: the field id of each header (the
    hidden row tools read; the headers themselves when empty).
    """

    title: str
    source: str  # the table (or tables) the sheet shows, for the README
    files: list[str]  # the files that hold everything
    headers: list[str]
    values: list[Column]
    total_rows: int
    total_cols: int
    freeze_cols: int = 0
    grid: np.ndarray | None = None
    marks: np.ndarray | None = None
    grid_format: str | None = None
    scale_cols: tuple[int, ...] = ()  # columns (0-based) with a colour scale
    note: str = ""
    ids: list[str] = field(default_factory=list)
    sheet_id: str = ""  # what tools find the sheet by (``sheet_names``): the table's name, or the matrix's

    @property
    def n_rows(self) -> int:
        if self.values:
            return len(self.values[0].values)
        return 0 if self.grid is None else int(self.grid.shape[0])


def sheet_titles(lang: str) -> dict[str, str]:
    """The name a person reads on each sheet's tab, by the sheet's id (a table's name, ``topic×plan``,
    ``family×plan``, ``README``), in the workbook's language: the words of the message catalogue, in
    a context of their own ("工作表": the sheet "缺口" is "Gaps", the heading "Gap")."""
    pgettext = translations(lang).pgettext
    return {
        TOPIC_MATRIX_SHEET: pgettext("工作表", "议题×方案"),
        FAMILY_MATRIX_SHEET: pgettext("工作表", "措施家族×方案"),
        "documents": pgettext("工作表", "方案"),
        "sections": pgettext("工作表", "章节"),
        "measures": pgettext("工作表", "措施"),
        "families": pgettext("工作表", "措施家族"),
        "family_members": pgettext("工作表", "措施家族成员"),
        "coverage": pgettext("工作表", "议题覆盖"),
        "family_matrix": pgettext("工作表", "措施家族×方案明细"),
        "gaps": pgettext("工作表", "缺口"),
        "unique": pgettext("工作表", "独有措施"),
        "mentions": pgettext("工作表", "提及"),
        "reviewed": pgettext("工作表", "人工核对"),
        "reuse": pgettext("工作表", "逐字相同的段落"),
        "failed": pgettext("工作表", "未能读取的文件"),
        "changes": pgettext("工作表", "变化"),
        "topics": pgettext("工作表", "议题"),
        "measure_topics": pgettext("工作表", "措施的议题"),
        README_SHEET: pgettext("工作表", "说明"),
    }


# Excel refuses these in a sheet's name, and a name that starts or ends with an apostrophe; "History"
# is its own.
_NOT_IN_SHEET_NAME = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
_RESERVED_SHEET_NAMES = frozenset({"history"})


def sheet_names(ids: Sequence[str], lang: str = "zh") -> dict[str, str]:
    """Each sheet's name on its tab, by its id: its title in the workbook's language (``sheet_titles``;
    a table without one keeps its id), made valid for Excel (at most 31 characters, none of
    ``[]:*?/\\``, no apostrophe at either end) and unique (Excel ignores case)."""
    titles = sheet_titles(lang)
    out: dict[str, str] = {}
    used = set(_RESERVED_SHEET_NAMES)
    for sheet_id in ids:
        title = titles.get(sheet_id, sheet_id)
        base = _NOT_IN_SHEET_NAME.sub("_", title).strip("'")[:_XLSX_MAX_SHEET].strip("'") or "sheet"
        candidate, k = base, 2
        while candidate.lower() in used:
            suffix = f"~{k}"
            candidate, k = base[: _XLSX_MAX_SHEET - len(suffix)] + suffix, k + 1
        used.add(candidate.lower())
        out[sheet_id] = candidate
    return out


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def xlsx_text(value: str) -> tuple[str, bool]:
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
        return xlsx_text(value)
    if value is None or isinstance(value, bool | int | float):
        return value, False
    return xlsx_text(json.dumps(value, ensure_ascii=False, sort_keys=True))


def _xlsx_column(col: Column) -> tuple[Column, int]:
    """The column ready for a sheet, and how many of its cells were cut to Excel's cell limit."""
    if col.kind not in ("text", "any"):
        return col, 0
    if col.kind == "text":  # the common case, checked for the whole column at C speed
        texts = [v for v in col.values if v is not None]
        if max(map(len, texts), default=0) <= EXCEL_MAX_CELL // 2 and not _ILLEGAL_XML.search(
            "\n".join(texts)
        ):
            return col, 0
    cells = [_xlsx_cell(v) for v in col.values]
    return Column(col.kind, [v for v, _ in cells]), sum(cut for _, cut in cells)


def kept_rows(n_rows: int, n_cols: int, limits: ExportLimits | None) -> tuple[int, str]:
    """How many data rows fit, and why fewer ("cap", "rows" for Excel's limit, or "").

    ``limits``: the workbook's caps, or None for a sheet that is not capped (the matrices, the README).
    """
    if (
        limits is not None
        and n_rows * max(n_cols, 1) > limits.xlsx_max_table_cells
        and n_rows > limits.xlsx_preview_rows
    ):
        return limits.xlsx_preview_rows, "cap"
    if n_rows > EXCEL_MAX_ROWS - 2:
        return EXCEL_MAX_ROWS - 3, "rows"  # the field ids', the header and the note rows
    return n_rows, ""


def _note_texts(lang: str) -> dict[str, str]:
    """The sentences of a cut sheet's note in the workbook's language."""
    _ = translations(lang).gettext
    return {
        "cap": _(
            "此表共 %(total)s 行（%(cells)s 个单元格），超过工作簿每表 %(cap)s 个单元格的上限，"
            "这里只列前 %(kept)s 行。"
        ),
        "rows": _("此表共 %(total)s 行，超过 Excel 每表 %(limit)s 行的上限，这里只列前 %(kept)s 行。"),
        "cols": _("此表共 %(total)s 列，超过 Excel 每表 %(limit)s 列的上限，这里只列前 %(kept)s 列。"),
        "cells": _("%(n)s 个单元格超过 Excel 每格 %(limit)s 个字符的上限，已截断（以“…”结尾）。"),
        "full": _("完整数据见 %(files)s。"),
        "sep": _("、"),
    }


def _note(lang: str, files: Sequence[str], **parts: dict[str, int]) -> str:
    """The sentence(s) a cut sheet starts with; '' when nothing was cut."""
    texts = _note_texts(lang)
    said = "".join(
        texts[key] % {name: f"{number:,}" for name, number in numbers.items()}
        for key, numbers in parts.items()
        if numbers
    )
    if not said or not files:
        return said.strip()
    return said + texts["full"] % {"files": texts["sep"].join(files)}


def fit(sheet: Sheet, lang: str, reason: str, limits: ExportLimits | None = None) -> Sheet:
    """Cut long cells, then make room for the note row the sheet needs now; set the note.

    ``reason`` is why ``kept_rows`` kept fewer rows; ``limits`` (the caps) is needed when it is "cap".
    """
    fitted = [_xlsx_column(c) for c in sheet.values]
    sheet.values = [c for c, _ in fitted]
    n_cut = sum(n for _, n in fitted)
    kept_cols = len(sheet.headers)
    parts: dict[str, dict[str, int]] = {"cap": {}, "rows": {}, "cols": {}, "cells": {}}
    if (reason or n_cut or kept_cols < sheet.total_cols) and sheet.n_rows > EXCEL_MAX_ROWS - 3:
        _keep_rows(sheet, EXCEL_MAX_ROWS - 3)
        reason = reason or "rows"
    if reason == "cap":
        assert limits is not None, "a sheet cut to the cap needs the caps for its note"
        cap = limits.xlsx_max_table_cells
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


def _keep_rows(sheet: Sheet, n: int) -> None:
    sheet.values = [Column(c.kind, c.values[:n]) for c in sheet.values]
    if sheet.grid is not None:
        sheet.grid = sheet.grid[:n]
    if sheet.marks is not None:
        sheet.marks = sheet.marks[:n]


def headers_of(table: str, fields: Sequence[str], gettext: Callable[[str], str]) -> list[str]:
    """The headers a person reads for the fields of a table."""
    return [label(table, f, gettext) for f in fields]


def table_sheet(
    name: str, title: str, frame: pd.DataFrame, lang: str, limits: ExportLimits, names: Names
) -> Sheet:
    """A table's sheet: every row, or the first few when the table is over the cap or Excel's limits;
    a name beside each id (only for the rows kept: a capped table can have millions)."""
    n_rows = len(frame)
    part = frame.iloc[: kept_rows(n_rows, frame.shape[1], limits)[0]]
    part = with_names(name, part, names, beside=True)
    n_cols = part.shape[1]
    rows, reason = kept_rows(n_rows, n_cols, limits)
    cols = min(n_cols, EXCEL_MAX_COLS)
    part = part.iloc[:rows, :cols]
    ids = [str(c) for c in part.columns]
    values = [column(part.iloc[:, i]) for i in range(cols)]
    scale = tuple(
        i for i, c in enumerate(ids) if (name, c) in {("coverage", "score"), ("family_matrix", "n_measures")}
    )
    headers = headers_of(name, ids, translations(lang).gettext)
    sheet = Sheet(title, name, [f"{name}.csv", SQLITE_NAME], headers, values, n_rows, n_cols, ids=ids)
    sheet.scale_cols = scale
    return fit(sheet, lang, reason, limits)


def matrix_sheet(
    title: str,
    source: str,
    files: list[str],
    labels: dict[str, list[Any]],
    plans: dict[str, str],
    grid: np.ndarray,
    lang: str,
) -> Sheet:
    """A label columns + plan columns sheet, plan columns cut at Excel's column limit (not capped).

    ``labels``: field id -> values; ``plans``: plan id -> the header (its name)."""
    room = max(EXCEL_MAX_COLS - len(labels), 0)
    kept = min(len(plans), room)
    n_rows = len(grid)
    rows, _ = kept_rows(n_rows, 0, None)
    values = [Column("any", list(v)[:rows]) for v in labels.values()]
    plan_ids = list(plans)[:kept]
    headers = [*headers_of(source, list(labels), translations(lang).gettext), *(plans[p] for p in plan_ids)]
    total_cols = len(labels) + len(plans)
    sheet = Sheet(
        title, source, files, headers, values, n_rows, total_cols, len(labels), ids=[*labels, *plan_ids]
    )
    sheet.grid = grid[:rows, :kept]
    return sheet


@dataclass(frozen=True)
class Written:
    """What the README says about a sheet."""

    sheet: str
    sheet_id: str
    source: str
    rows: int
    rows_in_workbook: int
    columns: int
    columns_in_workbook: int
    note: str


def written(sheet: Sheet) -> Written:
    return Written(
        sheet.title,
        sheet.sheet_id,
        sheet.source,
        sheet.total_rows,
        sheet.n_rows,
        sheet.total_cols,
        len(sheet.headers),
        sheet.note,
    )


def readme_sheet(sheets: list[Written], title: str, lang: str) -> Sheet:
    """One line per sheet: its name and id, its table, how much of it the workbook holds, and the note of
    a cut sheet."""
    fields = [
        "sheet",
        "sheet_id",
        "table",
        "rows",
        "rows_in_workbook",
        "columns",
        "columns_in_workbook",
        "note",
    ]
    kinds = ["text", "text", "text", "int", "int", "int", "int", "text"]
    rows = [
        (
            w.sheet,
            w.sheet_id,
            w.source,
            w.rows,
            w.rows_in_workbook,
            w.columns,
            w.columns_in_workbook,
            w.note or None,
        )
        for w in sheets
    ]
    kept, reason = kept_rows(len(rows), len(fields), None)
    cols = min(len(fields), EXCEL_MAX_COLS)
    values = [Column(kind, [row[i] for row in rows[:kept]]) for i, kind in enumerate(kinds[:cols])]
    headers = headers_of("README", fields[:cols], translations(lang).gettext)
    sheet = Sheet(
        title, "", [], headers, values, len(rows), len(fields), ids=fields[:cols], sheet_id=README_SHEET
    )
    return fit(sheet, lang, reason)
