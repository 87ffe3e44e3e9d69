"""Topic classifier: weighted evidence from the codebook → topic tags, primary first.

How a text is scored (all weights and thresholds live in codebook.yaml ``settings``):

1. Text, heading and context headings are matched in NFKC form (full-width → half-width); callers
   pass the simplified ``match`` text of the document, so traditional script is covered too.
2. Spans named ``neutral`` in the codebook (cited titles 《…》, zone-type names, departments named as
   actors) are blanked out: they are evidence for nothing.
3. Every keyword and pattern of every topic is found (keywords in one Aho-Corasick pass, patterns
   only where the words they need occur: ``index.py``); a hit overlapping a match of one of the
   topic's ``negative`` cues is dropped (生态 inside 产业生态); overlapping hits of one topic keep
   the heaviest (招商引资 over 招商).
4. A hit counts weight × where: ``heading_weight`` in the heading, ``lead_weight`` in the first
   ``lead_chars`` characters of the text (what the main verb acts on), 1 elsewhere, and
   ``context_weights`` (nearest first) in the headings of enclosing sections. Hits inside a list of
   fields that spans several topics ("在产业、财税、土地、人才等方面") count ``enumeration_weight``.
   The k-th repeat of the same cue counts ``repeat_decay**k``.
5. The primary topic is the highest score if it reaches ``primary_min``; a secondary topic needs
   ``secondary_min`` and ``secondary_ratio`` × the primary's score. Nothing fits → ``unclassified``.

``aggregate`` combines the tags of the measures of one item (sum of scores, same two thresholds
with the ``aggregate_*`` settings), so an item split into several measures gets one topic set.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from operator import itemgetter, methodcaller

from compare.model import LEARNED_EVIDENCE, UNCLASSIFIED, TopicTag
from compare.topics.codebook import Codebook, Cue, normalise
from compare.topics.index import CueIndex, CueRef, TopicIndex

_BLANK = "\u3000"  # neutral spans are blanked with a character no cue contains
_SPAN = methodcaller("span")  # map(_SPAN, matches): spans without a Python call per match


@dataclass(frozen=True)
class Hit:
    topic: str
    cue: str
    start: int
    end: int
    weight: float
    is_pattern: bool = False


class _Text:
    """One normalised text as the cues see it: where the codebook's words occur, and what is neutral.

    Keywords are matched where neutral spans are blanked out. A keyword never contains the blank,
    so its occurrences in the blanked text are exactly its occurrences in the plain text that touch
    no neutral span: one Aho-Corasick pass over the plain text serves both.
    """

    def __init__(self, plain: str, index: CueIndex) -> None:
        self.plain = plain
        self.occurrences = index.finder.occurrences(plain)
        self.present = set(self.occurrences)
        self.live = index.filter.live(self.present)  # ids of the regexes that may match
        # empty matches blank nothing
        self.neutral = [
            span
            for rx in index.neutral
            if rx.id in self.live
            for span in map(_SPAN, rx.regex.finditer(plain))
            if span[1] > span[0]
        ]
        self._keyword_spans: dict[str, list[tuple[int, int]]] = {}
        self._blanked: str | None = None

    @property
    def blanked(self) -> str:
        if self._blanked is None:
            chars = list(self.plain)
            for s, e in self.neutral:
                chars[s:e] = _BLANK * (e - s)
            self._blanked = "".join(chars)
        return self._blanked

    def keyword_spans(self, literal: str) -> list[tuple[int, int]]:
        """What ``re.finditer(re.escape(literal), blanked)`` finds: leftmost, non-overlapping."""
        if literal not in self._keyword_spans:
            n = len(literal)
            spans = [(s, s + n) for s in self.occurrences.get(literal, ())]
            if self.neutral:
                spans = [(s, e) for s, e in spans if not _overlaps(s, e, self.neutral)]
            if len(spans) > 1 and any([b[0] < a[1] for a, b in itertools.pairwise(spans)]):
                spans = _leftmost(spans)  # a literal overlapping itself (区区): take them as a scan does
            self._keyword_spans[literal] = spans
        return self._keyword_spans[literal]

    def cue_spans(self, ref: CueRef) -> list[tuple[int, int]]:
        """Non-empty matches of one cue: patterns in the plain text, keywords in the blanked one.

        Pattern cues are asked for only when their regex may match (``_candidates``)."""
        if ref.literal is not None:
            return self.keyword_spans(ref.literal)
        if ref.cue.is_pattern and ref.rx is not None:
            found = ref.rx.regex.finditer(self.plain)
        else:  # a keyword cue that is more than a literal: no prefilter on the blanked text
            found = ref.cue.regex.finditer(self.blanked)
        return [span for span in map(_SPAN, found) if span[1] > span[0]]


def _leftmost(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans a left-to-right scan keeps: each one starting at or after the end of the last."""
    kept: list[tuple[int, int]] = []
    for s, e in spans:
        if not kept or s >= kept[-1][1]:
            kept.append((s, e))
    return kept


