"""The data files that are written from the tables one at a time: every table's CSV file and the SQLite
file, written by another process (the build's helper) that is sent the tables one by one, so neither
process ever holds all of them pickled. ``send`` is the build's side, ``run`` the other process's."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from compare.config import SQLITE_NAME
from compare.render.exports.csv_files import write_table_csv
from compare.render.exports.names import Names
from compare.render.exports.sqlite_db import SqliteFile, table_order


class Sender(Protocol):
    def send(self, item: Any) -> None: ...


def send(
    beside: Sender,
    tables: Mapping[str, pd.DataFrame],
    out_dir: Path,
    manifest: Mapping[str, Any],
    lang: str,
    names: Names,
) -> None:
    """The tables to ``beside``, one at a time, with what ``run`` needs to write their files there."""
    listed = list(tables)
    rows = sum(len(frame) for frame in tables.values())
    beside.send(("data open", out_dir, dict(manifest), listed, rows, lang, names))
    for name in table_order(listed):
        beside.send(("data table", name, tables[name]))
    beside.send(("data done",))


@dataclass
class _Writing:
    out_dir: Path
    names: Names
    sqlite: SqliteFile
    tmp: Path  # the SQLite file's temporary name, renamed into place when it is complete


_OPEN: list[_Writing] = []  # what this process is writing


def run(job: tuple[Any, ...]) -> None:
    """``send``'s jobs: ``("data open", …)`` opens the SQLite file at a temporary name; ``("data table",
    name, frame)`` writes the table's CSV file and adds it to the SQLite file; ``("data done",)`` finishes
    the SQLite file and renames it into place (a failed one leaves no temporary file)."""
    try:
        if job[0] == "data open":
            _, out_dir, manifest, tables, rows, lang, names = job
            fd, name = tempfile.mkstemp(prefix=f".{SQLITE_NAME}.", suffix=".tmp", dir=out_dir)
            os.close(fd)
            tmp = Path(name)
            tmp.unlink()  # SQLite wants a fresh file
            _OPEN.append(_Writing(Path(out_dir), names, SqliteFile(tmp, manifest, tables, rows, lang), tmp))
        elif job[0] == "data table":
            writing = _OPEN[-1]
            write_table_csv(writing.out_dir, job[1], job[2], writing.names)
            writing.sqlite.add(job[1], job[2])
        else:
            writing = _OPEN.pop()
            writing.sqlite.finish()
            writing.sqlite.close()
            os.replace(writing.tmp, writing.out_dir / SQLITE_NAME)
    except BaseException:
        while _OPEN:
            writing = _OPEN.pop()
            writing.sqlite.close()
            writing.tmp.unlink(missing_ok=True)
        raise
