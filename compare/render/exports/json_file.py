"""``comparison.json``: the manifest and every table as records, one record per line.

``{"manifest": …, "<table>": [records…]}``, sorted keys (top level and in each record), NaN as null,
Chinese unescaped. A table with more rows than ``ExportLimits.json_max_table_rows`` is left out
(hundreds of MB of JSON nobody can load) and listed under ``"omitted": {"<table>": {"rows": n,
"files": [...]}}``. The text is built column-wise, chunk by chunk, exactly as ``json.dumps`` would
write it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any

import pandas as pd

from compare.config import SQLITE_NAME
from compare.render.exports.columns import Column, chunks, map_text, plain
from compare.render.exports.limits import ExportLimits

_NULL = "null"
_encode_str: Callable[[str], str] = json.encoder.encode_basestring


def dumps(data: Any) -> str:
    """JSON text as the exports write it: sorted keys, one-space indent, Chinese unescaped, no NaN."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1, allow_nan=False) + "\n"


def _json_value(value: Any) -> str:
    if isinstance(value, str):
        return _encode_str(value)
    if value is None:
        return _NULL
    return json.dumps(value, ensure_ascii=False, sort_keys=True, allow_nan=False)


def _json_texts(column: Column, prefix: str) -> list[str]:
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
        return map_text(values, lambda v: prefix + _encode_str(v), prefix + _NULL)
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
    for columns in chunks(frame):
        texts = [_json_texts(columns[i], prefix) for i, prefix in zip(order, prefixes, strict=True)]
        text = "},\n  ".join(map("".join, zip(*texts, strict=True)))
        out.write(b"\n  " if first else b",\n  ")
        out.write(text.encode("utf-8"))  # written in pieces: a chunk's text can be 100s of MB
        out.write(b"}")
        first = False
    out.write(b"]" if first else b"\n ]")


def _json_value_text(value: Any) -> str:
    return dumps(plain(value)).rstrip("\n").replace("\n", "\n ")  # indented one level


def write_json(
    tables: Mapping[str, pd.DataFrame], manifest: Mapping[str, Any], path: Path, limits: ExportLimits
) -> None:
    """``{"manifest": …, "<table>": [records…]}`` as UTF-8 JSON, unescaped, sorted keys, NaN → null.

    A table over ``limits.json_max_table_rows`` is left out and listed under ``"omitted"`` with its row
    count and the files that hold it.
    """
    limit = limits.json_max_table_rows
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