def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return bool(spans) and any([s < end and start < e for s, e in spans])


def _topic_hits(text: _Text, ti: TopicIndex, refs: list[CueRef]) -> list[Hit]:
    """Hits of one topic's cues, negatives dropped, overlaps resolved.

    ``refs``: the topic's cues that may occur in the text, in codebook order. Keywords are matched
    where neutral spans are blanked, patterns in the plain text (a pattern may name a zone type on
    purpose: 复制推广自贸试验区经验). A keyword inside a longer keyword of the same topic gives way
    to it (放权 inside 简政放权 counts as 简政放权); other overlaps keep the heaviest hit.
    """
    found = [(ref.cue, spans) for ref in refs for spans in (text.cue_spans(ref),) if spans]
    if not found:
        return []
    negatives = [
        span for rx in ti.negative if rx.id in text.live for span in map(_SPAN, rx.regex.finditer(text.plain))
    ]
    # (start, end, cue) until the end: plain tuples keep this inner loop cheap
    raw = [(s, e, cue) for cue, spans in found for s, e in spans]
    if negatives:
        raw = [h for h in raw if not _overlaps(h[0], h[1], negatives)]
    keywords = [(s, e) for s, e, cue in raw if not cue.is_pattern]
    if len(keywords) > 1:
        inside = {
            (s, e) for s, e in keywords for ks, ke in keywords if ks <= s and e <= ke and ke - ks > e - s
        }
        raw = [h for h in raw if h[2].is_pattern or (h[0], h[1]) not in inside]
    # heaviest, then longest, then leftmost first (ties keep cue order: the index)
    order = sorted([(-cue.weight, s - e, s, i) for i, (s, e, cue) in enumerate(raw)])
    kept: list[tuple[int, int, Cue]] = []
    for *_, i in order:
        s, e, _ = raw[i]
        if not any([e > ks and s < ke for ks, ke, _ in kept]):
            kept.append(raw[i])
    kept.sort(key=itemgetter(0))
    return [Hit(ti.topic.id, cue.text, s, e, cue.weight, cue.is_pattern) for s, e, cue in kept]


def _candidates(text: _Text, index: CueIndex, heading: bool) -> list[tuple[TopicIndex, list[CueRef]]]:
    """The topics (in order) with the cues (in order) that may match: keywords found, patterns
    whose required words are there, and cues the prefilter cannot judge."""
    by_literal, by_regex = index.by_literal, index.by_regex
    pairs = [tr for word in text.occurrences if word in by_literal for tr in by_literal[word]]
    pairs += [by_regex[i] for i in text.live if i in by_regex]
    pairs.sort()
    out = []
    for t, group in itertools.groupby(pairs, key=itemgetter(0)):
        refs = index.topics[t].refs
        found = [refs[r] for _, r in group if heading or not refs[r].heading_only]
        if found:
            out.append((index.topics[t], found))
    return out


