"""The named data tables of a comparison: the single source of every number any output shows.

``comparison_tables(comparison, topic_names)`` turns a :class:`~compare.model.Comparison` into pandas
DataFrames. The HTML site, the PDF briefing and the data exports (CSV, JSON, XLSX, SQLite) all read
these tables, so a figure is computed once and is the same everywhere. Ids are the ones the HTML uses.

Ordering is stable so outputs are byte-reproducible: plans in the comparison's order, sections and
measures in document order, topics in codebook order (the order of ``topic_names``; without it,
alphabetical, ``unclassified`` last), families by topic and then in the alignment's order.
Lists are joined with ``;`` (cited documents with ``；``); structured cells are JSON strings.

Tables and columns (the leading columns are fixed; the ones after ``+`` are extras):

- ``documents``: plan_id, source_file, sha256, display_name, title, issuer, doc_number, date, published,
  jurisdiction, zone_type, cited_documents (``《title》(文号)`` joined by ``；``), n_sections, n_measures
  (units of kind ``measure``), warnings (joined by ``; ``) + format, encoding, n_context, n_noise_spans
- ``sections``: plan_id, section_id, path, label, level, heading, start, end, text
  + style, parent_id, seq, clean_start, clean_end
- ``measures``: plan_id, measure_id, section_id, path, heading, kind (measure|context), text, start, end,
  topics (primary first), topic_evidence (JSON ``{topic: [evidence…]}``), instrument, instrument_type,
  bindingness, targets (JSON list of ``{text, value, unit, year}``), deadline, responsible_units
  + primary_topic ("" for context), topic_scores (JSON ``{topic: score}``), context_reason, family_ids,
  clean_start, clean_end
- ``families``: family_id, topic, name, gloss, source (catalogue|proposed), n_plans
  + n_members, plan_ids, topic_name
- ``family_members``: family_id, plan_id, measure_id, similarity + evidence
  (one row per (family_id, measure_id); a duplicate keeps the higher similarity)
- ``coverage``: topic, plan_id, n_measures, n_families, max_bindingness, score
  + quantified, topic_name, topic_name_en, then any other column of ``Comparison.coverage``.
  A full topic x plan grid: a cell the comparison does not list has 0 measures, 0 families, score 0.
- ``family_matrix``: family_id, plan_id, n_measures, max_bindingness, measure_ids
  + any other column of ``Comparison.family_matrix``. A full family x plan grid; a cell the comparison
  does not list is filled from the family's members (0 measures when the plan is silent).
- ``gaps``: plan_id, family_id, topic, peers_with (number of plans that have the family), best_peer_measure_id
  (the peers' member with the highest similarity; ties go to the earlier plan and measure)
  + rank (within the plan, 1 = the gap shared by most peers; kept if the comparison gives one),
  peer_plan_ids, then any other column of ``Comparison.gaps``.
- ``unique``: plan_id, family_id, measure_ids + any other column of ``Comparison.unique``
- ``reuse``: plan_a, start_a, end_a, plan_b, start_b, end_b, length, text + reuse_id
- ``failed``: source_file, reason
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from compare.model import BINDINGNESS_ORDER, Comparison, Family, Measure

UNCLASSIFIED = "unclassified"

TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "documents": (
        "plan_id",
        "source_file",
        "sha256",
        "display_name",
        "title",
        "issuer",
        "doc_number",
        "date",
        "published",
        "jurisdiction",
        "zone_type",
        "cited_documents",
        "n_sections",
        "n_measures",
        "warnings",
        "format",
        "encoding",
        "n_context",
        "n_noise_spans",
    ),
    "sections": (
        "plan_id",
        "section_id",
        "path",
        "label",
        "level",
        "heading",
        "start",
        "end",
        "text",
        "style",
        "parent_id",
        "seq",
        "clean_start",
        "clean_end",
    ),
    "measures": (
        "plan_id",
        "measure_id",
        "section_id",
        "path",
        "heading",
        "kind",
        "text",
        "start",
        "end",
        "topics",
        "topic_evidence",
        "instrument",
        "instrument_type",
        "bindingness",
        "targets",
        "deadline",
        "responsible_units",
        "primary_topic",
        "topic_scores",
        "context_reason",
        "family_ids",
        "clean_start",
        "clean_end",
    ),
    "families": (
        "family_id",
        "topic",
        "name",
        "gloss",
        "source",
        "n_plans",
        "n_members",
        "plan_ids",
        "topic_name",
    ),
    "family_members": ("family_id", "plan_id", "measure_id", "similarity", "evidence"),
    "coverage": (
        "topic",
        "plan_id",
        "n_measures",
        "n_families",
        "max_bindingness",
        "score",
        "quantified",
        "topic_name",
        "topic_name_en",
    ),
    "family_matrix": ("family_id", "plan_id", "n_measures", "max_bindingness", "measure_ids"),
    "gaps": ("plan_id", "family_id", "topic", "peers_with", "best_peer_measure_id", "rank", "peer_plan_ids"),
    "unique": ("plan_id", "family_id", "measure_ids"),
    "reuse": (
        "plan_a",
        "start_a",
        "end_a",
        "plan_b",
        "start_b",
        "end_b",
        "length",
        "text",
        "text_b",
        "reuse_id",
    ),
    "failed": ("source_file", "reason"),
}

# Primary keys of each table (used by the SQLite export and by the uniqueness checks).
PRIMARY_KEYS: dict[str, tuple[str, ...]] = {
    "documents": ("plan_id",),
    "sections": ("section_id",),
    "measures": ("measure_id",),
    "families": ("family_id",),
    "family_members": ("family_id", "measure_id"),
    "coverage": ("topic", "plan_id"),
    "family_matrix": ("family_id", "plan_id"),
    "gaps": ("plan_id", "family_id"),
    "unique": ("plan_id", "family_id"),
    "reuse": ("reuse_id",),
    "failed": ("source_file",),
}

# (table, columns) -> (referenced table, referenced columns)
FOREIGN_KEYS: dict[str, tuple[tuple[tuple[str, ...], str, tuple[str, ...]], ...]] = {
    "sections": ((("plan_id",), "documents", ("plan_id",)), (("parent_id",), "sections", ("section_id",))),
    "measures": ((("plan_id",), "documents", ("plan_id",)), (("section_id",), "sections", ("section_id",))),
    "family_members": (
        (("family_id",), "families", ("family_id",)),
        (("plan_id",), "documents", ("plan_id",)),
        (("measure_id",), "measures", ("measure_id",)),
    ),
    "coverage": ((("plan_id",), "documents", ("plan_id",)),),
    "family_matrix": (
        (("family_id",), "families", ("family_id",)),
        (("plan_id",), "documents", ("plan_id",)),
    ),
    "gaps": (
        (("plan_id",), "documents", ("plan_id",)),
        (("family_id",), "families", ("family_id",)),
        (("best_peer_measure_id",), "measures", ("measure_id",)),
    ),
    "unique": ((("plan_id",), "documents", ("plan_id",)), (("family_id",), "families", ("family_id",))),
    "reuse": ((("plan_a",), "documents", ("plan_id",)), (("plan_b",), "documents", ("plan_id",))),
}


def comparison_tables(
    comparison: Comparison, topic_names: Mapping[str, tuple[str, str]] | None = None
) -> dict[str, pd.DataFrame]:
    """All named tables of ``comparison`` (see the module docstring), in a fixed order."""
    names = dict(topic_names or {})
    plan_ids = [p.document.plan_id for p in comparison.plans]
    topic_order = _topic_order(comparison, names)
    families = _ordered_families(comparison.alignment.families, topic_order)
    measure_index = {
        m.measure_id: (pi, mi) for pi, p in enumerate(comparison.plans) for mi, m in enumerate(p.measures)
    }
    measures = {m.measure_id: m for p in comparison.plans for m in p.measures}
    members = _members_frame(families, plan_ids, measure_index)
    return {
        "documents": _documents(comparison),
        "sections": _sections(comparison),
        "measures": _measures(comparison, members),
        "families": _families(families, members, names),
        "family_members": members,
        "coverage": _coverage(comparison, topic_order, plan_ids, names),
        "family_matrix": _family_matrix(comparison, families, plan_ids, members, measures),
        "gaps": _gaps(comparison, families, plan_ids, members),
        "unique": _unique(comparison, families, plan_ids, members),
        "reuse": _reuse(comparison, plan_ids),
        "failed": _frame(
            [
                {"source_file": f.source_file, "reason": f.reason}
                for f in sorted(comparison.failed, key=_failed_key)
            ],
            "failed",
        ),
    }


# ---------------------------------------------------------------------------------------------
# helpers


def _failed_key(f: Any) -> tuple[str, str]:
    return (f.source_file, f.reason)


def _frame(rows: list[dict[str, Any]] | pd.DataFrame, table: str, extra: Sequence[str] = ()) -> pd.DataFrame:
    """A frame with the table's documented columns first, then ``extra`` columns, even when empty."""
    cols = list(TABLE_COLUMNS[table]) + [c for c in extra if c not in TABLE_COLUMNS[table]]
    return pd.DataFrame(rows, columns=cols).reset_index(drop=True)


