"""The words a family membership rests on, as a reader sees them: the deciding clause of the measure
with the decisive words marked, and the link that lands on that clause in the plan's text.

A matrix cell, a gap's best peer wording and a unique family's measures show this clause first (the
rest of the provision is folded), so the words that put the measure in the family are always in view.
"""

from __future__ import annotations

import bisect
import math
from typing import TYPE_CHECKING, TypedDict

from compare.model import FamilyMember, Measure
from compare.render.view.links import plan_href
from compare.render.view.measures import MeasureItem

if TYPE_CHECKING:
    from compare.render.view.data import ViewData


class EvidencePart(TypedDict):
    text: str
    mark: bool  # a decisive word


class Evidence(TypedDict):
    parts: list[EvidencePart]
    href: str  # the clause in the plan's text
    basis: str  # rule | similar | reuse | reviewed
    note: str  # the analyst's note of a reviewed membership
    whole: bool  # the clause is the whole measure (nothing folded)


def clause_anchor(measure_id: str, k: int) -> str:
    """The id of a measure's clause ``k`` (from 0) in the plan's text."""
    return f"{measure_id}/c{k + 1}"


def clause_number(m: Measure, span: tuple[int, int]) -> int:
    """Which of the measure's clauses ``span`` is (the one it starts in; 0 when unknown)."""
    # the clauses partition the measure in order: the last one starting at or before the span
    k = bisect.bisect_right(m.clauses, (span[0], math.inf)) - 1
    if 0 <= k < len(m.clauses) and m.clauses[k][0] <= span[0] < m.clauses[k][1]:
        return k
    return 0


def evidence(data: ViewData, member: FamilyMember) -> Evidence | None:
    """The member's deciding clause with its decisive words marked, or None for an unknown measure."""
    m = data.measures.get(member.measure_id)
    if m is None:
        return None
    anchor, parts = evidence_parts(data, member, m)
    a, b = deciding_span(member, m)
    return {
        "parts": parts,
        "href": plan_href(m.plan_id, anchor),
        "basis": member.basis,
        "note": member.evidence if member.basis == "reviewed" else "",
        "whole": (a, b) == (m.clean_start, m.clean_end),
    }


def deciding_span(member: FamilyMember, m: Measure) -> tuple[int, int]:
    """The clean span of the member's deciding clause (the whole measure when it is not known)."""
    return member.clause if member.clause[1] > member.clause[0] else (m.clean_start, m.clean_end)


def evidence_parts(data: ViewData, member: FamilyMember, m: Measure) -> tuple[str, list[EvidencePart]]:
    """The anchor of the member's deciding clause on its plan's page, and the clause cut into runs
    with its decisive words apart."""
    a, b = deciding_span(member, m)
    anchor = clause_anchor(m.measure_id, clause_number(m, (a, b))) if m.clauses else m.measure_id
    return anchor, _parts(data.texts[m.plan_id], a, b, member.marks)


def mentioned(data: ViewData, plan_id: str, family_id: str) -> Evidence | None:
    """The sentence a plan touches the family in without a measure of it, its words marked."""
    found = data.mentions.get((plan_id, family_id))
    if found is None:
        return None
    text = data.texts[plan_id]
    a, b = found.sentence
    plan = data.plan_by_id[plan_id]
    unit = next((m for m in plan.measures if m.clean_start <= a < m.clean_end), None)
    anchor = None
    if unit is not None:
        k = clause_number(unit, (a, b))
        anchor = clause_anchor(unit.measure_id, k) if unit.clauses else unit.measure_id
    return {
        "parts": _parts(text, a, b, found.marks),
        "href": plan_href(plan_id, anchor),
        "basis": found.how,
        "note": "",
        "whole": True,
    }


def with_evidence(data: ViewData, item: MeasureItem, family_id: str) -> MeasureItem:
    """The measure item as a family cell shows it: with the clause that puts it in the family."""
    member = data.decided.get((family_id, item["measure_id"]))
    found = evidence(data, member) if member is not None else None
    return {**item, "evidence": found} if found is not None else item


def _parts(text: str, a: int, b: int, marks: tuple[tuple[int, int], ...]) -> list[EvidencePart]:
    """text[a:b] cut into runs, the marked words apart."""
    parts: list[EvidencePart] = []
    pos = a
    for s, e in sorted(marks) if len(marks) > 1 else marks:
        s, e = max(s, pos), min(e, b)
        if e <= s:
            continue
        if s > pos:
            parts.append({"text": text[pos:s], "mark": False})
        parts.append({"text": text[s:e], "mark": True})
        pos = e
    if pos < b:
        parts.append({"text": text[pos:b], "mark": False})
    if text.find("\n", a, b) >= 0:  # most clauses hold no line break: nothing to flatten
        parts = [{"text": t, "mark": p["mark"]} for p in parts if (t := _flat(p["text"]))]
    return parts


def window(parts: list[EvidencePart], limit: int, lead: int = 8) -> list[EvidencePart]:
    """The clause cut to about ``limit`` characters around its decisive words: from ``lead`` characters
    before the first marked word (the start when it fits), "…" where the text is cut; the marked
    words from the first to the last are kept whole when they fit in ``limit``."""
    total = sum(len(p["text"]) for p in parts)
    if total <= limit:
        return parts
    offsets, pos = [], 0
    for p in parts:
        offsets.append(pos)
        pos += len(p["text"])
    marked = [(o, o + len(p["text"])) for o, p in zip(offsets, parts, strict=True) if p["mark"]]
    first, last = (marked[0][0], marked[-1][1]) if marked else (0, 0)
    start = 0 if last <= limit else max(0, min(first - lead, total - limit))
    end = min(total, start + max(limit, last - start if last - start <= limit else limit))
    out: list[EvidencePart] = [{"text": "…", "mark": False}] if start > 0 else []
    for o, p in zip(offsets, parts, strict=True):
        a, b = max(o, start), min(o + len(p["text"]), end)
        if a < b:
            out.append({"text": p["text"][a - o : b - o], "mark": p["mark"]})
    if end < total:
        out.append({"text": "…", "mark": False})
    return out


def _flat(text: str) -> str:
    """Line breaks of the plan's layout dropped (the clause reads as one line)."""
    return text.replace("\n", "")
