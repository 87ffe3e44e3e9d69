"""The alignment measured on plans the rules were not written from (tests/data/plans, labelled before the
tool ran on them; tests/gold/plans): pair recall per half and per kind, purity, absences shown as present.

Half A is the half rules may be tuned on; half B is reported apart. Run with ``-s`` to see the figures.
The floors asserted here are today's figures (no regression); the targets of issue 17 (recall 0.90 on
A and 0.85 on B, purity 0.99, absences shown as present 0.05) are printed beside them.
"""

from __future__ import annotations

import json
from collections import defaultdict
from functools import lru_cache
from itertools import combinations
from pathlib import Path

from compare.align import align, load_catalogue
from compare.analyse import analyse_file
from compare.model import Alignment, Measure, PlanAnalysis

from .seeds import DOCS_IN, ROOT

PLANS_DIR = ROOT / "tests" / "data" / "plans"
GOLD = ROOT / "tests" / "gold" / "plans"


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@lru_cache(maxsize=1)
def corpus() -> tuple[dict[str, PlanAnalysis], Alignment]:
    paths = [(p, PLANS_DIR) for p in sorted(PLANS_DIR.iterdir()) if p.suffix in (".txt", ".html")]
    paths += [(p, DOCS_IN) for p in sorted(DOCS_IN.glob("*.txt"))]
    plans = [analyse_file(p, root) for p, root in paths]
    return {p.document.source_file: p for p in plans}, align(plans, load_catalogue())


def _holding(plan: PlanAnalysis, quote: str) -> list[Measure]:
    start = plan.document.raw_text.find(quote)
    assert start >= 0, quote
    end = start + len(quote)
    return [
        m
        for m in plan.measures
        if m.start <= start < m.end or min(m.end, end) - max(m.start, start) >= 0.5 * (end - start)
    ]


def _families_of(alignment: Alignment) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for f in alignment.families:
        for m in f.members:
            out[m.measure_id].add(f.family_id)
    return out


def _quote_families(plan: PlanAnalysis, quote: str, families_of: dict[str, set[str]]) -> set[str]:
    return set().union(*(families_of[m.measure_id] for m in _holding(plan, quote)))


def _clause_families(plan: PlanAnalysis, quote: str, alignment: Alignment) -> set[str]:
    """The families whose deciding clause in this plan overlaps the quote (what a cell shows for it)."""
    start = plan.document.raw_text.find(quote)
    end = start + len(quote)
    out = set()
    for f in alignment.families:
        for m in f.members:
            if m.plan_id == plan.document.plan_id and m.clause[1] > m.clause[0]:
                a, b = plan.document.clean.raw_span(*m.clause)
                if a < end and start < b:
                    out.add(f.family_id)
    return out


def _word_families(plan: PlanAnalysis, quote: str, alignment: Alignment) -> set[str]:
    """The families whose marked (deciding) words in this plan fall in the quote: the quote is why the
    cell is there, not a neighbour in the same clause."""
    start = plan.document.raw_text.find(quote)
    end = start + len(quote)
    out = set()
    for f in alignment.families:
        for m in f.members:
            if m.plan_id == plan.document.plan_id:
                for x, y in m.marks:
                    a, b = plan.document.clean.raw_span(x, y)
                    if a < end and start < b:
                        out.add(f.family_id)
    return out


def _purity(quotes: set[tuple[str, str, str, frozenset[str]]]) -> tuple[int, int, int]:
    """(pairs of quotes from different plans on a shared row, of them same topic, same gold family)."""
    together = same = related = 0
    for (g1, t1, d1, f1), (g2, t2, d2, f2) in combinations(sorted(quotes, key=str), 2):
        if d1 != d2 and f1 & f2:
            together += 1
            same += g1 == g2
            related += t1 == t2
    return together, related, same


