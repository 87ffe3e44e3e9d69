"""A realistic ``Comparison`` of the five seed plans in docs_in/, for render and export tests.

``build_fixture_comparison()`` first tries the real pipeline (ingest → outline → measures → align →
gaps). While those stages are missing or broken it falls back to a Comparison built from the gold
labels in tests/gold/ — **the gold fallback**, which is test scaffolding, not analysis:

- Documents: the seeds' raw text with an identity ``CleanText`` (nothing removed, no noise spans);
  metadata from tests/gold/documents.json; cited documents read with a plain 《…》(文号) pattern.
- Sections: one per gold provision (span from its label/start_quote to the next unit's start) plus one
  per heading that only encloses provisions (e.g. ``一、总体要求``), with parent links and levels.
- Measures: one per gold provision with the gold kind and topics; topic evidence, bindingness,
  instrument, targets, deadline and responsible units are filled by crude fixture heuristics (the
  codebook's "typical signals" of tests/gold/topics.md, a few modal words, a number+unit pattern) only
  so that every column has realistic values.
- Families: one catalogue Family per gold pair family (members: the measures containing each quote),
  plus a few synthetic single-plan "proposed" families so that ``unique`` is not empty.
- Reuse: the longest common run (>= 15 chars) of each gold ``verbatim`` pair.
- Frames: coverage (full topic x plan grid), family_matrix (only cells with measures: sparse on
  purpose), gaps (families >= 2 peers have and the plan lacks), unique — computed simply here.

``FIXTURE_SOURCE`` tells which way the last build went ("pipeline" or "gold"). Set the environment
variable ``COMPARE_FIXTURE=gold`` to force the fallback, ``=pipeline`` to fail instead of falling back.
Each call returns a fresh deep copy, so tests may mutate it.
"""

from __future__ import annotations

import copy
import difflib
import functools
import hashlib
import importlib
import json
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from compare.model import (
    BINDINGNESS_ORDER,
    Alignment,
    Bindingness,
    CitedDocument,
    CleanText,
    Comparison,
    Document,
    FailedInput,
    Family,
    FamilyMember,
    Instrument,
    Measure,
    Metadata,
    PlanAnalysis,
    Reuse,
    Section,
    Target,
    TopicTag,
)
from compare.render.view import BuildInfo
from tests.seeds import DOCS_IN, GOLD_DIR, SEED_FILES

MIN_PEERS = 2
# A fixed build stamp for render tests (reproducible output).
FIXTURE_BUILD = BuildInfo(
    build_id="test-build-1",
    created="2024-05-01T08:00:00Z",
    inputs={"a.txt": "ab" * 32},
    versions={"code": "1"},
)
FIXTURE_SOURCE = "unbuilt"
FALLBACK_REASON = ""  # why the real pipeline was not used, when it was not

# ---------------------------------------------------------------------------------------------
# Public entry points


def build_fixture_comparison() -> Comparison:
    """The seed plans' Comparison: the real pipeline if it works, else the gold fallback."""
    global FIXTURE_SOURCE, FALLBACK_REASON
    source, comparison, reason = _cached_build(os.environ.get("COMPARE_FIXTURE", "auto"))
    FIXTURE_SOURCE, FALLBACK_REASON = source, reason
    return copy.deepcopy(comparison)


def fixture_topic_names() -> dict[str, tuple[str, str]]:
    """topic id -> (Chinese name, English name) in codebook order: the project's codebook if it loads,
    else the table of tests/gold/topics.md."""
    try:
        codebook = importlib.import_module("compare.topics").load_codebook()
        return {t.id: (t.zh, t.en) for t in codebook.topics}
    except Exception:
        return {t: (zh, en) for t, zh, en, _ in _codebook()}


