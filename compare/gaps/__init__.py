"""Coverage and gaps: what each plan covers, topic by topic and family by family, and what it lacks.

Pure functions over the plans and their alignment (no I/O); the frames are pandas DataFrames with
the columns below, one row per key. Context (preambles, guiding ideology, targets …) never counts:
only units of ``kind == "measure"`` do.

This is the one place these facts are decided: the order of topics (the four mandatory topics first,
then the codebook's order) and of families (by topic, then the alignment's order), coverage, the
matrix, gaps with their peers, ranks and best peer measures, and unique families. ``compare.tables``
only projects them.

``coverage`` — one row per (topic, plan_id), every topic of the codebook and every plan, in topic order:
    topic, plan_id,
    n_measures       the plan's measures the topic's page shows: the members of the topic's families
                     and the measures of the topic (primary) in no family ("other measures"), so
                     the heat-map's number is the number of measures the matrix shows,
    n_families       families of the topic in which the plan has at least one measure,
    max_bindingness  strongest bindingness among those measures (None when there are none),
    quantified       whether any of those measures states a target (a number with a unit),
    topic_families   the topic's families (those at least one plan has),
    share            n_families / topic_families (0 when the topic has none): the heat-map's colour,
    score            in [0, 1]: the plan's weighted share of the topic's families. The topic's
                     families are those at least one plan has; each one the plan covers counts with
                     the weight of the plan's strongest measure in it (mandatory 1.0, directive 0.85,
                     supportive 0.7, exploratory 0.5, unknown 0.6; align.yaml ``gaps``), and the sum is
                     divided by the number of the topic's families (0 when the topic has none).
``family_matrix`` — one row per (family_id, plan_id), every family and every plan:
    family_id, plan_id, topic, source, n_measures (0 = a gap or silence), max_bindingness,
    measure_ids (list, document order).
``gaps`` — per plan, the families it lacks that at least ``min_peers`` of its peers have, and at least
    ``min_peer_share`` of them (align.yaml; 0.5: most of its peers — in a corpus of hundreds a family
    two plans have is no gap of the rest). Its peers are the other plans of a comparable scope
    (``peer_groups``: a set of application rules is not measured against broad zone policies):
    plan_id, family_id, topic, name, peers_with (number of its peers that have it), peers_total (its
    peers: "3 of 4"), peer_plan_ids (list; empty when more than ``peer_list_max`` have it),
    best_peer_measure_id (the peers' strongest measure: bindingness, then one with a target, then the
    shortest text), peer_bindingness (of that measure), rank (1 = most important gap of the plan).
    Ordered by plan (input order), then peers_with descending, then peer bindingness strongest first.
``unique`` — families only one plan has: plan_id, family_id, topic, name, measure_ids (list); by plan,
    then family order.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from compare.datafiles import align_section
from compare.gaps.silence import form_mentions, rule_mentions, similar_mentions, term_mentions
from compare.model import (
    BINDINGNESS_ORDER,
    MANDATORY_TOPICS,
    UNCLASSIFIED,
    Alignment,
    Comparison,
    FailedInput,
    Family,
    Measure,
    Mention,
    PlanAnalysis,
    Reviewed,
)

COVERAGE_COLUMNS = (
    "topic",
    "plan_id",
    "n_measures",
    "n_families",
    "max_bindingness",
    "quantified",
    "score",
    "topic_families",
    "share",
)
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
    "peers_total",
    "peer_plan_ids",
    "best_peer_measure_id",
    "peer_bindingness",
    "rank",
)
UNIQUE_COLUMNS = ("plan_id", "family_id", "topic", "name", "measure_ids")
MENTION_COLUMNS = ("plan_id", "family_id", "topic", "name", "how", "sentence_start", "sentence_end", "marks")

_STRENGTH: dict[str, int] = {b: i for i, b in enumerate(BINDINGNESS_ORDER)}  # 0 = strongest


def _strength(bindingness: str | None) -> int:
    """0 for the strongest level; unknown levels sort last."""
    return _STRENGTH.get(bindingness or "", len(_STRENGTH))


@dataclass(frozen=True)
class GapSettings:
    """The ``gaps`` section of align.yaml: weight of a covered family by the plan's bindingness, how
    many of the other plans must hold a family for its absence to be a gap, and how long a list of
    peers a gap row names."""

    bindingness_weights: dict[str, float] = field(
        default_factory=lambda: {
            "mandatory": 1.0,
            "directive": 0.85,
            "supportive": 0.7,
            "exploratory": 0.5,
            "unknown": 0.6,
        }
    )
    min_peer_share: float = 0.5
    peer_list_max: int = 20
    peer_scopes: dict[str, str] = field(default_factory=dict)  # plan scope -> peer group

    @classmethod
    def load(cls, path: Path | None = None) -> GapSettings:
        s = align_section("gaps", path)
        weights = {k: float(v) for k, v in s.mapping("bindingness_weights", float).items()}
        missing = {*BINDINGNESS_ORDER, "unknown"} - set(weights)
        if missing or not all(0.0 <= w <= 1.0 for w in weights.values()):
            raise s.error("bindingness_weights", f"weights in [0, 1] for {[*BINDINGNESS_ORDER, 'unknown']}")
        groups = s.mapping("peer_groups", list)
        scopes = {str(scope): str(group) for group, members in groups.items() for scope in members}
        return cls(weights, s.number("min_peer_share", 0.0, 1.0), s.integer("peer_list_max", 0), scopes)

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
    min_peer_share: float | None = None,
    peers: str = "comparable",
    reviewed: Sequence[Reviewed] = (),
) -> Comparison:
    """The cross-plan comparison: coverage, family matrix, gaps and unique families (see module doc).

    ``min_peer_share`` overrides the settings' share (the CLI's ``--min-peer-share``); ``peers``:
    "comparable" (plans of a comparable scope, ``peer_groups``) or "all" (``--peers``); ``reviewed``:
    the analyst's corrections (``compare.corrections``): a gap or unique claim taken back is none."""
    settings = settings or default_settings()
    if min_peer_share is not None:
        settings = replace(settings, min_peer_share=min_peer_share)
    plan_ids = [p.document.plan_id for p in plans]
    topics = topic_order(codebook_topic_ids)
    families = ordered_families(alignment.families, topics)
    measures = {m.measure_id: m for p in plans for m in p.measures if m.kind == "measure"}
    cells = family_cells(families, measures)
    # silence verified (compare.gaps.silence): a family a plan mentions is neither its gap nor
    # another plan's alone
    groups = peer_groups(plans, settings, peers)
    candidates = gaps_frame(families, plan_ids, cells, min_peers, settings, groups)
    unique = unique_frame(families, plan_ids, cells)
    touched = {**form_mentions(families), **rule_mentions(plans)}  # the plan's own words first
    asked = [k for k in zip(candidates["plan_id"], candidates["family_id"], strict=True) if k not in touched]
    asked += [
        (q, fid)
        for pid, fid in zip(unique["plan_id"], unique["family_id"], strict=True)
        for q in plan_ids
        if q != pid
    ]
    touched.update(term_mentions(plans, families, asked))
    touched.update(similar_mentions(plans, families, [k for k in asked if k not in touched]))
    return Comparison(
        plans=list(plans),
        alignment=alignment,
        failed=list(failed),
        coverage=coverage_frame(plans, families, cells, topics, settings),
        family_matrix=family_matrix_frame(families, plan_ids, cells),
        gaps=silent_gaps(candidates, touched, taken_back(reviewed, "not_a_gap")),
        unique=alone(unique, touched, plan_ids, taken_back(reviewed, "not_unique")),
        topics=topics,
        families=families,
        mentions=mentions_frame(touched, families, plan_ids),
        reviewed=list(reviewed),
        peer_groups=groups,
    )


