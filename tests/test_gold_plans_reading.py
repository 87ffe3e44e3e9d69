"""How the tool reads plans it was not written from (tests/data/plans, labelled before the tool ran on
them; tests/gold/plans): top-level sections, measure/context per labelled provision and titles, per half
and per kind of document.

Halves A and C (tests/data/plans_c, gathered later, labelled in tests/gold/plans_c) are those rules may
be tuned on; half B is reported apart. D is the shared corpus of 14 State Council documents
(tests/data/corpus, labelled in tests/gold/corpus): national 意见, 通知, 批复, a 决定 and a 通报, not
zone plans, a yardstick of the policy field rules may be written from. Run with ``-s`` to see the figures.
The floors asserted are the figures at the time they were last raised (no regression); the targets of
issue 18 (top-level sections 0.98 on both halves, measure/context accuracy 0.97) are printed beside them.

- Top-level sections: the sections at the top level of the tool's outline whose label is of the
  document's top level (第X章; else 第X条 for a 条例 without chapters; else 一、), against
  ``n_top_sections`` of documents.json. A document scores min(found, gold) / max(found, gold) summed
  over documents, so both missed and spurious sections count.
- Measure/context: per labelled provision, the tool's unit holding the start of its ``start_quote``
  (the quote opens with the number token, which the unit does not hold, so: the unit holding that
  position, else the first unit starting after it and before the next provision); its kind against the
  label's. No unit there counts as wrong.
- Titles: exact, after removing whitespace; a document without a printed title must get none.
- Metadata fields (``test_metadata_fields``): title as above; issuer and 文号 exact after removing
  whitespace, in the file's script as the labels keep it (國務院, 國函〔1992〕169號); the main date exact
  (ISO) and its kind (the first word of the label's ``date_kind``: signed, adopted, posted, in_force; none
  when no main date is printed); jurisdiction exact (simplified, as labelled); zone type: the kind of zone,
  i.e. the label without its bracketed zone name and without a level prefix (国家级, 市级, 自治区级 …),
  against the tool's zone type; draft flag; cited documents as a set of titles (whitespace, 《》 removed,
  compared simplified and half-width): right when the sets are equal, plus pooled precision and recall
  per half. The issue's target is every field right on half A and >= 0.95 on half B.
"""

from __future__ import annotations

import html
import json
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from compare.analyse import analyse_file
from compare.model import Measure, Metadata, PlanAnalysis
from compare.text import match_text

from .seeds import ROOT

PLANS_DIR = ROOT / "tests" / "data" / "plans"
GOLD = ROOT / "tests" / "gold" / "plans"
# (plans, their labels) of each set: halves A and B, then half C, then D: the State Council corpus
SETS = (
    (PLANS_DIR, GOLD),
    (ROOT / "tests" / "data" / "plans_c", ROOT / "tests" / "gold" / "plans_c"),
    (ROOT / "tests" / "data" / "corpus", ROOT / "tests" / "gold" / "corpus"),
)
HALVES = "ABCD"
KINDS = ("条例", "批复", "通知", "意见", "方案", "决定", "通报")
TARGETS = {"top-level sections": 0.98, "measure/context": 0.97, "titles": None}
# Today's figures (half A, half B, half C, D): a change may raise them, never lower them. D's are its
# first reading (tests/gold/corpus/README.md): no rule had been written from its labels.
FLOORS = {
    "top-level sections": (1.0, 1.0, 0.98, 1.0),
    "measure/context": (0.99, 0.96, 0.96, 0.96),
    "titles": (1.0, 0.91, 1.0, 0.85),
}
METADATA_FIELDS = ("title", "issuer", "doc_number", "date", "date_kind", "jurisdiction", "zone_type", "draft")
METADATA_TARGETS = (1.0, 0.95, 1.0, 1.0)  # every field right on the tuning halves, >= 0.95 on half B
# Today's figures per field and overall (half A, half B, half C, D); "cited" is the documents whose cited
# set is right.
METADATA_FLOORS = {
    "title": (1.0, 0.91, 1.0, 0.85),
    "issuer": (1.0, 1.0, 1.0, 1.0),
    "doc_number": (1.0, 1.0, 1.0, 1.0),
    "date": (1.0, 0.91, 1.0, 1.0),
    "date_kind": (1.0, 0.91, 1.0, 1.0),
    "jurisdiction": (0.91, 0.83, 0.75, 0.78),
    "zone_type": (0.91, 0.75, 0.66, 0.85),
    "draft": (1.0, 1.0, 1.0, 1.0),
    "cited": (1.0, 0.83, 0.83, 0.71),
    "all fields": (0.98, 0.9, 0.91, 0.91),
}
CITED_FLOORS = {"precision": (1.0, 0.33, 0.91, 0.87), "recall": (1.0, 0.5, 0.78, 0.77)}


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@lru_cache(maxsize=1)
def _plans() -> dict[str, PlanAnalysis]:
    return {
        p.name: analyse_file(p, plans)
        for plans, _gold in SETS
        for p in sorted(plans.iterdir())
        if p.name != "SOURCES.md"
    }