def fixture_manifest() -> dict[str, Any]:
    """A build manifest like the one the build stage writes (fixed time, so outputs are reproducible)."""
    return {
        "build_id": "fixture-0001",
        "created": "2024-05-01T08:00:00+00:00",
        "tool": "compare",
        "tool_version": "0.1.0",
        "fixture_source": FIXTURE_SOURCE,
        "inputs": {f: _sha256(DOCS_IN / f) for f in sorted(SEED_FILES.values())},
    }


# ---------------------------------------------------------------------------------------------
# Real pipeline first


@functools.lru_cache(maxsize=2)
def _cached_build(mode: str) -> tuple[str, Comparison, str]:
    reason = "COMPARE_FIXTURE=gold"
    if mode != "gold":
        try:
            return "pipeline", _build_from_pipeline(), ""
        except Exception as exc:
            if mode == "pipeline":
                raise
            reason = f"{type(exc).__name__}: {exc}"
    return "gold", _build_from_gold(), reason


def _build_from_pipeline() -> Comparison:
    """Run the real stages on the seeds, the way compare.build does (per-file analysis, align, gaps)."""
    # importlib: the stages are written in parallel, so their names are looked up at run time.
    build = importlib.import_module("compare.build")
    align = importlib.import_module("compare.align").align
    compare_plans = importlib.import_module("compare.gaps").compare_plans
    catalogue = importlib.import_module("compare.catalogue").load_catalogue()
    plans = [build.analyse_file(DOCS_IN / name, DOCS_IN) for name in sorted(SEED_FILES.values())]
    alignment = align(plans, catalogue)
    comparison = compare_plans(plans, alignment, [], list(fixture_topic_names()), min_peers=MIN_PEERS)
    if not isinstance(comparison, Comparison) or not any(p.measures for p in comparison.plans):
        raise ValueError("pipeline produced no measures")
    return comparison


# ---------------------------------------------------------------------------------------------
# Gold fallback

_LABEL_RE = re.compile(
    r"^\s*(?:(?P<dun>[一二三四五六七八九十百]+、)|(?P<cnp>[(（][一二三四五六七八九十百]+[)）])"
    r"|(?P<dot>\d+[.．、])|(?P<nump>[(（]\d+[)）])|(?P<circ>[①-⑳]))"
)
_STYLES = {"dun": "cn-dun", "cnp": "cn-paren", "dot": "num-dot", "nump": "num-paren", "circ": "circled"}
_CITED_RE = re.compile(r"《([^《》]{4,120})》(?:[(（]([^()（）]{2,40}?〔\d{4}〕\d+号)[)）])?")
_AMOUNT_RE = re.compile(r"(\d+(?:\.\d+)?)\s*(亿元|万元|元|万平方米|平方米|平方公里|亩|%|家|个)")
_YEAR_RE = re.compile(r"(?:到|至)(20\d\d)年")
_UNITS_RE = re.compile(r"[〔(（]责任单位[:：]([^〕)）]+)[〕)）]")
# Crude modal-word ladder for the fixture only (the real rules belong to the measures stage's data).
_BINDING_WORDS: tuple[tuple[Bindingness, tuple[str, ...]], ...] = (
    ("mandatory", ("必须", "不得", "严禁", "一律")),
    ("directive", ("要", "应", "严格", "确保")),
    ("supportive", ("支持", "鼓励", "给予", "奖励")),
    ("exploratory", ("探索", "争取", "试点", "研究")),
)
_INSTRUMENT_BY_TOPIC: dict[str, Instrument] = {
    "fiscal_tax": "supply",
    "finance": "supply",
    "talent": "supply",
    "innovation": "supply",
    "land": "supply",
    "planning": "supply",
    "admin_reform": "environment",
    "delegation": "environment",
    "governance": "environment",
    "green_safety": "environment",
    "industry": "environment",
    "investment": "demand",
    "opening": "demand",
}


