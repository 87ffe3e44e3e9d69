"""Table rows as plain Python values: numpy scalars converted, NaN/NA as None, list columns as lists."""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

Record = dict[str, Any]  # one table row: column -> Python value


def plain(value: Any) -> Any:
    """pandas/numpy scalars → Python; NaN/NA → None."""
    if value is None or type(value) is str:  # most cells: strings pass as they are
        return value
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        with contextlib.suppress(ValueError, AttributeError):
            value = value.item()
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


def _plain_column(column: pd.Series) -> list[Any]:
    """``plain`` over a column, vectorised where the dtype allows: missing values become None."""
    if column.dtype.kind in "iub":  # no missing values possible
        return list(column.tolist())
    if column.dtype.kind == "f":
        return [None if math.isnan(v) else v for v in column.tolist()]
    return [plain(v) for v in column.tolist()]


def split_ids(value: Any) -> list[str]:
    """A list column that may arrive as a list, a JSON list or a ';'-joined string."""
    if type(value) is not str:
        value = plain(value) if not isinstance(value, list | tuple) else value
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value if str(v)]
    text = str(value).strip()
    if text.startswith("["):
        try:
            return [str(v) for v in json.loads(text)]
        except json.JSONDecodeError:
            pass
    return [v for v in map(str.strip, text.split(";")) if v]  # millions of cells: no generator


def records(
    tables: Mapping[str, pd.DataFrame],
    name: str,
    held_only: bool = False,
    columns: Sequence[str] | None = None,
) -> list[Record]:
    """A table's rows as dicts of Python values (NaN/NA -> None), converted column by column;
    ``held_only``: only rows that count measures (the family matrix is the full grid, at
    thousands of plans millions of rows, almost all empty); ``columns``: only these (if present)."""
    frame = tables.get(name)
    if frame is not None and held_only and "n_measures" in frame.columns:
        frame = frame[frame["n_measures"].fillna(0) > 0]
    if frame is None or frame.empty:
        return []
    if columns is not None:
        frame = frame[[c for c in frame.columns if c in columns]]
    names = [str(c) for c in frame.columns]
    values = [_plain_column(frame[c]) for c in frame.columns]
    return [dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)]


def rows_by(
    tables: Mapping[str, pd.DataFrame], name: str, key: str, columns: Sequence[str] | None = None
) -> dict[str, Record]:
    """A table's rows by the value of ``key``."""
    wanted = None if columns is None else [key, *columns]
    return {str(r[key]): r for r in records(tables, name, columns=wanted)}
