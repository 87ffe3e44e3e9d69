"""A random sample of the new plans' measures with their attributes, judged by reading (issue 18's figure).

The 24 plans of ``tests/data/plans/`` are built on their own (``compare.build``, data export) and a
fixed-seed random sample of their measures (kind measure) is drawn with the bindingness and quantified
targets the tool gives them. A reader judged every row against the plan: whether the bindingness is
right (the levels of ``compare/data/attributes.yaml``, see ``tests/data/judged/PROTOCOL.md``) and every
quantity (value, unit, year) the measure's text states. ``tests/data/judged/attributes.jsonl`` keeps the
rows with the verdicts and a reason each; ``tests/test_judged_attributes.py`` matches them to today's
measures (by plan file and measure text) and prints bindingness accuracy and target precision/recall.

The random sample holds few quantities (most measures state none), so targets are also judged on every
measure of the 24 whose text holds a numeral (a census: ``tests/data/judged/quantities.jsonl``, the
same fields, bindingness not judged); a quantity needs a numeral, so the census holds every quantity.

To draw the sample, or list the census (rows without verdicts; then judge every row by reading the plan):

    .venv/bin/python -m tests.judged_attributes draw 60 > /tmp/attributes.jsonl
    .venv/bin/python -m tests.judged_attributes census > /tmp/quantities.jsonl
    .venv/bin/python -m tests.judged_attributes check 30 > /tmp/attributes_check_a.jsonl
"""

from __future__ import annotations

import json
import random
import re
import shutil
import sys
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

from compare.build import build
from compare.config import Settings

from .judged import JUDGED, PLANS_DIR, _csv, halves
from .seeds import CORPUS_DIR

SEED = 20261218
PATH = JUDGED / "attributes.jsonl"
QUANTITIES = JUDGED / "quantities.jsonl"
# the same census of D, the 14 State Council documents of tests/data/corpus built on their own
QUANTITIES_D = JUDGED / "quantities_d.jsonl"
# a second sample of half A only (seed SEED + 1, rows of the first left out), judged after the rules were
# changed on the first: how the changes carry to measures they were not made on
CHECK_A = JUDGED / "attributes_check_a.jsonl"
# a numeral a quantity may be written with: digits, Chinese numerals, 一 before a unit of time (一年内);
# 一 alone is in too many words (统一, 进一步) to count
NUMERAL = re.compile(r"\d|[二三四五六七八九十百千万亿两〇零]|一\s*(?:年|个月|日|天|倍)")
# two values are the same quantity when they differ by less than this share (1.5亿 read as 150000000.0)
VALUE_TOLERANCE = 1e-6


@lru_cache(maxsize=2)
def measures(folder: Path = PLANS_DIR) -> list[dict[str, Any]]:
    """The measures (kind measure) of the plans of ``folder`` (the 24 new plans, or the corpus: D) built
    alone, with bindingness and targets."""
    with tempfile.TemporaryDirectory() as tmp:
        inp = Path(tmp) / "docs_in"
        inp.mkdir()
        for p in folder.iterdir():
            if p.suffix in (".txt", ".html"):
                shutil.copy(p, inp / p.name)
        build(Settings(input_dir=inp, output_dir=Path(tmp) / "reports", formats=("data",), jobs=1))
        data = Path(tmp) / "reports" / "current" / "data"
        files = {r["plan_id"]: r["source_file"] for r in _csv(data / "documents.csv")}
        rows = _csv(data / "measures.csv")
    half = halves() if folder == PLANS_DIR else {}
    return [
        {
            "file": files[m["plan_id"]],
            "half": half.get(files[m["plan_id"]], "D" if folder == CORPUS_DIR else ""),
            "measure_id": m["measure_id"],
            "path": m["path"],
            "heading": m["heading"],
            "text": m["text"],
            "bindingness": m["bindingness"],
            "targets": [
                {k: t[k] for k in ("text", "value", "unit", "year")} for t in json.loads(m["targets"] or "[]")
            ],
        }
        for m in rows
        if m["kind"] == "measure"
    ]


def key(row: dict[str, Any]) -> tuple[str, str]:
    """What identifies a judged row among today's measures: its plan file and its text."""
    return (row["file"], row["text"])


def judged(path: Path = PATH) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def census(folder: Path = PLANS_DIR) -> list[dict[str, Any]]:
    """Every measure whose text holds a numeral, in plan order."""
    return sorted(
        (m for m in measures(folder) if NUMERAL.search(m["text"])), key=lambda m: (m["half"], *key(m))
    )


def same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Two targets state the same quantity: value (within rounding), unit and year."""
    va, vb = float(a["value"]), float(b["value"])
    close = abs(va - vb) <= VALUE_TOLERANCE * max(abs(va), abs(vb), 1.0)
    return close and a["unit"] == b["unit"] and a.get("year") == b.get("year")


def matched(found: list[dict[str, Any]], truth: list[dict[str, Any]]) -> int:
    """How many found targets pair one-to-one with a true one."""
    left = list(truth)
    hits = 0
    for t in found:
        for i, u in enumerate(left):
            if same(t, u):
                hits += 1
                del left[i]
                break
    return hits


def draw(size: int) -> list[dict[str, Any]]:
    rows = sorted(measures(), key=key)
    return random.Random(SEED).sample(rows, min(size, len(rows)))


def draw_check(size: int) -> list[dict[str, Any]]:
    """The check sample: half A measures not in the judged sample."""
    seen = {key(r) for r in judged()}
    rows = sorted((m for m in measures() if m["half"] == "A" and key(m) not in seen), key=key)
    return random.Random(SEED + 1).sample(rows, min(size, len(rows)))


if __name__ == "__main__":
    command, *size = sys.argv[1:]
    assert command in ("draw", "census", "census-d", "check")
    if command.startswith("census"):
        rows = census(CORPUS_DIR if command == "census-d" else PLANS_DIR)
    else:
        rows = {"draw": draw, "check": draw_check}[command](int(size[0]))
    blank = {"binding_right": None, "binding": "", "true_targets": [], "reason": ""}
    if command.startswith("census"):
        blank = {"true_targets": [], "reason": ""}
    for n, row in enumerate(rows, 1):
        print(json.dumps({"n": n, **row, **blank}, ensure_ascii=False))
