"""The alignment measured on the gold set: pair recall and verbatim pairs found.

Run with ``-s`` to see the figures. Precision is measured on judged random samples (tests/test_judged.py).
"""

from __future__ import annotations

from collections import defaultdict

from compare.align.reuse import find_reuse
from compare.model import Alignment, Measure, PlanAnalysis

from .conftest import GOLD_DIR, load_jsonl, plan_id, seed_alignment, seed_plans


def falls_in(m: Measure, start: int, end: int) -> bool:
    """A quote falls in a measure when the measure's span holds its start or half of it."""
    return m.start <= start < m.end or min(m.end, end) - max(m.start, start) >= 0.5 * (end - start)


def quote_span(plan: PlanAnalysis, quote: str) -> tuple[int, int]:
    start = plan.document.raw_text.find(quote)
    assert start >= 0, quote
    return start, start + len(quote)


def aligned_pairs(plans: list[PlanAnalysis], alignment: Alignment) -> list[tuple[dict, set[str]]]:
    """Each gold pair with the families both quotes fall in (empty: not aligned)."""
    by_plan = {p.document.plan_id: p for p in plans}
    families_of: dict[str, set[str]] = defaultdict(set)
    for f in alignment.families:
        for member in f.members:
            families_of[member.measure_id].add(f.family_id)
    out = []
    for pair in load_jsonl(GOLD_DIR / "pairs.jsonl"):
        sides = []
        for side in "ab":
            plan = by_plan[plan_id(pair[f"doc_{side}"])]
            start, end = quote_span(plan, pair[f"quote_{side}"])
            holding = [m for m in plan.measures if falls_in(m, start, end)]
            sides.append(set().union(*(families_of[m.measure_id] for m in holding)))
        out.append((pair, sides[0] & sides[1]))
    return out


def test_pair_recall_on_the_gold_pairs() -> None:
    results = aligned_pairs(seed_plans(), seed_alignment())
    hits = [pair for pair, common in results if common]
    recall = len(hits) / len(results)
    by_topic: dict[str, list[bool]] = defaultdict(list)
    for pair, common in results:
        by_topic[pair["topic"]].append(bool(common))
    print(f"\npair recall {len(hits)}/{len(results)} = {recall:.3f}")
    print("  by topic: " + ", ".join(f"{t} {sum(v)}/{len(v)}" for t, v in sorted(by_topic.items())))
    for pair, common in results:
        if not common:
            print(f"  missed: {pair['family']} | {pair['quote_a'][:30]} || {pair['quote_b'][:30]}")
    assert recall >= 0.90


def test_every_verbatim_gold_pair_is_found_by_the_reuse_detector() -> None:
    plans = {p.document.plan_id: p for p in seed_plans()}
    reuse = find_reuse([p.document for p in plans.values()])
    verbatim = [p for p in load_jsonl(GOLD_DIR / "pairs.jsonl") if p["strength"] == "verbatim"]
    assert verbatim
    found = 0
    for pair in verbatim:
        a, b = plan_id(pair["doc_a"]), plan_id(pair["doc_b"])
        qa, qb = quote_span(plans[a], pair["quote_a"]), quote_span(plans[b], pair["quote_b"])
        for r in reuse:
            spans = {r.plan_a: (r.start_a, r.end_a), r.plan_b: (r.start_b, r.end_b)}
            if {a, b} == set(spans) and all(
                spans[p][0] < q[1] and q[0] < spans[p][1] for p, q in ((a, qa), (b, qb))
            ):
                found += 1
                break
        else:
            raise AssertionError(f"verbatim pair not found: {pair['family']}: {pair['quote_a']}")
    print(f"\nverbatim pairs found by reuse: {found}/{len(verbatim)}; reuse passages: {len(reuse)}")
