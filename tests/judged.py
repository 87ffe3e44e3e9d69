"""Random samples of what the reports claim, judged by reading the plans (issue 17's figures).

Three sets are built the way an analyst builds them (``compare.build``, data exports):

- ``five``: the five seed plans of ``docs_in/``;
- ``new``: the 24 plans of ``tests/data/plans/`` on their own;
- ``new+five``: the 24 together with the five (rows of the 24 only): gaps and unique claims depend on
  the peers, and the 24 alone make fewer of them than the issue's sample sizes, so both builds are judged;
- ``c+five``: the 12 plans of half C (``tests/data/plans_c/``) with the five (rows of the 12 only): a
  reading of families and gaps on plans the catalogue was not written from.

From each, fixed-seed random samples are drawn of family memberships (a clause filed in a family),
gaps (a plan shown lacking a family its peers hold) and unique claims (a family only one plan holds).
A reader judged every row against the texts; ``tests/data/judged/<set>/<kind>.jsonl`` keeps each row
with its verdict and a reason. ``tests/test_judged.py`` rebuilds the sets, finds which judged rows are
still produced and prints the precision over them.

To draw a sample (rows without verdicts; then judge every row by reading the plan):

    .nox/tests/bin/python -m tests.judged draw new memberships 120 > /tmp/memberships.jsonl

Later samples are drawn from later builds when the fixes have changed what the tool claims
(``draw2`` … ``draw4``: ``<set>/<kind>.s2.jsonl`` … ``.s4.jsonl``), with the first sample's seeds plus
1000 per sample; a row judged before keeps its verdict.
"""

from __future__ import annotations

import csv
import json
import random
import shutil
import sys
import tempfile
from functools import lru_cache
from pathlib import Path

from compare.build import build
from compare.config import Settings
from compare.render.exports.csv_files import CSV_FORMULA_PREFIXES

from .seeds import DOCS_IN, ROOT