# json.dumps with an option builds a new encoder per call: one encoder serves hundreds of thousands
_ENCODE = json.JSONEncoder(ensure_ascii=False).encode


def _json(value: Any) -> str:
    return _ENCODE(value)


def _join(values: Iterable[Any], sep: str = ";") -> str:
    return sep.join(str(v) for v in values if v is not None and str(v) != "")


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return value is pd.NA or value is pd.NaT


def _ids_cell(value: Any) -> str:
    """A list-ish cell (list, tuple, set, ';'-string, missing) as a ';'-joined string."""
    if type(value) is list and not value:  # most cells of the family matrix
        return ""
    if _is_missing(value):
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, Iterable):
        return _join(value)
    return str(value)


def _strongest(levels: Iterable[Any]) -> str | None:
    ranked = [lv for lv in levels if isinstance(lv, str) and lv in BINDINGNESS_ORDER]
    return min(ranked, key=BINDINGNESS_ORDER.index) if ranked else None


def _topic_order(comparison: Comparison, names: Mapping[str, tuple[str, str]]) -> list[str]:
    seen: set[str] = set()
    for p in comparison.plans:
        for m in p.measures:
            seen.update(t.topic for t in m.topics)
            if m.kind == "measure" and not m.topics:
                seen.add(UNCLASSIFIED)
    seen.update(f.topic for f in comparison.alignment.families)
    if "topic" in comparison.coverage.columns:
        seen.update(str(t) for t in comparison.coverage["topic"].dropna())
    known = list(names)
    rest = sorted(t for t in seen if t not in names and t != UNCLASSIFIED)
    tail = [UNCLASSIFIED] if UNCLASSIFIED in seen and UNCLASSIFIED not in names else []
    return known + rest + tail


