"""The alignment measured on the gold set: pair recall, reviewed precision, verbatim pairs found.

Run with ``-s`` to see the figures. The precision sample lives in tests/data/family_precision_review.md;
to draw a fresh one after the pipeline changes (then review every verdict by hand):

    /tmp/venv/bin/python -m tests.test_gold_pairs draw > /tmp/sample.md
"""

from __future__ import annotations

import random
import re
import sys
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

from compare.align import match_text
from compare.align.reuse import find_reuse
from compare.model import Alignment, Measure, PlanAnalysis

from .conftest import GOLD_DIR, load_jsonl, plan_id, seed_alignment, seed_plans

REVIEW = Path(__file__).resolve().parent / "data" / "family_precision_review.md"
SAMPLE_SEED = 20241123
SAMPLE_SIZE = 72
EXCERPT = 24


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


# ---------------------------------------------------------------- reviewed precision


def memberships() -> list[tuple[str, str, str, str, str]]:
    """(family_id, plan_id, measure_id, excerpt, evidence) of every family member, sorted."""
    measures = {m.measure_id: m for p in seed_plans() for m in p.measures}
    rows = []
    for f in seed_alignment().families:
        for member in f.members:
            text = _squeeze(measures[member.measure_id].text)
            rows.append((f.family_id, member.plan_id, member.measure_id, text[:EXCERPT], member.evidence))
    return sorted(rows)


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text).replace("|", "｜")


@lru_cache(maxsize=1)
def review_rows() -> list[dict[str, str]]:
    """The reviewed sample: one dict per table row of the review file."""
    rows = []
    for line in REVIEW.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 8 and cells[0].isdigit():
            keys = ("n", "family_id", "plan_id", "measure_id", "excerpt", "evidence", "verdict", "note")
            rows.append(dict(zip(keys, cells, strict=True)))
    return rows


def test_the_reviewed_sample_is_still_what_the_pipeline_produces() -> None:
    rows = review_rows()
    assert len(rows) >= 60
    current = {(f, p, e) for f, p, _, e, _ in memberships()}
    stale = [r for r in rows if (r["family_id"], r["plan_id"], r["excerpt"]) not in current]
    assert not stale, (
        f"{len(stale)} reviewed memberships no longer exist (e.g. {stale[0]['family_id']} "
        f"{stale[0]['excerpt']}): draw and review a new sample (see this module's docstring)"
    )


def test_precision_of_family_membership_on_the_reviewed_sample() -> None:
    rows = review_rows()
    verdicts = [r["verdict"] for r in rows]
    assert set(verdicts) <= {"✓", "✗"}, "every sampled membership carries a verdict"
    precision = verdicts.count("✓") / len(verdicts)
    print(f"\nfamily membership precision (reviewed sample of {len(rows)}): {precision:.3f}")
    for r in rows:
        if r["verdict"] == "✗":
            print(f"  wrong: {r['family_id']} <- {r['excerpt']} ({r['note']})")
    assert precision >= 0.90


def draw_sample() -> str:
    """A fresh sample table for review (verdicts left empty), with context around the evidence."""
    plans = {p.document.plan_id: p for p in seed_plans()}
    measures = {m.measure_id: m for p in plans.values() for m in p.measures}
    all_rows = memberships()
    sample = sorted(random.Random(SAMPLE_SEED).sample(all_rows, min(SAMPLE_SIZE, len(all_rows))))
    out = [
        "| # | family_id | plan_id | measure_id | excerpt | evidence | verdict | note |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for n, (fid, pid, mid, excerpt, evidence) in enumerate(sample, 1):
        text = match_text(plans[pid], measures[mid])
        word = evidence.split("; ")[0].split("+")[0]
        at = max(text.find(word), 0)
        context = _squeeze(text[max(0, at - 30) : at + 40])
        out.append(f"| {n} | {fid} | {pid} | {mid} | {excerpt} | {evidence} |  | {context} |")
    return "\n".join(out)


if __name__ == "__main__":
    if sys.argv[1:] == ["draw"]:
        print(draw_sample())
    else:
        print(__doc__)