def _find(plain: str, codebook: Codebook, heading: bool) -> tuple[list[Hit], _Text]:
    text = _Text(plain, codebook.index)
    hits: list[Hit] = []
    for ti, refs in _candidates(text, codebook.index, heading):
        hits.extend(_topic_hits(text, ti, refs))
    return hits, text


def find_hits(plain: str, codebook: Codebook, *, heading: bool = False) -> list[Hit]:
    """All topic evidence in ``plain`` (normalised text)."""
    return _find(plain, codebook, heading)[0]


def _enumerations(text: _Text, hits: Sequence[Hit], codebook: Codebook) -> list[tuple[int, int, bool]]:
    """Enumerations in the text as (start, end, of_fields).

    ``of_fields``: the items touch several topics, so the list names fields, not the object
    ("在产业、财税、土地、人才等方面"). A list closed by 等 needs two topics, others
    ``enumeration_min_topics``.
    """
    out = []
    for rx in codebook.index.enumeration:
        if rx.id not in text.live:
            continue
        for ms, me in map(_SPAN, rx.regex.finditer(text.plain)):
            # weak cues (布局, 产业 …) do not make a list one of fields
            topics = {h.topic for h in hits if ms <= h.start and h.end <= me and h.weight >= 1.5}
            needed = codebook.settings.enumeration_min_topics
            if text.plain.startswith("等", me):
                needed = min(needed, 2)
            out.append((ms, me, len(topics) >= needed))
    return out


def _shown(h: Hit, plain: str) -> str:
    """A hit as evidence: a keyword as written; a pattern by the words it matched (a reader cannot read
    a regular expression), a long match cut in the middle."""
    if not h.is_pattern:
        return h.cue
    words = plain[h.start : h.end]
    return words if len(words) <= 18 else f"{words[:8]}…{words[-8:]}"


def _purposes(text: _Text, codebook: Codebook) -> list[tuple[int, int]]:
    """Clauses naming what money or support is for ("专项用于…"): the destination, not the instrument."""
    return [
        span
        for rx in codebook.index.purpose
        if rx.id in text.live
        for span in map(_SPAN, rx.regex.finditer(text.plain))
    ]


def _score_text(
    text: str,
    codebook: Codebook,
    *,
    factor: float,
    lead_chars: int = 0,
    lead_factor: float = 1.0,
    heading: bool = False,
) -> tuple[dict[str, float], dict[str, list[str]]]:
    """Scores per topic of one piece of text, with the evidence strings."""
    s = codebook.settings
    hits, found = _find(normalise(text), codebook, heading)
    lists = _enumerations(found, hits, codebook)
    purposes = _purposes(found, codebook)
    scores: dict[str, float] = defaultdict(float)
    evidence: dict[str, list[str]] = defaultdict(list)
    repeats: dict[tuple[str, str], int] = defaultdict(int)
    in_list_count: dict[tuple[str, int], int] = defaultdict(int)
    for h in hits:
        w = h.weight * factor
        if lead_chars and h.start < lead_chars:
            w *= lead_factor
        note = ""
        for i, (ls, le, of_fields) in enumerate(lists):
            if ls <= h.start and h.end <= le:
                # a list is about one mention: its k-th item of the same topic counts decay**k
                w *= s.repeat_decay ** in_list_count[(h.topic, i)]
                in_list_count[(h.topic, i)] += 1
                if of_fields:
                    w *= s.enumeration_weight
                    note = "(列举)"
        if _overlaps(h.start, h.end, purposes):
            w *= s.purpose_weight
            note = note or "(用途)"
        k = repeats[(h.topic, h.cue)]
        repeats[(h.topic, h.cue)] = k + 1
        w *= s.repeat_decay**k
        scores[h.topic] += w
        if k == 0:
            evidence[h.topic].append(_shown(h, found.plain) + note)
    return scores, evidence


_Scored = tuple[tuple[str, float, tuple[str, ...]], ...]  # (topic, score, evidence) in hit order


