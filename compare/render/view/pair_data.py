"""What the two-plan view (``compare.html#a=…&b=…``) reads: one record per plan, written by the build as a
script the page loads for the two plans chosen (no server, and it works from the file system, where a
page may not fetch a JSON file), and the families' names, once. Any two of thousands of plans can be
chosen, so nothing is stored per pair of plans except the clauses holding a passage they share.

A plan's record (``PairPlan``), in lists rather than objects and with links cut to the part after the
plan's own (``anchor`` + it is the id on the plan page), to keep thousands of them small:

- ``families``: ``[family_id, wordings]`` for each family the plan has, in the order of the topic pages;
  each wording is ``[path, anchor, parts]``: the deciding clause, where it is, and its text as a list
  of strings, a decisive word as a one-string list (``["支持", ["标准地"], "出让"]``), as on the site;
  the families' names, topics and rows are in ``families.js`` (``family_heads``);
- ``gaps`` and ``mentions``: the families the plan lacks as a gap, and those it touches without a
  measure (so "B lacks it" can say which);
- ``diffs``: for each plan sharing a verbatim passage with it (kept once, in the record of the pair's
  first plan by id), ``[key_a, key_b, ops]`` for each pair of clauses the passages lie in that differ:
  the two clauses by their keys in the two records' ``clauses`` (``key: [path, anchor, text]``) and
  their character-level diff as lengths (``[op, n, op, n …]``: op 0 both, -1 only in this plan, 1 only
  in the other), computed here so that the browser only cuts the texts and draws ``<del>``/``<ins>``;
- ``same``: for each such plan, how many pairs of clauses are the same word for word (the plan pages
  mark those passages; listing them here would repeat the text of every copied plan);
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from typing import TYPE_CHECKING, TypedDict
from urllib.parse import quote

from compare.model import CleanText, PlanAnalysis
from compare.render.view.diff import char_diff, same_share
from compare.render.view.evidence import clause_anchor, evidence_parts
from compare.render.view.links import family_anchor, plan_href
from compare.render.view.measures import REUSE_SPANS
from compare.render.view.records import split_ids

if TYPE_CHECKING:
    from compare.render.view.data import ViewData

Parts = list[str | list[str]]  # text, and a decisive word as a one-string list
Wording = tuple[str, str, Parts]  # path, anchor (after the plan's), parts
FamilyEntry = tuple[str, list[Wording]]
ClauseEntry = tuple[str, str, str]  # path, anchor (after the plan's), text
Diff = tuple[str, str, list[int]]  # key in this record's clauses, key in the other's, ops as lengths
FamilyHead = tuple[int, str, str, str, str]  # order, name, topic name, topic page stem, row anchor

FAMILIES_PATH = "data/families.js"  # the families' names, read by the two-plan page (family_heads)


class PairPlan(TypedDict):
    plan_id: str
    name: str
    href: str  # the plan's page
    anchor: str  # what every anchor of the record follows: the plan's id and "/"
    page: int  # which page of a topic split by plans shows its column (from 0)
    families: list[FamilyEntry]
    gaps: list[str]
    mentions: list[str]
    clauses: dict[str, ClauseEntry]
    diffs: dict[str, list[Diff]]
    same: dict[str, int]


def pair_data_path(plan_id: str) -> str:
    """The script holding a plan's record, relative to the site root (quoted like a page link)."""
    return "data/pairs/" + plan_href(plan_id).removeprefix("plans/").removesuffix(".html") + ".js"


def family_heads(data: ViewData) -> dict[str, FamilyHead]:
    """family_id -> what the two-plan page shows of a family: its place in the topic pages' order, its
    name, its topic, and the stem and anchor of its row (``topics/land`` + ``-2`` for a later page)."""
    heads: dict[str, FamilyHead] = {}
    for topic in data.topic_ids:
        stem = "topics/" + quote(topic, safe="")  # links.topic_href: stem.html, stem-2.html …
        for row in data.family_rows[topic]:
            fid = row["family_id"]
            heads[fid] = (len(heads), row["name"], data.topic_name(topic), stem, family_anchor(fid))
    return heads