@functools.lru_cache(maxsize=1)
def _codebook() -> list[tuple[str, str, str, list[str]]]:
    """(id, zh name, en name, signals) rows of the codebook table in tests/gold/topics.md."""
    rows = []
    for line in (GOLD_DIR / "topics.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0].startswith("`"):
            tid = cells[0].strip("`")
            en = tid.replace("_", " ").capitalize()
            signals = [s.strip().replace("…", "") for s in cells[3].split(",") if s.strip()]
            rows.append((tid, cells[1], en, signals))
    if len(rows) != 13:
        raise ValueError(f"{GOLD_DIR / 'topics.md'}: expected 13 topic rows, found {len(rows)}")
    return rows


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _jsonl(name: str) -> list[dict[str, Any]]:
    text = (GOLD_DIR / name).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _rstrip_end(raw: str, start: int, end: int) -> int:
    while end > start and raw[end - 1].isspace():
        end -= 1
    return end


def _label_of(element: str) -> tuple[str, str, str]:
    """(label, style, rest) of a printed path element such as '三、主要措施' or '(一)申报条件'."""
    m = _LABEL_RE.match(element)
    if not m or m.lastgroup is None:
        return "", "preamble", element.strip()
    return m.group(0).strip(), _STYLES[m.lastgroup], element[m.end() :].strip()


def _find_heading(raw: str, label: str, rest: str, lo: int, hi: int) -> int:
    """Start of the last printed heading ``label`` + ``rest`` in raw[lo:hi] (spaces may separate them)."""
    if not label:
        return -1
    hits = list(re.finditer(re.escape(label) + r"\s*" + re.escape(rest), raw[lo:hi]))
    if hits:
        return lo + hits[-1].start()
    return raw.rfind(label, lo, hi)


def _path_token(label: str) -> str:
    return label.rstrip("、.．")


def _metadata(gold: dict[str, Any], raw: str) -> Metadata:
    cited = [
        CitedDocument(title=m.group(1), doc_number=m.group(2), start=m.start(), end=m.end())
        for m in _CITED_RE.finditer(raw)
    ]
    return Metadata(
        title=gold.get("title"),
        issuer=gold.get("issuer"),
        doc_number=gold.get("doc_number"),
        date=gold.get("date"),
        published=gold.get("date") if "publication" in (gold.get("date_kind") or "") else None,
        jurisdiction=gold.get("jurisdiction"),
        zone_type=gold.get("zone_type"),
        cited_documents=cited,
        evidence={"title": "tests/gold/documents.json"},
    )


def _document(gold_name: str, gold_doc: dict[str, Any]) -> Document:
    file_name = SEED_FILES[gold_name]
    path = DOCS_IN / file_name
    raw = path.read_text(encoding="utf-8")
    meta = _metadata(gold_doc, raw)
    year = (meta.date or "")[:4]
    return Document(
        plan_id=path.stem,
        source_file=file_name,
        sha256=_sha256(path),
        format="txt",
        encoding="utf-8",
        raw_text=raw,
        clean=CleanText(text=raw, runs=[(0, 0, len(raw))], match=raw),  # identity: the gold fallback
        noise=[],
        metadata=meta,
        display_name=f"{meta.jurisdiction or path.stem} {year}".strip(),
        warnings=["gold fallback fixture: no cleaning applied"],
    )


def _sections(doc: Document, provisions: list[dict[str, Any]]) -> tuple[list[Section], dict[int, str]]:
    """Sections of one plan and the gold seq -> section_id map."""
    raw = doc.raw_text
    # Unit starts: (start, label, style, heading, level, parent_key, key, gold seq or None)
    units: list[dict[str, Any]] = []
    known: dict[tuple[str, ...], int] = {}  # path key -> index into units
    pos = 0
    for p in provisions:
        start = raw.index(p["start_quote"], pos)
        label = "" if p["label"] == "preamble" else p["label"]
        if label and raw[max(0, start - len(label)) : start] == label:
            start -= len(label)
        elif label:  # label separated from the quote by spaces
            back = raw.rfind(label, pos, start)
            if back >= 0 and not raw[back + len(label) : start].strip():
                start = back
        enclosing = tuple(p["path"][:-1]) if p["label"] != "preamble" else ()
        for depth in range(1, len(enclosing) + 1):
            key = enclosing[:depth]
            if key in known:
                continue
            element = key[-1]
            hlabel, style, rest = _label_of(element)
            hstart = _find_heading(raw, hlabel, rest, pos, start)
            units.append(
                {
                    "start": hstart if hstart >= 0 else pos,
                    "label": hlabel,
                    "style": style,
                    "heading": rest or None,
                    "level": depth,
                    "parent": known.get(key[:-1]),
                    "seq": None,
                }
            )
            known[key] = len(units) - 1
            pos = units[-1]["start"]
        pstyle = _label_of(label)[1] if label else "preamble"
        own_key = (*enclosing, f"{label}{p['heading'] or ''}")
        units.append(
            {
                "start": start,
                "label": label,
                "style": pstyle if label else "preamble",
                "heading": p["heading"],
                "level": len(enclosing) + 1 if label else 0,
                "parent": known.get(enclosing) if enclosing else None,
                "seq": p["seq"],
            }
        )
        known[own_key] = len(units) - 1
        pos = start + 1
    last = provisions[-1]
    last_end = raw.index(last["end_quote"], units[-1]["start"]) + len(last["end_quote"])
    sections: list[Section] = []
    by_seq: dict[int, str] = {}
    for i, u in enumerate(units):
        end = units[i + 1]["start"] if i + 1 < len(units) else last_end
        end = _rstrip_end(raw, u["start"], end)
        sid = f"{doc.plan_id}/s{i + 1:03d}"
        path_tokens = []
        j: int | None = i
        while j is not None:
            if units[j]["label"]:
                path_tokens.append(_path_token(units[j]["label"]))
            j = units[j]["parent"]
        sections.append(
            Section(
                section_id=sid,
                plan_id=doc.plan_id,
                seq=i + 1,
                path="/".join(reversed(path_tokens)),
                label=u["label"],
                level=u["level"],
                style=u["style"],
                heading=u["heading"],
                start=u["start"],
                end=end,
                clean_start=u["start"],
                clean_end=end,
                text=raw[u["start"] : end],
                parent_id=f"{doc.plan_id}/s{u['parent'] + 1:03d}" if u["parent"] is not None else None,
            )
        )
        if u["seq"] is not None:
            by_seq[u["seq"]] = sid
    return sections, by_seq


def _topic_tags(text: str, topics: list[str]) -> list[TopicTag]:
    signals = {t: s for t, _, _, s in _codebook()}
    tags = []
    for rank, topic in enumerate(topics):
        evidence = [w for w in signals.get(topic, []) if w and w in text][:4]
        tags.append(TopicTag(topic=topic, score=round(1.0 - 0.2 * rank, 2), evidence=evidence))
    return tags


def _bindingness(text: str) -> Bindingness | None:
    for level, words in _BINDING_WORDS:
        if any(w in text for w in words):
            return level
    return None


def _targets(text: str, offset: int) -> list[Target]:
    out = []
    for m in _AMOUNT_RE.finditer(text):
        value, unit = float(m.group(1)), m.group(2)
        if unit == "万元":
            value, unit = value * 1e4, "元"
        elif unit == "亿元":
            value, unit = value * 1e8, "元"
        elif unit == "万平方米":
            value, unit = value * 1e4, "平方米"
        year_m = _YEAR_RE.search(text, max(0, m.start() - 30), m.start())
        out.append(
            Target(
                text=m.group(0),
                value=value,
                unit=unit,
                year=int(year_m.group(1)) if year_m else None,
                start=offset + m.start(),
                end=offset + m.end(),
            )
        )
    return out[:5]


def _measure(section: Section, provision: dict[str, Any]) -> Measure:
    text = section.text
    kind = provision["kind"]
    topics = list(provision["topics"]) if kind == "measure" else []
    years = _YEAR_RE.findall(text)
    units_m = _UNITS_RE.search(text)
    return Measure(
        measure_id=f"{section.section_id}/m1",
        plan_id=section.plan_id,
        section_id=section.section_id,
        path=section.path,
        heading=section.heading,
        kind=kind,
        text=text,
        start=section.start,
        end=section.end,
        clean_start=section.clean_start,
        clean_end=section.clean_end,
        topics=_topic_tags(text, topics),
        instrument=_INSTRUMENT_BY_TOPIC.get(topics[0]) if topics else None,
        instrument_type=None,
        bindingness=_bindingness(text) if kind == "measure" else None,
        targets=_targets(text, section.start),
        deadline=max(years) if years and kind == "measure" else None,
        responsible_units=[u.strip() for u in re.split(r"[、,，]", units_m.group(1)) if u.strip()]
        if units_m
        else [],
        context_reason=(provision["heading"] or "preamble") if kind == "context" else None,
    )


def _families(
    plans: list[PlanAnalysis], pairs: list[dict[str, Any]], plan_of_gold: dict[str, str]
) -> list[Family]:
    by_plan = {p.document.plan_id: p for p in plans}

    def containing(plan_id: str, quote: str) -> Measure | None:
        plan = by_plan[plan_id]
        at = plan.document.raw_text.find(quote)
        for m in plan.measures:
            if m.start <= at < m.end:
                return m
        return None

    families: dict[str, Family] = {}
    per_topic: dict[str, int] = {}
    for pair in pairs:
        fam = families.get(pair["family"])
        if fam is None:
            per_topic[pair["topic"]] = per_topic.get(pair["topic"], 0) + 1
            fid = f"{pair['topic']}-{per_topic[pair['topic']]:02d}"
            fam = Family(
                family_id=fid, topic=pair["topic"], name=pair["family"], gloss="", source="catalogue"
            )
            fam.gloss = f"{pair['family']}（gold pairs, {pair['strength']}）"
            families[pair["family"]] = fam
        for side in ("a", "b"):
            plan_id = plan_of_gold[pair[f"doc_{side}"]]
            measure = containing(plan_id, pair[f"quote_{side}"])
            if measure is None or any(x.measure_id == measure.measure_id for x in fam.members):
                continue
            fam.members.append(
                FamilyMember(fam.family_id, plan_id, measure.measure_id, 1.0, pair[f"quote_{side}"])
            )
    out = list(families.values())
    # Synthetic single-plan proposals: the first unfamilied measure of each plan, so `unique` has rows.
    in_family = {m.measure_id for f in out for m in f.members}
    for plan in plans:
        for m in plan.measures:
            if m.kind == "measure" and m.measure_id not in in_family and m.heading:
                fid = f"proposed-{len(out) - len(families) + 1:02d}"
                member = FamilyMember(fid, plan.document.plan_id, m.measure_id, 0.81, m.heading)
                out.append(
                    Family(
                        fid, m.primary_topic, m.heading, "synthetic proposal (fixture)", "proposed", [member]
                    )
                )
                break
    return out


def _reuse(
    plans: list[PlanAnalysis], pairs: list[dict[str, Any]], plan_of_gold: dict[str, str]
) -> list[Reuse]:
    raw = {p.document.plan_id: p.document.raw_text for p in plans}
    out = []
    for pair in pairs:
        if pair["strength"] != "verbatim":
            continue
        a, b = plan_of_gold[pair["doc_a"]], plan_of_gold[pair["doc_b"]]
        qa, qb = pair["quote_a"], pair["quote_b"]
        m = difflib.SequenceMatcher(None, qa, qb, autojunk=False).find_longest_match(0, len(qa), 0, len(qb))
        if m.size < 15:
            continue
        text = qa[m.a : m.a + m.size]
        sa, sb = raw[a].find(qa) + m.a, raw[b].find(qb) + m.b
        out.append(Reuse(a, sa, sa + m.size, b, sb, sb + m.size, m.size, text))
    return out


def _strongest(levels: Iterable[str | None]) -> str | None:
    present = [lv for lv in levels if lv]
    order: list[str] = list(BINDINGNESS_ORDER)
    return min(present, key=order.index) if present else None


def _frames(
    plans: list[PlanAnalysis], families: list[Family]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    measures = {m.measure_id: m for p in plans for m in p.measures}
    plan_ids = [p.document.plan_id for p in plans]
    cov_rows = []
    for topic, _, _, _ in _codebook():
        for p in plans:
            ms = [m for m in p.measures if m.kind == "measure" and topic in [t.topic for t in m.topics]]
            fams = [f for f in families if f.topic == topic and p.document.plan_id in f.plan_ids]
            quantified = sum(1 for m in ms if m.targets)
            cov_rows.append(
                {
                    "topic": topic,
                    "plan_id": p.document.plan_id,
                    "n_measures": len(ms),
                    "n_families": len(fams),
                    "max_bindingness": _strongest(m.bindingness for m in ms),
                    "quantified": quantified,
                    "score": round(min(1.0, (len(ms) + 2 * len(fams) + quantified) / 8), 3),
                }
            )
    fm_rows, gap_rows, uniq_rows = [], [], []
    for f in families:
        have = f.plan_ids
        for pid in plan_ids:
            mids = [x.measure_id for x in f.members if x.plan_id == pid]
            if mids:
                fm_rows.append(
                    {
                        "family_id": f.family_id,
                        "plan_id": pid,
                        "n_measures": len(mids),
                        "max_bindingness": _strongest(measures[i].bindingness for i in mids),
                        "measure_ids": mids,
                    }
                )
            elif len(have) >= MIN_PEERS:
                gap_rows.append({"plan_id": pid, "family_id": f.family_id, "peers_with": len(have)})
        if len(have) == 1:
            uniq_rows.append(
                {
                    "plan_id": have[0],
                    "family_id": f.family_id,
                    "measure_ids": [x.measure_id for x in f.members],
                }
            )
    return (
        pd.DataFrame(cov_rows),
        pd.DataFrame(
            fm_rows, columns=["family_id", "plan_id", "n_measures", "max_bindingness", "measure_ids"]
        ),
        pd.DataFrame(gap_rows, columns=["plan_id", "family_id", "peers_with"]),
        pd.DataFrame(uniq_rows, columns=["plan_id", "family_id", "measure_ids"]),
    )


def _build_from_gold() -> Comparison:
    """THE GOLD FALLBACK: a Comparison assembled from tests/gold/ labels (see the module docstring)."""
    gold_docs = {d["doc"]: d for d in json.loads((GOLD_DIR / "documents.json").read_text(encoding="utf-8"))}
    provisions = _jsonl("provisions.jsonl")
    pairs = _jsonl("pairs.jsonl")
    plans: list[PlanAnalysis] = []
    plan_of_gold: dict[str, str] = {}
    for gold_name in sorted(SEED_FILES, key=lambda g: SEED_FILES[g]):
        doc = _document(gold_name, gold_docs[gold_name])
        plan_of_gold[gold_name] = doc.plan_id
        provs = sorted((p for p in provisions if p["doc"] == gold_name), key=lambda p: p["seq"])
        sections, by_seq = _sections(doc, provs)
        by_id = {s.section_id: s for s in sections}
        measures = [_measure(by_id[by_seq[p["seq"]]], p) for p in provs]
        plans.append(PlanAnalysis(document=doc, sections=sections, measures=measures))
    families = _families(plans, pairs, plan_of_gold)
    coverage, family_matrix, gaps, unique = _frames(plans, families)
    return Comparison(
        plans=plans,
        alignment=Alignment(families=families, reuse=_reuse(plans, pairs, plan_of_gold)),
        failed=[] if plans else [FailedInput("", "no plans")],
        coverage=coverage,
        family_matrix=family_matrix,
        gaps=gaps,
        unique=unique,
    )
