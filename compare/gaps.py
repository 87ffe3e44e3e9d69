"""Coverage and gaps: what each plan covers, topic by topic and family by family, and what it lacks.

Pure functions over the plans and their alignment (no I/O); the frames are pandas DataFrames with
the columns below, one row per key. Context (preambles, guiding ideology, targets …) never counts:
only units of ``kind == "measure"`` do.

``coverage`` — one row per (topic, plan_id), every topic of the codebook and every plan; the four
mandatory topics (delegation, talent, land, finance) come first, then the codebook's order:
    topic, plan_id,
    n_measures       measures carrying the topic, as primary *or* secondary topic,
    n_families       families of the topic in which the plan has at least one measure,
    max_bindingness  strongest bindingness among those measures (None when there are none),
    quantified       whether any of those measures states a target (a number with a unit),
    score            in [0, 1]: the plan's weighted share of the topic's families. The topic's
                     families are those at least one plan has; each one the plan covers counts with
                     the weight of the plan's strongest measure in it (mandatory 1.0, directive 0.85,
                     supportive 0.7, exploratory 0.5, unknown 0.6; align.yaml ``gaps``), and the sum is
                     divided by the number of the topic's families (0 when the topic has none).
``family_matrix`` — one row per (family_id, plan_id), every family and every plan:
    family_id, plan_id, topic, source, n_measures (0 = a gap or silence), max_bindingness,
    measure_ids (list, document order).
``gaps`` — per plan, the families that at least ``min_peers`` *other* plans have and it lacks:
    plan_id, family_id, topic, name, peers_with (number of plans that have it), peer_plan_ids (list),
    best_peer_measure_id (the peers' strongest measure: bindingness, then one with a target, then the
    shortest text), peer_bindingness (of that measure), rank (1 = most important gap of the plan).
    Ordered by plan (input order), then peers_with descending, then peer bindingness strongest first.
``unique`` — families only one plan has: plan_id, family_id, topic, name, measure_ids (list).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from compare.catalogue import SettingsSection
from compare.model import (
    BINDINGNESS_ORDER,
    Alignment,
    Comparison,
    FailedInput,
    Family,
    Measure,
    PlanAnalysis,
)

MANDATORY_TOPICS: tuple[str, ...] = ("delegation", "talent", "land", "finance")

COVERAGE_COLUMNS = ("topic", "plan_id", "n_measures", "n_families", "max_bindingness", "quantified", "score")
FAMILY_MATRIX_COLUMNS = (
    "family_id",
    "plan_id",
    "topic",
    "source",
    "n_measures",
    "max_bindingness",
    "measure_ids",
)
GAP_COLUMNS = (
    "plan_id",
    "family_id",
    "topic",
    "name",
    "peers_with",
    "peer_plan_ids",
    "best_peer_measure_id",
    "peer_bindingness",
    "rank",
)
UNIQUE_COLUMNS = ("plan_id", "family_id", "topic", "name", "measure_ids")

_STRENGTH: dict[str, int] = {b: i for i, b in enumerate(BINDINGNESS_ORDER)}  # 0 = strongest


def _strength(bindingness: str | None) -> int:
    """0 for the strongest level; unknown levels sort last."""
    return _STRENGTH.get(bindingness or "", len(_STRENGTH))


@dataclass(frozen=True)
class GapSettings:
    """The ``gaps`` section of align.yaml: weight of a covered family by the plan's bindingness."""

    bindingness_weights: dict[str, float] = field(
        default_factory=lambda: {
            "mandatory": 1.0,
            "directive": 0.85,
            "supportive": 0.7,
            "exploratory": 0.5,
            "unknown": 0.6,
        }
    )

    @classmethod
    def load(cls, path: Path | None = None) -> GapSettings:
        s = SettingsSection("gaps", path)
        weights = {k: float(v) for k, v in s.mapping("bindingness_weights", float).items()}
        missing = {*BINDINGNESS_ORDER, "unknown"} - set(weights)
        if missing or not all(0.0 <= w <= 1.0 for w in weights.values()):
            raise s.error("bindingness_weights", f"weights in [0, 1] for {[*BINDINGNESS_ORDER, 'unknown']}")
        return cls(weights)

    def weight(self, bindingness: str | None) -> float:
        return self.bindingness_weights.get(bindingness or "unknown", self.bindingness_weights["unknown"])


@lru_cache(maxsize=1)
def default_settings() -> GapSettings:
    return GapSettings.load()


def compare_plans(
    plans: Sequence[PlanAnalysis],
    alignment: Alignment,
    failed: Sequence[FailedInput],
    codebook_topic_ids: Sequence[str],
    min_peers: int = 2,
    settings: GapSettings | None = None,
) -> Comparison:
    """The cross-plan comparison: coverage, family matrix, gaps and unique families (see module doc)."""
    settings = settings or default_settings()
    plan_ids = [p.document.plan_id for p in plans]
    measures = {m.measure_id: m for p in plans for m in p.measures if m.kind == "measure"}
    cells = family_cells(alignment.families, measures)
    return Comparison(
        plans=list(plans),
        alignment=alignment,
        failed=list(failed),
        coverage=coverage_frame(plans, alignment.families, cells, topic_order(codebook_topic_ids), settings),
        family_matrix=family_matrix_frame(alignment.families, plan_ids, cells),
        gaps=gaps_frame(alignment.families, plan_ids, cells, min_peers),
        unique=unique_frame(alignment.families, cells),
    )


