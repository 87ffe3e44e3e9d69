"""Propagation into catalogue families: a clause no rule took joins a catalogue family when it reads like
the family's members in other plans (basis "similar", with its score and the shared words marked).

The catalogue's rules know the wordings they were written from; a plan that says the same thing in
other words still belongs on the family's row. A clause joins a family when it is close to members of
at least ``min_plans`` other plans (cosine of character n-gram and word TF-IDF at or above
``threshold``), or very close to a member of one (``strong``). The search is a sparse top-k product
of every distinct candidate text against every distinct member text, so it grows with the corpus, not
its square.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from compare.align.catalogue import Hit
from compare.align.matching import MatchingSettings, clause_marks, clause_text
from compare.align.similarity import SimilaritySettings, _stop_pattern, _stripper, _tokenizer, _vectorise
from compare.datafiles import align_section
from compare.model import Family, FamilyMember, PlanAnalysis
from compare.text import shared_runs


@dataclass(frozen=True)
class PropagationSettings:
    """The ``propagation`` section of align.yaml."""

    threshold: float = 0.35
    strong: float = 0.6
    min_plans: int = 2
    k: int = 8
    min_chars: int = 10
    min_shared: int = 6

    @classmethod
    def load(cls, path: Path | None = None) -> PropagationSettings:
        s = align_section("propagation", path)
        return cls(
            s.number("threshold", 0.0, 1.0),
            s.number("strong", 0.0, 1.0),
            s.integer("min_plans", 1),
            s.integer("k", 1),
            s.integer("min_chars", 1),
            s.integer("min_shared", 0),
        )


@lru_cache(maxsize=1)
def default_settings() -> PropagationSettings:
    return PropagationSettings.load()


def _action_words(text: str, matching: MatchingSettings) -> str:
    """The clause without its asides (a cited title, a purpose, a qualifier): words that make no
    membership by rule make none by likeness either."""
    spans = matching.asides(text)
    if not spans:
        return text
    keep, pos = [], 0
    for a, b in sorted(spans):
        keep.append(text[pos:a])
        pos = max(pos, b)
    return "".join(keep) + text[pos:]


def _action_stripper(matching: MatchingSettings, stop: re.Pattern[str] | None) -> Callable[[str], str]:
    """``_action_words`` of a clause's text with the stop terms stripped, each distinct text once:
    related plans repeat clauses word for word (the memo lives as long as the function returned)."""
    strip = _stripper(stop)
    memo: dict[str, str] = {}

    def action_text(whole: str) -> str:
        found = memo.get(whole)
        if found is None:
            found = memo[whole] = strip(_action_words(whole, matching))
        return found

    return action_text


def propagate(
    plans: Sequence[PlanAnalysis],
    families: Sequence[Family],
    matching: MatchingSettings,
    similarity: SimilaritySettings,
    settings: PropagationSettings | None = None,
    threads: int = 1,
) -> list[Family]:
    """The catalogue families with the clauses that read like their members joined as "similar"."""
    settings = settings or default_settings()
    stop = _stop_pattern(similarity)
    by_plan = {p.document.plan_id: p for p in plans}
    member_of: dict[str, set[str]] = defaultdict(set)  # measure -> families it is in
    # distinct texts, each with who holds it: related plans repeat clauses word for word, and the
    # product is computed once per distinct text
    member_texts: dict[str, list[tuple[str, str]]] = defaultdict(list)  # text -> [(family, plan)]
    wording: dict[str, str] = {}  # a member text -> its clause as written (stop terms kept), for marks
    action_text = _action_stripper(matching, stop)  # members' clauses are candidates too
    for f in families:
        for m in f.members:
            member_of[m.measure_id].add(f.family_id)
            plan = by_plan.get(m.plan_id)
            if plan is None or m.clause[1] <= m.clause[0]:
                continue
            whole = clause_text(plan, m.clause, matching)
            text = action_text(whole)
            if len(text) >= settings.min_chars:
                member_texts[text].append((f.family_id, m.plan_id))
                wording.setdefault(text, whole)
    # candidates: every clause (one deciding a membership may still join another family)
    candidate_texts: dict[str, list[tuple[str, str, tuple[int, int]]]] = defaultdict(list)
    for p in plans:
        for unit in p.measures:
            if unit.kind != "measure":
                continue
            for clause in unit.clauses or [(unit.clean_start, unit.clean_end)]:
                text = action_text(clause_text(p, clause, matching))
                if len(text) >= settings.min_chars:
                    candidate_texts[text].append((p.document.plan_id, unit.measure_id, clause))
    del action_text
    if not member_texts or not candidate_texts:
        return list(families)
    members = list(member_texts)
    texts = [*members, *candidate_texts]
    tokenize = _tokenizer()
    words = None
    if tokenize is not None:
        cut = {t: tokenize(t) for t in dict.fromkeys(texts)}
        words = [cut[t] for t in texts]
    # each text weighs as the clauses it stands for, so repeats change no score
    copies = [len(member_texts[t]) for t in members] + [len(v) for v in candidate_texts.values()]
    vectors = _vectorise(texts, words, similarity, copies)
    from sparse_dot_topn import sp_matmul_topn  # imported where used, as in compare.align.similarity

    members_t = vectors[: len(members)].T.tocsr()
    product = sp_matmul_topn(
        vectors[len(members) :], members_t, top_n=settings.k, threshold=settings.threshold, n_threads=threads
    )
    # member text -> family -> the plans that hold it there
    holders: dict[str, dict[str, frozenset[str]]] = {}
    for text, held in member_texts.items():
        by_family: dict[str, set[str]] = defaultdict(set)
        for fid, plan_id in held:
            by_family[fid].add(plan_id)
        holders[text] = {fid: frozenset(ps) for fid, ps in by_family.items()}
    shares: dict[tuple[str, tuple[str, ...]], bool] = {}  # the same clause copied by many plans
    # (family, measure) -> (score, clause, plan, the member texts it is close to)
    joined: dict[tuple[str, str], tuple[float, tuple[int, int], str, list[str]]] = {}
    for r, text in enumerate(candidate_texts):
        lo, hi = product.indptr[r], product.indptr[r + 1]
        # family -> [(score, plans holding the member text, member text)], in the order of the hits
        near_by_family: dict[str, list[tuple[float, frozenset[str], str]]] = defaultdict(list)
        for col, score in zip(product.indices[lo:hi].tolist(), product.data[lo:hi].tolist(), strict=True):
            for fid, held_by in holders[members[col]].items():
                near_by_family[fid].append((score, held_by, members[col]))
        for pid, mid, clause in candidate_texts[text]:
            for fid, near in near_by_family.items():
                if fid in member_of[mid]:
                    continue
                others = [(score, held_by, t) for score, held_by, t in near if held_by - {pid}]
                if not others:
                    continue
                best = max(score for score, _, _ in others)
                if not (best >= settings.strong or _plans_at_least(others, pid, settings.min_plans)):
                    continue
                close = tuple(dict.fromkeys(t for _, _, t in others))
                if (text, close) not in shares:
                    shares[(text, close)] = _shares_words(text, list(close), settings.min_shared)
                if shares[(text, close)]:
                    key = (fid, mid)
                    if key not in joined or best > joined[key][0]:
                        joined[key] = (float(best), clause, pid, list(close))
    if not joined:
        return list(families)
    added: dict[str, list[FamilyMember]] = defaultdict(list)
    for (fid, mid), (score, clause, pid, near_rows) in sorted(joined.items()):
        text = clause_text(by_plan[pid], clause, matching)
        runs = shared_runs(text, [wording[t] for t in near_rows], 3)
        marks = clause_marks(by_plan[pid], clause, matching, [Hit(tuple(runs), ())]) if runs else ()
        if not marks:  # a cell must show the words it rests on: no shared words, no membership
            continue
        member = FamilyMember(
            fid, pid, mid, round(score, 4), "similar wording", clause=clause, marks=marks, basis="similar"
        )
        added[fid].append(member)
    return [
        replace(f, members=sorted([*f.members, *added[f.family_id]], key=lambda m: m.plan_id))
        if f.family_id in added
        else f
        for f in families
    ]


def _plans_at_least(near: list[tuple[float, frozenset[str], str]], plan_id: str, least: int) -> bool:
    """Whether the member texts ``near`` are held by at least ``least`` plans other than ``plan_id``."""
    seen: set[str] = set()
    for _, held_by, _ in near:
        seen |= held_by
        if len(seen - {plan_id}) >= least:
            return True
    return False


def _shares_words(text: str, near: list[str], least: int) -> bool:
    """Whether the clause (stop terms removed) shares at least ``least`` characters of runs of three or
    more with the members it is close to: a score carried by scattered characters is not wording."""
    return sum(b - a for a, b in shared_runs(text, near, 3)) >= least
