"""Topic classifier: weighted evidence from the codebook → topic tags, primary first.

How a text is scored (all weights and thresholds live in codebook.yaml ``settings``):

1. Text, heading and context headings are matched in NFKC form (full-width → half-width); callers
   pass the simplified ``match`` text of the document, so traditional script is covered too.
2. Spans named ``neutral`` in the codebook (cited titles 《…》, zone-type names, departments named as
   actors) are blanked out: they are evidence for nothing.
3. Every keyword and pattern of every topic is found; a hit overlapping a match of one of the
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

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from compare.model import UNCLASSIFIED, TopicTag
from compare.topics.codebook import Codebook, Cue, TopicDef, normalise

_BLANK = "\u3000"  # neutral spans are blanked with a character no cue contains


@dataclass(frozen=True)
class Hit:
    topic: str
    cue: str
    start: int
    end: int
    weight: float
    is_pattern: bool = False


def _blank_neutral(text: str, codebook: Codebook) -> str:
    chars = list(text)
    for rx in codebook.neutral:
        for m in rx.finditer(text):
            for i in range(m.start(), m.end()):
                chars[i] = _BLANK
    return "".join(chars)


def _negative_mask(text: str, topic: TopicDef) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for rx in topic.negative for m in rx.finditer(text)]


def _overlaps(start: int, end: int, spans: Iterable[tuple[int, int]]) -> bool:
    return any(s < end and start < e for s, e in spans)


def _topic_hits(plain: str, blanked: str, topic: TopicDef, cues: Sequence[Cue]) -> list[Hit]:
    """Hits of one topic's cues, negatives dropped, overlaps resolved.

    Keywords are matched where neutral spans are blanked, patterns in the plain text (a pattern may
    name a zone type on purpose: 复制推广自贸试验区经验). A keyword inside a longer keyword of the
    same topic gives way to it (放权 inside 简政放权 counts as 简政放权); other overlaps keep the
    heaviest hit.
    """
    negatives = _negative_mask(plain, topic)
    raw: list[Hit] = []
    for cue in cues:
        for m in cue.regex.finditer(plain if cue.is_pattern else blanked):
            if m.end() > m.start() and not _overlaps(m.start(), m.end(), negatives):
                raw.append(Hit(topic.id, cue.text, m.start(), m.end(), cue.weight, cue.is_pattern))
    keywords = [h for h in raw if not h.is_pattern]
    raw = [
        h
        for h in raw
        if h.is_pattern
        or not any(
            k is not h and k.start <= h.start and h.end <= k.end and k.end - k.start > h.end - h.start
            for k in keywords
        )
    ]
    raw.sort(key=lambda h: (-h.weight, -(h.end - h.start), h.start))
    kept: list[Hit] = []
    for h in raw:
        if all(h.end <= k.start or h.start >= k.end for k in kept):
            kept.append(h)
    return sorted(kept, key=lambda h: h.start)


def find_hits(plain: str, codebook: Codebook, *, heading: bool = False) -> list[Hit]:
    """All topic evidence in ``plain`` (normalised text)."""
    blanked = _blank_neutral(plain, codebook)
    hits: list[Hit] = []
    for topic in codebook.topics:
        cues = topic.cues + topic.heading if heading else topic.cues
        hits.extend(_topic_hits(plain, blanked, topic, cues))
    return hits


def _enumerations(text: str, hits: Sequence[Hit], codebook: Codebook) -> list[tuple[int, int, bool]]:
    """Enumerations in ``text`` as (start, end, of_fields).

    ``of_fields``: the items touch several topics, so the list names fields, not the object
    ("在产业、财税、土地、人才等方面"). A list closed by 等 needs two topics, others
    ``enumeration_min_topics``.
    """
    out = []
    for rx in codebook.enumeration:
        for m in rx.finditer(text):
            # weak cues (布局, 产业 …) do not make a list one of fields
            topics = {h.topic for h in hits if m.start() <= h.start and h.end <= m.end() and h.weight >= 1.5}
            needed = codebook.settings.enumeration_min_topics
            if text.startswith("等", m.end()):
                needed = min(needed, 2)
            out.append((m.start(), m.end(), len(topics) >= needed))
    return out


def _purposes(text: str, codebook: Codebook) -> list[tuple[int, int]]:
    """Clauses naming what money or support is for ("专项用于…"): the destination, not the instrument."""
    return [(m.start(), m.end()) for rx in codebook.purpose for m in rx.finditer(text)]


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
    norm = normalise(text)
    hits = find_hits(norm, codebook, heading=heading)
    lists = _enumerations(norm, hits, codebook)
    purposes = _purposes(norm, codebook)
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
            evidence[h.topic].append(h.cue + note)
    return scores, evidence


def score(
    text: str, *, heading: str | None = None, context: Sequence[str] = (), codebook: Codebook
) -> dict[str, tuple[float, list[str]]]:
    """Topic → (score, evidence) for one unit of text; the raw material of ``classify``."""
    s = codebook.settings
    total: dict[str, float] = defaultdict(float)
    evidence: dict[str, list[str]] = defaultdict(list)

    def add(part: tuple[dict[str, float], dict[str, list[str]]], tag: str) -> None:
        sc, ev = part
        for t, v in sc.items():
            total[t] += v
            evidence[t].extend(f"{tag}{e}" for e in ev[t])

    if heading:
        add(_score_text(heading, codebook, factor=s.heading_weight, heading=True), "标题:")
    if text:
        add(_score_text(text, codebook, factor=1.0, lead_chars=s.lead_chars, lead_factor=s.lead_weight), "")
    for i, ctx in enumerate(context):
        if not ctx:
            continue
        w = s.context_weights[min(i, len(s.context_weights) - 1)]
        add(_score_text(ctx, codebook, factor=w, heading=True), "上级标题:")
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


def classify(text: str, *, heading: str | None, context: Sequence[str], codebook: Codebook) -> list[TopicTag]:
    """Topic tags of one measure, primary first; ``[unclassified]`` when nothing fits.

    ``text`` is the measure's text (best its simplified match text), ``heading`` the item's short
    title when the measure carries it, ``context`` the headings of enclosing sections, nearest first.
    """
    scored = score(text, heading=heading, context=context, codebook=codebook)
    return _select(scored, codebook)


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
    for tags in tag_lists:
        for tag in tags:
            if tag.topic == UNCLASSIFIED:
                continue
            per_topic[tag.topic].append(tag.score)
            evidence[tag.topic].extend(e for e in tag.evidence if e not in evidence[tag.topic])
    scored = {
        t: (sum(v * s.aggregate_decay**k for k, v in enumerate(sorted(vs, reverse=True))), evidence[t])
        for t, vs in per_topic.items()
    }
    return _select(
        scored, codebook, min_factor=s.aggregate_min / s.secondary_min, ratio_factor=s.aggregate_ratio
    )
