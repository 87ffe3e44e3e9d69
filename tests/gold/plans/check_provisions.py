"""Check tests/gold/plans/provisions.jsonl against the plan files and the topic codebook.

Standard library only. Run from anywhere: ``python3 tests/gold/plans/check_provisions.py``
(``--gaps`` also lists the text between consecutive provisions: number tokens, chapter
headings, site noise - useful when a quote is moved).

Verified, per plan:
- every row has the fields of ../provisions.jsonl plus ``half``; doc names a file in
  tests/data/plans/ and half matches documents.json;
- seq runs 1..n in file order;
- start_quote / end_quote are 12-character exact slices of the raw file; a provision's start is
  found as the evaluation finds it (``raw.find(start_quote, previous_start)``), its end is the last
  occurrence of end_quote before the next provision's start, so provisions are in order and do
  not overlap;
- kind is measure or context; context has no topics, a measure has one or more topic ids of
  tests/gold/topics.md (or ["unclassified"] alone), without repeats.
Prints counts per half, per kind, per topic (primary and any position) and per plan.
Exit status 1 on any error.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
GOLD = HERE.parent
PLANS = GOLD.parent / "data" / "plans"
FIELDS = [
    "doc",
    "seq",
    "path",
    "label",
    "heading",
    "start_quote",
    "end_quote",
    "kind",
    "topics",
    "notes",
    "half",
]
QUOTE_LEN = 12


def topic_ids() -> list[str]:
    """The 13 fixed ids, read from the codebook table (first column, in backticks)."""
    text = (GOLD / "topics.md").read_text(encoding="utf-8")
    ids = re.findall(r"^\| `([a-z_]+)` \|", text, re.M)
    if len(ids) != 13:
        raise SystemExit(f"expected 13 topic ids in topics.md, found {len(ids)}")
    return ids


def main(argv: list[str]) -> int:
    show_gaps = "--gaps" in argv
    ids = topic_ids()
    valid = set(ids) | {"unclassified"}
    halves = {d["doc"]: d["half"] for d in json.loads((HERE / "documents.json").read_text(encoding="utf-8"))}
    rows = [json.loads(line) for line in (HERE / "provisions.jsonl").read_text(encoding="utf-8").splitlines()]
    errors: list[str] = []

    def err(row: dict, msg: str) -> None:
        errors.append(f"{row.get('doc', '?')} #{row.get('seq', '?')} {row.get('label', '')}: {msg}")

    by_doc: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        if list(row) != FIELDS:
            err(row, f"fields {list(row)} != {FIELDS}")
            continue
        by_doc[row["doc"]].append(row)

    for doc, provs in by_doc.items():
        path = PLANS / doc
        if not path.is_file():
            errors.append(f"{doc}: no such plan file")
            continue
        raw = path.read_text(encoding="utf-8")
        if [p["seq"] for p in provs] != list(range(1, len(provs) + 1)):
            errors.append(f"{doc}: seq is not 1..{len(provs)} in order")
        starts: list[int] = []
        cursor = 0
        for p in provs:
            if p["half"] != halves.get(doc):
                err(p, f"half {p['half']} != documents.json {halves.get(doc)}")
            for key in ("start_quote", "end_quote"):
                if not isinstance(p[key], str) or len(p[key]) != QUOTE_LEN:
                    err(p, f"{key} is not a {QUOTE_LEN}-character string")
            if not isinstance(p["path"], list) or not p["path"] or p["path"][-1] != p["label"]:
                err(p, "path must be a list ending with the label")
            k = raw.find(p["start_quote"], cursor)
            if k < 0 or (starts and k <= starts[-1]):
                err(p, f"start_quote {p['start_quote']!r} not found after the previous provision")
                k = cursor
            starts.append(k)
            cursor = k
        for i, p in enumerate(provs):
            s = starts[i]
            bound = starts[i + 1] if i + 1 < len(provs) else len(raw)
            e = raw.rfind(p["end_quote"], s, bound)
            if e < 0:
                err(p, f"end_quote {p['end_quote']!r} not inside the provision (before the next start)")
            elif show_gaps and bound - (e + QUOTE_LEN) > 0:
                gap = raw[e + QUOTE_LEN : bound].strip()
                if gap:
                    print(f"gap {doc[:40]} after #{p['seq']}: {gap[:80]!r}")
            kind, topics = p["kind"], p["topics"]
            if kind not in ("measure", "context"):
                err(p, f"kind {kind!r}")
            if not isinstance(topics, list) or len(set(topics)) != len(topics):
                err(p, "topics must be a list without repeats")
                continue
            bad = [t for t in topics if t not in valid]
            if bad:
                err(p, f"unknown topic ids {bad}")
            if kind == "context" and topics:
                err(p, "context must have no topics")
            if kind == "measure" and not topics:
                err(p, "a measure needs a topic (or ['unclassified'])")
            if "unclassified" in topics and len(topics) > 1:
                err(p, "unclassified stands alone")

    if errors:
        print(f"{len(errors)} error(s):")
        for e in errors:
            print("  " + e)
        return 1

    print(f"OK: {len(rows)} provisions in {len(by_doc)} plans; every quote is an exact slice, in order")
    print()
    print(f"{'half':<6}{'plans':>6}{'provs':>7}{'measure':>9}{'context':>9}")
    for half in sorted({p["half"] for p in rows}):
        hr = [p for p in rows if p["half"] == half]
        kinds = Counter(p["kind"] for p in hr)
        docs = {p["doc"] for p in hr}
        print(f"{half:<6}{len(docs):>6}{len(hr):>7}{kinds['measure']:>9}{kinds['context']:>9}")
    kinds = Counter(p["kind"] for p in rows)
    print(f"{'all':<6}{len(by_doc):>6}{len(rows):>7}{kinds['measure']:>9}{kinds['context']:>9}")
    print()
    print(f"{'topic':<14}{'A prim':>7}{'A any':>7}{'B prim':>7}{'B any':>7}{'prim':>6}{'any':>6}")
    for t in [*ids, "unclassified"]:
        cells = []
        for half in ("A", "B", None):
            hr = [p for p in rows if half is None or p["half"] == half]
            prim = sum(bool(p["topics"]) and p["topics"][0] == t for p in hr)
            anyp = sum(t in p["topics"] for p in hr)
            cells += [prim, anyp]
        print(f"{t:<14}{cells[0]:>7}{cells[1]:>7}{cells[2]:>7}{cells[3]:>7}{cells[4]:>6}{cells[5]:>6}")
    print()
    print(f"{'half':<5}{'plan':<62}{'provs':>6}{'meas':>6}{'ctx':>5}")
    for doc, provs in by_doc.items():
        kinds = Counter(p["kind"] for p in provs)
        print(f"{provs[0]['half']:<5}{doc:<62}{len(provs):>6}{kinds['measure']:>6}{kinds['context']:>5}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
