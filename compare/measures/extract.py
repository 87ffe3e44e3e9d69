"""Sections → measures: cut each section's body into units, tell context from measures, classify.

A unit starts at the section's body (after its label; the item's heading belongs to the first unit)
and a new one starts at every sentence or ;-clause that opens a new action: an action verb after
optional adverbs (支持、鼓励、允许、探索、建立 …), a conditional support rule (对…给予), an actor with a
modal (各地要…), or a context clause (本意见自印发之日起…). Other sentences stay with the unit before
them, so the units of a section cover its whole body. A responsibility tail (〔责任单位：…〕) closes the
item: it stays in the last unit's span and its units are given to every measure of the item.

Context (kept and shown, not counted as coverage) is decided from, in order: the preamble; the
item's own heading (指导思想, 发展目标, 功能定位, 实施范围, 申报条件 … anchored: 有条件的 is not 条件);
the headings of enclosing sections (a chapter 总体要求); and the unit's opening (为…制定本方案,
以习近平…为指导, 本意见自…施行; a regulation's scope, definitions, commencement and repeal: 本条例适用于…,
本条例所称…是指…; a first unit that is a pure target, or anything after a 目标: line; a reply's
paragraph that only approves, 同意设立… without a 要/应当/必须 in the paragraph, and a regulation's
statement of the approval it rests on). A 目标 mentioned
inside a measure does not make it context. Rules and cue words: attributes.yaml.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from compare.measures.attributes import (
    ContextCue,
    Rules,
    Tail,
    binding_evidence,
    deadline,
    instrument,
    item_bindingness,
    lead_in,
    load_rules,
    responsible_tail,
)
from compare.measures.targets import find_targets
from compare.model import Document, Kind, Measure, Section
from compare.text import normalise_chars
from compare.topics.classifier import classify, learned_text, with_learned
from compare.topics.codebook import Codebook

SKIP_STYLES = frozenset({"front", "title", "back"})
PREAMBLE_STYLE = "preamble"
_HEADING_STRIP = " \t\u3000\n.。:;,、"
_WS = " \t\r\n\u3000\u00a0"


@dataclass(frozen=True)
class Item:
    """One section as this stage reads it: clean text, aligned match text, and where its parts are.

    Offsets are section-local. ``norm`` is the document's match text (simplified script) made
    half-width, aligned character for character with ``text``; cues and the classifier read it, so
    a plan in traditional script reads like one in simplified.
    """

    section: Section
    text: str
    norm: str
    body: int  # where the body starts: after the label (the heading belongs to the body)
    head_end: int  # end of the heading and its punctuation; == body when no heading is found
    end: int  # end of the body, trailing whitespace dropped

    @property
    def heading(self) -> str | None:
        """The heading in match form (simplified, half-width), or None."""
        if self.head_end > self.body:
            return self.norm[self.body : self.head_end].strip(_HEADING_STRIP) or None
        if self.section.heading:
            return normalise_chars(self.section.heading).strip(_HEADING_STRIP) or None
        return None


def read_item(doc: Document, section: Section) -> Item:
    """Locate label, heading and body of ``section`` in the document's clean and match text."""
    text = doc.clean.text[section.clean_start : section.clean_end]
    match = doc.clean.match[section.clean_start : section.clean_end] if doc.clean.match else ""
    if len(match) != len(text):
        match = text
    norm = normalise_chars(match)
    plain = normalise_chars(text)  # label and heading are printed in the clean text's script
    i = len(plain) - len(plain.lstrip(_WS))
    label = normalise_chars(section.label).strip()
    if label and plain.startswith(label, i):
        i += len(label)
    while i < len(plain) and plain[i] in _WS:
        i += 1
    head = normalise_chars(section.heading or "").strip()
    head_end = i
    if head and plain.startswith(head, i):
        head_end = i + len(head)
        while head_end < len(plain) and plain[head_end] in "。.:;!?":
            head_end += 1
    return Item(section, text, norm, i, head_end, len(plain.rstrip(_WS)))


