"""The named data tables of a comparison: the single source of every number any output shows.

``comparison_tables(comparison, topic_names)`` turns a :class:`~compare.model.Comparison` into pandas
DataFrames. The HTML site, the PDF briefing and the data exports (CSV, JSON, XLSX, SQLite) all read
these tables, so a figure is computed once and is the same everywhere. Ids are the ones the HTML uses.

A pure projection: every fact (topic and family order, coverage, the matrix, gaps with their peers,
ranks and best peer measures, unique families) is decided by ``compare.gaps`` and only laid out here as
rows. Ordering is stable so outputs are byte-reproducible: plans in the comparison's order, sections
and measures in document order, topics and families in the comparison's order.
Lists are joined with ``;`` (cited documents with ``；``); structured cells are JSON strings.

Tables and columns (the leading columns are fixed; the ones after ``+`` are extras):

- ``documents``: plan_id, source_file, sha256, display_name, title, issuer, doc_number, date, published,
  jurisdiction, zone_type, cited_documents (``《title》(文号)`` joined by ``；``), n_sections, n_measures
  (units of kind ``measure``), warnings (joined by ``; ``) + format, encoding, n_context, n_noise_spans,
  kind (条例, 批复, 意见 …), scope (comprehensive, construction, application … : ``compare.kinds``),
  display_name_en (the English edition's name: ``compare.plans``)
- ``sections``: plan_id, section_id, path, label, level, heading, start, end, text
  + style, parent_id, seq, clean_start, clean_end
- ``measures``: plan_id, measure_id, section_id, path, heading, kind (measure|context), text, start, end,
  topics (primary first), topic_evidence (JSON ``{topic: [evidence…]}``), instrument, instrument_type,
  bindingness, targets (JSON list of ``{text, value, unit, year}``), deadline, responsible_units
  + primary_topic ("" for context), topic_scores (JSON ``{topic: score}``), context_reason, family_ids,
  clean_start, clean_end
- ``families``: family_id, topic, name, gloss, source (catalogue|proposed), n_plans
  + n_members, plan_ids, topic_name, name_en (English name), definition (Chinese definition)
- ``family_members``: family_id, plan_id, measure_id, similarity + evidence (the words or pattern),
  basis (rule | similar | reuse | reviewed), clause_start, clause_end (raw offsets of the deciding
  clause), clause (its text), marks (JSON list of raw [start, end] of the decisive words)
  (one row per (family_id, measure_id); a duplicate keeps the higher similarity)
- ``coverage``: topic, plan_id, n_measures, n_families, max_bindingness, score
  + quantified, topic_name, topic_name_en, then any other column of ``Comparison.coverage``.
  The full topic x plan grid.
- ``family_matrix``: family_id, plan_id, n_measures, max_bindingness, measure_ids
  + any other column of ``Comparison.family_matrix``. The full family x plan grid (0 measures: silent).
- ``gaps``: plan_id, family_id, topic, peers_with (number of plans that have the family), best_peer_measure_id
  (the peers' strongest measure, see ``compare.gaps``)
  + rank (within the plan, 1 = the most important gap), peer_plan_ids, then any other column of
  ``Comparison.gaps``.
- ``unique``: plan_id, family_id, measure_ids + any other column of ``Comparison.unique`` (families one
  plan has and no other plan mentions)
- ``mentions``: plan_id, family_id, how (passing | list | context | deferred | similar), sentence_start,
  sentence_end (raw offsets), sentence (its text), marks (JSON raw spans of the words) + topic, name:
  families a plan touches without a measure of them, never counted as its gaps
- ``reviewed``: plan_id, family_id, measure_id, action (add | remove | topics | not_a_gap | not_unique),
  note: the analyst's corrections the build applied (docs_in/corrections.yaml)
- ``reuse``: plan_a, start_a, end_a, plan_b, start_b, end_b, length, text + reuse_id
- ``failed``: source_file, reason
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from compare.model import CleanText, Comparison, Family, Measure

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
        "kind",
        "scope",
        "display_name_en",
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
        "name_en",
        "definition",
    ),
    "family_members": (
        "family_id",
        "plan_id",
        "measure_id",
        "similarity",
        "evidence",
        "basis",
        "clause_start",
        "clause_end",
        "clause",
        "marks",
    ),
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
    "mentions": ("plan_id", "family_id", "how", "sentence_start", "sentence_end", "sentence", "marks"),
    "reviewed": ("plan_id", "family_id", "measure_id", "action", "note"),
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
    "mentions": ("plan_id", "family_id"),
    "reviewed": ("plan_id", "family_id", "measure_id", "action"),
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
    "mentions": ((("plan_id",), "documents", ("plan_id",)), (("family_id",), "families", ("family_id",))),
    "reviewed": ((("plan_id",), "documents", ("plan_id",)),),
    "reuse": ((("plan_a",), "documents", ("plan_id",)), (("plan_b",), "documents", ("plan_id",))),
}


def comparison_tables(
    comparison: Comparison, topic_names: Mapping[str, tuple[str, str]] | None = None
) -> dict[str, pd.DataFrame]:
    """All named tables of ``comparison`` (see the module docstring), in a fixed order."""
    names = dict(topic_names or {})
    plan_ids = [p.document.plan_id for p in comparison.plans]
    families = comparison.families
    measure_index = {
        m.measure_id: (pi, mi) for pi, p in enumerate(comparison.plans) for mi, m in enumerate(p.measures)
    }
    cleans = {p.document.plan_id: p.document.clean for p in comparison.plans}
    members = _members_frame(families, plan_ids, measure_index, cleans)
    return {
        "documents": _documents(comparison),
        "sections": _sections(comparison),
        "measures": _measures(comparison, members),
        "families": _families(families, members, names),
        "family_members": members,
        "coverage": _coverage(comparison.coverage, names),
        "family_matrix": _family_matrix(comparison.family_matrix),
        "gaps": _projected(comparison.gaps, "gaps", ids=("peer_plan_ids",)),
        "unique": _projected(comparison.unique, "unique", ids=("measure_ids",)),
        "mentions": _mentions(comparison, cleans),
        "reviewed": _frame([vars(r) for r in comparison.reviewed], "reviewed"),
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


def _ids_cell(value: Any) -> str:
    """A list of ids as a ';'-joined string ("" for none)."""
    if type(value) is list and not value:  # most cells of the family matrix
        return ""
    return _join(value)


def _extras(frame: pd.DataFrame, table: str) -> list[str]:
    return [c for c in frame.columns if c not in TABLE_COLUMNS[table]]


def _rank(ids: Iterable[str]) -> dict[str, int]:
    """Position of each id: the order plans and families keep in every table."""
    return {key: i for i, key in enumerate(ids)}


def _columns(frame: pd.DataFrame, *names: str) -> list[list[Any]]:
    """Columns as Python lists: iterating a pandas column value by value is many times slower."""
    return [frame[name].tolist() for name in names]


def _projected(frame: pd.DataFrame, table: str, ids: Sequence[str] = ()) -> pd.DataFrame:
    """The comparison's frame as the table: documented columns first, id lists ';'-joined."""
    extras = _extras(frame, table)
    columns = [*TABLE_COLUMNS[table], *extras]
    values = {c: frame[c].tolist() for c in columns}
    for c in ids:
        values[c] = [_ids_cell(v) for v in values[c]]
    rows = [dict(zip(columns, row, strict=True)) for row in zip(*values.values(), strict=True)]
    return _frame(rows, table, extras)


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
                "kind": p.kind.kind if p.kind else None,
                "scope": p.kind.scope if p.kind else None,
                "display_name_en": d.display_name_en or d.display_name or d.plan_id,
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
    families: list[Family],
    plan_ids: list[str],
    measure_index: Mapping[str, tuple[int, int]],
    cleans: Mapping[str, CleanText],
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
            clean = cleans.get(m.plan_id)
            decided = clean is not None and m.clause[1] > m.clause[0]
            start, end = clean.raw_span(*m.clause) if decided and clean else (None, None)
            rows.append(
                {
                    "family_id": f.family_id,
                    "plan_id": m.plan_id,
                    "measure_id": m.measure_id,
                    "similarity": float(m.similarity),
                    "evidence": m.evidence,
                    "basis": m.basis,
                    "clause_start": start,
                    "clause_end": end,
                    "clause": clean.text[m.clause[0] : m.clause[1]] if decided and clean else "",
                    "marks": _json([list(clean.raw_span(a, b)) for a, b in m.marks] if clean else []),
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
                "name_en": f.name_en,
                "definition": f.definition,
                "gloss": f.gloss,
                "source": f.source,
                "n_plans": len(plans),
                "n_members": n_members.get(f.family_id, 0),
                "plan_ids": _join(plans),
                "topic_name": names.get(f.topic, ("", ""))[0],
            }
        )
    return _frame(rows, "families")


