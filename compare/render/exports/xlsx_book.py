"""``comparison.xlsx``: the two matrices, a sheet per table and a README sheet, written with xlsxwriter.

Colour scales, frozen headers in the edition's language above a hidden row of field ids, autofilters,
long text wrapped (a column format, not a format per cell); text is always stored as text, never as a
formula. What goes on each sheet is decided in ``xlsx_sheets`` and ``xlsx_matrices``; this module draws
it. Written in memory when small, rows streamed to temp files when big. Byte-reproducible: the document's
created/modified dates are the manifest's ``created`` time and xlsxwriter gives every zip entry the
same fixed 1980 time.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from compare.render.exports.limits import ExportLimits
from compare.render.exports.names import Names, edition, edition_names
from compare.render.exports.xlsx_matrices import family_matrix, topic_matrix
from compare.render.exports.xlsx_sheets import (
    FAMILY_MATRIX_SHEET,
    README_SHEET,
    TOPIC_MATRIX_SHEET,
    Sheet,
    kept_rows,
    readme_sheet,
    sheet_names,
    table_sheet,
    written,
    xlsx_text,
)
from compare.render.i18n import translations

_WIDTH_SAMPLE = 500  # rows looked at for a column's width
_MAX_WIDTH = 60  # a column this wide holds long text: wrapped, not cut off at the cell's edge
_IN_MEMORY_CELLS = 200_000  # up to this many cells xlsxwriter builds the workbook in memory (~50 MB)
_WIDE = re.compile("[\u2e80-\U0010ffff]")  # CJK and beyond: two columns wide
_ZIP_EPOCH = datetime(1980, 1, 1, tzinfo=UTC)  # the earliest time a zip (XLSX) can carry
_GAP_COLOUR = "#F4C7C3"
_SCALE = {"type": "2_color_scale", "min_color": "#FFFFFF", "max_color": "#2B8CBE"}


def build_time(manifest: Mapping[str, Any]) -> datetime:
    """The manifest's ``created`` time (``compare.build.created``; UTC, not before 1980, the earliest a
    zip can carry), or 1980-01-01 when absent or unreadable."""
    raw = manifest.get("created")
    try:
        when = datetime.fromisoformat(str(raw)) if raw else _ZIP_EPOCH
    except ValueError:
        when = _ZIP_EPOCH
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    return max(when, _ZIP_EPOCH).replace(microsecond=0)


@dataclass(frozen=True)
class _Formats:
    header: Format
    note: Format
    gap: Format
    wrap: Format
    numbers: dict[str, Format]


def _formats(book: xlsxwriter.Workbook, lang: str) -> _Formats:
    # the word in a gap cell: a context of its own, as the site's "缺口" is a heading ("Gap")
    gap_label = translations(lang).pgettext("xlsx gap cell", "缺口")
    return _Formats(
        header=book.add_format({"bold": True, "valign": "top", "text_wrap": True}),
        note=book.add_format({"bold": True, "font_color": "#9C0006"}),
        # a gap is 0 measures: show the word instead
        gap=book.add_format({"bg_color": _GAP_COLOUR, "num_format": f'0;-0;"{gap_label}"'}),
        wrap=book.add_format({"text_wrap": True, "valign": "top"}),
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


def _widths(sheet: Sheet, max_width: int = _MAX_WIDTH) -> list[int]:
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


def _write_body(ws: Worksheet, sheet: Sheet, first: int, fmt: _Formats) -> None:
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


def _write_sheet(book: xlsxwriter.Workbook, sheet: Sheet, fmt: _Formats) -> None:
    """Note row (if cut), hidden row of field ids, bold header, data, frozen header (and label columns),
    filter, widths, long text wrapped, scales."""
    ws = book.add_worksheet(sheet.title)
    # Column formats first: a streamed row is written out as soon as the next one starts.
    for c, width in enumerate(_widths(sheet)):
        long_text = width >= _MAX_WIDTH and c < len(sheet.values) and sheet.values[c].kind in ("text", "any")
        ws.set_column(c, c, width, fmt.wrap if long_text else None)
    top = 0
    if sheet.note:
        ws.write_string(0, 0, sheet.note, fmt.note)
        top = 1
    ws.set_row(top, None, None, {"hidden": True})
    for c, field_id in enumerate(sheet.ids or sheet.headers):
        ws.write_string(top, c, xlsx_text(field_id)[0])
    top += 1
    for c, header in enumerate(sheet.headers):
        ws.write_string(top, c, xlsx_text(header)[0], fmt.header)
    _write_body(ws, sheet, top + 1, fmt)
    n, last_col = sheet.n_rows, max(len(sheet.headers) - 1, 0)
    ws.freeze_panes(top + 1, sheet.freeze_cols)
    ws.autofilter(top, 0, top + n, last_col)
    if n == 0:
        return
    for c in sheet.scale_cols:
        ws.conditional_format(top + 1, c, top + n, c, _SCALE)
    if sheet.grid is not None and sheet.grid.shape[1]:
        ws.conditional_format(top + 1, sheet.freeze_cols, top + n, last_col, _SCALE)


def _estimated_cells(tables: Mapping[str, pd.DataFrame], limits: ExportLimits) -> int:
    """About how many cells the workbook gets: the matrices are as big as their long tables."""
    cells = sum(len(tables[n]) for n in ("coverage", "family_matrix") if n in tables)
    for frame in tables.values():
        rows, _ = kept_rows(len(frame), frame.shape[1], limits)
        cells += rows * frame.shape[1]
    return cells


def write_xlsx(
    tables: Mapping[str, pd.DataFrame], manifest: Mapping[str, Any], path: Path, limits: ExportLimits
) -> None:
    """The matrices, every table (capped by ``limits``) and a README as sheets of one workbook,
    byte-reproducible."""
    lang = edition(manifest)
    names: Names = edition_names(tables, lang)
    titles = sheet_names([TOPIC_MATRIX_SHEET, FAMILY_MATRIX_SHEET, *tables, README_SHEET], lang)
    options = {
        # Big workbooks stream rows to temp files (flat memory); small ones stay in memory, which
        # saves the temp files' cost (a fifth of the time on the seed plans).
        "constant_memory": True,
        "in_memory": _estimated_cells(tables, limits) <= _IN_MEMORY_CELLS,
        "strings_to_formulas": False,  # belt and braces: text is written with write_string anyway
        "strings_to_urls": False,
        "allow_zip64": True,  # a workbook over 4 GB is slow, not an error
    }
    book = xlsxwriter.Workbook(str(path), options)
    # xlsxwriter writes 'created' as both the created and the modified date
    book.set_properties({"author": "compare", "created": build_time(manifest)})
    fmt = _formats(book, lang)
    done = []
    builders: list[tuple[str, Callable[[], Sheet | None]]] = [
        (TOPIC_MATRIX_SHEET, lambda: topic_matrix(tables, titles[TOPIC_MATRIX_SHEET], lang, names)),
        (FAMILY_MATRIX_SHEET, lambda: family_matrix(tables, titles[FAMILY_MATRIX_SHEET], lang, names)),
        *(
            (name, functools.partial(table_sheet, name, titles[name], frame, lang, limits, names))
            for name, frame in tables.items()
        ),
    ]
    for sheet_id, build in builders:
        sheet = build()  # one sheet's values in memory at a time
        if sheet is not None:
            sheet.sheet_id = sheet_id
            _write_sheet(book, sheet, fmt)
            done.append(written(sheet))
    _write_sheet(book, readme_sheet(done, titles[README_SHEET], lang), fmt)
    book.close()