def pair_records(data: ViewData, heads: dict[str, FamilyHead] | None = None) -> Iterator[PairPlan]:
    """Every plan's record, in plan order, each built when asked for (the clauses shared with other
    plans are diffed first, for all plans at once)."""
    order = {fid: h[0] for fid, h in (heads or family_heads(data)).items()}
    held: dict[str, list[tuple[str, list[str]]]] = {}
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
    shared = shared_clauses(data)
    per = data.cfg.html_plans_per_page
    for i, p in enumerate(data.plans):
        pid = p.document.plan_id
        prefix = _anchor_prefix(pid)
        families = [
            (fid, _wordings(data, fid, mids, prefix))
            for fid, mids in sorted(held.get(pid, []), key=lambda fm: order[fm[0]])
        ]
        mine = shared.get(pid)
        yield {
            "plan_id": pid,
            "name": data.names[pid],
            "href": plan_href(pid),
            "anchor": prefix,
            "page": i // per,
            "families": families,
            "gaps": sorted(gaps.get(pid, []), key=order.__getitem__),
            "mentions": sorted(mentions.get(pid, []), key=order.__getitem__),
            "clauses": mine.entries() if mine else {},
            "diffs": mine.diffs if mine else {},
            "same": mine.same if mine else {},
        }


def _anchor_prefix(plan_id: str) -> str:
    """The start of every anchor on the plan's page (``plan_href`` quotes measure ids this way)."""
    return quote(plan_id, safe="/") + "/"


def _after(prefix: str, anchor: str) -> str:
    """An anchor as a record keeps it: after the plan's prefix; "#…" whole; "" for the page itself."""
    quoted = quote(anchor, safe="/")
    if not quoted:
        return ""
    return quoted[len(prefix) :] if quoted.startswith(prefix) else "#" + quoted


def _wordings(data: ViewData, fid: str, measure_ids: list[str], prefix: str) -> list[Wording]:
    wordings: list[Wording] = []
    for mid in measure_ids:
        member = data.decided.get((fid, mid))
        m = data.measures.get(mid)
        if member is None or m is None:
            continue
        anchor, found = evidence_parts(data, member, m)
        parts: Parts = [[p["text"]] if p["mark"] else p["text"] for p in found]
        wordings.append((m.path, _after(prefix, anchor), parts))
    return wordings


# ---------------------------------------------------------------- clauses sharing a passage


class _Shared:
    """One plan's clauses that hold a passage shared with another plan: their texts (once), the
    diffs of those that differ from the other plan's, and how many are the same."""

    def __init__(self, clauses: _Clauses) -> None:
        self.source = clauses
        self.used: dict[str, Clause] = {}
        self.diffs: dict[str, list[Diff]] = {}
        self.same: dict[str, int] = {}

    def key(self, side: Clause) -> str:
        key = f"{side[0]}-{side[1]}"
        self.used.setdefault(key, side)
        return key

    def entries(self) -> dict[str, ClauseEntry]:
        prefix = _anchor_prefix(self.source.plan_id)
        return {k: (c[2], _after(prefix, c[3]), self.source.shown(c)) for k, c in self.used.items()}