def taken_back(reviewed: Sequence[Reviewed], action: str) -> set[tuple[str, str]]:
    """(plan, family) of the claims the analyst took back (``not_a_gap`` / ``not_unique``)."""
    return {(r.plan_id, r.family_id) for r in reviewed if r.action == action}


def silent_gaps(
    candidates: pd.DataFrame, touched: Mapping[tuple[str, str], Mention], waived: set[tuple[str, str]]
) -> pd.DataFrame:
    """The gaps whose plan is silent on the family (not one it mentions, not one an analyst waived),
    ranked again per plan."""
    keys = zip(candidates["plan_id"], candidates["family_id"], strict=True)
    keep = [k not in touched and k not in waived for k in keys]
    gaps = candidates[np.array(keep, dtype=bool)].reset_index(drop=True)
    gaps["rank"] = gaps.groupby("plan_id", sort=False).cumcount() + 1
    return gaps


def alone(
    unique: pd.DataFrame,
    touched: Mapping[tuple[str, str], Mention],
    plan_ids: Sequence[str],
    waived: set[tuple[str, str]],
) -> pd.DataFrame:
    """The unique families no other plan mentions either (and no analyst waived)."""
    keep = [
        (pid, fid) not in waived and not any((q, fid) in touched for q in plan_ids if q != pid)
        for pid, fid in zip(unique["plan_id"], unique["family_id"], strict=True)
    ]
    return unique[np.array(keep, dtype=bool)].reset_index(drop=True)