def _ordered_families(families: list[Family], topic_order: list[str]) -> list[Family]:
    rank = {t: i for i, t in enumerate(topic_order)}
    # sorted() is stable: within a topic the alignment's own order is kept.
    return sorted(families, key=lambda f: rank.get(f.topic, len(rank)))


def _extras(frame: pd.DataFrame, table: str) -> list[str]:
    return [c for c in frame.columns if c not in TABLE_COLUMNS[table]]


def _frame_rows(frame: pd.DataFrame, keys: tuple[str, str]) -> dict[tuple[str, str], dict[str, Any]]:
    """Rows of an input frame by key (first wins), as plain dicts; {} if the key columns are missing."""
    if frame is None or frame.empty or not all(k in frame.columns for k in keys):
        return {}
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for row in frame.to_dict(orient="records"):
        key = (str(row[keys[0]]), str(row[keys[1]]))
        out.setdefault(key, row)
    return out


def _rank(ids: Iterable[str]) -> dict[str, int]:
    """Position of each id: the order plans and families keep in every table."""
    return {key: i for i, key in enumerate(ids)}


def _columns(frame: pd.DataFrame, *names: str) -> list[list[Any]]:
    """Columns as Python lists: iterating a pandas column value by value is many times slower."""
    return [frame[name].tolist() for name in names]


