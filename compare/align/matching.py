"""Per-plan catalogue matching: which catalogue families each measure of one plan carries.

A measure (``kind == "measure"``, never context) joins each family whose rules match one of its
clauses (分句): a rule needs its words in one clause, so words scattered over a long item do not make a
membership. The member records that clause and the decisive words (clean spans), with similarity 1.0.
A measure that bundles several actions joins several families, but one stretch of text carries one
family: where two families' evidence covers
the same characters, only the more specific hit (more characters of evidence; then the family whose
topic the measure carries; then catalogue order) keeps it. Words inside an enumeration (甲、乙、丙等)
count only for families that allow it (``in_lists``), and only when no other family's words stand
outside the list: then the list is the scope of that family's action. A long enumeration closed by a generic
head (…等方面, …等项目: ``scope_list``, ``scope_head``) is the scope for every family.

A pure function of one plan and the catalogue, so it runs with the per-plan work and is cached with it.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from operator import attrgetter
from pathlib import Path

from compare.align.catalogue import FAMILY_ID, Catalogue, FamilySpec, Hit
from compare.datafiles import Section, align_section
from compare.model import FamilyMember, Measure, Mention, PlanAnalysis
from compare.text import match_text as matching_copy
from compare.text import to_halfwidth

_FIRST_ITEM_SLACK = 2  # characters a list's first item may run longer than its longest other item

# Matching ignores layout and quotation marks: 实行“标准地”出让 reads 实行标准地出让.
_IGNORED = re.compile(r"[\s\u3000“”‘’\"'「」『』〝〞]+")


@dataclass(frozen=True)
class MatchingSettings:
    """The ``matching`` section of align.yaml: what catalogue rules never see, and what a list is."""

    ignore: tuple[re.Pattern[str], ...] = ()
    enumeration: tuple[re.Pattern[str], ...] = ()
    sentence_end: re.Pattern[str] = re.compile(r"[。;!?\n]+")
    deferral: tuple[re.Pattern[str], ...] = ()
    purpose: tuple[re.Pattern[str], ...] = ()
    qualifier: tuple[re.Pattern[str], ...] = ()
    silence_slack: int = 1
    # a domain's words -> the families a sentence deferring that domain defers (ids checked against the
    # catalogue by tests/test_align.py)
    deferred_domains: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = ()
    scope_list: int = 5  # items from which an enumeration closed by a generic head is only a scope
    scope_head: re.Pattern[str] = re.compile("(?!)")
    # an enumerated item of conditions or of the kinds of thing its lead-in names (…必须具备下列条件：;
    # 鼓励兴办下列项目：…有明显效果的；) describes, it does not act: its words make no membership
    list_lead: re.Pattern[str] = re.compile("(?!)")
    condition_lead: re.Pattern[str] = re.compile("(?!)")
    described_item: re.Pattern[str] = re.compile("(?!)")
    # the plan's own zone named where it stands (大连保税区内…, 保税区的企业): where, not what is done
    own_zone_object: re.Pattern[str] = re.compile("(?!)")
    own_zone_made: re.Pattern[str] = re.compile("(?!)")
    own_zone_regime: re.Pattern[str] = re.compile("(?!)")

    @classmethod
    def load(cls, path: Path | None = None) -> MatchingSettings:
        s = align_section("matching", path)
        return cls(
            ignore=s.regexes("ignore"),
            enumeration=s.regexes("enumeration"),
            sentence_end=s.regex("sentence_end"),
            deferral=s.regexes("deferral"),
            purpose=s.regexes("purpose"),
            qualifier=s.regexes("qualifier"),
            silence_slack=s.integer("silence_slack", 1),
            deferred_domains=tuple(_domain(d) for d in s.sections("deferred_domains")),
            scope_list=s.integer("scope_list", 3),
            scope_head=s.regex("scope_head"),
            list_lead=s.regex("list_lead"),
            condition_lead=s.regex("condition_lead"),
            described_item=s.regex("described_item"),
            own_zone_object=s.regex("own_zone_object"),
            own_zone_made=s.regex("own_zone_made"),
            own_zone_regime=s.regex("own_zone_regime"),
        )

    def asides(self, text: str) -> list[tuple[int, int]]:
        """Spans of ``text`` that are not its action: a purpose (为…, 以…为目标), the reason for an
        action, or items qualifying a noun (统一规划、统一建设、统一招商的要求)."""
        # a pattern with a group marks only the group (the words around it anchor it)
        return [
            m.span(1 if p.groups else 0) for p in (*self.purpose, *self.qualifier) for m in p.finditer(text)
        ]

    def own_zone(self, text: str, zone: str | None) -> list[tuple[int, int]]:
        """Where ``text`` names the plan's own kind of zone (``zone``, its metadata's zone type) as
        the place or the subject of what is done (保税区内禁止兴办…, 合作区内企业): the zone's name is
        no action of the family its words belong to (保税 of a bonded zone's regulation). It stays one
        where the zone is what is made (设立保税区, 出口加工区的建设) or the clause is about the zone's
        own regime (货物出入保税区…接受海关检查)."""
        if not zone or zone not in text or self.own_zone_regime.search(text):
            return []
        return [
            (m.start(), m.end())
            for m in re.finditer(re.escape(zone), text)
            if not self.own_zone_object.search(text, 0, m.start())
            and not self.own_zone_made.match(text, m.end())
        ]

    def scopes(self, text: str) -> list[tuple[int, int]]:
        """Enumerations of ``text`` that are only the scope of its action: long, and closed by a
        generic head (…等方面, …等项目, …等专业化服务)."""
        return [(s, e) for s, e in self.enumerations(text, self.scope_list) if self.scope_head.match(text, e)]

    def enumerations(self, text: str, least: int = 2) -> list[tuple[int, int]]:
        """Spans of ``text`` that enumerate at least ``least`` items (甲、乙、丙等). The first item is
        cut to about the length of the others: what stands before it (在人才服务中心增设公积金管理、…)
        is the clause's own words, not an item."""
        out = []
        for p in self.enumeration:
            for m in p.finditer(text):
                first, *others = m.group().split("、")
                if len(others) + 1 < least:
                    continue
                longest = max((len(o) for o in others), default=len(first)) + _FIRST_ITEM_SLACK
                out.append((m.start() + max(0, len(first) - longest), m.end()))
        return out


def _domain(d: Section) -> tuple[re.Pattern[str], tuple[str, ...]]:
    families = d.strings("families")
    if not all(FAMILY_ID.match(f) for f in families):
        raise d.error("families", "a list of family ids (<topic>.<name>)")
    return d.regex("words"), families


@lru_cache(maxsize=1)
def default_matching() -> MatchingSettings:
    return MatchingSettings.load()


@dataclass(frozen=True)
class CatalogueMatch:
    """One measure recognised as one catalogue family."""

    family: FamilySpec
    hits: tuple[Hit, ...]

    @property
    def evidence(self) -> str:
        return "; ".join(dict.fromkeys(h.evidence for h in self.hits))


def match_plan(
    plan: PlanAnalysis, catalogue: Catalogue, matching: MatchingSettings | None = None
) -> list[FamilyMember]:
    """The plan's measures (never context) that catalogue families recognise, each with its deciding
    clause and words: a per-plan result."""
    matching = matching or default_matching()
    order = {f.id: i for i, f in enumerate(catalogue.families)}
    out: list[FamilyMember] = []
    by_heading: set[int] = set()  # members (indices in out) decided on their measure's heading alone
    describing = _describing_items(plan, matching)
    zone = plan.document.metadata.zone_type
    for m in plan.measures:
        if m.kind != "measure" or m.section_id in describing:
            continue
        # family -> best clause: one of the item's text before its heading (提升贸易便利化水平。积极参与
        # …“单一窗口”建设: the heading names the theme, the sentence is the measure a reader checks),
        # then the heaviest hit
        found: dict[str, tuple[tuple[bool, int], tuple[int, int], CatalogueMatch]] = {}
        clauses = m.clauses or [(m.clean_start, m.clean_end)]
        heading = clauses[0] if len(clauses) > 1 and _is_heading(plan, m, clauses[0]) else None
        for clause in clauses:
            text = clause_text(plan, clause, matching)
            for cm in catalogue_matches(text, catalogue, m, order, matching, zone):
                rank = (clause != heading, max(h.weight for h in cm.hits))
                if cm.family.id not in found or rank > found[cm.family.id][0]:
                    found[cm.family.id] = (rank, clause, cm)
        for fid in sorted(found, key=order.__getitem__):
            _, clause, cm = found[fid]
            marks = clause_marks(plan, clause, matching, cm.hits)
            if clause == heading:
                by_heading.add(len(out))
            out.append(
                FamilyMember(fid, m.plan_id, m.measure_id, 1.0, cm.evidence, clause=clause, marks=marks)
            )
    return _without_echoed_headings(plan, out, by_heading)


def _describing_items(plan: PlanAnalysis, matching: MatchingSettings) -> set[str]:
    """Sections that are items of a list of conditions (申请…必须具备下列条件：) or items describing the
    kind of thing their lead-in names (鼓励兴办下列项目：…有明显效果的；): they say which, not what is
    done."""
    text = plan.document.clean.match or plan.document.clean.text
    by_id = {s.section_id: s for s in plan.sections}
    out = set()
    for sec in plan.sections:
        parent = by_id.get(sec.parent_id) if sec.parent_id else None
        if parent is None:
            continue
        lead = text[parent.clean_start : parent.clean_end].rstrip()
        if not matching.list_lead.search(lead):
            continue
        own = text[sec.clean_start : sec.clean_end].rstrip()
        if matching.condition_lead.search(lead) or matching.described_item.search(own):
            out.add(sec.section_id)
    return out


def _without_echoed_headings(
    plan: PlanAnalysis, members: list[FamilyMember], by_heading: set[int]
) -> list[FamilyMember]:
    """The members less those decided on a heading alone where a sentence of the same item makes
    the same family another of its measures' (（十）加大园区招才引智。 over 支持园区事业单位特设岗位引进优秀
    高层次人才): a heading names the theme of what follows it, and the sentence under it is the measure
    a reader checks; the heading repeats it."""
    if not by_heading:
        return members
    section = {m.measure_id: m.section_id for m in plan.measures}
    said = {(section[m.measure_id], m.family_id) for k, m in enumerate(members) if k not in by_heading}
    return [
        m
        for k, m in enumerate(members)
        if k not in by_heading or (section[m.measure_id], m.family_id) not in said
    ]


def _is_heading(plan: PlanAnalysis, measure: Measure, clause: tuple[int, int]) -> bool:
    """Whether ``clause`` is the measure's heading run into its text (3.提升贸易便利化水平。…)."""
    if not measure.heading:
        return False
    text = plan.document.clean.text[clause[0] : clause[1]].strip().rstrip("。.;；:：")
    return text.endswith(measure.heading.strip())


def find_mentions(
    plan: PlanAnalysis,
    catalogue: Catalogue,
    members: Sequence[FamilyMember],
    matching: MatchingSettings | None = None,
) -> list[Mention]:
    """The catalogue families the plan touches without a member measure: the family's rules hit a
    sentence anywhere in its text (in passing in a measure, in a list, in context, or deferred to
    another document). One mention per family, the first in the text; a pure function of the plan."""
    matching = matching or default_matching()
    clean = plan.document.clean
    have = {m.family_id for m in members}
    units = sorted(((m.clean_start, m.clean_end, m.kind) for m in plan.measures), key=lambda u: u[0])
    starts = [u[0] for u in units]
    found: dict[str, Mention] = {}
    pos = 0
    for end_mark in [*matching.sentence_end.finditer(clean.match), None]:
        end = end_mark.end() if end_mark is not None else len(clean.match)
        span, pos = (pos, end), end
        if span[1] - span[0] < 4:
            continue
        text = clause_text(plan, span, matching)
        for words, family_ids in matching.deferred_domains:
            # a whole domain left to another document (…的体制机制问题以《…》规定为准)
            named = words.search(text)
            if named and any(p.search(text) for p in matching.deferral):
                marks = clause_marks(plan, span, matching, [Hit((named.span(),), (named[0],))])
                for fid in family_ids:
                    if fid not in have and fid not in found:
                        found[fid] = Mention(fid, span, marks, "deferred")
        candidates = [f for f in catalogue.prefiltered(text) if f[0].id not in have and f[0].id not in found]
        if not candidates:
            continue
        lists = matching.enumerations(text)
        deferred = any(p.search(text) for p in matching.deferral)
        k = bisect.bisect_right(starts, span[0]) - 1
        in_measure = k >= 0 and units[k][1] > span[0] and units[k][2] == "measure"
        for f, rules, negative in candidates:
            hits = list(f.all_hits(text, rules, negative, matching.silence_slack))
            if not hits:
                continue
            if deferred:
                how = "deferred"
            elif all(_inside(h, lists) for h in hits):
                how = "list"
            else:
                how = "passing" if in_measure else "context"
            marks = clause_marks(plan, span, matching, hits)
            found[f.id] = Mention(f.id, span, marks, how)
    return sorted(found.values(), key=lambda m: (m.sentence, m.family_id))


def match_text(plan: PlanAnalysis, measure: Measure, matching: MatchingSettings | None = None) -> str:
    """The text rules are matched on for a whole measure (see ``clause_text``)."""
    return clause_text(plan, (measure.clean_start, measure.clean_end), matching, measure.text)


def clause_text(
    plan: PlanAnalysis,
    span: tuple[int, int],
    matching: MatchingSettings | None = None,
    fallback: str | None = None,
) -> str:
    """The text rules are matched on: the span of the match copy, layout and quotes removed, and what
    ``matching.ignore`` names (a 〔责任单位：…〕 tail lists bodies, not actions) deleted. (``_matchable``
    gives the same characters with their offsets; this is the fast way for the many clauses no rule
    matches.)"""
    matching = matching or default_matching()
    clean = plan.document.clean
    start, end = span
    if len(clean.match) == len(clean.text) and 0 <= start < end <= len(clean.match):
        text = clean.match[start:end]
    else:  # no match copy: make one (simplified script, half-width) from the text
        text = matching_copy(fallback if fallback is not None else clean.text[start:end])
    text = normalise_for_matching(text)
    for pattern in matching.ignore:
        text = pattern.sub("", text)
    return text


def clause_marks(
    plan: PlanAnalysis, span: tuple[int, int], matching: MatchingSettings | None, hits: Sequence[Hit]
) -> tuple[tuple[int, int], ...]:
    """The clean spans (document offsets) of the hits' words, found in ``clause_text`` of ``span``."""
    _, at, start = _matchable(plan, span, matching, None)
    marks: list[tuple[int, int]] = []
    for hit in hits:
        for a, b in hit.spans:
            if 0 <= a < b <= len(at):
                marks.append((start + at[a], start + at[b - 1] + 1))
    return tuple(sorted(set(marks)))


def locate_words(
    plan: PlanAnalysis,
    clauses: Sequence[tuple[int, int]],
    words: Sequence[str],
    matching: MatchingSettings | None = None,
) -> tuple[tuple[int, int], tuple[tuple[int, int], ...]]:
    """The clause (of a measure's ``clauses``) holding most of ``words`` (match form) and where they
    stand in it (clean spans): the evidence of a membership decided by similarity rather than by a
    rule."""
    best: tuple[int, tuple[int, int], tuple[tuple[int, int], ...]] = (-1, (0, 0), ())
    for clause in clauses:
        text, offsets, start = _matchable(plan, clause, matching, None)
        found: list[tuple[int, int]] = []
        distinct = 0
        for word in dict.fromkeys(w for w in words if w):
            at = text.find(word)
            distinct += at >= 0
            while at >= 0:
                found.append((start + offsets[at], start + offsets[at + len(word) - 1] + 1))
                at = text.find(word, at + len(word))
        if distinct > best[0]:
            best = (distinct, clause, tuple(sorted(set(found))))
    return best[1], best[2]


def _matchable(
    plan: PlanAnalysis, span: tuple[int, int], matching: MatchingSettings | None, fallback: str | None
) -> tuple[str, tuple[int, ...], int]:
    """The characters rules see in ``span`` (``clause_text``), the offset of each from the span's
    start, and that start: a character's clean offset in the document is ``start + offsets[i]``."""
    matching = matching or default_matching()
    clean = plan.document.clean
    start, end = span
    if len(clean.match) == len(clean.text) and 0 <= start < end <= len(clean.match):
        source = to_halfwidth(clean.match[start:end])
    else:  # no match copy: make one (simplified script, half-width) from the text
        source = to_halfwidth(matching_copy(fallback if fallback is not None else clean.text[start:end]))
    text, offsets = _kept(source, matching.ignore)
    return text, offsets, start


@lru_cache(maxsize=4096)
def _kept(source: str, ignore: tuple[re.Pattern[str], ...]) -> tuple[str, tuple[int, ...]]:
    """The characters of ``source`` rules see and the offset of each in it: layout and quotes removed,
    then what ``ignore`` matches. Kept for the texts seen last: plans built from one template repeat
    the same clauses, and a clause is located again for each family it is in."""
    kept = [(c, i) for i, c in enumerate(source) if not _IGNORED.match(c)]
    for pattern in ignore:
        text = "".join(c for c, _ in kept)
        dropped = {i for m in pattern.finditer(text) for i in range(m.start(), m.end())}
        if dropped:
            kept = [k for i, k in enumerate(kept) if i not in dropped]
    return "".join(c for c, _ in kept), tuple(i for _, i in kept)


def normalise_for_matching(text: str) -> str:
    """Half-width letters, digits and punctuation; whitespace and quotation marks removed."""
    return _IGNORED.sub("", to_halfwidth(text))


def catalogue_matches(
    text: str,
    catalogue: Catalogue,
    measure: Measure | None = None,
    order: dict[str, int] | None = None,
    matching: MatchingSettings | None = None,
    zone: str | None = None,
) -> list[CatalogueMatch]:
    """The catalogue families ``text`` carries, one family per stretch of text (see module docstring)."""
    matching = matching or default_matching()
    order = order or {f.id: i for i, f in enumerate(catalogue.families)}
    topics = [t.topic for t in measure.topics] if measure is not None else []
    lists: list[tuple[int, int]] | None = None
    long_lists: list[tuple[int, int]] = []  # of three items or more: a clause may act on them
    scopes: list[tuple[int, int]] = []  # so long that they are only the clause's scope
    # words of a purpose (为…,) say why, not what; the plan's own zone where it stands: no membership
    aside = matching.asides(text) + matching.own_zone(text, zone)
    candidates = []
    listed: set[str] = set()  # families whose every hit is an item of an enumeration
    for f, rules, negative in catalogue.prefiltered(text):  # rules that cannot hit are never run
        hits = list(f.all_hits(text, rules, negative))
        if hits:
            if lists is None:
                lists, long_lists = matching.enumerations(text), matching.enumerations(text, 3)
                scopes = matching.scopes(text)
            if lists and not f.in_lists and all(_inside(h, lists) for h in hits):
                continue
            if scopes and all(_inside(h, scopes) for h in hits):
                continue
            if long_lists and all(_inside(h, long_lists) for h in hits):
                listed.add(f.id)
        if hits and aside:
            hits = [h for h in hits if not _inside(h, aside)]
        if hits:
            candidates.append((f, hits))
    if listed and len(listed) < len(candidates):
        # a clause acting on a list (提供户籍办理、人才安居、子女入学等一站式服务) is the measure of its
        # action; the items are its scope and make no membership. A clause that is only a list of
        # actions (落实研发费用加计扣除、所得税减免等) keeps them.
        candidates = [(f, hits) for f, hits in candidates if f.id not in listed]

    def rank(item: tuple[FamilySpec, list[Hit]]) -> tuple[int, int, int]:
        f, hits = item
        topic_rank = topics.index(f.topic) if f.topic in topics else len(topics) + 1
        return (-max([h.weight for h in hits]), topic_rank, order[f.id])

    claimed: list[tuple[int, int]] = []
    chosen: list[CatalogueMatch] = []
    for f, hits in sorted(candidates, key=rank):
        # heaviest first (reverse keeps equals in order); nothing overlaps while nothing is claimed
        ordered = sorted(hits, key=attrgetter("weight"), reverse=True)
        free = [h for h in ordered if not _overlaps(h, claimed)] if claimed else ordered
        if not free:
            continue
        kept: list[Hit] = []
        for h in free:
            if not claimed or not _overlaps(h, claimed):
                kept.append(h)
                claimed.extend(h.spans)
        chosen.append(CatalogueMatch(f, tuple(sorted(kept, key=attrgetter("start")))))
    return sorted(chosen, key=lambda cm: order[cm.family.id])


def _inside(hit: Hit, spans: list[tuple[int, int]]) -> bool:
    """Whether every term of the hit lies inside one of ``spans``."""
    return all(any(s <= hs and he <= e for s, e in spans) for hs, he in hit.spans)


def _overlaps(hit: Hit, claimed: list[tuple[int, int]]) -> bool:
    return any(s < ce and cs < e for s, e in hit.spans for cs, ce in claimed)
