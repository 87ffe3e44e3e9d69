"""Check tests/gold/plans/pairs.jsonl and absences.jsonl (standard library only).

Every quote must be an exact substring of its file; doc_a != doc_b; topics must be ids of ../topics.md;
half/kind must agree with documents.json (a seed counts as half A); absences' `searched` words must occur
nowhere in the doc. Prints counts per topic, kind, half and strength.  Run: python3 check_pairs.py
"""

from __future__ import annotations

import collections
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
PLANS = ROOT / "tests" / "data" / "plans"
DOCS_IN = ROOT / "docs_in"
MANDATORY = ("delegation", "talent", "land", "finance")


def topic_ids() -> list[str]:
    ids = []
    for line in (HERE.parent / "topics.md").read_text(encoding="utf-8").splitlines():
        m = re.match(r"\|\s*`([a-z_]+)`\s*\|", line)
        if m:
            ids.append(m.group(1))
    return ids


def main() -> int:
    errors: list[str] = []
    topics = topic_ids()
    halves = {d["doc"]: d["half"] for d in json.loads((HERE / "documents.json").read_text(encoding="utf-8"))}
    seeds = {p.name for p in DOCS_IN.glob("*.txt")}
    cache: dict[str, str] = {}

    def text(doc: str) -> str | None:
        if doc not in cache:
            p = PLANS / doc if doc in halves else DOCS_IN / doc if doc in seeds else None
            cache[doc] = p.read_text(encoding="utf-8") if p else None
        return cache[doc]

    def half(doc: str) -> str:
        return halves.get(doc, "A")

    # ------------------------------------------------------------------ pairs
    pairs = [
        json.loads(line)
        for line in (HERE / "pairs.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    fields = {"family", "topic", "doc_a", "quote_a", "doc_b", "quote_b", "strength", "half", "kind"}
    seen = set()
    members = collections.defaultdict(set)
    for i, r in enumerate(pairs, 1):
        where = f"pair {i} ({r.get('family')})"
        if set(r) != fields:
            errors.append(f"{where}: fields {sorted(set(r) ^ fields)}")
            continue
        if r["doc_a"] == r["doc_b"]:
            errors.append(f"{where}: doc_a == doc_b")
        if r["topic"] not in topics:
            errors.append(f"{where}: unknown topic {r['topic']}")
        if r["strength"] not in ("verbatim", "paraphrase"):
            errors.append(f"{where}: strength {r['strength']}")
        for d, q in ((r["doc_a"], r["quote_a"]), (r["doc_b"], r["quote_b"])):
            t = text(d)
            if t is None:
                errors.append(f"{where}: unknown doc {d}")
            elif q not in t:
                errors.append(f"{where}: quote not in {d}: {q}")
            elif not q.strip():
                errors.append(f"{where}: empty quote")
            members[r["family"]].add(d)
        if r["doc_a"] in seeds and r["doc_b"] in seeds:
            errors.append(f"{where}: seed~seed pair (belongs in ../pairs.jsonl)")
        kind = "new~seed" if (r["doc_a"] in seeds or r["doc_b"] in seeds) else "new~new"
        if r["kind"] != kind:
            errors.append(f"{where}: kind {r['kind']} != {kind}")
        ha, hb = half(r["doc_a"]), half(r["doc_b"])
        if r["half"] != (ha if ha == hb else "AB"):
            errors.append(f"{where}: half {r['half']} != {ha}/{hb}")
        key = (r["family"], frozenset([(r["doc_a"], r["quote_a"]), (r["doc_b"], r["quote_b"])]))
        if key in seen:
            errors.append(f"{where}: duplicate pair")
        seen.add(key)
    # a family's pairs share one anchor plan
    anchors = collections.defaultdict(set)
    for r in pairs:
        anchors[r["family"]].add(r["doc_a"])
    for fam, a in anchors.items():
        if len(a) != 1:
            errors.append(f"family {fam}: more than one anchor plan {sorted(a)}")

    # ------------------------------------------------------------------ absences
    absences = [
        json.loads(line)
        for line in (HERE / "absences.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    for i, a in enumerate(absences, 1):
        where = f"absence {i} ({a.get('doc')} / {a.get('family')})"
        missing = {"doc", "family", "topic", "why", "half", "present_in"} - set(a)
        if missing:
            errors.append(f"{where}: missing {sorted(missing)}")
            continue
        t = text(a["doc"])
        if t is None:
            errors.append(f"{where}: unknown doc")
            continue
        if a["topic"] not in topics:
            errors.append(f"{where}: unknown topic {a['topic']}")
        if a["half"] != half(a["doc"]):
            errors.append(f"{where}: half {a['half']} != {half(a['doc'])}")
        if not 1 <= len(a["present_in"]) <= 2:
            errors.append(f"{where}: present_in must list one or two files")
        for p in a["present_in"]:
            pt = text(p["doc"])
            if p["doc"] == a["doc"]:
                errors.append(f"{where}: present_in names the doc itself")
            elif pt is None or p["quote"] not in pt:
                errors.append(f"{where}: quote not in {p['doc']}: {p['quote']}")
        for w in a.get("searched", []):
            if w in t:
                errors.append(f"{where}: searched word occurs in the doc: {w}")
        if a["doc"] in members.get(a["family"], ()):
            errors.append(f"{where}: the doc has a pair in this family")

    # ------------------------------------------------------------------ report
    C = collections.Counter
    print(f"pairs: {len(pairs)} in {len(members)} families; absences: {len(absences)}")
    print("pairs per topic:", dict(C(r["topic"] for r in pairs).most_common()))
    print("pairs per kind: ", dict(C(r["kind"] for r in pairs)))
    print("pairs per half: ", dict(C(r["half"] for r in pairs)))
    print("pairs per strength:", dict(C(r["strength"] for r in pairs)))
    print("kind x half:", dict(C((r["kind"], r["half"]) for r in pairs)))
    print("absences per topic:", dict(C(a["topic"] for a in absences).most_common()))
    print("absences per half: ", dict(C(a["half"] for a in absences)))
    lens = sorted(len(q) for r in pairs for q in (r["quote_a"], r["quote_b"]))
    print(f"quote length: min {lens[0]}, median {lens[len(lens) // 2]}, max {lens[-1]}")
    docs = C()
    for r in pairs:
        docs[r["doc_a"]] += 1
        docs[r["doc_b"]] += 1
    print("plans without a pair:", sorted(set(halves) - set(docs)) or "none")

    # targets of the labelling brief
    t = C(r["topic"] for r in pairs)
    k = C(r["kind"] for r in pairs)
    h = C(r["half"] for r in pairs)
    goals = [
        (len(pairs) >= 150, "at least 150 pairs"),
        (set(t) == set(topics), "all 13 topics"),
        (all(t[m] >= 12 for m in MANDATORY), "12+ pairs per mandatory topic"),
        (k["new~new"] >= 70, "70+ new~new"),
        (k["new~seed"] >= 50, "50+ new~seed"),
        (all(h[x] for x in ("A", "B", "AB")), "pairs within A, within B and across"),
        (len(absences) >= 40, "at least 40 absences"),
    ]
    for ok, what in goals:
        if not ok:
            errors.append(f"target not met: {what}")
    if errors:
        print(f"\n{len(errors)} error(s):")
        print("\n".join(errors))
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