def mentions_frame(
    touched: Mapping[tuple[str, str], Mention], families: Sequence[Family], plan_ids: Sequence[str]
) -> pd.DataFrame:
    """Every family a plan touches without a measure of it: by plan, then family order."""
    plan_rank = {p: i for i, p in enumerate(plan_ids)}
    family_rank = {f.family_id: i for i, f in enumerate(families)}
    by_id = {f.family_id: f for f in families}
    keys = sorted(
        (k for k in touched if k[0] in plan_rank and k[1] in by_id),
        key=lambda k: (plan_rank[k[0]], family_rank[k[1]]),
    )
    rows = [
        {
            "plan_id": pid,
            "family_id": fid,
            "topic": by_id[fid].topic,
            "name": by_id[fid].name,
            "how": touched[(pid, fid)].how,
            "sentence_start": touched[(pid, fid)].sentence[0],
            "sentence_end": touched[(pid, fid)].sentence[1],
            "marks": [list(m) for m in touched[(pid, fid)].marks],
        }
        for pid, fid in keys
    ]
    return pd.DataFrame(rows, columns=list(MENTION_COLUMNS))


def topic_order(codebook_topic_ids: Sequence[str]) -> list[str]:
    """The mandatory topics first, then the codebook's other topics in its order."""
    rest = [t for t in codebook_topic_ids if t not in MANDATORY_TOPICS and t != UNCLASSIFIED]
    return [*MANDATORY_TOPICS, *dict.fromkeys(rest)]


