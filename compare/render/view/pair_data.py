"""What the two-plan view (``compare.html#a=…&b=…``) reads: one small record per plan, written by the
build as a script the page loads for the two plans chosen (no server, and it works from the file
system, where a page may not fetch a JSON file). Any two of thousands of plans can be chosen, so
nothing is computed per pair of plans except the near-identical passages, which are few.

A plan's record (``PairPlan``), in lists rather than objects to keep thousands of them small:

- ``families``: ``[family_id, order, name, topic, href, wordings]`` for each family the plan has, where
  ``order`` sorts them as the topic pages do and ``href`` is the family's row on its topic page; each
  wording is ``[path, href, parts]``: the deciding clause, its link and its text as a list of strings,
  a decisive word as a one-string list (``["支持", ["标准地"], "出让"]``), as elsewhere on the site;
- ``gaps`` and ``mentions``: the families the plan lacks as a gap, and those it touches without a
  measure (so "B lacks it" can say which);
- ``diffs``: for each plan sharing a verbatim passage with it (kept once, in the record of the pair's
  first plan by id), ``[path_a, href_a, path_b, href_b, ops]``: the clauses the passage lies in, in
  both plans, and their character-level diff (``[op, text]``, op -1 only in this plan, 1 only in the
  other, 0 both), computed here so that the browser only draws ``<del>`` and ``<ins>``.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from typing import TYPE_CHECKING, NamedTuple, TypedDict

from compare.model import CleanText, PlanAnalysis
from compare.render.view.diff import char_diff, same_share
from compare.render.view.evidence import clause_anchor, evidence
from compare.render.view.links import plan_href
from compare.render.view.records import records, split_ids

if TYPE_CHECKING:
    from compare.render.view.data import ViewData

Parts = list[str | list[str]]  # text, and a decisive word as a one-string list
Wording = tuple[str, str, Parts]  # path, href, parts
FamilyEntry = tuple[str, int, str, str, str, list[Wording]]
Diff = tuple[str, str, str, str, list[tuple[int, str]]]


class PairPlan(TypedDict):
    plan_id: str
    name: str
    href: str
    families: list[FamilyEntry]
    gaps: list[str]
    mentions: list[str]
    diffs: dict[str, list[Diff]]


def pair_data_path(plan_id: str) -> str:
    """The script holding a plan's record, relative to the site root (quoted like a page link)."""
    return "data/pairs/" + plan_href(plan_id).removeprefix("plans/").removesuffix(".html") + ".js"


def pair_records(data: ViewData) -> Iterator[PairPlan]:
    """Every plan's record, in plan order, each built when asked for."""
    held: dict[str, list[tuple[str, list[str]]]] = {}
    order = {
        row["family_id"]: k for k, row in enumerate(r for t in data.topic_ids for r in data.family_rows[t])
    }
    for fid, cells in data.cells.items():
        if fid not in order:
            continue  # a topic the report leaves out
        for pid, r in cells.items():
            held.setdefault(pid, []).append((fid, split_ids(r.get("measure_ids"))))
    gaps: dict[str, list[str]] = {}
    for g in data.gaps:
        if str(g["family_id"]) in order:
            gaps.setdefault(str(g["plan_id"]), []).append(str(g["family_id"]))
    mentions: dict[str, list[str]] = {}
    for pid, fid in data.mentions:
        if fid in order:
            mentions.setdefault(pid, []).append(fid)
    diffs = reuse_diffs(data)
    for p in data.plans:
        pid = p.document.plan_id
        families = [
            _family(data, fid, order[fid], pid, mids)
            for fid, mids in sorted(held.get(pid, []), key=lambda fm: order[fm[0]])
        ]
        yield {
            "plan_id": pid,
            "name": data.names[pid],
            "href": plan_href(pid),
            "families": families,
            "gaps": sorted(gaps.get(pid, []), key=order.__getitem__),
            "mentions": sorted(mentions.get(pid, []), key=order.__getitem__),
            "diffs": diffs.get(pid, {}),
        }


def _family(data: ViewData, fid: str, order: int, pid: str, measure_ids: list[str]) -> FamilyEntry:
    f = data.family_by_id[fid]
    wordings: list[Wording] = []
    for mid in measure_ids:
        member = data.decided.get((fid, mid))
        m = data.measures.get(mid)
        if member is None or m is None:
            continue
        found = evidence(data, member)
        if found is not None:
            parts: Parts = [[p["text"]] if p["mark"] else p["text"] for p in found["parts"]]
            wordings.append((m.path, found["href"], parts))
    topic = str(f["topic"])
    return (fid, order, str(f["name"]), data.topic_name(topic), data.topic_link(topic, fid, pid), wordings)


# ---------------------------------------------------------------- near-identical passages