def shared_clauses(data: ViewData) -> dict[str, _Shared]:
    """plan_id -> its clauses holding a passage shared with another plan (``reuse``), compared.

    A passage copied with a few words changed is found as several passages, broken at each change,
    and a whole copied section is one long passage: so the unit shown is the clause (分句). Each
    clause of plan a that a passage touches is paired with the clause of plan b at the same place in
    the passage (the passage is the same text in both, up to place names and bracketed insertions),
    and the two are diffed whole, so a change at a passage's edge shows inside its clause; two
    clauses that only share a phrase (less than ``pair_min_same`` of the longer) show the phrase.
    Templated plans share hundreds of passages each: the same two texts are diffed once."""
    frame = data.tables.get("reuse")
    out: dict[str, _Shared] = {}
    if frame is None or frame.empty:
        return out
    clauses: dict[str, _Clauses] = {}
    seen: set[tuple[str, str, int, int, int, int]] = set()
    # two texts -> their diff as lengths ([] the same) and the share both have: templated plans
    # repeat the same clauses, so most pairs of texts recur
    diffs: dict[tuple[str, str], tuple[list[int], float]] = {}
    limit, min_same = data.cfg.pair_clause_chars, data.cfg.pair_min_same

    def compare(a: str, b: str, ua: _Clauses, ub: _Clauses, side_a: Clause, side_b: Clause) -> bool:
        """Diff two sides once; False when the pair was seen or its clauses share too little."""
        key = (a, b, side_a[0], side_a[1], side_b[0], side_b[1])
        if key in seen:
            return True
        texts = (ua.shown(side_a), ub.shown(side_b))
        found = diffs.get(texts)
        if found is None:
            shorter, longer = sorted((len(texts[0]), len(texts[1])))
            if texts[0] == texts[1]:
                found = diffs[texts] = ([], 1.0)
            elif shorter < min_same * longer:  # they cannot share enough: no need to diff them
                found = diffs[texts] = ([], 0.0)
            else:
                ops = char_diff(*texts)
                found = diffs[texts] = ([n for op, text in ops for n in (op, len(text))], same_share(ops))
        lengths, share = found
        if share < min_same:
            return False
        seen.add(key)
        sa = out.get(a) or out.setdefault(a, _Shared(ua))
        if not lengths:
            sa.same[b] = sa.same.get(b, 0) + 1
        else:
            sb = out.get(b) or out.setdefault(b, _Shared(ub))
            sa.diffs.setdefault(b, []).append((sa.key(side_a), sb.key(side_b), lengths))
        return True

    rows = sorted(zip(*(frame[c].tolist() for c in REUSE_SPANS), strict=True))
    for a, b, start_a, end_a, start_b, end_b in rows:
        a, b = str(a), str(b)
        if a not in data.plan_by_id or b not in data.plan_by_id:
            continue
        span_a, span_b = (int(start_a), int(end_a)), (int(start_b), int(end_b))
        if b < a:  # kept in the record of the pair's first plan by id
            a, b, span_a, span_b = b, a, span_b, span_a
        ua = clauses.get(a) or clauses.setdefault(a, _Clauses(data.plan_by_id[a]))
        ub = clauses.get(b) or clauses.setdefault(b, _Clauses(data.plan_by_id[b]))
        pa, pb = ua.clean_span(*span_a), ub.clean_span(*span_b)
        scale = (pb[1] - pb[0]) / max(1, pa[1] - pa[0])
        slack = abs((pb[1] - pb[0]) - (pa[1] - pa[0])) + 16
        found = ua.touching(*pa)
        if not found:  # a passage outside every measure: the passage itself
            compare(a, b, ua, ub, ua.part(*pa), ub.part(*pb))
            continue
        for clause in found:
            # the clause, and the clause of plan b at the same place in the passage
            x0, x1 = max(clause[0], pa[0]), min(clause[1], pa[1])
            y0 = pb[0] + round((x0 - pa[0]) * scale)
            y1 = max(y0 + 1, min(pb[1], pb[0] + round((x1 - pa[0]) * scale)))
            # the same words near there in plan b, where they are there as they are in plan a (the
            # passages differ by place names and insertions, so the guess drifts along a long one)
            found_b = ub.clean.text.find(ua.clean.text[x0:x1], max(0, y0 - slack), y1 + slack)
            if found_b >= 0:
                y0, y1 = found_b, found_b + x1 - x0
            other = ub.at((y0 + y1) // 2)
            side_a = clause if clause[1] - clause[0] <= limit else ua.part(x0, x1)
            side_b = other if other is not None and other[1] - other[0] <= limit else ub.part(y0, y1)
            if not compare(a, b, ua, ub, side_a, side_b):
                # two different clauses that share a phrase: the phrase is what they have in common
                compare(a, b, ua, ub, ua.part(x0, x1), ub.part(y0, y1))
    return out


Clause = tuple[int, int, str, str]  # clean start, end, its measure's path, its anchor on the plan page


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
        self._shown: dict[tuple[int, int], str] = {}

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

    def part(self, a: int, b: int) -> Clause:
        """The span a..b of the text, linked to the clause it starts in (or to the page)."""
        held = self.at(a)
        return (a, b, held[2], held[3]) if held else (a, b, "", "")

    def shown(self, side: Clause) -> str:
        """The text of a side as a reader sees it: the plan's line breaks dropped (once per span)."""
        span = (side[0], side[1])
        text = self._shown.get(span)
        if text is None:
            text = self._shown[span] = "".join(self.clean.text[side[0] : side[1]].split("\n"))
        return text
