"""A table read column-wise, in chunks of rows, as plain Python values: what every export format writes.

Tables are never turned into one Python dict per row: a chunk of ``CHUNK_ROWS`` rows is converted
column by column (numpy does the work), so memory stays near the size of the tables themselves.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

CHUNK_ROWS = 50_000  # rows converted to Python values at a time: bounds memory on huge tables


def plain(value: Any) -> Any:
    """A JSON/SQLite-ready Python value: numpy scalars unwrapped, NaN/NA/NaT as None, times as ISO text."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [plain(v) for v in value]
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
class Column:
    """One column as Python values (None where missing) and what they are.

    ``kind``: ``bool``, ``int``, ``float`` (finite or None), ``text`` (str or None) or ``any`` (values
    passed through ``plain``: may hold lists and dicts).
    """

    kind: str
    values: list[Any]


_NUMPY_KINDS = {"b": "bool", "i": "int", "u": "int", "f": "float"}
_SIMPLE = (str, int)  # and their subclasses (bool; the catalogue's str with a source position)


def column(series: pd.Series) -> Column:
    """``series`` as Python values, converted column-wise (numpy does the work, not a per-cell plain)."""
    dtype = series.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in _NUMPY_KINDS:
        kind = _NUMPY_KINDS[dtype.kind]
        array = series.to_numpy()
        values = array.tolist()
        if kind == "float":
            for i in np.flatnonzero(~np.isfinite(array)):
                values[i] = None
        return Column(kind, values)
    values = series.to_numpy(dtype=object).tolist()
    for i in np.flatnonzero(series.isna().to_numpy()):
        values[i] = None
    types = set(map(type, values))
    types.discard(type(None))
    if all(issubclass(t, str) for t in types):
        return Column("text", values)
    if not all(issubclass(t, _SIMPLE) for t in types):  # floats (inf), numpy scalars, times, lists
        values = [plain(v) for v in values]
    return Column("any", values)


def map_text(values: list[Any], encode: Callable[[str], str], null: str) -> list[str]:
    """``encode`` each text (None gives ``null``); once per distinct text when texts repeat a lot,
    as a family's peer list does on every gap row of that family."""
    distinct = dict.fromkeys(values)  # cheap: a str caches its hash
    if len(distinct) * 2 <= len(values):
        table = {v: null if v is None else encode(v) for v in distinct}
        return list(map(table.__getitem__, values))
    return [null if v is None else encode(v) for v in values]


def chunks(frame: pd.DataFrame, size: int = CHUNK_ROWS) -> Iterator[list[Column]]:
    """The frame's columns in slices of ``size`` rows (positional: repeated column names are fine)."""
    for start in range(0, len(frame), size):
        part = frame.iloc[start : start + size]
        yield [column(part.iloc[:, i]) for i in range(part.shape[1])]
