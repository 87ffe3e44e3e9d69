"""Silence verified: a gap claims that a plan says nothing about a family, so before it is claimed the
plan's whole text is searched for it. Three states: covered (a member measure), mentioned, silent;
only silent is a gap, and a family another plan mentions is no plan's alone.

Mentioned: the plan has a family that is a form of this one (``form_of`` in the catalogue: 标准地出让 is
paid land use), or the family's rules hit a sentence of the plan outside its member measures (in passing, in a
list of items, in context such as goals, or in a sentence that leaves the matter to another document:
``PlanAnalysis.mentions``, found with the per-plan work), or a sentence of the plan reads like the
family's members in other plans (character n-gram TF-IDF against their centroid, at or above
``similar_threshold``), or, for a proposed family (which has no rules), a sentence of the plan holds
every one of its key terms (in passing). The similarity search runs up to
``similar_max_plans`` plans; beyond, the rules alone decide (thousands of plans have millions of
sentences).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from compare.datafiles import align_section
from compare.model import Family, Mention, PlanAnalysis
from compare.text import SENTENCE_END, shared_runs
from compare.vectors import char_ngrams, l2_rows, tfidf

Key = tuple[str, str]  # (plan_id, family_id)


@dataclass(frozen=True)
class SilenceSettings:
    """The ``silence`` section of align.yaml."""

    similar_threshold: float = 0.3
    ngram_range: tuple[int, int] = (2, 3)
    min_sentence_chars: int = 8
    similar_max_plans: int = 200
    mark_ngram: int = 3

    @classmethod
    def load(cls, path: Path | None = None) -> SilenceSettings:
        s = align_section("silence", path)
        return cls(
            s.number("similar_threshold", 0.0, 1.0),
            s.int_pair("ngram_range"),
            s.integer("min_sentence_chars", 1),
            s.integer("similar_max_plans", 0),
            s.integer("mark_ngram", 1),
        )


@lru_cache(maxsize=1)
def default_settings() -> SilenceSettings:
    return SilenceSettings.load()


def form_mentions(families: Iterable[Family]) -> dict[Key, Mention]:
    """(plan, broader family) for every member of a family that is a form of it (``form_of``): a plan
    with 标准地出让 is not silent on paid land use. The member's deciding clause is the sentence."""
    out: dict[Key, Mention] = {}
    for f in families:
        if not f.form_of:
            continue
        for m in f.members:
            if m.clause[1] > m.clause[0]:
                out.setdefault((m.plan_id, f.form_of), Mention(f.form_of, m.clause, m.marks, "form"))
    return out


def rule_mentions(plans: Iterable[PlanAnalysis]) -> dict[Key, Mention]:
    """Every (plan, family) the family's rules touch in the plan without a member measure."""
    return {(p.document.plan_id, m.family_id): m for p in plans for m in p.mentions or []}


def term_mentions(
    plans: Sequence[PlanAnalysis], families: Sequence[Family], wanted: Iterable[Key], min_chars: int = 1
) -> dict[Key, Mention]:
    """For each wanted (plan, proposed family): the plan's first sentence holding every key term of the
    family (工业互联网 holds 互联网), as a mention in passing; the terms are marked."""
    by_id = {p.document.plan_id: p for p in plans}
    terms = {f.family_id: f.terms for f in families if f.source == "proposed" and f.terms}
    found: dict[Key, Mention] = {}
    for pid, fid in sorted(set(wanted)):
        plan, words = by_id.get(pid), terms.get(fid)
        if plan is None or not words:
            continue
        text = plan.document.clean.match
        for a, b in sentences(plan, min_chars):
            sentence = text[a:b]
            if all(w in sentence for w in words):
                marks = tuple(sorted((a + sentence.index(w), a + sentence.index(w) + len(w)) for w in words))
                found[(pid, fid)] = Mention(fid, (a, b), marks, "passing")
                break
    return found


def similar_mentions(
    plans: Sequence[PlanAnalysis],
    families: Sequence[Family],
    wanted: Iterable[Key],
    settings: SilenceSettings | None = None,
) -> dict[Key, Mention]:
    """For each wanted (plan, family): the plan's sentence closest to the family's members in the
    other plans, when it is close enough (``similar_threshold``), as a mention ``how="similar"``."""
    settings = settings or default_settings()
    wanted = sorted(set(wanted))
    if not wanted or len(plans) > settings.similar_max_plans:
        return {}
    by_id = {p.document.plan_id: p for p in plans}
    by_family = {f.family_id: f for f in families}
    plans_needed = sorted({pid for pid, _ in wanted if pid in by_id})
    families_needed = sorted({fid for _, fid in wanted if fid in by_family})
    texts: list[str] = []
    owner: list[tuple[str, tuple[int, int]]] = []  # a sentence row: (plan, clean span)
    for pid in plans_needed:
        for span in sentences(by_id[pid], settings.min_sentence_chars):
            texts.append(by_id[pid].document.clean.match[span[0] : span[1]])
            owner.append((pid, span))
    first_member = len(texts)
    member_rows: dict[str, list[int]] = defaultdict(list)
    member_plans: dict[int, str] = {}
    for fid in families_needed:
        for member in by_family[fid].members:
            plan = by_id.get(member.plan_id)
            if plan is None:
                continue
            a, b = member.clause if member.clause[1] > member.clause[0] else _measure_span(plan, member)
            member_rows[fid].append(len(texts))
            member_plans[len(texts)] = member.plan_id
            texts.append(plan.document.clean.match[a:b])
    if len(texts) == first_member:
        return {}
    vectors = tfidf([char_ngrams(t, settings.ngram_range) for t in texts])
    rows_of: dict[str, list[int]] = defaultdict(list)
    for i, (pid, _) in enumerate(owner):
        rows_of[pid].append(i)
    found: dict[Key, Mention] = {}
    for fid in families_needed:
        for pid in sorted({p for p, f in wanted if f == fid}):
            members = [r for r in member_rows[fid] if member_plans[r] != pid]
            rows = rows_of.get(pid, [])
            if not members or not rows:
                continue
            centroid = l2_rows(vectors[members].sum(axis=0))
            scores = np.asarray((vectors[rows] @ centroid.T).todense()).ravel()
            best = int(np.argmax(scores))
            if scores[best] < settings.similar_threshold:
                continue
            span = owner[rows[best]][1]
            runs = shared_runs(texts[rows[best]], [texts[r] for r in members], settings.mark_ngram)
            marks = tuple((span[0] + a, span[0] + b) for a, b in runs)
            found[(pid, fid)] = Mention(fid, span, marks, "similar")
    return found


def sentences(plan: PlanAnalysis, min_chars: int) -> list[tuple[int, int]]:
    """The plan's sentences (clean spans), all of its text: measures, context and lists alike."""
    text = plan.document.clean.match
    out, pos = [], 0
    for m in [*SENTENCE_END.finditer(text), None]:
        end = m.end() if m is not None else len(text)
        if len(text[pos:end].strip()) >= min_chars:
            out.append((pos, end))
        pos = end
    return out


def _measure_span(plan: PlanAnalysis, member: object) -> tuple[int, int]:
    mid = getattr(member, "measure_id", "")
    m = next((x for x in plan.measures if x.measure_id == mid), None)
    return (m.clean_start, m.clean_end) if m is not None else (0, 0)
