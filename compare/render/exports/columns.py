"""The columns of the data files: one definition of each, what people read it as, and how it is read.

- ``LABELS`` (and ``TABLE_LABELS`` where a table gives a field its own sense): the header a person reads
  for each field id, Chinese as the msgid, English through the message catalogue (``label``);
- ``NAME_COLUMNS``: the name column that stands beside an id column (``plan_id`` → ``plan_name`` …) in
  the CSV files, the workbook and the SQLite views (``compare.render.exports.names`` fills them);
- ``chunks``/``column``: a table read column-wise, in chunks of rows, as plain Python values.

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
    if isinstance(dtype, pd.StringDtype):  # text or missing, nothing else: no per-value checks
        return Column("text", series.to_numpy(dtype=object, na_value=None).tolist())
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


# ---------------------------------------------------------------------------------------------
# what each column is called: one definition, read by the CSV, workbook and SQLite writers


def N_(text: str) -> str:
    """Mark ``text`` for the message catalogue without translating it here (``label`` translates)."""
    return text


# The header a person reads for each field id (Chinese is the msgid; English in the catalogue).
LABELS: dict[str, str] = {
    # plans
    "plan_id": N_("方案编号"),
    "plan_name": N_("方案名称"),
    "source_file": N_("源文件"),
    "sha256": N_("文件校验值（SHA-256）"),
    "display_name": N_("方案简称"),
    "display_name_en": N_("方案英文简称"),
    "title": N_("标题"),
    "issuer": N_("发文机关"),
    "doc_number": N_("文号"),
    "date": N_("成文日期"),
    "published": N_("发布日期"),
    "jurisdiction": N_("辖区"),
    "zone_type": N_("开发区类型"),
    "cited_documents": N_("引用文件"),
    "n_sections": N_("章节数"),
    "n_measures": N_("措施数"),
    "warnings": N_("提示"),
    "format": N_("文件格式"),
    "encoding": N_("编码"),
    "n_context": N_("背景段落数"),
    "n_noise_spans": N_("去除的噪声片段数"),
    "kind": N_("类别"),
    "scope": N_("比较范围"),
    # sections and measures
    "section_id": N_("章节编号"),
    "measure_id": N_("措施编号"),
    "path": N_("位置"),
    "label": N_("序号"),
    "level": N_("层级"),
    "heading": N_("小标题"),
    "start": N_("起始位置"),
    "end": N_("结束位置"),
    "text": N_("文本"),
    "style": N_("编号样式"),
    "parent_id": N_("上级章节编号"),
    "seq": N_("顺序"),
    "clean_start": N_("清洗后起始位置"),
    "clean_end": N_("清洗后结束位置"),
    "topics": N_("议题编号"),
    "topic_evidence": N_("议题依据"),
    "instrument": N_("政策工具"),
    "instrument_type": N_("工具类型"),
    "bindingness": N_("约束力"),
    "targets": N_("量化目标"),
    "deadline": N_("时限"),
    "responsible_units": N_("责任单位"),
    "primary_topic": N_("主要议题编号"),
    "topic_scores": N_("议题得分"),
    "context_reason": N_("列为背景的原因"),
    "family_ids": N_("所属措施家族编号"),
    # topics and families
    "topic": N_("议题编号"),
    "topic_name": N_("议题"),
    "topic_name_en": N_("议题（英文）"),
    "is_primary": N_("是否主要议题"),
    "family_id": N_("措施家族编号"),
    "family_name": N_("措施家族"),
    "name": N_("措施家族"),
    "name_zh": N_("名称（中文）"),
    "name_en": N_("名称（英文）"),
    "gloss": N_("英文释义"),
    "definition": N_("中文定义"),
    "source": N_("来源"),
    "n_plans": N_("方案数"),
    "n_members": N_("成员措施数"),
    "plan_ids": N_("方案编号列表"),
    "similarity": N_("相似度"),
    "evidence": N_("依据词"),
    "basis": N_("归族依据"),
    "clause_start": N_("决定分句起始位置"),
    "clause_end": N_("决定分句结束位置"),
    "clause": N_("决定分句"),
    "marks": N_("关键词位置"),
    # coverage, matrix, gaps
    "n_families": N_("措施家族数"),
    "max_bindingness": N_("最高约束力"),
    "score": N_("覆盖得分"),
    "quantified": N_("含量化目标"),
    "topic_families": N_("议题措施家族数"),
    "share": N_("覆盖比例"),
    "measure_ids": N_("措施编号列表"),
    "peers_with": N_("具备此措施家族的同类方案数"),
    "peers_total": N_("同类方案数"),
    "best_peer_measure_id": N_("同类最佳措施编号"),
    "rank": N_("排序"),
    "peer_plan_ids": N_("具备此措施家族的同类方案编号"),
    "peer_bindingness": N_("同类最高约束力"),
    # mentions, corrections, reuse, failures
    "how": N_("提及方式"),
    "sentence_start": N_("句子起始位置"),
    "sentence_end": N_("句子结束位置"),
    "sentence": N_("句子"),
    "action": N_("更正类型"),
    "note": N_("说明"),
    "plan_a": N_("方案甲编号"),
    "plan_a_name": N_("方案甲"),
    "start_a": N_("方案甲起始位置"),
    "end_a": N_("方案甲结束位置"),
    "plan_b": N_("方案乙编号"),
    "plan_b_name": N_("方案乙"),
    "start_b": N_("方案乙起始位置"),
    "end_b": N_("方案乙结束位置"),
    "length": N_("长度（字）"),
    "text_b": N_("方案乙原文"),
    "reuse_id": N_("复用编号"),
    "reason": N_("原因"),
    # the workbook's README sheet
    "sheet": N_("工作表"),
    "sheet_id": N_("工作表编号"),
    "table": N_("数据表"),
    "rows": N_("行数"),
    "rows_in_workbook": N_("本工作簿中的行数"),
    "columns": N_("列数"),
    "columns_in_workbook": N_("本工作簿中的列数"),
}

# Where a table gives a field its own sense.
TABLE_LABELS: dict[tuple[str, str], str] = {
    ("documents", "kind"): N_("文种"),
    ("documents", "title"): N_("文件标题"),
    ("measures", "text"): N_("措施原文"),
    ("sections", "text"): N_("章节原文"),
    ("reuse", "text"): N_("方案甲原文"),
}

# The name column beside an id column, and what it names: plans (documents.display_name), families
# (families.name, its English gloss in the English edition) or topics (the codebook's name).
NAME_COLUMNS: dict[str, tuple[str, str]] = {
    "plan_id": ("plan_name", "plan"),
    "plan_a": ("plan_a_name", "plan"),
    "plan_b": ("plan_b_name", "plan"),
    "family_id": ("family_name", "family"),
    "topic": ("topic_name", "topic"),
}

# Tables that already carry the name of one of their ids (under their own column name).
NAMED_BY: dict[tuple[str, str], str] = {
    ("documents", "plan_id"): "display_name",
    ("families", "family_id"): "name",
    ("gaps", "family_id"): "name",
    ("unique", "family_id"): "name",
    ("mentions", "family_id"): "name",
    ("topics", "topic"): "name_zh",
}
# …of which these are Chinese only: the English edition adds the English name beside them.
NAMED_IN_CHINESE = frozenset({("gaps", "family_id"), ("unique", "family_id"), ("mentions", "family_id")})


# Tables whose CSV file gets no name columns: the full family × plan grid (millions of rows at thousands
# of plans, names would double the largest file); its names are in families.csv and documents.csv, in
# the workbook's matrix and in the SQLite view family_matrix_with_names.
CSV_WITHOUT_NAMES = frozenset({"family_matrix"})


def label(table: str, field: str, gettext: Callable[[str], str]) -> str:
    """The header a person reads for ``table``'s ``field`` in the edition of ``gettext``; an unknown
    field keeps its id."""
    text = TABLE_LABELS.get((table, field)) or LABELS.get(field)
    return gettext(text) if text else field


def name_columns(table: str, fields: list[str], lang: str) -> list[tuple[str, str, str]]:
    """(id column, name column, kind of name) for each id column of the table that gets a name beside it
    in the edition ``lang``: not when the table names it already in that language."""
    out = []
    for field in fields:
        named = (table, field) in NAMED_BY and (lang == "zh" or (table, field) not in NAMED_IN_CHINESE)
        if field not in NAME_COLUMNS or named:
            continue
        name, kind = NAME_COLUMNS[field]
        if name not in fields:
            out.append((field, name, kind))
    return out
