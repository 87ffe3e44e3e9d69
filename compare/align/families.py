"""Alignment: every plan's measures gathered into families of the same normalised measure.

1. Catalogue families (``compare/data/families.yaml``), as each plan's matching found them
   (``compare.align.matching``, run with the per-plan work), joined by the clauses that read like
   their members in other plans (``compare.align.propagate``).
2. Proposed families (``compare.align.similarity``) over the measures no catalogue family took.
3. Verbatim reuse between plans (``compare.align.reuse``).

Families are sorted by topic (codebook order), then by number of plans, catalogue before proposed.
The same input always gives the same output.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from compare.align.catalogue import Catalogue
from compare.align.matching import MatchingSettings, clause_text, locate_words, match_plan
from compare.align.propagate import PropagationSettings, propagate
from compare.align.reuse import ReuseSettings, find_reuse
from compare.align.similarity import Candidate, SimilaritySettings, propose_families
from compare.model import TOPIC_IDS, Alignment, Family, FamilyMember, PlanAnalysis

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
        Family(f.id, f.topic, f.name, f.gloss, "catalogue", sorted(members[f.id], key=lambda m: m.plan_id))
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
        for family in propose_families(untaken, settings.similarity, threads):
            families.append(_with_evidence(family, by_plan, settings.matching))
    families.sort(key=_family_order)
    reuse = []
    if settings.detect_reuse:
        reuse = find_reuse([p.document for p in plans], settings.reuse.min_length, settings.reuse)
    return Alignment(families=families, reuse=reuse)


def _with_evidence(family: Family, plans: dict[str, PlanAnalysis], matching: MatchingSettings) -> Family:
    """A proposed family whose members carry the clause holding their shared key words, marked."""
    members = []
    for member in family.members:
        plan = plans.get(member.plan_id)
        measure = (
            next((m for m in plan.measures if m.measure_id == member.measure_id), None) if plan else None
        )
        if plan is None or measure is None:
            members.append(member)
            continue
        scope = replace(measure, clauses=[member.clause]) if member.clause[1] > member.clause[0] else measure
        clause, marks = locate_words(plan, scope, member.evidence.split("、"), matching)
        members.append(replace(member, clause=clause, marks=marks, basis="similar"))
    return replace(family, members=members)


def _family_order(f: Family) -> tuple[int, int, int, str]:
    return (
        _TOPIC_RANK.get(f.topic, len(_TOPIC_RANK)),
        -len(f.plan_ids),
        f.source != "catalogue",
        f.family_id,
    )
