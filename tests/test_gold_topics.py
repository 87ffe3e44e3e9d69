"""Gold evaluation: the five seed plans through read_document → parse_outline → extract_measures,
measured against tests/gold/provisions.jsonl (run with -s to see the figures).

Each gold provision runs from its start_quote to the next provision's start. A provision's predicted
kind is `measure` when any of its units is a measure; its predicted topics are the measures' tags
aggregated by ``compare.topics.aggregate`` (summed evidence, primary = strongest).

A measure is assigned to the provision holding most of its raw span.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

from compare.analyse import analyse_file
from compare.model import Document, Measure, Section
from compare.topics import MANDATORY, TOPIC_IDS, aggregate, load_codebook

from .conftest import DOCS_IN, GOLD_DIR, load_jsonl

# --- the pipeline ------------------------------------------------------------------------------


def pipeline(path: Path) -> tuple[Document, list[Section], list[Measure]]:
    """Measures of one seed through the real stages, as the build runs them."""
    plan = analyse_file(path, path.parent)
    return plan.document, plan.sections, plan.measures


# --- evaluation ----------------------------------------------------------------------------------


@dataclass
class Judged:
    gold: dict
    units: list[Measure]
    kind: str  # predicted
    topics: list[str]  # predicted, primary first


def judge_seed(gold_name: str, path: Path) -> list[Judged]:
    doc, _, measures = pipeline(path)
    raw = doc.raw_text
    provs = [p for p in load_jsonl(GOLD_DIR / "provisions.jsonl") if p["doc"] == gold_name]
    starts, cursor = [], 0
    for p in provs:
        cursor = raw.find(p["start_quote"], cursor)
        starts.append(cursor)
    return judge_provisions(provs, starts, len(raw), measures)


def judge_provisions(
    provs: list[dict], starts: list[int], raw_len: int, measures: list[Measure]
) -> list[Judged]:
    """Each provision runs from its start to the next one's; a unit goes to the provision holding most of
    it; a provision's topics are its measures' tags aggregated (see module docstring)."""
    cb = load_codebook()
    bounds = [*starts[1:], raw_len][: len(starts)]  # none for a document without labelled provisions
    units: dict[int, list[Measure]] = defaultdict(list)
    for m in measures:
        # the provision holding most of the unit
        best, best_overlap = None, 0
        for i, (s, e) in enumerate(zip(starts, bounds, strict=True)):
            overlap = min(e, m.end) - max(s, m.start)
            if overlap > best_overlap:
                best, best_overlap = i, overlap
        if best is not None:
            units[best].append(m)
    out = []
    for i, p in enumerate(provs):
        us = units.get(i, [])
        ms = [u for u in us if u.kind == "measure"]
        kind = "measure" if ms else ("context" if us else "missing")
        tags = aggregate([m.topics for m in ms], cb) if ms else []
        topics = [t.topic for t in tags if t.topic != "unclassified"]
        out.append(Judged(p, us, kind, topics))
    return out


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


@pytest.fixture(scope="module")
def judged(seed_paths: dict[str, Path]) -> list[Judged]:
    return [j for gold_name, path in seed_paths.items() for j in judge_seed(gold_name, path)]


@dataclass
class Scores:
    tp: Counter[str]
    fp: Counter[str]
    fn: Counter[str]
    f1s: dict[str, float]
    macro: float  # over the topics the gold holds
    n_topics: int
    micro: float
    example: float  # mean per-measure F1 of the topic sets
    primary_ok: int
    n_measure: int
    kind_ok: int


def score(rows: list[Judged]) -> Scores:
    """Per-topic counts over all provisions (a context provision predicted with topics counts as false
    positives); macro-F1 over the topics the gold holds."""
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    ex_f1 = []
    primary_ok = 0
    n_measure = 0
    for j in rows:
        gold = set(j.gold["topics"])
        pred = set(j.topics)
        for t in TOPIC_IDS:
            tp[t] += t in gold and t in pred
            fp[t] += t not in gold and t in pred
            fn[t] += t in gold and t not in pred
        if j.gold["kind"] == "measure":
            n_measure += 1
            ex_f1.append(2 * len(gold & pred) / (len(gold) + len(pred)) if gold or pred else 1.0)
            primary_ok += bool(j.topics) and bool(j.gold["topics"]) and j.topics[0] == j.gold["topics"][0]
    occurring = [t for t in TOPIC_IDS if tp[t] + fn[t] > 0]
    f1s = {t: prf(tp[t], fp[t], fn[t])[2] for t in TOPIC_IDS}
    macro = sum(f1s[t] for t in occurring) / len(occurring) if occurring else 0.0
    _, _, micro = prf(sum(tp.values()), sum(fp.values()), sum(fn.values()))
    example = sum(ex_f1) / len(ex_f1) if ex_f1 else 0.0
    kind_ok = sum(j.kind == j.gold["kind"] for j in rows)
    return Scores(tp, fp, fn, f1s, macro, len(occurring), micro, example, primary_ok, n_measure, kind_ok)


def print_topic_table(sc: Scores) -> None:
    print(f"{'topic':<14}{'gold':>5}{'pred':>5}{'P':>7}{'R':>7}{'F1':>7}")
    for t in TOPIC_IDS:
        p, r, f = prf(sc.tp[t], sc.fp[t], sc.fn[t])
        mark = " *" if t in MANDATORY else ""
        print(f"{t:<14}{sc.tp[t] + sc.fn[t]:>5}{sc.tp[t] + sc.fp[t]:>5}{p:>7.3f}{r:>7.3f}{f:>7.3f}{mark}")


def print_misses(rows: list[Judged]) -> None:
    for j in rows:
        if j.kind != j.gold["kind"] or set(j.topics) != set(j.gold["topics"]):
            g = j.gold
            print(
                f"  {g['doc'][:3]} #{g['seq']:<3} {g['label']:<8} {str(g['heading'])[:16]:<16} "
                f"gold {g['kind'][:4]} {g['topics']}  pred {j.kind[:4]} {j.topics}"
            )


def test_gold_topics_and_kinds(judged: list[Judged]) -> None:
    """The figures the tool is held to on the five seeds (printed with -s)."""
    rows = judged
    print(
        f"\n== gold evaluation on {len(rows)} provisions (read_document → parse_outline → extract_measures)"
    )
    sc = score(rows)
    kind_acc = sc.kind_ok / len(rows)
    print_topic_table(sc)
    n_units = sum(len(j.units) for j in rows)
    print(
        f"macro-F1 {sc.macro:.3f} over {sc.n_topics} topics | micro-F1 {sc.micro:.3f} "
        f"| example-F1 {sc.example:.3f}"
    )
    print(
        f"primary topic right {sc.primary_ok}/{sc.n_measure} "
        f"| kind accuracy {kind_acc:.3f} ({sc.kind_ok}/{len(rows)})"
    )
    print(f"units: {n_units} for {len(rows)} provisions")
    print_misses(rows)
    assert kind_acc >= 0.95
    assert sc.macro >= 0.85
    for t in MANDATORY:
        assert sc.f1s[t] >= 0.90, t


def test_every_provision_has_units(judged: list[Judged]) -> None:
    """Every numbered item of every seed yields at least one measure or is context: nothing dropped."""
    rows = judged
    missing = [(j.gold["doc"][:3], j.gold["seq"]) for j in rows if j.kind == "missing"]
    assert not missing


def test_gold_file_is_the_one_described() -> None:
    rows = load_jsonl(GOLD_DIR / "provisions.jsonl")
    assert len(rows) == 136
    assert {t for r in rows for t in r["topics"]} <= set(TOPIC_IDS)
    assert json.loads((GOLD_DIR / "documents.json").read_text(encoding="utf-8"))
    assert Path(DOCS_IN).is_dir()
