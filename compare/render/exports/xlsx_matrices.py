"""The two matrices that open ``comparison.xlsx``: topic × plan (coverage score) and family × plan
(measure counts, gap cells marked, a family a plan does not have left blank as the site's "—"), laid out
from the long tables ``coverage``, ``family_matrix`` and ``gaps``. Not capped: they are the workbook's
point (only Excel's own limits cut them). Topic and family names are the edition's (``names``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from compare.render.exports.columns import column
from compare.render.exports.names import Names
from compare.render.exports.xlsx_sheets import (
    FAMILY_MATRIX_SHEET,
    TOPIC_MATRIX_SHEET,
    Sheet,
    fit,
    matrix_sheet,
)

__all__ = ["FAMILY_MATRIX_SHEET", "TOPIC_MATRIX_SHEET", "family_matrix", "topic_matrix"]


def _plan_headers(tables: Mapping[str, pd.DataFrame]) -> tuple[list[str], dict[str, str]]:
    """Plan ids in report order and their column headers (display names when those are distinct)."""
    docs = tables.get("documents")
    if docs is None or docs.empty:
        found: dict[str, None] = {}
        for name in ("coverage", "family_matrix"):
            frame = tables.get(name)
            if frame is not None and "plan_id" in frame.columns:
                found.update(dict.fromkeys(frame["plan_id"].astype(str)))
        return list(found), {p: p for p in found}
    named = dict(zip(docs["plan_id"].astype(str), docs.get("display_name", docs["plan_id"]), strict=True))
    ids = list(named)  # a repeated plan id is one column
    names = [n if isinstance(n, str) and n else p for p, n in named.items()]
    if len(set(names)) != len(names) or set(names) & {"topic", "topic_name", "family_id", "name"}:
        names = ids
    return ids, dict(zip(ids, names, strict=True))


def _positions(
    row_keys: pd.Series, col_keys: pd.Series, rows: list[str], cols: list[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row and column positions of each key pair among ``rows``/``cols``, and which pairs are there."""
    r = pd.Index(rows).get_indexer(row_keys.astype(str))
    c = pd.Index(cols).get_indexer(col_keys.astype(str))
    ok = (r >= 0) & (c >= 0)
    return r[ok], c[ok], ok


def _grid(
    row_keys: pd.Series, col_keys: pd.Series, values: pd.Series, rows: list[str], cols: list[str], fill: float
) -> np.ndarray:
    """A rows x cols float grid of ``values`` placed by their keys (the last of repeated keys wins)."""
    r, c, ok = _positions(row_keys, col_keys, rows, cols)
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    numbers = np.where(np.isfinite(numbers), numbers, np.nan)  # Excel has no NaN or infinity: blank
    grid = np.full((len(rows), len(cols)), fill, dtype=float)
    grid[r, c] = numbers[ok]
    return grid


def topic_matrix(tables: Mapping[str, pd.DataFrame], title: str, lang: str, names: Names) -> Sheet | None:
    """The topic × plan coverage scores (None when the tables have no coverage)."""
    coverage = tables.get("coverage")
    if coverage is None or not {"topic", "plan_id", "score"} <= set(coverage.columns):
        return None
    plan_ids, headers = _plan_headers(tables)
    topic_keys = coverage["topic"].astype(str)
    topics = list(dict.fromkeys(topic_keys))
    topic_names = names.lookup("topic")
    grid = _grid(coverage["topic"], coverage["plan_id"], coverage["score"], topics, plan_ids, np.nan)
    labels = {"topic": topics, "topic_name": [topic_names.get(t) or "" for t in topics]}
    plans = {p: headers[p] for p in plan_ids}
    sheet = matrix_sheet(title, "coverage", ["coverage.csv"], labels, plans, grid, lang)
    sheet.grid_format = "0.00"
    reason = "rows" if sheet.n_rows < len(grid) else ""
    return fit(sheet, lang, reason)


def _family_rows(tables: Mapping[str, pd.DataFrame], fm: pd.DataFrame, names: Names) -> dict[str, list[Any]]:
    families = tables.get("families")
    if families is None or families.empty:
        ids = list(dict.fromkeys(fm["family_id"].astype(str)))
        return {"family_id": ids, "topic": [None] * len(ids), "name": [None] * len(ids)}
    unique = families.drop_duplicates("family_id")
    ids = unique["family_id"].astype(str).tolist()
    family_names = names.lookup("family")
    return {
        "family_id": ids,
        "topic": column(unique["topic"]).values,
        "name": [family_names.get(f) for f in ids],
    }


def family_matrix(tables: Mapping[str, pd.DataFrame], title: str, lang: str, names: Names) -> Sheet | None:
    """The family × plan counts, gap cells marked, other silent cells blank (None when the tables have
    no family matrix)."""
    fm = tables.get("family_matrix")
    if fm is None or not {"family_id", "plan_id", "n_measures"} <= set(fm.columns):
        return None
    plan_ids, headers = _plan_headers(tables)
    labels = _family_rows(tables, fm, names)
    families = labels["family_id"]
    grid = _grid(fm["family_id"], fm["plan_id"], fm["n_measures"], families, plan_ids, 0.0)
    marks = np.zeros(grid.shape, dtype=bool)
    gaps = tables.get("gaps")
    if gaps is not None and {"plan_id", "family_id"} <= set(gaps.columns):
        r, c, _ = _positions(gaps["family_id"], gaps["plan_id"], families, plan_ids)
        marks[r, c] = True
    # Silent and no gap (not comparable, or too few peers have it): blank, as the site's "—". Most of a
    # big grid, so most of the workbook's cells are never written.
    grid[(grid == 0) & ~marks] = np.nan
    files = ["family_matrix.csv", "gaps.csv"]
    plans = {p: headers[p] for p in plan_ids}
    sheet = matrix_sheet(title, "family_matrix, gaps", files, labels, plans, grid, lang)
    sheet.marks = marks[: sheet.n_rows, : sheet.grid.shape[1] if sheet.grid is not None else 0]
    reason = "rows" if sheet.n_rows < len(grid) else ""
    return fit(sheet, lang, reason)