def reuse_diffs(data: ViewData) -> dict[str, dict[str, list[Diff]]]:
    """plan a -> plan b -> the diffs of the clauses each passage the two share lies in (a < b by id),
    in the order of the passages in plan a; the same pair of clauses once.

    A passage copied with a few words changed is found as several passages, broken at each change,
    and a whole copied section is one long passage: so the unit shown is the clause (分句). Each
    clause of plan a that a passage touches is paired with the clause of plan b at the same place in
    the passage (the passage is the same text in both, up to place names and bracketed insertions),
    and the two are diffed whole, so a change at a passage's edge shows inside its clause."""
    frame = data.tables.get("reuse")
    out: dict[str, dict[str, list[Diff]]] = {}
    if frame is None or frame.empty:
        return out
    units: dict[str, _Clauses] = {}
    seen: set[tuple[str, str, int, int, int, int]] = set()
    limit, min_same = data.cfg.pair_clause_chars, data.cfg.pair_min_same
    rows = records(data.tables, "reuse", columns=("plan_a", "start_a", "end_a", "plan_b", "start_b", "end_b"))
    for r in sorted(rows, key=lambda r: (str(r["plan_a"]), str(r["plan_b"]), int(r["start_a"]))):
        a, b = str(r["plan_a"]), str(r["plan_b"])
        if a not in data.plan_by_id or b not in data.plan_by_id:
            continue
        span_a, span_b = (int(r["start_a"]), int(r["end_a"])), (int(r["start_b"]), int(r["end_b"]))
        if b < a:  # kept in the record of the pair's first plan by id
            a, b, span_a, span_b = b, a, span_b, span_a
        ua = units.get(a) or units.setdefault(a, _Clauses(data.plan_by_id[a]))
        ub = units.get(b) or units.setdefault(b, _Clauses(data.plan_by_id[b]))
        pa, pb = ua.clean_span(*span_a), ub.clean_span(*span_b)
        for whole, part in _paired(ua, pa, ub, pb, limit):
            ops = _diff(ua, ub, *whole)
            if ops is not None and same_share(ops) < min_same:
                # two different clauses that share a phrase: the phrase is what they have in common
                whole, ops = part, None
            key = (a, b, whole[0].start, whole[0].end, whole[1].start, whole[1].end)
            if key in seen:
                continue
            seen.add(key)
            ops = ops or _diff(ua, ub, *whole) or []
            out.setdefault(a, {}).setdefault(b, []).append(
                (whole[0].path, whole[0].href, whole[1].path, whole[1].href, ops)
            )
    return out


def _diff(ua: _Clauses, ub: _Clauses, side_a: Side, side_b: Side) -> list[tuple[int, str]] | None:
    ta, tb = ua.shown(side_a), ub.shown(side_b)
    return [(0, ta)] if ta == tb else char_diff(ta, tb)


class Side(NamedTuple):
    """One plan's side of a clause pair: the clean span shown and where it is."""

    path: str  # the outline path of its measure ("" outside every measure)
    start: int
    end: int
    href: str


def _paired(
    ua: _Clauses, pa: tuple[int, int], ub: _Clauses, pb: tuple[int, int], limit: int
) -> Iterator[tuple[tuple[Side, Side], tuple[Side, Side]]]:
    """For each clause of plan a the passage ``pa`` touches: the clause with the clause of plan b at
    the same place in the passage ``pb`` (whole, unless longer than ``limit``), and the two pieces of
    the passage alone."""
    scale = (pb[1] - pb[0]) / max(1, pa[1] - pa[0])
    found = ua.touching(*pa)
    if not found:  # a passage outside every measure: the passage itself
        part = (ua.side(None, *pa), ub.side(None, *pb))
        yield part, part
        return
    for clause in found:
        x0, x1 = max(clause[0], pa[0]), min(clause[1], pa[1])
        y0 = pb[0] + round((x0 - pa[0]) * scale)
        y1 = max(y0 + 1, min(pb[1], pb[0] + round((x1 - pa[0]) * scale)))
        other = ub.at((y0 + y1) // 2)
        part = (ua.side(None, x0, x1), ub.side(None, y0, y1))
        whole = (
            ua.side(clause, x0, x1) if clause[1] - clause[0] <= limit else part[0],
            ub.side(other, y0, y1) if other is not None and other[1] - other[0] <= limit else part[1],
        )
        yield whole, part


Clause = tuple[int, int, str, str]  # clean start, end, the measure's path, the anchor of the clause


class _Clauses:
    """A plan's clauses by position, to find those a passage (raw offsets) lies in."""

    def __init__(self, plan: PlanAnalysis) -> None:
        self.plan_id = plan.document.plan_id
        self.clean: CleanText = plan.document.clean
        found: list[Clause] = []
        for m in plan.measures:
            if m.clauses:
                found += [
                    (c[0], c[1], m.path, clause_anchor(m.measure_id, k)) for k, c in enumerate(m.clauses)
                ]
            else:
                found.append((m.clean_start, m.clean_end, m.path, m.measure_id))
        self.clauses = sorted(found)
        self.starts = [c[0] for c in self.clauses]
        self.raw_starts = [run[1] for run in self.clean.runs]

    def clean_span(self, raw_start: int, raw_end: int) -> tuple[int, int]:
        a = self._to_clean(raw_start)
        return a, max(a, self._to_clean(raw_end - 1) + 1)

    def _to_clean(self, raw: int) -> int:
        """The clean offset of a raw offset (the next clean character when it was removed as noise)."""
        i = bisect.bisect_right(self.raw_starts, raw) - 1
        if i < 0:
            return 0
        c0, r0, n = self.clean.runs[i]
        return c0 + min(raw - r0, n)

    def touching(self, a: int, b: int) -> list[Clause]:
        lo = max(0, bisect.bisect_right(self.starts, a) - 1)
        hi = bisect.bisect_left(self.starts, b)
        return [c for c in self.clauses[lo:hi] if c[0] < b and a < c[1]]

    def at(self, x: int) -> Clause | None:
        i = bisect.bisect_right(self.starts, x) - 1
        return self.clauses[i] if i >= 0 and x < self.clauses[i][1] else None

    def side(self, clause: Clause | None, a: int, b: int) -> Side:
        """The whole clause (or, without one, the span a..b) and its link."""
        if clause is None:
            held = self.at(a)
            return Side(held[2] if held else "", a, b, plan_href(self.plan_id, held[3] if held else None))
        return Side(clause[2], clause[0], clause[1], plan_href(self.plan_id, clause[3]))

    def shown(self, side: Side) -> str:
        """The text of a side as a reader sees it: the plan's line breaks dropped."""
        return "".join(self.clean.text[side.start : side.end].split("\n"))