def _score_heading(text: str, codebook: Codebook, factor: float) -> _Scored:
    """``_score_text`` of a heading, kept per codebook: every measure of a section scores its headings."""
    key = (text, factor)
    cached: _Scored | None = codebook.index.scores.get(key)
    if cached is None:
        sc, ev = _score_text(text, codebook, factor=factor, heading=True)
        cached = tuple((t, v, tuple(ev[t])) for t, v in sc.items())
        codebook.index.remember(key, cached)
    return cached


def score(
    text: str, *, heading: str | None = None, context: Sequence[str] = (), codebook: Codebook
) -> dict[str, tuple[float, list[str]]]:
    """Topic → (score, evidence) for one unit of text; the raw material of ``classify``."""
    s = codebook.settings
    total: dict[str, float] = defaultdict(float)
    evidence: dict[str, list[str]] = defaultdict(list)

    def add(part: _Scored, tag: str) -> None:
        for t, v, ev in part:
            total[t] += v
            evidence[t].extend([f"{tag}{e}" for e in ev])

    if heading:
        add(_score_heading(heading, codebook, s.heading_weight), "标题:")
    if text:
        sc, ev = _score_text(text, codebook, factor=1.0, lead_chars=s.lead_chars, lead_factor=s.lead_weight)
        add(tuple((t, v, tuple(ev[t])) for t, v in sc.items()), "")
    for i, ctx in enumerate(context):
        if not ctx:
            continue
        w = s.context_weights[min(i, len(s.context_weights) - 1)]
        add(_score_heading(ctx, codebook, w), "上级标题:")
    return {t: (total[t], evidence[t]) for t in total if total[t] > 0}


def _select(
    scored: dict[str, tuple[float, list[str]]],
    codebook: Codebook,
    *,
    min_factor: float = 1.0,
    ratio_factor: float = 1.0,
) -> list[TopicTag]:
    """Primary = the strongest (if it reaches ``primary_min``); secondaries pass their topic's bars.

    A topic's bars are its own ``secondary`` min/ratio in the codebook, else the settings' ones;
    The factors scale both bars (aggregation over an item's measures: ``aggregate_min`` /
    ``secondary_min`` and ``aggregate_ratio``).
    """
    s = codebook.settings
    ranked = sorted(scored.items(), key=lambda kv: (-kv[1][0], kv[0]))
    if not ranked or ranked[0][1][0] < s.primary_min:
        best = [e for _, (_, ev) in ranked[:2] for e in ev[:3]]
        return [TopicTag(UNCLASSIFIED, 0.0, best)]
    top = ranked[0][1][0]
    defs = codebook.by_id
    tags = [TopicTag(ranked[0][0], round(top, 3), ranked[0][1][1])]
    for tid, (sc, ev) in ranked[1:]:
        d = defs.get(tid)
        minimum = d.secondary_min if d is not None and d.secondary_min is not None else s.secondary_min
        ratio = d.secondary_ratio if d is not None and d.secondary_ratio is not None else s.secondary_ratio
        if sc >= minimum * min_factor and sc >= ratio * ratio_factor * top:
            tags.append(TopicTag(tid, round(sc, 3), ev))
    return tags


def classify(
    text: str,
    *,
    heading: str | None,
    context: Sequence[str],
    codebook: Codebook,
    lead_in: str | None = None,
    learned: bool = True,
) -> list[TopicTag]:
    """Topic tags of one measure, primary first; ``[unclassified]`` when nothing fits.

    ``text`` is the measure's text (best its simplified match text), ``heading`` the item's short
    title when the measure carries it, ``context`` the headings of enclosing sections, nearest first,
    ``lead_in`` the sentence an enumerated item completes. ``learned=False`` leaves out the learned model
    (a caller tagging many measures adds it for all at once: ``with_learned``).
    """
    tags = _select(score(text, heading=heading, context=context, codebook=codebook), codebook)
    if lead_in:
        described = text.rstrip(_CLOSING).endswith("的")
        tags = _with_lead_in(tags, lead_in, codebook, described)
    if learned:
        tags = with_learned([tags], [learned_text(text, heading)], codebook)[0]
    return tags


