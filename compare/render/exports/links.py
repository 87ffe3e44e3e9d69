"""Link tables for people and SQL, derived from the comparison's tables: which topics each measure has.

``measures.topics`` holds a measure's topics joined by ``;`` (primary first), which no spreadsheet filter
or SQL join can use; ``measure_topics`` has one row per (measure, topic), and ``topics`` one row per topic
with its Chinese and English names. (Measure ↔ family is ``family_members`` already: one row per
membership.) Written by every format beside the comparison's own tables, with the keys below.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from compare.model import UNCLASSIFIED
from compare.render.i18n import translations

MEASURE_TOPICS = "measure_topics"
TOPICS = "topics"

PRIMARY_KEYS: dict[str, tuple[str, ...]] = {TOPICS: ("topic",), MEASURE_TOPICS: ("measure_id", "topic")}
FOREIGN_KEYS: dict[str, tuple[tuple[tuple[str, ...], str, tuple[str, ...]], ...]] = {
    MEASURE_TOPICS: (
        (("measure_id",), "measures", ("measure_id",)),
        (("plan_id",), "documents", ("plan_id",)),
        (("topic",), TOPICS, ("topic",)),
    ),
}


def _topics(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Every topic the coverage grid has (the codebook's, in its order), with both names."""
    coverage = tables.get("coverage")
    columns = ["topic", "name_zh", "name_en"]
    if coverage is None or "topic" not in coverage.columns:
        return pd.DataFrame(columns=columns)
    first = coverage.drop_duplicates("topic")
    frame = pd.DataFrame(
        {
            "topic": first["topic"].astype(str).to_numpy(),
            "name_zh": first.get("topic_name", first["topic"]).astype(object).to_numpy(),
            "name_en": first.get("topic_name_en", first["topic"]).astype(object).to_numpy(),
        }
    )
    if UNCLASSIFIED in set(frame["topic"]):
        return frame
    # measures no topic claimed: in measure_topics too, so their topic is named like the others
    unclassified = pd.DataFrame(
        {"topic": [UNCLASSIFIED], "name_zh": ["未分类"], "name_en": [translations("en").gettext("未分类")]}
    )
    return pd.concat([frame, unclassified], ignore_index=True)


def _measure_topics(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per (measure, topic), in measure order, the primary topic first."""
    measures = tables.get("measures")
    columns = ["measure_id", "plan_id", "topic", "is_primary"]
    if measures is None or not {"measure_id", "plan_id", "topics"} <= set(measures.columns):
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame(
        {
            "measure_id": measures["measure_id"].astype(object).to_numpy(),
            "plan_id": measures["plan_id"].astype(object).to_numpy(),
            "topic": measures["topics"].fillna("").astype(str).str.split(";").to_numpy(),
            "primary": measures.get("primary_topic", pd.Series([""] * len(measures))).fillna("").to_numpy(),
        }
    ).explode("topic")
    frame = frame[frame["topic"].fillna("") != ""].drop_duplicates(["measure_id", "topic"])
    return pd.DataFrame(
        {
            "measure_id": frame["measure_id"].to_numpy(),
            "plan_id": frame["plan_id"].to_numpy(),
            "topic": frame["topic"].astype(str).to_numpy(),
            "is_primary": (frame["topic"] == frame["primary"]).to_numpy(dtype=bool),
        }
    )


def link_tables(tables: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """``topics`` and ``measure_topics`` from the comparison's tables (empty frames when they lack them)."""
    return {TOPICS: _topics(tables), MEASURE_TOPICS: _measure_topics(tables)}
