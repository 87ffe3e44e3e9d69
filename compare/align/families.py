"""Alignment: every plan's measures gathered into families of the same normalised measure.

1. Catalogue families (``compare/data/families.yaml``), as each plan's matching found them
   (``compare.align.matching``, run with the per-plan work), joined by the clauses that read like
   their members in other plans (``compare.align.propagate``).
2. Proposed families (``compare.align.similarity``) over the measures no catalogue family took.
3. Verbatim reuse between plans (``compare.align.reuse``): a passage two plans share puts their
   clauses on one row (``join_reused``).

Families are sorted by topic (codebook order), then by number of plans, catalogue before proposed.
The same input always gives the same output.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from compare.align.catalogue import Catalogue
from compare.align.matching import MatchingSettings, clause_text, locate_words, match_plan
from compare.align.propagate import PropagationSettings, propagate
from compare.align.reuse import ReuseSettings, find_reuse
from compare.align.similarity import Candidate, SimilaritySettings, propose_families
from compare.model import TOPIC_IDS, Alignment, Family, FamilyMember, Measure, PlanAnalysis, Reuse

_TOPIC_RANK = {t: i for i, t in enumerate(TOPIC_IDS)}


@dataclass(frozen=True)
class AlignSettings:
    """Settings of the cross-plan stage, read from ``compare/data/align.yaml``."""

    matching: MatchingSettings = field(default_factory=MatchingSettings)
    similarity: SimilaritySettings = field(default_factory=SimilaritySettings)
    reuse: ReuseSettings = field(default_factory=ReuseSettings)
    propagation: PropagationSettings = field(default_factory=PropagationSettings)
    propagate: bool = True  # join clauses that read like a catalogue family's members to it
    propose: bool = True  # propose families by similarity for measures the catalogue did not take
    detect_reuse: bool = True

    @classmethod
    def load(cls, path: Path | None = None) -> AlignSettings:
        return cls(
            matching=MatchingSettings.load(path),
            similarity=SimilaritySettings.load(path),
            reuse=ReuseSettings.load(path),
            propagation=PropagationSettings.load(path),
        )


@lru_cache(maxsize=1)
def default_settings() -> AlignSettings:
    return AlignSettings.load()


def align(
    plans: Sequence[PlanAnalysis],
    catalogue: Catalogue,
    settings: AlignSettings | None = None,
    threads: int = 1,
) -> Alignment:
    """Families (catalogue, then proposed) over all plans' measures, and verbatim reuse between plans.

    ``threads``: how many threads the similarity search may use (the result does not depend on it)."""
    settings = settings or default_settings()
    members: dict[str, list[FamilyMember]] = {}
    for plan in plans:
        found = plan.catalogue_members
        if found is None:
            found = match_plan(plan, catalogue, settings.matching)
        for fm in found:
            members.setdefault(fm.family_id, []).append(fm)
    families = [
        # members by plan id, then in document order: the same whatever order the plans came in
        Family(
            f.id,
            f.topic,
            f.name,
            f.gloss,
            "catalogue",
            sorted(members[f.id], key=lambda m: m.plan_id),
            form_of=f.form_of,
            name_en=f.name_en,
            definition=f.definition,
        )
        for f in catalogue.families
        if f.id in members
    ]
    if settings.propagate:
        families = propagate(
            plans, families, settings.matching, settings.similarity, settings.propagation, threads
        )
    # what is left to propose from: every clause that decides no membership yet (a long item bundles
    # several actions; one of them may be in a family, the others not)
    deciding = {(m.measure_id, m.clause) for f in families for m in f.members}
    taken = {m.measure_id for f in families for m in f.members}
    untaken = [
        Candidate(
            m.plan_id, m.measure_id, m.primary_topic, clause_text(plan, clause, settings.matching), clause
        )
        for plan in plans
        for m in plan.measures
        if m.kind == "measure"
        for clause in (m.clauses if m.measure_id in taken else [(m.clean_start, m.clean_end)])
        if (m.measure_id, clause) not in deciding
    ]
    if settings.propose:
        by_plan = {p.document.plan_id: p for p in plans}
        # by id: proposed families have hundreds of thousands of members at thousands of plans
        by_id = {m.measure_id: m for p in plans for m in p.measures}
        for family in propose_families(untaken, settings.similarity, threads):
            families.append(_with_evidence(family, by_plan, by_id, settings.matching))
    reuse = []
    if settings.detect_reuse:
        reuse = find_reuse([p.document for p in plans], settings.reuse.min_length, settings.reuse)
        families = join_reused(families, plans, reuse)
    families.sort(key=_family_order)
    return Alignment(families=families, reuse=reuse)


def join_reused(
    families: list[Family], plans: Sequence[PlanAnalysis], reuse: Sequence[Reuse]
) -> list[Family]:
    """A passage two plans share verbatim puts their clauses on one row: where one side's clause decides
    a family by words inside the passage and the other side's does not, the other joins it (basis
    "reuse", the passage marked). Sharing a clause's subject (县级以上人民政府以及开发区管理机构) or another
    of its actions does not carry the family: the shared words must be those that decided it."""
    by_plan = {p.document.plan_id: p for p in plans}
    # per plan: (raw start, raw end, family, the member) of each membership's deciding clause
    deciding: dict[str, list[tuple[int, int, str, FamilyMember]]] = defaultdict(list)
    for f in families:
        for m in f.members:
            if m.clause[1] > m.clause[0] and m.plan_id in by_plan:
                a, b = by_plan[m.plan_id].document.clean.raw_span(*m.clause)
                deciding[m.plan_id].append((a, b, f.family_id, m))

    words: dict[int, tuple[int, int]] = {}  # id(member) -> raw extent of its deciding words

    def words_inside(m: FamilyMember, start: int, end: int) -> bool:
        """Whether the words that decided the membership lie in the passage [start, end) (raw)."""
        extent = words.get(id(m))
        if extent is None:  # a membership meets many passages: its words are placed once
            clean = by_plan[m.plan_id].document.clean
            spans = [clean.raw_span(*w) for w in m.marks if w[1] > w[0]] or [clean.raw_span(*m.clause)]
            extent = words[id(m)] = (min(x for x, _ in spans), max(y for _, y in spans))
        return start <= extent[0] and extent[1] <= end

    spans: dict[str, list[tuple[int, int, str, tuple[int, int]]]] = defaultdict(list)
    for p in plans:
        clean = p.document.clean
        for unit in p.measures:
            if unit.kind != "measure":
                continue
            for clause in unit.clauses or [(unit.clean_start, unit.clean_end)]:
                a, b = clean.raw_span(*clause)
                spans[p.document.plan_id].append((a, b, unit.measure_id, clause))
    for decided in deciding.values():
        decided.sort()
    for clauses in spans.values():
        clauses.sort()
    starts = {pid: [r[0] for r in rows] for pid, rows in spans.items()}
    decided_starts = {pid: [r[0] for r in rows] for pid, rows in deciding.items()}
    longest = max((b - a for rows in deciding.values() for a, b, _, _ in rows), default=0)
    added: dict[str, list[FamilyMember]] = defaultdict(list)
    seen: set[tuple[str, str]] = set()
    for r in reuse:
        sides = [(r.plan_a, r.start_a, r.end_a), (r.plan_b, r.start_b, r.end_b)]
        held, carried = [], []
        for pid, start, end in sides:  # deciding clauses that overlap the passage (found by bisection)
            rows = deciding.get(pid, [])
            lo = bisect.bisect_left(decided_starts.get(pid, []), start - longest)
            hi = bisect.bisect_left(decided_starts.get(pid, []), end)
            near = [(fid, m) for a, b, fid, m in rows[lo:hi] if a < end and start < b]
            held.append({fid for fid, _ in near})
            carried.append({fid for fid, m in near if words_inside(m, start, end)})
        for k in (0, 1):
            pid, start, end = sides[1 - k]
            rows_k = spans.get(pid, [])
            lo = max(0, bisect.bisect_right(starts.get(pid, []), start) - 1)
            hi = bisect.bisect_left(starts.get(pid, []), end)
            found = [c for c in rows_k[lo:hi] if c[0] < end and start < c[1]]
            if not found:
                continue
            target = max(found, key=lambda c: min(c[1], end) - max(c[0], start))
            for fid in sorted(carried[k] - held[1 - k]):
                if (fid, target[2]) in seen:
                    continue
                seen.add((fid, target[2]))
                marks = (_clean_span(by_plan[pid], target[3], start, end),)
                added[fid].append(
                    FamilyMember(
                        fid, pid, target[2], 1.0, "verbatim", clause=target[3], marks=marks, basis="reuse"
                    )
                )
    return [
        replace(f, members=sorted([*f.members, *added[f.family_id]], key=lambda m: m.plan_id))
        if f.family_id in added
        else f
        for f in families
    ]


def _clean_span(plan: PlanAnalysis, clause: tuple[int, int], start: int, end: int) -> tuple[int, int]:
    """The part of a clause (clean offsets) whose raw offsets fall in [start, end)."""
    to_raw = plan.document.clean.to_raw
    a = bisect.bisect_left(range(*clause), start, key=to_raw) + clause[0]
    b = bisect.bisect_left(range(*clause), end, key=to_raw) + clause[0]
    return (a, max(a, b))


def _with_evidence(
    family: Family, plans: dict[str, PlanAnalysis], measures: dict[str, Measure], matching: MatchingSettings
) -> Family:
    """A proposed family whose members carry the clause holding their shared key words, marked."""
    members = []
    for member in family.members:
        plan = plans.get(member.plan_id)
        measure = measures.get(member.measure_id)
        if plan is None or measure is None or measure.plan_id != member.plan_id:
            members.append(member)
            continue
        if member.clause[1] > member.clause[0]:
            clauses = [member.clause]
        else:
            clauses = measure.clauses or [(measure.clean_start, measure.clean_end)]
        clause, marks = locate_words(plan, clauses, member.evidence.split("、"), matching)
        members.append(replace(member, clause=clause, marks=marks, basis="similar"))
    return replace(family, members=members)


def _family_order(f: Family) -> tuple[int, int, int, str]:
    return (
        _TOPIC_RANK.get(f.topic, len(_TOPIC_RANK)),
        -len(f.plan_ids),
        f.source != "catalogue",
        f.family_id,
    )
