"""Corrections that stick: an analyst's reviewed decisions, kept in ``docs_in/corrections.yaml`` and applied
on every build (the file is part of the build id).

    corrections:
      - {action: add, family: land.standard-land, file: 2021-kunming-…txt, quote: "推行“标准地”出让",
         note: 标准地 in other words}
      - {action: remove, family: planning.infrastructure, file: …, quote: "燃气直供气", note: a cost measure}
      - {action: not_a_gap, family: planning.master-plan, file: …, note: 规划另见《…》}
      - {action: not_unique, family: …, file: …, note: …}
      - {action: topics, file: …, quote: "…", topics: [talent], note: …}

A measure is named by a quote (an exact piece of its text; the measure that holds it) or by its
``measure`` id. ``add`` and ``remove`` change a family's members (an added member's basis is
"reviewed", its note shown); ``topics`` sets a measure's topics; ``not_a_gap`` and ``not_unique`` take
a claim back. What a correction names and the build no longer finds (a plan gone, a quote edited
away, a family renamed) is reported by name and the build goes on. Reading is I/O at the edge
(``load_corrections``); applying is pure (``apply_corrections``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from compare.config import CORRECTIONS_NAMES
from compare.datafiles import Section, line_of, parse_yaml, read_bytes
from compare.errors import DataError
from compare.model import Alignment, Family, FamilyMember, Measure, PlanAnalysis, Reviewed, TopicTag

ACTIONS = ("add", "remove", "not_a_gap", "not_unique", "topics")
MAX_BYTES = 1 << 20


class CorrectionsError(DataError):
    """``docs_in/corrections.yaml`` cannot be used: the build refuses to start (exit code 2)."""


@dataclass(frozen=True)
class Correction:
    action: str
    file: str
    note: str
    line: int | None
    family: str = ""
    quote: str = ""
    measure: str = ""
    topics: tuple[str, ...] = ()

    def describe(self) -> str:
        what = (self.quote and f"“{self.quote[:30]}”") or self.measure or self.family
        return f"corrections.yaml:{self.line}: {self.action} {self.family} {self.file} {what}".replace(
            "  ", " "
        )


@dataclass
class Applied:
    plans: list[PlanAnalysis]
    alignment: Alignment
    reviewed: list[Reviewed] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)  # corrections that name what no longer exists


def load_corrections(input_dir: Path, topic_ids: tuple[str, ...]) -> list[Correction]:
    """The checked entries of ``docs_in/corrections.yaml`` (none when there is no such file)."""
    for name in CORRECTIONS_NAMES:
        path = input_dir / name
        if path.exists():
            return parse_corrections(read_bytes(path, CorrectionsError), path, topic_ids)
    return []


def parse_corrections(raw: bytes, path: Path | str, topic_ids: tuple[str, ...]) -> list[Correction]:
    if len(raw) > MAX_BYTES:
        raise CorrectionsError(path, "", f"{len(raw) >> 10} KB: too large (limit {MAX_BYTES >> 20} MB)")
    top = Section(path, parse_yaml(raw, path, CorrectionsError) or {}, "", CorrectionsError)
    entries = top.data.get("corrections", [])
    if not isinstance(entries, list):
        raise top.error("corrections", "a list of corrections")
    out = []
    for i, entry in enumerate(entries):
        where = f"corrections[{i}]"
        if not isinstance(entry, dict):
            raise CorrectionsError(path, where, "must be a mapping", line_of(entries, i))
        s = Section(path, entry, where, CorrectionsError)
        unknown = set(entry) - {"action", "family", "file", "quote", "measure", "topics", "note"}
        if unknown:
            raise s.fail(
                sorted(unknown)[0], "unknown key (known: action, family, file, quote, measure, topics, note)"
            )
        action = s.string("action")
        if action not in ACTIONS:
            raise s.error("action", f"one of {', '.join(ACTIONS)}, got {action!r}")
        needs_family = action != "topics"
        needs_measure = action in ("add", "remove", "topics")
        c = Correction(
            action=action,
            file=s.string("file"),
            note=s.string("note"),
            line=line_of(entries, i),
            family=s.string("family") if needs_family else "",
            quote=str(entry["quote"]) if "quote" in entry else "",
            measure=str(entry["measure"]) if "measure" in entry else "",
            topics=s.strings("topics") if action == "topics" else (),
        )
        if needs_measure and not (c.quote or c.measure):
            raise s.fail(None, f"{action} names its measure: give a quote (or a measure id)")
        if action == "topics" and (bad := [t for t in c.topics if t not in topic_ids]):
            raise s.error("topics", f"topic ids of the codebook, not {bad[0]!r}")
        out.append(c)
    return out


def apply_corrections(
    plans: list[PlanAnalysis], alignment: Alignment, corrections: list[Correction]
) -> Applied:
    """The plans and alignment with every correction applied (none of the inputs is changed)."""
    by_file = {p.document.source_file: p for p in plans}
    families = {f.family_id: f for f in alignment.families}
    members: dict[str, list[FamilyMember]] = {f.family_id: list(f.members) for f in alignment.families}
    retopic: dict[str, tuple[str, ...]] = {}
    applied = Applied(plans, alignment)
    for c in corrections:
        plan = by_file.get(c.file)
        if plan is None:
            applied.stale.append(f"{c.describe()}: no plan {c.file} in this build")
            continue
        if c.family and c.family not in families:
            applied.stale.append(f"{c.describe()}: no family {c.family} in this build")
            continue
        measure = _measure(plan, c) if (c.quote or c.measure) else None
        if (c.quote or c.measure) and measure is None:
            applied.stale.append(f"{c.describe()}: no measure of {c.file} holds it")
            continue
        pid = plan.document.plan_id
        mid = measure.measure_id if measure is not None else ""
        if c.action == "add" and measure is not None:
            span = _quote_span(plan, measure, c.quote)
            members[c.family] = [m for m in members[c.family] if m.measure_id != mid]
            members[c.family].append(
                FamilyMember(c.family, pid, mid, 1.0, c.note, clause=span, marks=(span,), basis="reviewed")
            )
        elif c.action == "remove":
            kept = [m for m in members[c.family] if m.measure_id != mid]
            if len(kept) == len(members[c.family]):
                applied.stale.append(f"{c.describe()}: that measure is not in {c.family}")
                continue
            members[c.family] = kept
        elif c.action == "topics":
            retopic[mid] = c.topics
        applied.reviewed.append(Reviewed(c.action, pid, c.family, mid, c.note))
    new_families: list[Family] = [
        replace(f, members=sorted(members[f.family_id], key=lambda m: m.plan_id)) for f in alignment.families
    ]
    applied.alignment = replace(alignment, families=new_families)
    if retopic:
        applied.plans = [_with_topics(p, retopic) for p in plans]
    return applied


def _measure(plan: PlanAnalysis, c: Correction) -> Measure | None:
    if c.measure:
        return next((m for m in plan.measures if m.measure_id == c.measure), None)
    text = plan.document.clean.text
    at = text.find(c.quote)
    if at < 0:
        at = plan.document.clean.match.find(c.quote)
    if at < 0:
        return None
    return next((m for m in plan.measures if m.kind == "measure" and m.clean_start <= at < m.clean_end), None)


def _quote_span(plan: PlanAnalysis, measure: Measure, quote: str) -> tuple[int, int]:
    if not quote:
        return (measure.clean_start, measure.clean_end)
    at = plan.document.clean.text.find(quote, measure.clean_start)
    if at < 0:
        at = plan.document.clean.match.find(quote, measure.clean_start)
    return (at, at + len(quote)) if at >= 0 else (measure.clean_start, measure.clean_end)


def _with_topics(plan: PlanAnalysis, retopic: dict[str, tuple[str, ...]]) -> PlanAnalysis:
    if not any(m.measure_id in retopic for m in plan.measures):
        return plan
    measures = [
        replace(m, topics=[TopicTag(t, 1.0, ["reviewed"]) for t in retopic[m.measure_id]])
        if m.measure_id in retopic
        else m
        for m in plan.measures
    ]
    return replace(plan, measures=measures)