PLANS_DIR = ROOT / "tests" / "data" / "plans"
PLANS_C_DIR = ROOT / "tests" / "data" / "plans_c"
JUDGED = ROOT / "tests" / "data" / "judged"
SEEDS = {"memberships": 20261207, "gaps": 20261208, "unique": 20261209}
KINDS = ("memberships", "gaps", "unique")
SETS = ("five", "new", "new+five", "c+five")
# Verdicts: a membership is right (the clause does what the family is about), borderline (the family's
# words are there, not its action: a list item, a heading or goal, a cited title, a neighbouring family)
# or wrong. A gap is true (the plan is silent), mentioned (touched in passing, in a list or context, or
# deferred to another document) or false (the plan has the measure). A unique claim is right or wrong
# (another plan has it in other words).
VERDICTS = {
    "memberships": ("right", "borderline", "wrong"),
    "gaps": ("true", "mentioned", "false"),
    "unique": ("right", "wrong"),
}


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def halves() -> dict[str, str]:
    """file name -> half (A or B) of the new plans, from the table of tests/data/plans/SOURCES.md."""
    out = {}
    for line in (PLANS_DIR / "SOURCES.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) > 2 and cells[-1] in ("A", "B") and "." in cells[0]:
            out[cells[0]] = cells[-1]
    return out


def _plan_files(which: str) -> list[Path]:
    """The plan files of a set besides the five."""
    folder = PLANS_C_DIR if which == "c+five" else PLANS_DIR
    return [p for p in folder.iterdir() if p.suffix in (".txt", ".html")] if which != "five" else []


@lru_cache(maxsize=4)
def produced(which: str) -> dict[str, list[dict[str, str]]]:
    """The rows the reports of a set claim today, by kind, keyed as judged rows are."""
    with tempfile.TemporaryDirectory() as tmp:
        inp = Path(tmp) / "docs_in"
        inp.mkdir()
        if which != "new":
            for p in DOCS_IN.iterdir():
                shutil.copy(p, inp / p.name)
        for p in _plan_files(which):
            shutil.copy(p, inp / p.name)
        build(Settings(input_dir=inp, output_dir=Path(tmp) / "reports", formats=("data",), jobs=1))
        data = Path(tmp) / "reports" / "current" / "data"
        tables = {
            name: _csv(data / f"{name}.csv") for name in ("family_members", "gaps", "unique", "families")
        }
        files = {r["plan_id"]: r["source_file"] for r in _csv(data / "documents.csv")}
    own = {p.name for p in _plan_files(which)}
    keep = {p for p, f in files.items() if f in own} if which != "five" else set(files)
    names = {f["family_id"]: f for f in tables["families"]}
    clauses: dict[tuple[str, str], str] = {}  # (family, measure) -> deciding clause
    memberships = []
    for m in tables["family_members"]:
        clauses.setdefault((m["family_id"], m["measure_id"]), m["clause"])
        if m["plan_id"] not in keep:
            continue
        words = _marked_words(m)
        memberships.append(
            {
                **_family(names[m["family_id"]]),
                "plan_id": m["plan_id"],
                "file": files[m["plan_id"]],
                "clause": m["clause"],
                "words": "、".join(w for w in words if w),
                "basis": m["basis"],
            }
        )
    gaps = [
        {
            **_family(names[g["family_id"]]),
            "plan_id": g["plan_id"],
            "file": files[g["plan_id"]],
            "peers": f"{g['peers_with']}/{g['peers_total']}",
            "peer_file": files[g["best_peer_measure_id"].split("/")[0]],
            "peer_wording": clauses.get((g["family_id"], g["best_peer_measure_id"]), ""),
        }
        for g in tables["gaps"]
        if g["plan_id"] in keep
    ]
    unique = [
        {
            **_family(names[u["family_id"]]),
            "plan_id": u["plan_id"],
            "file": files[u["plan_id"]],
            "clause": clauses.get((u["family_id"], u["measure_ids"].split(";")[0]), ""),
        }
        for u in tables["unique"]
        if u["plan_id"] in keep
    ]
    return {"memberships": memberships, "gaps": gaps, "unique": unique}


def _marked_words(member: dict[str, str]) -> list[str]:
    """The decisive words of a membership row, for the reader: cut from its clause by the marks' raw
    offsets where the clause's text is as long as its raw span (nothing mended or removed inside it,
    the CSV's formula guard taken off), else the row's evidence."""
    clause = member["clause"]
    if clause.startswith("'") and clause[1:2] in CSV_FORMULA_PREFIXES:
        clause = clause[1:]
    start, end = int(member["clause_start"] or 0), int(member["clause_end"] or 0)
    if len(clause) != end - start:
        return [member["evidence"]]
    return [clause[a - start : b - start] for a, b in json.loads(member["marks"] or "[]")]


def _family(row: dict[str, str]) -> dict[str, str]:
    return {
        "family_id": row["family_id"],
        "name": row["name"],
        "gloss": row["gloss"],
        "source": row["source"],
    }


def key(kind: str, row: dict[str, str]) -> tuple[str, ...]:
    """What identifies a judged row among today's rows: a membership by its deciding clause."""
    if kind == "memberships":
        return (row["family_id"], row["plan_id"], row["clause"])
    return (row["family_id"], row["plan_id"])


def judged(which: str, kind: str, part: str = "") -> list[dict[str, str]]:
    """The judged rows of a set and kind: the random sample, ``part="new"``: every row the build
    produced that it did not produce when the sample was drawn (the claims later fixes brought), or
    ``part="s2"`` … ``"s4"``: a later random sample, drawn from a later build (see PROTOCOL.md)."""
    path = JUDGED / which / (f"{kind}.{part}.jsonl" if part else f"{kind}.jsonl")
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


# a later sample's seeds are the first's plus this per sample: a new draw from the later build's rows
SECOND = 1000
# the later samples, oldest first (``draw2`` writes s2, ``draw3`` s3, ``draw4`` s4, ``draw5`` s5)
LATER = ("s2", "s3", "s4", "s5")


def draw(which: str, kind: str, size: int, offset: int = 0) -> list[dict[str, str]]:
    """A fixed-seed random sample of today's rows (proposed families' memberships included)."""
    rows = sorted(produced(which)[kind], key=lambda r: key(kind, r))
    rng = random.Random(SEEDS[kind] + SETS.index(which) + offset)
    return rng.sample(rows, min(size, len(rows)))


def carried(which: str, kind: str) -> dict[tuple[str, ...], dict[str, str]]:
    """Verdicts already given to a row (same family, plan and deciding clause), by key."""
    return {key(kind, r): r for part in ("", "new", *LATER) for r in judged(which, kind, part)}


if __name__ == "__main__":
    _, command, which, kind, size = sys.argv
    assert command in ("draw", *(f"draw{p[1:]}" for p in LATER)) and which in SETS and kind in KINDS
    # drawN: the N-th sample; a row judged before keeps its verdict and reason (the same clause read the
    # same way), the others are left to be judged
    number = int(command[4:] or 1)
    known = carried(which, kind) if number > 1 else {}
    for row in draw(which, kind, int(size), SECOND * (number - 1)):
        before = known.get(key(kind, row))
        verdict, reason = (before["verdict"], before["reason"]) if before else ("", "")
        print(json.dumps({"n": 0, **row, "verdict": verdict, "reason": reason}, ensure_ascii=False))