def _coverage(coverage: pd.DataFrame, names: Mapping[str, tuple[str, str]]) -> pd.DataFrame:
    extras = _extras(coverage, "coverage")
    rows = []
    for row in coverage.to_dict(orient="records"):
        topic = row["topic"]
        rows.append(
            {
                **row,
                "topic_name": names.get(topic, ("", ""))[0],
                "topic_name_en": names.get(topic, ("", ""))[1],
            }
        )
    return _frame(rows, "coverage", extras)


def _family_matrix(grid: pd.DataFrame) -> pd.DataFrame:
    """The full family x plan grid, column by column: at thousands of plans it has millions of rows,
    almost all silent."""
    extras = _extras(grid, "family_matrix")
    out = pd.DataFrame(
        {
            "family_id": grid["family_id"],
            "plan_id": grid["plan_id"],
            "n_measures": grid["n_measures"].astype("int64"),
            "max_bindingness": grid["max_bindingness"],
            "measure_ids": [_ids_cell(v) for v in grid["measure_ids"].tolist()],
            **{c: grid[c] for c in extras},
        }
    )
    return _frame(out, "family_matrix", extras)


def _mentions(comparison: Comparison, cleans: Mapping[str, CleanText]) -> pd.DataFrame:
    """The comparison's mentions with raw offsets and the sentence's text (offsets into the source)."""
    frame = comparison.mentions
    if frame is None or frame.empty:
        return _frame([], "mentions", ["topic", "name"])
    rows = []
    for r in frame.to_dict(orient="records"):
        clean = cleans[r["plan_id"]]
        start, end = clean.raw_span(int(r["sentence_start"]), int(r["sentence_end"]))
        rows.append(
            {
                "plan_id": r["plan_id"],
                "family_id": r["family_id"],
                "how": r["how"],
                "sentence_start": start,
                "sentence_end": end,
                "sentence": clean.text[int(r["sentence_start"]) : int(r["sentence_end"])],
                "marks": _json([list(clean.raw_span(a, b)) for a, b in r["marks"]]),
                "topic": r["topic"],
                "name": r["name"],
            }
        )
    return _frame(rows, "mentions", ["topic", "name"])


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