@lru_cache(maxsize=1)
def _documents() -> dict[str, dict]:
    return {
        d["doc"]: d
        for _plans, gold in SETS
        for d in json.loads((gold / "documents.json").read_text(encoding="utf-8"))
    }


def _provisions() -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = defaultdict(list)
    for _plans, gold in SETS:
        for p in _jsonl(gold / "provisions.jsonl"):
            out[p["doc"]].append(p)
    return out


def _as_read(quote: str, fmt: str) -> str:
    """A quote of the file as the tool's raw text holds it: an HTML quote without its tags and with its
    entities decoded (a tag or an entity cut at either end of the quote dropped)."""
    if fmt != "html":
        return quote
    text = re.sub(r"<[^<>]*>|<[^<>]*$|^[^<>]*>", "", quote)
    text = re.sub(r"&#?\w*$", "", text)
    return html.unescape(text)


def top_style(doc: dict, provisions: list[dict]) -> str:
    """The numbering style of the document's top level, from its labels (see module docstring)."""
    if any(len(p["path"]) > 1 and re.match(r"\**第.+章", p["path"][0]) for p in provisions):
        return "chapter"
    if doc["doc_kind"] == "条例" or any(re.match(r"第.+条", p["path"][0]) for p in provisions):
        return "article"  # articles at the top: a 条例 without chapters, a notice of 第一条…第八条
    return "cn-dun"


def top_sections(plan: PlanAnalysis, style: str) -> int:
    return sum(1 for s in plan.sections if s.level == 1 and s.style == style)


def unit_at(measures: list[Measure], start: int, end: int) -> Measure | None:
    """The unit holding raw offset ``start``, else the first starting in [start, end)."""
    for m in measures:
        if m.start <= start < m.end:
            return m
    return next((m for m in measures if start <= m.start < end), None)


@dataclass
class Tally:
    right: float = 0.0
    total: float = 0.0

    def add(self, right: float, total: float = 1.0) -> None:
        self.right += right
        self.total += total

    @property
    def share(self) -> float:
        return self.right / self.total if self.total else 1.0

    def __str__(self) -> str:
        return f"{self.right:g}/{self.total:g} = {self.share:.2f}"


@lru_cache(maxsize=1)
def figures() -> dict[str, dict[str, Tally]]:
    """measure -> group ("half A", "half A 条例", …) -> tally."""
    plans, docs, provs = _plans(), _documents(), _provisions()
    out: dict[str, dict[str, Tally]] = defaultdict(lambda: defaultdict(Tally))
    for name, doc in docs.items():
        plan = plans[name]
        groups = (f"half {doc['half']}", f"half {doc['half']} {doc['doc_kind']}")
        found, gold = top_sections(plan, top_style(doc, provs[name])), doc["n_top_sections"]
        title_right = metadata_right(plan.document.metadata, doc)["title"]
        raw, measures = plan.document.raw_text, plan.measures
        starts, cursor = [], 0
        for p in provs[name]:
            cursor = raw.find(_as_read(p["start_quote"], plan.document.format), cursor)
            assert cursor >= 0, p["start_quote"]
            starts.append(cursor)
        kinds_right = 0
        for p, s, e in zip(provs[name], starts, [*starts[1:], len(raw)][: len(starts)], strict=True):
            unit = unit_at(measures, s, e)
            kinds_right += unit is not None and unit.kind == p["kind"]
        for g in groups:
            out["top-level sections"][g].add(min(found, gold), max(found, gold))
            out["measure/context"][g].add(kinds_right, len(provs[name]))
            out["titles"][g].add(title_right)
    return out


def _report(name: str) -> dict[str, Tally]:
    tallies = figures()[name]
    target = TARGETS[name]
    print(f"\n{name}" + (f" (target {target} on both halves):" if target else ":"))
    for half in HALVES:
        print(f"  half {half}: {tallies[f'half {half}']}")
        for kind in KINDS:
            if f"half {half} {kind}" in tallies:
                print(f"    {kind}: {tallies[f'half {half} {kind}']}")
    return tallies