def _cue_reason(cues: Sequence[ContextCue], heading: str | None) -> str | None:
    if not heading:
        return None
    for cue in cues:
        if cue.regex.fullmatch(heading):
            return cue.reason
    return None


def section_context_reason(item: Item, ancestors: Sequence[Item], rules: Rules) -> str | None:
    """Why every unit of a section is context (preamble, a context heading, a context chapter)."""
    if item.section.style == PREAMBLE_STYLE:
        return rules.reasons["preamble"]
    reason = _cue_reason(rules.heading_cues, item.heading)
    if reason:
        return reason
    for anc in ancestors:
        reason = _cue_reason(rules.enclosing_cues, anc.heading)
        if reason:
            return reason
    return None


def _sentences(norm: str, start: int, end: int, rules: Rules) -> list[tuple[int, int]]:
    """Sentence (and ;-clause) spans in norm[start:end], whitespace-only pieces dropped."""
    spans, i = [], start
    for m in rules.sentence_end.finditer(norm, start, end):
        if norm[i : m.end()].strip(_WS):
            spans.append((i, m.end()))
        i = m.end()
    if i < end and norm[i:end].strip(_WS):
        spans.append((i, end))
    return spans


def _unit_cue(text: str, rules: Rules) -> str | None:
    stripped = text.lstrip(_WS)
    for cue in rules.unit_cues:
        if cue.regex.search(stripped):
            return cue.reason
    if rules.validity.search(stripped) and not rules.unit_lead.match(stripped):
        return rules.reasons["validity"]
    return None


def starts_unit(sentence: str, rules: Rules) -> bool:
    """Does this sentence open a new measure (an action verb, 对…给予, an actor with a modal …)?"""
    s = sentence.lstrip(_WS + '"“')
    if rules.unit_lead.match(s):
        return True
    if any(rx.search(s) for rx in rules.lead_patterns):
        return True
    return _unit_cue(s, rules) is not None


def split_units(item: Item, rules: Rules, has_children: bool) -> list[tuple[int, int, int]]:
    """(start, end, heading_end) of the units of one section, section-local offsets."""
    norm, body, head_end, end = item.norm, item.body, item.head_end, item.end
    if body >= end:
        return []
    if not norm[head_end:end].strip(_WS) and has_children:
        return []  # a chapter heading: its text is the title of its children
    if item.section.heading is None and has_children and end - body <= 30 and "\n" not in norm[body:end]:
        return []  # an unrecognised chapter title
    starts = [body]
    protected = True  # the first sentence after the heading always stays with the heading
    for s, e in _sentences(norm, body, end, rules):
        if s < head_end:
            continue
        if protected:
            protected = False
            continue
        sentence = norm[s:e]
        if _unit_cue(sentence, rules) or (
            starts_unit(sentence, rules) and len(sentence.strip(_WS)) >= rules.min_unit_chars
        ):
            starts.append(s)
    out = []
    for k, s in enumerate(starts):
        e = starts[k + 1] if k + 1 < len(starts) else end
        e = s + len(norm[s:e].rstrip(_WS))
        out.append((s, e, head_end if k == 0 else s))
    return out


_CLAUSE_COMMA = "，,"
_MIN_CLAUSE = 6  # a clause shorter than this (characters, trimmed) stays with the one before it


def clauses(norm: str, start: int, end: int, rules: Rules) -> list[tuple[int, int]]:
    """The clauses (分句) of norm[start:end]: cut after 。；!? and line ends, and before a comma-led
    clause that opens an action (…，支持… / …，积极推进…); they cover the span without gaps."""
    cuts = [start]
    for s, e in _sentences(norm, start, end, rules):
        if s > cuts[-1]:
            cuts.append(s)
        for k in range(s, e):
            if norm[k] in _CLAUSE_COMMA and _cut_after(norm, max(cuts[-1], s), k, rules):
                cuts.append(k + 1)
    cuts.append(end)
    spans: list[tuple[int, int]] = []
    for a, b in itertools.pairwise(cuts):
        if b <= a:
            continue
        if (spans and len(norm[a:b].strip(_WS)) < _MIN_CLAUSE) or (
            spans and len(norm[spans[-1][0] : spans[-1][1]].strip(_WS)) < _MIN_CLAUSE
        ):
            spans[-1] = (spans[-1][0], b)
        else:
            spans.append((a, b))
    return spans