def topic_order(codebook_topic_ids: Sequence[str]) -> list[str]:
    """The mandatory topics first, then the codebook's other topics in its order."""
    rest = [t for t in codebook_topic_ids if t not in MANDATORY_TOPICS and t != "unclassified"]
    return [*MANDATORY_TOPICS, *dict.fromkeys(rest)]


Cells = dict[tuple[str, str], list[Measure]]  # (family_id, plan_id) -> the plan's measures in the family


def family_cells(families: Sequence[Family], measures: dict[str, Measure]) -> Cells:
    """Each family's member measures per plan (context and unknown measure ids never count)."""
    cells: Cells = defaultdict(list)
    for f in families:
        seen: set[str] = set()
        for member in f.members:
            m = measures.get(member.measure_id)
            if m is None or m.measure_id in seen:
                continue
            seen.add(m.measure_id)
            cells[(f.family_id, m.plan_id)].append(m)
    for ms in cells.values():
        ms.sort(key=lambda m: (m.start, m.measure_id))
    return dict(cells)


def strongest(measures: Sequence[Measure]) -> str | None:
    """The strongest bindingness among ``measures`` (None when none states one)."""
    levels = [m.bindingness for m in measures if m.bindingness in _STRENGTH]
    return min(levels, key=_strength) if levels else None


def best_measure(measures: Sequence[Measure]) -> Measure:
    """The strongest measure: bindingness, then one with a target, then the shortest text, then id."""
    return min(
        measures,
        key=lambda m: (_strength(m.bindingness), not m.targets, len(m.text), m.measure_id),
    )


def coverage_frame(
    plans: Sequence[PlanAnalysis],
    families: Sequence[Family],
    cells: Cells,
    topics: Sequence[str],
    settings: GapSettings,
) -> pd.DataFrame:
    """One row per (topic, plan_id) for every topic and plan (see the module docstring)."""
    held = {fid for fid, _ in cells}
    by_topic: dict[str, list[Family]] = defaultdict(list)
    for f in families:
        if f.family_id in held:  # the topic's families: those at least one plan has
            by_topic[f.topic].append(f)
    rows = []
    for topic in topics:
        topic_families = by_topic.get(topic, [])
        for plan in plans:
            pid = plan.document.plan_id
            carrying = [
                m for m in plan.measures if m.kind == "measure" and any(t.topic == topic for t in m.topics)
            ]
            covered = [cells[(f.family_id, pid)] for f in topic_families if (f.family_id, pid) in cells]
            score = (
                sum(settings.weight(strongest(ms)) for ms in covered) / len(topic_families)
                if topic_families
                else 0.0
            )
            rows.append(
                {
                    "topic": topic,
                    "plan_id": pid,
                    "n_measures": len(carrying),
                    "n_families": len(covered),
                    "max_bindingness": strongest(carrying),
                    "quantified": any(m.targets for m in carrying),
                    "score": round(score, 4),
                }
            )
    return pd.DataFrame(rows, columns=list(COVERAGE_COLUMNS))


def family_matrix_frame(families: Sequence[Family], plan_ids: Sequence[str], cells: Cells) -> pd.DataFrame:
    """One row per (family_id, plan_id) for every family and every plan."""
    rows = []
    for f in families:
        for pid in plan_ids:
            ms = cells.get((f.family_id, pid), [])
            rows.append(
                {
                    "family_id": f.family_id,
                    "plan_id": pid,
                    "topic": f.topic,
                    "source": f.source,
                    "n_measures": len(ms),
                    "max_bindingness": strongest(ms),
                    "measure_ids": [m.measure_id for m in ms],
                }
            )
    return pd.DataFrame(rows, columns=list(FAMILY_MATRIX_COLUMNS))


def gaps_frame(
    families: Sequence[Family], plan_ids: Sequence[str], cells: Cells, min_peers: int = 2
) -> pd.DataFrame:
    """Per plan, the families at least ``min_peers`` other plans have and it lacks, ranked."""
    rows: list[dict[str, object]] = []
    for pid in plan_ids:
        mine: list[tuple[tuple[int, int, str], dict[str, object]]] = []
        for f in families:
            if (f.family_id, pid) in cells:
                continue
            peers = [p for p in plan_ids if p != pid and (f.family_id, p) in cells]
            if len(peers) < min_peers:
                continue
            best = best_measure([m for p in peers for m in cells[(f.family_id, p)]])
            order = (-len(peers), _strength(best.bindingness), f.family_id)
            mine.append(
                (
                    order,
                    {
                        "plan_id": pid,
                        "family_id": f.family_id,
                        "topic": f.topic,
                        "name": f.name,
                        "peers_with": len(peers),
                        "peer_plan_ids": peers,
                        "best_peer_measure_id": best.measure_id,
                        "peer_bindingness": best.bindingness,
                    },
                )
            )
        mine.sort(key=lambda item: item[0])
        for rank, (_, row) in enumerate(mine, start=1):
            row["rank"] = rank
            rows.append(row)
    return pd.DataFrame(rows, columns=list(GAP_COLUMNS))


def unique_frame(families: Sequence[Family], cells: Cells) -> pd.DataFrame:
    """Families exactly one plan has, with that plan's measures."""
    holders: dict[str, set[str]] = defaultdict(set)
    for fid, pid in cells:
        holders[fid].add(pid)
    rows = []
    for f in families:
        if len(holders[f.family_id]) == 1:
            (pid,) = holders[f.family_id]
            rows.append(
                {
                    "plan_id": pid,
                    "family_id": f.family_id,
                    "topic": f.topic,
                    "name": f.name,
                    "measure_ids": [m.measure_id for m in cells[(f.family_id, pid)]],
                }
            )
    return pd.DataFrame(rows, columns=list(UNIQUE_COLUMNS))