def test_pair_recall_on_plans_the_rules_were_not_written_from() -> None:
    """Two figures: a pair is on one row when the units holding its quotes share a family, and, what
    a cell shows, when the quotes overlap the deciding clauses of a shared family. The second is the
    one that counts: a unit that glues a whole chapter of a regulation (its articles unrecognised)
    holds every family of the chapter, and a quote in it is "on the row" for no reason a reader sees."""
    plans, alignment = corpus()
    families_of = _families_of(alignment)
    tally: dict[str, list[bool]] = defaultdict(list)
    by_clause: dict[str, list[bool]] = defaultdict(list)
    for pair in _jsonl(GOLD / "pairs.jsonl"):
        pa, pb = plans[pair["doc_a"]], plans[pair["doc_b"]]
        a = _quote_families(pa, pair["quote_a"], families_of)
        b = _quote_families(pb, pair["quote_b"], families_of)
        clause = _clause_families(pa, pair["quote_a"], alignment) & _clause_families(
            pb, pair["quote_b"], alignment
        )
        for key in ("all", f"half {pair['half']}", pair["kind"], pair["topic"]):
            tally[key].append(bool(a & b))
            by_clause[key].append(bool(clause))
    figures = {k: sum(v) / len(v) for k, v in tally.items()}
    clauses = {k: sum(v) / len(v) for k, v in by_clause.items()}
    print("\npair recall on the new plans (targets: half A 0.90, half B 0.85), by unit | by deciding clause:")
    for key in ("all", "half A", "half B", "half AB", "new~new", "new~seed"):
        n, unit, clause = len(tally[key]), sum(tally[key]), sum(by_clause[key])
        print(f"  {key:9s} {unit}/{n} = {figures[key]:.2f} | {clause}/{n} = {clauses[key]:.2f}")
    print(
        "  by topic: "
        + ", ".join(
            f"{k} {figures[k]:.2f}" for k in sorted(tally) if "_" in k or (k.isalpha() and k != "all")
        )
    )
    # By deciding clause: today's figures. By unit: half B was 67/87 until the articles a database
    # export prints alone on their line were recognised: one pair fewer by unit (a chapter glued into
    # one unit held it), none by clause (49/87 before and after).
    assert clauses["half A"] >= 0.84 and clauses["half B"] >= 0.56 and clauses["all"] >= 0.76
    assert figures["half A"] >= 0.99 and figures["half B"] >= 0.75 and figures["all"] >= 0.88


def test_purity_and_absences_on_the_new_plans() -> None:
    """Purity: of the labelled quotes (from different plans) the tool puts on one row by the clauses
    that decide its cells, the share that carry the same gold family. Absences: a plan the labels say
    lacks a family, shown as holding it."""
    plans, alignment = corpus()
    families_of = _families_of(alignment)
    quotes: set[tuple[str, str, str, frozenset[str]]] = set()  # (gold family, topic, plan, tool families)
    by_words: set[tuple[str, str, str, frozenset[str]]] = set()
    for pair in _jsonl(GOLD / "pairs.jsonl"):
        for side in "ab":
            doc, quote = pair[f"doc_{side}"], pair[f"quote_{side}"]
            found = frozenset(_clause_families(plans[doc], quote, alignment))
            quotes.add((pair["family"], pair["topic"], doc, found))
            words = frozenset(_word_families(plans[doc], quote, alignment))
            by_words.add((pair["family"], pair["topic"], doc, words))
    together, related, same = _purity(quotes)
    purity = related / together if together else 1.0
    w_together, w_related, w_same = _purity(by_words)
    word_purity = w_related / w_together if w_together else 1.0
    # The row(s) showing the absent family: those the present plans' quoted clauses decide (what their
    # cells show). The absent plan is shown holding it when it is on such a row with any measure.
    shown = 0
    absences = _jsonl(GOLD / "absences.jsonl")
    wrong = []
    for absence in absences:
        held = {m for mid in (m.measure_id for m in plans[absence["doc"]].measures) for m in families_of[mid]}
        present = set().union(
            *(_clause_families(plans[p["doc"]], p["quote"], alignment) for p in absence["present_in"])
        )
        shown += bool(held & present)
        if held & present:
            wrong.append(f"{absence['doc'][:40]} {absence['family']} on {sorted(held & present)}")
    rate = shown / len(absences)
    print(
        f"\npurity: labelled quotes on one row (by deciding clauses) that are of related gold families (one "
        f"topic): {related}/{together} = {purity:.3f} (target 0.99); of the same gold family: "
        f"{same}/{together} = {same / max(together, 1):.3f}"
    )
    print(
        f"  by the marked words instead (a quote counts on a row when the words that decided it fall in "
        f"the quote): {w_related}/{w_together} = {word_purity:.3f}; same gold family {w_same}/{w_together}"
    )
    print(f"absences shown as present: {shown}/{len(absences)} = {rate:.2f} (target 0.05)")
    for line in wrong:
        print("  " + line)
    assert purity >= 0.82 and word_purity >= 0.87 and rate <= 0.06