def _cut_after(norm: str, start: int, comma: int, rules: Rules) -> bool:
    """Whether a new clause starts after the comma at ``comma``: the text after it opens one (an action
    verb, a clause pattern), unless the clause begun at ``start`` only names whom it is about (对…,)."""
    following = norm[comma + 1 : comma + 90].lstrip(_WS)
    opens = rules.unit_lead.match(following) or any(rx.match(following) for rx in rules.clause_patterns)
    return bool(opens) and not rules.clause_topic.match(norm[start:comma].strip(_WS))


_ARTICLE = "article"  # the numbering style of 第X条: articles have no headings (compare.outline)
_ARTICLE_LEAD_CHARS = 120


def _context_text(item: Item) -> str:
    """What an enclosing section tells the classifier about its children: its heading, or for an
    article its own lead text (高新技术企业应当具备下列条件：, the sentence its clauses complete)."""
    if item.heading:
        return item.heading
    if item.section.style == _ARTICLE:
        return item.norm[item.body : item.end][:_ARTICLE_LEAD_CHARS]
    return ""


def _ancestors(section: Section, by_id: dict[str, Section]) -> list[Section]:
    out, seen = [], set()
    pid = section.parent_id
    while pid and pid in by_id and pid not in seen:
        seen.add(pid)
        out.append(by_id[pid])
        pid = by_id[pid].parent_id
    return out


def _context_units(
    norm: str, spans: list[tuple[int, int, int]], section_reason: str | None, rules: Rules
) -> list[str | None]:
    """The context reason of each unit of one section (None: a measure)."""
    if section_reason:
        return [section_reason] * len(spans)
    reasons: list[str | None] = []
    after_intro = False
    for k, (s, e, h) in enumerate(spans):
        own = norm[h:e]
        reason: str | None
        if after_intro:
            reason = rules.reasons["target"]
        else:
            # a heading may be the unit's first sentence (本条例适用于…（以下简称…）。…): read it too
            reason = (_unit_cue(norm[s:e], rules) if h > s else None) or _unit_cue(own, rules)
        first = own.lstrip(_WS)
        if (
            reason is None
            and k == 0
            and rules.target_unit.match(first)
            and not rules.target_instrument.search(first)
        ):
            reason = rules.reasons["target"]
        if reason is None and _approves_only(norm, s, spans[-1][1], rules):
            reason = rules.reasons["approval"]
        if rules.target_intro.search(norm[s:e]):
            after_intro = True
        reasons.append(reason)
    return reasons


_ORDERS = ("mandatory", "directive")


def _approves_only(norm: str, s: int, end: int, rules: Rules) -> bool:
    """The unit opens by approving (同意…) and its paragraph orders nothing (no 要/应当/必须 …)."""
    if not rules.approval.match(norm[s:end].lstrip(_WS)):
        return False
    nl = norm.find("\n", s, end)
    paragraph = norm[s : nl if nl >= 0 else end]
    return not any(level in _ORDERS for level, _ in binding_evidence(paragraph, rules))


def _tails(norm: str, spans: list[tuple[int, int, int]], rules: Rules) -> list[tuple[int, list[str]]]:
    """Per unit: where its text ends before a responsibility tail, and the units that tail names.

    A tail (〔责任单位：…〕, （…负责）) closes an item: it stands at the end of a unit that ends a
    paragraph. It applies to that unit and to the units before it back to the previous tail, so an
    item split into several measures gives the same units to each; closing paragraphs that follow a
    tail in the same section get none.
    """
    found: list[tuple[int, list[str]] | None] = []
    for s, e, _ in spans:
        after = norm[e : e + 1]
        tail: Tail | None = responsible_tail(norm[s:e], rules) if after in ("", "\n", "\r") else None
        found.append((s + tail.start, tail.units) if tail else None)
    out: list[tuple[int, list[str]]] = []
    pending: list[str] = []
    for i in range(len(spans) - 1, -1, -1):
        hit = found[i]
        if hit is not None:
            pending = hit[1]
            out.append((hit[0], list(pending)))
        else:
            out.append((spans[i][1], list(pending)))
    out.reverse()
    return out