def ordered_families(families: Sequence[Family], topics: Sequence[str]) -> list[Family]:
    """Families by topic order (a topic not in it last), the alignment's order within a topic."""
    rank = {t: i for i, t in enumerate(topics)}
    return sorted(families, key=lambda f: rank.get(f.topic, len(rank)))  # stable


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
    """One row per (topic, plan_id) for every topic and plan (see the module docstring).

    One pass over the measures and one over the cells: the cost grows with what the plans hold,
    never with plans x families.
    """
    topic_of = {f.family_id: f.topic for f in families}
    n_held: dict[str, int] = defaultdict(int)  # the topic's families: those at least one plan has
    for fid in {fid for fid, _ in cells}:
        n_held[topic_of.get(fid, "")] += 1
    covered: dict[tuple[str, str], list[list[Measure]]] = defaultdict(list)
    for (fid, pid), ms in cells.items():
        covered[(topic_of.get(fid, ""), pid)].append(ms)
    # what the topic's page shows for a plan: its members of the topic's families, and its measures of
    # the topic (primary) that are in no family
    shown: dict[tuple[str, str], dict[str, Measure]] = defaultdict(dict)
    for (fid, pid), ms in cells.items():
        for m in ms:
            shown[(topic_of.get(fid, ""), pid)][m.measure_id] = m
    in_family = {m.measure_id for ms in cells.values() for m in ms}
    for plan in plans:
        for m in plan.measures:
            if m.kind == "measure" and m.measure_id not in in_family:
                shown[(m.primary_topic, plan.document.plan_id)][m.measure_id] = m
    rows = []
    for topic in topics:
        for plan in plans:
            key = (topic, plan.document.plan_id)
            mine, held = list(shown.get(key, {}).values()), covered.get(key, [])
            weighted = sum(settings.weight(strongest(ms)) for ms in held)
            score = weighted / n_held[topic] if n_held[topic] else 0.0
            rows.append(
                {
                    "topic": topic,
                    "plan_id": key[1],
                    "n_measures": len(mine),
                    "n_families": len(held),
                    "max_bindingness": strongest(mine),
                    "quantified": any(m.targets for m in mine),
                    "score": round(score, 4),
                    "topic_families": n_held[topic],
                    "share": round(len(held) / n_held[topic], 4) if n_held[topic] else 0.0,
                }
            )
    return pd.DataFrame(rows, columns=list(COVERAGE_COLUMNS))


def family_matrix_frame(families: Sequence[Family], plan_ids: Sequence[str], cells: Cells) -> pd.DataFrame:
    """One row per (family_id, plan_id) for every family and every plan.

    Built column by column: at thousands of plans the grid has millions of rows, almost all silent.
    Silent cells share one empty ``measure_ids`` list (read-only, like the rest of the frame).
    """
    n_plans = len(plan_ids)
    size = len(families) * n_plans
    n_measures = np.zeros(size, dtype=np.int64)
    binding = np.full(size, None, dtype=object)
    ids = np.full(size, None, dtype=object)
    ids[:] = [_NO_MEASURES] * size
    column = {pid: j for j, pid in enumerate(plan_ids)}
    row_of = {f.family_id: i for i, f in enumerate(families)}
    for (fid, pid), ms in cells.items():
        if fid in row_of and pid in column:
            k = row_of[fid] * n_plans + column[pid]
            n_measures[k] = len(ms)
            binding[k] = strongest(ms)
            ids[k] = [m.measure_id for m in ms]
    return pd.DataFrame(
        {
            "family_id": np.repeat(np.array([f.family_id for f in families], dtype=object), n_plans),
            "plan_id": np.tile(np.array(list(plan_ids), dtype=object), len(families)),
            "topic": np.repeat(np.array([f.topic for f in families], dtype=object), n_plans),
            "source": np.repeat(np.array([f.source for f in families], dtype=object), n_plans),
            "n_measures": n_measures,
            "max_bindingness": binding,
            "measure_ids": ids,
        },
        columns=list(FAMILY_MATRIX_COLUMNS),
    )


_NO_MEASURES: list[str] = []


