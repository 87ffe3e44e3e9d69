"""One CSV file per table, every row, safe to open in Excel or WPS: formula-looking text neutralised.

UTF-8 with BOM (so Excel and WPS read Chinese correctly), CRLF rows, quoting as ``DataFrame.to_csv``
does it. A text cell that starts with ``= + - @``, a tab or a CR gets a leading ``'`` so a spreadsheet
does not run it as a formula (numbers stay numbers).
"""

from __future__ import annotations

import codecs
import functools
import re
from pathlib import Path
from typing import Any

import pandas as pd

from compare.render.exports.atomic import write_atomic
from compare.render.exports.columns import CSV_WITHOUT_NAMES, Column, chunks, map_text
from compare.render.exports.names import Names, with_names

CSV_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_CSV_SPECIAL = re.compile('[,"\r\n]')  # a CSV field with one of these is quoted


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


def _csv_fields(column: Column) -> list[str]:
    """Each value of the column as CSV text, as pandas' ``to_csv`` writes it (missing: empty)."""
    values = column.values
    if column.kind == "bool":
        return ["True" if v else "False" for v in values]
    if column.kind == "int":
        return list(map(str, values))
    if column.kind == "float":
        return ["" if v is None else float.__repr__(v) for v in values]
    if column.kind == "text":
        return map_text(values, _csv_text, "")
    return list(map(_csv_value, values))


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """One table as UTF-8-with-BOM CSV (CRLF rows), formula-looking text neutralised.

    Written by hand rather than with ``DataFrame.to_csv``: the csv module copies every character one by
    one, which made a table with long repeated text (the gaps' peer lists) take half a minute.
    """
    with path.open("wb") as out:  # bytes: a text wrapper costs a second on a gigabyte
        header = ",".join(_csv_quoted(str(c)) for c in frame.columns) + "\r\n"
        out.write(codecs.BOM_UTF8 + header.encode("utf-8"))
        for columns in chunks(frame):
            fields = [_csv_fields(c) for c in columns]
            out.write("\r\n".join(map(",".join, zip(*fields, strict=True))).encode("utf-8"))
            out.write(b"\r\n")  # apart: appending to a chunk's text would copy 100s of MB


def write_table_csv(out_dir: Path, name: str, frame: pd.DataFrame, names: Names) -> Path:
    """``<name>.csv`` in ``out_dir``: the table with a name beside each id (not the family × plan grid)."""
    path = out_dir / f"{name}.csv"
    named = frame if name in CSV_WITHOUT_NAMES else with_names(name, frame, names, beside=False)
    write_atomic(path, functools.partial(write_csv, named))
    return path