def extract_measures(
    doc: Document, sections: list[Section], codebook: Codebook, rules: Rules | None = None
) -> list[Measure]:
    """All measures and context units of one plan, in document order.

    Sections of style front/title/back are skipped; ``measure_id`` is f"{section_id}/m{k}".
    """
    rules = rules or load_rules()
    by_id = {s.section_id: s for s in sections}
    parents = {s.parent_id for s in sections if s.parent_id}
    items: dict[str, Item] = {}

    def item_of(section: Section) -> Item:
        if section.section_id not in items:
            items[section.section_id] = read_item(doc, section)
        return items[section.section_id]

    out: list[Measure] = []
    learning: list[tuple[int, str]] = []  # measures (index in out) and the text the learned model reads
    for sec in sections:
        if sec.style in SKIP_STYLES or sec.clean_end <= sec.clean_start:
            continue
        item = item_of(sec)
        spans = split_units(item, rules, sec.section_id in parents)
        if not spans:
            continue
        ancestors = [item_of(a) for a in _ancestors(sec, by_id)]
        norm, text = item.norm, item.text
        reasons = _context_units(norm, spans, section_context_reason(item, ancestors, rules), rules)
        tails = _tails(norm, spans, rules)
        anc_headings = [_context_text(a) for a in ancestors]
        # an enumerated item reads its parent's lead-in (…下列…：) for its bindingness and topics
        lead = lead_in(ancestors[0].norm[ancestors[0].body : ancestors[0].end], rules) if ancestors else None
        for k, ((s, e, h), reason) in enumerate(zip(spans, reasons, strict=True), start=1):
            tail_start, units = tails[k - 1]
            cs, ce = sec.clean_start + s, sec.clean_start + e
            raw_start, raw_end = doc.clean.raw_span(cs, ce)
            kind: Kind = "context" if reason else "measure"
            body = norm[h:tail_start]
            whole = norm[s:tail_start]  # with the heading: instrument and bindingness read it too

            def to_raw(a: int, b: int, base: int = cs) -> tuple[int, int]:
                return doc.clean.raw_span(base + a, base + b)

            described: dict[str, Any] = {}
            if kind == "measure":
                first = k == 1
                context = anc_headings if first else [item.heading or "", *anc_headings]
                kind_of_instrument, instrument_type = instrument(whole, rules)
                described = {
                    "topics": classify(
                        body,
                        heading=item.heading if first else None,
                        context=context,
                        lead_in=lead,
                        codebook=codebook,
                        learned=False,  # for all the plan's measures at once, below
                    ),
                    "instrument": kind_of_instrument,
                    "instrument_type": instrument_type,
                    "bindingness": item_bindingness(whole, lead, rules),
                    "responsible_units": units,
                }
            m = Measure(
                measure_id=f"{sec.section_id}/m{k}",
                plan_id=sec.plan_id,
                section_id=sec.section_id,
                path=sec.path,
                heading=sec.heading,
                kind=kind,
                text=text[s:e],
                start=raw_start,
                end=raw_end,
                clean_start=cs,
                clean_end=ce,
                targets=find_targets(text[s:e], rules, match=norm[s:e], to_raw=to_raw),
                deadline=deadline(body, rules),
                context_reason=reason,
                clauses=[(sec.clean_start + a, sec.clean_start + b) for a, b in clauses(norm, s, e, rules)],
                **described,
            )
            if kind == "measure":
                learning.append((len(out), learned_text(body, item.heading if k == 1 else None)))
            out.append(m)
    tags = with_learned([out[i].topics for i, _ in learning], [t for _, t in learning], codebook)
    for (i, _), topics in zip(learning, tags, strict=True):
        out[i] = replace(out[i], topics=topics)
    return out