def _value(row: Mapping[str, Any] | None, column: str, default: Any) -> Any:
    if row is None or column not in row or _is_missing(row[column]):
        return default
    return _plain(row[column])


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value (frames hand out numpy scalars)."""
    return value.item() if isinstance(value, np.generic) else value


# ---------------------------------------------------------------------------------------------
# per-plan tables


def _documents(comparison: Comparison) -> pd.DataFrame:
    rows = []
    for p in comparison.plans:
        d, md = p.document, p.document.metadata
        cited = [
            f"《{c.title}》({c.doc_number})" if c.doc_number else f"《{c.title}》" for c in md.cited_documents
        ]
        n_measures = sum(1 for m in p.measures if m.kind == "measure")
        rows.append(
            {
                "plan_id": d.plan_id,
                "source_file": d.source_file,
                "sha256": d.sha256,
                "display_name": d.display_name or d.plan_id,
                "title": md.title,
                "issuer": md.issuer,
                "doc_number": md.doc_number,
                "date": md.date,
                "published": md.published,
                "jurisdiction": md.jurisdiction,
                "zone_type": md.zone_type,
                "cited_documents": _join(cited, "；"),
                "n_sections": len(p.sections),
                "n_measures": n_measures,
                "warnings": _join(d.warnings, "; "),
                "format": d.format,
                "encoding": d.encoding,
                "n_context": len(p.measures) - n_measures,
                "n_noise_spans": len(d.noise),
            }
        )
    return _frame(rows, "documents")


def _sections(comparison: Comparison) -> pd.DataFrame:
    rows = []
    for p in comparison.plans:
        for s in sorted(p.sections, key=lambda s: (s.start, s.seq)):
            rows.append(
                {
                    "plan_id": s.plan_id,
                    "section_id": s.section_id,
                    "path": s.path,
                    "label": s.label,
                    "level": s.level,
                    "heading": s.heading,
                    "start": s.start,
                    "end": s.end,
                    "text": s.text,
                    "style": s.style,
                    "parent_id": s.parent_id,
                    "seq": s.seq,
                    "clean_start": s.clean_start,
                    "clean_end": s.clean_end,
                }
            )
    return _frame(rows, "sections")


def _measure_row(m: Measure, family_ids: list[str]) -> dict[str, Any]:
    return {
        "plan_id": m.plan_id,
        "measure_id": m.measure_id,
        "section_id": m.section_id,
        "path": m.path,
        "heading": m.heading,
        "kind": m.kind,
        "text": m.text,
        "start": m.start,
        "end": m.end,
        "topics": _join(t.topic for t in m.topics),
        "topic_evidence": _json({t.topic: list(t.evidence) for t in m.topics}),
        "instrument": m.instrument,
        "instrument_type": m.instrument_type,
        "bindingness": m.bindingness,
        "targets": _json(
            [{"text": t.text, "value": t.value, "unit": t.unit, "year": t.year} for t in m.targets]
        ),
        "deadline": m.deadline,
        "responsible_units": _join(m.responsible_units),
        "primary_topic": m.primary_topic if m.kind == "measure" else "",
        "topic_scores": _json({t.topic: t.score for t in m.topics}),
        "context_reason": m.context_reason,
        "family_ids": _join(family_ids),
        "clean_start": m.clean_start,
        "clean_end": m.clean_end,
    }


def _measures(comparison: Comparison, members: pd.DataFrame) -> pd.DataFrame:
    fams: dict[str, list[str]] = {}
    for fid, mid in zip(*_columns(members, "family_id", "measure_id"), strict=True):
        fams.setdefault(mid, []).append(fid)
    rows = []
    for p in comparison.plans:
        for m in sorted(p.measures, key=lambda m: (m.start, m.end)):
            rows.append(_measure_row(m, fams.get(m.measure_id, [])))
    return _frame(rows, "measures")


# ---------------------------------------------------------------------------------------------
# cross-plan tables


def _members_frame(
    families: list[Family], plan_ids: list[str], measure_index: Mapping[str, tuple[int, int]]
) -> pd.DataFrame:
    plan_rank = _rank(plan_ids)
    rows = []
    for f in families:
        best: dict[str, Any] = {}
        for m in f.members:
            if m.measure_id not in best or m.similarity > best[m.measure_id].similarity:
                best[m.measure_id] = m
        ordered = sorted(
            best.values(),
            key=lambda m: (
                plan_rank.get(m.plan_id, len(plan_rank)),
                measure_index.get(m.measure_id, (0, 0)),
                m.measure_id,
            ),
        )
        for m in ordered:
            rows.append(
                {
                    "family_id": f.family_id,
                    "plan_id": m.plan_id,
                    "measure_id": m.measure_id,
                    "similarity": float(m.similarity),
                    "evidence": m.evidence,
                }
            )
    return _frame(rows, "family_members")


def _families(
    families: list[Family], members: pd.DataFrame, names: Mapping[str, tuple[str, str]]
) -> pd.DataFrame:
    n_members: dict[str, int] = {}
    plans_by_family: dict[str, dict[str, None]] = {}  # insertion-ordered set: first appearance wins
    for fid, pid in zip(*_columns(members, "family_id", "plan_id"), strict=True):
        n_members[fid] = n_members.get(fid, 0) + 1
        plans_by_family.setdefault(fid, {})[pid] = None
    rows = []
    for f in families:
        plans = list(plans_by_family.get(f.family_id, {}))
        rows.append(
            {
                "family_id": f.family_id,
                "topic": f.topic,
                "name": f.name,
                "gloss": f.gloss,
                "source": f.source,
                "n_plans": len(plans),
                "n_members": n_members.get(f.family_id, 0),
                "plan_ids": _join(plans),
                "topic_name": names.get(f.topic, ("", ""))[0],
            }
        )
    return _frame(rows, "families")


def _coverage(
    comparison: Comparison,
    topic_order: list[str],
    plan_ids: list[str],
    names: Mapping[str, tuple[str, str]],
) -> pd.DataFrame:
    given = _frame_rows(comparison.coverage, ("topic", "plan_id"))
    extras = _extras(comparison.coverage, "coverage")
    has_unclassified = any(t == UNCLASSIFIED for t, _ in given)
    rows = []
    for topic in topic_order:
        for pid in plan_ids:
            row = given.get((topic, pid))
            if row is None and topic == UNCLASSIFIED and not has_unclassified:
                continue  # 'unclassified' is a row only where the comparison counts it
            out = {
                "topic": topic,
                "plan_id": pid,
                "n_measures": int(_value(row, "n_measures", 0)),
                "n_families": int(_value(row, "n_families", 0)),
                "max_bindingness": _value(row, "max_bindingness", None),
                "score": float(_value(row, "score", 0.0)),
                "quantified": _value(row, "quantified", 0),
                "topic_name": names.get(topic, ("", ""))[0],
                "topic_name_en": names.get(topic, ("", ""))[1],
            }
            for c in extras:
                out[c] = _value(row, c, None)
            rows.append(out)
    return _frame(rows, "coverage", extras)


def _family_matrix(
    comparison: Comparison,
    families: list[Family],
    plan_ids: list[str],
    members: pd.DataFrame,
    measures: Mapping[str, Measure],
) -> pd.DataFrame:
    """The full family x plan grid, column by column: at thousands of plans it has millions of rows,
    almost all silent, so per-row Python work is kept to the cells that hold measures."""
    keys = ["family_id", "plan_id"]
    extras = _extras(comparison.family_matrix, "family_matrix")
    grid = pd.DataFrame(
        {
            "family_id": np.repeat(np.array([f.family_id for f in families], dtype=object), len(plan_ids)),
            "plan_id": np.tile(np.array(plan_ids, dtype=object), len(families)),
        }
    )
    given = comparison.family_matrix
    if given is not None and not given.empty and all(k in given.columns for k in keys):
        if _same_keys(given, grid, keys):  # the comparison's own grid (the usual case): no merge needed
            grid = given.reset_index(drop=True)
        else:
            given = given.drop_duplicates(keys).astype({k: str for k in keys})
            grid = grid.merge(given, how="left", on=keys, sort=False)  # a left merge keeps the grid's order
    # The grid is family-major, plan-minor (a left merge keeps its order): a cell's row is computed.
    family_rank, plan_rank = _rank(f.family_id for f in families), _rank(plan_ids)
    derived_ids: dict[int, list[str]] = {}  # grid row -> the members' measure ids, members' order
    for fid, pid, mid in zip(*_columns(members, "family_id", "plan_id", "measure_id"), strict=True):
        if fid in family_rank and pid in plan_rank:
            derived_ids.setdefault(family_rank[fid] * len(plan_ids) + plan_rank[pid], []).append(mid)

    def given_or(column: str, derive: Callable[[int], Any], silent: Any) -> list[Any]:
        """The given column, a missing value derived from the members (``silent``: a cell without)."""
        if column not in grid.columns:
            return [derive(i) if i in derived_ids else silent for i in range(len(grid))]
        values = grid[column]
        if values.dtype.kind in "iub":  # no missing values possible
            return list(values.tolist())
        out = values.tolist()
        if any(issubclass(t, np.generic) for t in set(map(type, out))):
            out = [_plain(v) for v in out]
        for i in np.flatnonzero(values.isna().to_numpy()).tolist():
            out[i] = derive(i) if i in derived_ids else silent
        return out

    def mids(i: int) -> list[str]:
        return derived_ids.get(i, [])

    out = pd.DataFrame(
        {
            "family_id": grid["family_id"],
            "plan_id": grid["plan_id"],
            "n_measures": [int(v) for v in given_or("n_measures", lambda i: len(mids(i)), 0)],
            "max_bindingness": given_or(
                "max_bindingness",
                lambda i: _strongest(measures[m].bindingness for m in mids(i) if m in measures),
                None,
            ),
            "measure_ids": [
                "" if type(v) is list and not v else _ids_cell(v)  # most cells: no call
                for v in given_or("measure_ids", mids, [])
            ],
            **{c: given_or(c, lambda i: None, None) for c in extras},
        }
    )
    return _frame(out, "family_matrix", extras)


def _same_keys(given: pd.DataFrame, grid: pd.DataFrame, keys: Sequence[str]) -> bool:
    """``given`` has exactly the grid's key rows, in the grid's order."""
    return len(given) == len(grid) and all(
        np.array_equal(given[k].to_numpy(dtype=object), grid[k].to_numpy(dtype=object)) for k in keys
    )


def _gaps(
    comparison: Comparison, families: list[Family], plan_ids: list[str], members: pd.DataFrame
) -> pd.DataFrame:
    given = _frame_rows(comparison.gaps, ("plan_id", "family_id"))
    extras = _extras(comparison.gaps, "gaps")
    fam_by_id = {f.family_id: f for f in families}
    fam_rank = _rank(f.family_id for f in families)
    plan_rank = _rank(plan_ids)
    # members are already ordered by family, plan, document order: the first best similarity wins ties
    peer_members: dict[str, list[tuple[str, str, float]]] = {}
    for fid, pid, mid, sim in zip(
        *_columns(members, "family_id", "plan_id", "measure_id", "similarity"), strict=True
    ):
        peer_members.setdefault(fid, []).append((pid, mid, float(sim)))
    # a plan lacking the family (the usual gap) has every holder as a peer: worked out once per family
    holders = {fid: list(dict.fromkeys(x[0] for x in ms)) for fid, ms in peer_members.items()}
    holder_sets = {fid: set(plans) for fid, plans in holders.items()}
    best_of = {fid: max(ms, key=lambda x: x[2]) for fid, ms in peer_members.items()}  # first of equals
    rows = []
    for (pid, fid), row in given.items():
        fam = fam_by_id.get(fid)
        if fam is None or pid not in plan_rank:
            continue  # a gap must name a plan and a family of this comparison (foreign keys)
        peer_plans = holders.get(fid, [])
        best = best_of.get(fid)
        # a given "gap" of a plan that has the family: its own members are no peers
        if pid in holder_sets.get(fid, ()):
            peers = [x for x in peer_members[fid] if x[0] != pid]
            peer_plans = list(dict.fromkeys(x[0] for x in peers))
            best = max(peers, key=lambda x: x[2], default=None)
        given_peers = _value(row, "peers_with", None)
        if given_peers is not None and not isinstance(given_peers, int | float):
            # a stage may hand the peers themselves (a list or ';'-string): count them, keep them
            listed = [p for p in _ids_cell(given_peers).split(";") if p]
            given_peers = len(listed)
            peer_plans = peer_plans if "peer_plan_ids" in row else listed
        out = {
            "plan_id": pid,
            "family_id": fid,
            "topic": _value(row, "topic", fam.topic),
            "peers_with": int(given_peers if given_peers is not None else len(peer_plans)),
            "best_peer_measure_id": _value(row, "best_peer_measure_id", best[1] if best else None),
            "rank": _value(row, "rank", None),
            "peer_plan_ids": _ids_cell(_value(row, "peer_plan_ids", peer_plans)),
        }
        for c in extras:
            out[c] = _value(row, c, None)
        rows.append(out)
    rows.sort(
        key=lambda r: (
            plan_rank.get(r["plan_id"], len(plan_rank)),
            -r["peers_with"],
            fam_rank.get(r["family_id"], 0),
        )
    )
    counter: dict[str, int] = {}
    for r in rows:
        counter[r["plan_id"]] = counter.get(r["plan_id"], 0) + 1
        if r["rank"] is None:
            r["rank"] = counter[r["plan_id"]]
        r["rank"] = int(r["rank"])
    rows.sort(
        key=lambda r: (
            plan_rank.get(r["plan_id"], len(plan_rank)),
            r["rank"],
            fam_rank.get(r["family_id"], 0),
        )
    )
    return _frame(rows, "gaps", extras)


def _unique(
    comparison: Comparison, families: list[Family], plan_ids: list[str], members: pd.DataFrame
) -> pd.DataFrame:
    given = _frame_rows(comparison.unique, ("plan_id", "family_id"))
    extras = _extras(comparison.unique, "unique")
    fam_rank = _rank(f.family_id for f in families)
    plan_rank = _rank(plan_ids)
    cell_members: dict[tuple[str, str], list[str]] = {}
    for fid, pid, mid in zip(*_columns(members, "family_id", "plan_id", "measure_id"), strict=True):
        cell_members.setdefault((pid, fid), []).append(mid)
    rows = []
    for key, row in given.items():
        if key[0] not in plan_rank or key[1] not in fam_rank:
            continue  # must name a plan and a family of this comparison (foreign keys)
        out = {
            "plan_id": key[0],
            "family_id": key[1],
            "measure_ids": _ids_cell(_value(row, "measure_ids", cell_members.get(key, []))),
        }
        for c in extras:
            out[c] = _value(row, c, None)
        rows.append(out)
    rows.sort(key=lambda r: (plan_rank.get(r["plan_id"], len(plan_rank)), fam_rank.get(r["family_id"], 0)))
    return _frame(rows, "unique", extras)


def _reuse(comparison: Comparison, plan_ids: list[str]) -> pd.DataFrame:
    plan_rank = _rank(plan_ids)
    ordered = sorted(
        comparison.alignment.reuse,
        key=lambda r: (
            plan_rank.get(r.plan_a, len(plan_rank)),
            r.start_a,
            plan_rank.get(r.plan_b, len(plan_rank)),
            r.start_b,
        ),
    )
    rows = [
        {
            "plan_a": r.plan_a,
            "start_a": r.start_a,
            "end_a": r.end_a,
            "plan_b": r.plan_b,
            "start_b": r.start_b,
            "end_b": r.end_b,
            "length": r.length,
            "text": r.text,
            "text_b": r.text_b,
            "reuse_id": f"r{i + 1:04d}",
        }
        for i, r in enumerate(ordered)
    ]
    return _frame(rows, "reuse")