def gaps_frame(
    families: Sequence[Family],
    plan_ids: Sequence[str],
    cells: Cells,
    min_peers: int = 2,
    settings: GapSettings | None = None,
    groups: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Per plan, the families enough of its comparable peers have and it lacks, ranked.

    ``groups``: plan_id -> its peer group (plans of comparable scope, see ``peer_groups``); None: all
    plans are peers. Enough: at least ``min_peers`` peers and ``settings.min_peer_share`` of the
    plan's peers. A plan lacking a family has every holder of its group as a peer, so holders and
    their best measure are found once per family and group; the cost grows with the number of gaps,
    not with plans x plans.
    """
    settings = settings or default_settings()
    plan_rank = {p: i for i, p in enumerate(plan_ids)}
    group_of = {p: (groups or {}).get(p, "") for p in plan_ids}
    members: dict[str, list[str]] = defaultdict(list)
    for pid in plan_ids:
        members[group_of[pid]].append(pid)
    needed = {
        g: max(min_peers, math.ceil(settings.min_peer_share * (len(ps) - 1))) for g, ps in members.items()
    }
    holders: dict[tuple[str, str], list[str]] = defaultdict(list)  # (family, group) -> holders
    for fid, pid in cells:
        if pid in plan_rank:
            holders[(fid, group_of[pid])].append(pid)
    gapped: list[tuple[Family, list[str], list[str], Measure, int]] = []  # family, peers, listed, best, of
    entries: list[tuple[int, tuple[int, int, str], int]] = []  # (plan rank, order in plan, family)
    for f in families:
        for group, in_group in members.items():
            peers = sorted(holders.get((f.family_id, group), []), key=plan_rank.__getitem__)
            if len(peers) < needed[group]:
                continue
            best = best_measure([m for p in peers for m in cells[(f.family_id, p)]])
            order = (-len(peers), _strength(best.bindingness), f.family_id)
            # one list per family and group, shared by its rows; past peer_list_max it says nothing useful
            listed = peers if len(peers) <= settings.peer_list_max else []
            gapped.append((f, peers, listed, best, len(in_group) - 1))
            having = set(peers)
            entries.extend((plan_rank[pid], order, len(gapped) - 1) for pid in in_group if pid not in having)
    entries.sort()
    columns: dict[str, list[object]] = {c: [] for c in GAP_COLUMNS}
    rank, last_plan = 0, -1
    for plan_index, _, index in entries:
        f, peers, listed, best, of = gapped[index]
        rank = rank + 1 if plan_index == last_plan else 1
        last_plan = plan_index
        for column, value in zip(
            GAP_COLUMNS,
            (
                plan_ids[plan_index],
                f.family_id,
                f.topic,
                f.name,
                len(peers),
                of,
                listed,
                best.measure_id,
                best.bindingness,
                rank,
            ),
            strict=True,
        ):
            columns[column].append(value)
    return pd.DataFrame(columns, columns=list(GAP_COLUMNS))


def peer_groups(
    plans: Sequence[PlanAnalysis], settings: GapSettings, peers: str = "comparable"
) -> dict[str, str]:
    """plan_id -> its peer group: plans whose scopes ``settings.peer_scopes`` puts in one group are
    compared with each other ("comparable"); with ``peers="all"`` every plan with every other."""
    if peers == "all":
        return {p.document.plan_id: "" for p in plans}
    groups = {}
    for p in plans:
        scope = p.kind.scope if p.kind is not None else ""
        groups[p.document.plan_id] = settings.peer_scopes.get(scope, scope)
    return groups


def unique_frame(families: Sequence[Family], plan_ids: Sequence[str], cells: Cells) -> pd.DataFrame:
    """Families exactly one plan has, with that plan's measures: by plan, then family order."""
    holders: dict[str, set[str]] = defaultdict(set)
    for fid, pid in cells:
        holders[fid].add(pid)
    plan_rank = {p: i for i, p in enumerate(plan_ids)}
    rows: list[tuple[int, dict[str, object]]] = []
    for f in families:
        if len(holders[f.family_id]) == 1:
            (pid,) = holders[f.family_id]
            if pid not in plan_rank:
                continue
            rows.append(
                (
                    plan_rank[pid],
                    {
                        "plan_id": pid,
                        "family_id": f.family_id,
                        "topic": f.topic,
                        "name": f.name,
                        "measure_ids": [m.measure_id for m in cells[(f.family_id, pid)]],
                    },
                )
            )
    rows.sort(key=lambda r: r[0])  # stable: family order within a plan
    return pd.DataFrame([r for _, r in rows], columns=list(UNIQUE_COLUMNS))