def learned_text(text: str, heading: str | None) -> str:
    """What the learned model reads of a measure: its heading and its text."""
    return f"{heading}\n{text}" if heading else text


def with_learned(
    tag_lists: Sequence[list[TopicTag]], texts: Sequence[str], codebook: Codebook
) -> list[list[TopicTag]]:
    """The cues' topics of each text, then those the model is sure of that the cues left out (learned.py),
    for many texts in one pass. The cues decide the primary whenever they have one: they say why in words
    a reader can check."""
    model = codebook.learned
    if model is None:
        return list(tag_lists)
    found = model.confident_many(texts, [{t.topic for t in tags} for tags in tag_lists])
    return [
        _with_learned_tags(
            tags,
            [
                TopicTag(topic, model.score, [f"{LEARNED_EVIDENCE}{g}" for g in words])
                for topic, _, words in f
            ],
        )
        for tags, f in zip(tag_lists, found, strict=True)
    ]


def _with_learned_tags(tags: list[TopicTag], extra: list[TopicTag]) -> list[TopicTag]:
    own = [t for t in tags if t.topic != UNCLASSIFIED]
    return own + extra if own or extra else tags


_CLOSING = "；;。.,，、 \n\u3000"


def _with_lead_in(tags: list[TopicTag], lead_in: str, codebook: Codebook, described: bool) -> list[TopicTag]:
    """An enumerated item completes its lead-in's sentence (在开发区投资经营可以采用下列方式：（一）中外合资
    经营；): a topic the lead-in names on its own (``primary_min`` at ``lead_in_weight``) is the item's too.
    It is added after the item's own topics, never displacing them: the item says what the lead-in acts on.
    An item that only describes which things the lead-in means (不得举办下列企业：…污染环境又缺乏有效治理
    措施的；) is a condition, not an action: it takes the lead-in's topics alone when the lead-in has any.
    """
    s = codebook.settings
    own = [t for t in tags if t.topic != UNCLASSIFIED]
    have = {t.topic for t in own}
    ranked = sorted(_score_heading(lead_in, codebook, s.lead_in_weight), key=lambda x: (-x[1], x[0]))
    added = [TopicTag(t, round(v, 3), [f"引语:{e}" for e in ev]) for t, v, ev in ranked if v >= s.primary_min]
    if described and added:
        return added
    extra = [t for t in added if t.topic not in have]
    return own + extra if own or extra else tags


def aggregate(tag_lists: Iterable[Sequence[TopicTag]], codebook: Codebook) -> list[TopicTag]:
    """One topic set for an item split into several measures, primary = strongest.

    A topic's item score adds its measures' scores with diminishing returns, like repeated cues in
    one text: the k-th best counts ``aggregate_decay**k``. So a long item does not drown a secondary
    named explicitly in one of its measures, and ten measures on finance do not count ten times.
    A topic is kept when that score passes its bars scaled by ``aggregate_min`` / ``secondary_min``
    and ``aggregate_ratio``; only topics tagged on some measure take part.
    """
    s = codebook.settings
    per_topic: dict[str, list[float]] = defaultdict(list)
    evidence: dict[str, list[str]] = defaultdict(list)
    learned: dict[str, TopicTag] = {}
    for tags in tag_lists:
        for tag in tags:
            if tag.topic == UNCLASSIFIED:
                continue
            if tag.learned:  # kept apart: the model adds to the cues' choice, never reorders it
                learned.setdefault(tag.topic, tag)
                continue
            per_topic[tag.topic].append(tag.score)
            evidence[tag.topic].extend(e for e in tag.evidence if e not in evidence[tag.topic])
    scored = {
        t: (sum(v * s.aggregate_decay**k for k, v in enumerate(sorted(vs, reverse=True))), evidence[t])
        for t, vs in per_topic.items()
    }
    chosen = _select(
        scored, codebook, min_factor=s.aggregate_min / s.secondary_min, ratio_factor=s.aggregate_ratio
    )
    return _with_learned_tags(chosen, [t for topic, t in learned.items() if topic not in scored])