def _assert_floor(name: str) -> None:
    t = _report(name)
    floors = dict(zip(HALVES, FLOORS[name], strict=True))
    print("  floors: " + ", ".join(f"half {h} {f}" for h, f in floors.items()))
    for half, floor in floors.items():
        assert t[f"half {half}"].share >= floor, half


def test_top_level_sections() -> None:
    _assert_floor("top-level sections")


def test_measure_or_context() -> None:
    _assert_floor("measure/context")


def test_titles() -> None:
    _assert_floor("titles")


# --- metadata fields ----------------------------------------------------------------------------------

_LEVEL = re.compile(r"^(?:国家级|国家|省级|自治区级|市级|州级|县级|区级)")


def _bare(value: str | None) -> str:
    return re.sub(r"\s+", "", value or "")


def zone_kind(label: str | None) -> str:
    """The kind of zone of a zone_type label: 市级高新技术产业开发区(重庆永川…) → 高新技术产业开发区."""
    return _LEVEL.sub("", re.split(r"[(（]", _bare(label), maxsplit=1)[0])


def gold_date_kind(doc: dict) -> str | None:
    if doc["date"] is None:
        return None
    return re.match(r"[a-z_]+", doc["date_kind"]).group()  # type: ignore[union-attr]


def title_key(title: str) -> str:
    """A cited title as compared: simplified and half-width, without spaces and 《》 (the labels write a
    variant a page mixed in, 關于, as the script's own 關於: the same document)."""
    return match_text(re.sub(r"[\s《》〈〉<>]", "", title))


def metadata_right(md: Metadata, doc: dict) -> dict[str, bool]:
    """Field -> right or not (see the module docstring for the comparison of each field)."""
    return {
        "title": _bare(md.title) == _bare(doc["title"]),
        "issuer": _bare(md.issuer) == _bare(doc["issuer"]),
        "doc_number": _bare(md.doc_number) == _bare(doc["doc_number"]),
        "date": md.date == doc["date"],
        "date_kind": (getattr(md, "date_kind", None) if md.date else None) == gold_date_kind(doc),
        "jurisdiction": _bare(md.jurisdiction) == _bare(doc["jurisdiction"]),
        "zone_type": zone_kind(md.zone_type) == zone_kind(doc["zone_type"]),
        "draft": bool(getattr(md, "draft", False)) == bool(doc["draft"]),
    }


@lru_cache(maxsize=1)
def metadata_figures() -> dict[str, dict[str, Tally]]:
    """field ("issuer", …, "cited", "all fields", "cited precision", "cited recall") -> group -> tally."""
    plans, docs = _plans(), _documents()
    out: dict[str, dict[str, Tally]] = defaultdict(lambda: defaultdict(Tally))
    for name, doc in docs.items():
        md = plans[name].document.metadata
        groups = (f"half {doc['half']}", f"half {doc['half']} {doc['doc_kind']}")
        right = metadata_right(md, doc)
        found = {title_key(c.title) for c in md.cited_documents}
        gold = {title_key(c["title"]) for c in doc["cited_documents"]}
        right["cited"] = found == gold
        for g in groups:
            for f, ok in right.items():
                out[f][g].add(ok)
                out["all fields"][g].add(ok)
            out["cited precision"][g].add(len(found & gold), len(found))
            out["cited recall"][g].add(len(found & gold), len(gold))
    return out


def test_metadata_fields() -> None:
    figs = metadata_figures()
    rows = [*METADATA_FIELDS, "cited", "cited precision", "cited recall", "all fields"]
    targets = ", ".join(f"{t} on half {h}" for h, t in zip(HALVES, METADATA_TARGETS, strict=True))
    print(f"\nmetadata fields on the new plans (target: all fields {targets}):")
    print(f"  {'field':16} " + " ".join(f"{'half ' + h:>16}" for h in HALVES) + "   floors")
    for f in rows:
        floors = METADATA_FLOORS.get(f) or CITED_FLOORS.get(f.removeprefix("cited "), (0.0,) * len(HALVES))
        shown = " ".join(f"{figs[f][f'half {h}']!s:>16}" for h in HALVES)
        print(f"  {f:16} {shown}   " + ", ".join(map(str, floors)))
    for half in HALVES:
        kinds = ", ".join(
            f"{k} {figs['all fields'][f'half {half} {k}']}"
            for k in KINDS
            if f"half {half} {k}" in figs["all fields"]
        )
        print(f"  all fields by kind, half {half}: {kinds}")
    for f in rows:
        floors = METADATA_FLOORS.get(f) or CITED_FLOORS.get(f.removeprefix("cited "), (0.0,) * len(HALVES))
        for half, floor in zip(HALVES, floors, strict=True):
            assert figs[f][f"half {half}"].share >= floor - 1e-9, (f, half)
