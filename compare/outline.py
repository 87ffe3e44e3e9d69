"""The outline of a plan: its numbered sections (大纲) with exact offsets, plus the unnumbered parts.

``parse_outline(doc, layout)`` turns the parts of the plan's layout (``compare.layout.parts``: front,
title, preamble, numbered items or one body, back) into a flat list of ``Section``s in document order
whose spans partition the clean text: every clean character belongs to exactly one section, so the
raw spans of the sections plus the cleaning's NoiseSpans cover the raw text.

An item's heading is its first sentence when short (ends at the first 。 or ：), or the whole label
line when the body starts on the next line. An article of a regulation (第X条) and the clauses inside
it have no headings: their first sentence is text (本条例适用于…。); only a lead-in to a list ending
with ： (管委会行使下列职权：) is kept as the heading.

Paths: the display labels of the ancestors and the section joined by "/": 三/(一)/17 for 三、 →
（一） → 17.; chapter 第一章, circled ①, num-paren (1). Unnumbered sections have their style as path:
"front", "title", "preamble", "body", "back".
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from compare.datafiles import DataFileError, get_int, get_str_list, section
from compare.layout.frontmatter import has_sentence_punct, mend_title
from compare.layout.numbering import Label
from compare.layout.parts import UNNUMBERED, Layout, lay_out
from compare.model import Document, Section

DATA_FILE = "outline.yaml"
NO_OUTLINE = "no recognisable outline"
ARTICLE = "article"  # the numbering style of 第X条 (outline.yaml)
_LEAD_IN = ":"  # a first sentence ending so (match text) leads in to a list


@dataclass(frozen=True)
class HeadingRules:
    enders: str
    max_chars: int
    min_chars: int
    list_item_endings: str


@lru_cache(maxsize=1)
def heading_rules() -> HeadingRules:
    d = section(DATA_FILE, "outline").get("heading")
    if not isinstance(d, dict):
        raise DataFileError(DATA_FILE, "outline.heading", "missing or not a mapping")
    return HeadingRules(
        enders="".join(get_str_list(DATA_FILE, "outline.heading.enders", d.get("enders"))),
        max_chars=get_int(DATA_FILE, "outline.heading.max_chars", d.get("max_chars")),
        min_chars=get_int(DATA_FILE, "outline.heading.min_chars", d.get("min_chars")),
        list_item_endings="".join(
            get_str_list(DATA_FILE, "outline.heading.list_item_endings", d.get("list_item_endings"))
        ),
    )


# --- sections ---------------------------------------------------------------------------------------


def _heading(label: Label, match_rest: str, has_body: bool, in_article: bool = False) -> str | None:
    """The heading of an item from the text after its label (see module docstring)."""
    h = heading_rules()
    rest = label.rest
    lead = len(rest) - len(rest.lstrip(" \t\u3000\xa0"))
    text, m = rest[lead:].rstrip(), match_rest[lead:].rstrip()
    cut = next((k for k, c in enumerate(m) if c in h.enders), None)
    if cut is not None:
        if not h.min_chars <= cut <= h.max_chars or (in_article and m[cut] != _LEAD_IN):
            return None
        more_on_line = bool(text[cut + 1 :].strip())
        return text[:cut] if (more_on_line or has_body) else None
    if not has_body or len(text) > h.max_chars or len(text) < h.min_chars:
        return None
    if m.endswith(tuple(h.list_item_endings)) or has_sentence_punct(m):
        return None
    return text


def parse_outline(doc: Document, layout: Layout | None = None) -> list[Section]:
    """The sections of a plan in document order (flat, with parent ids); spans partition the clean text.

    ``layout`` is the layout of ``doc.clean`` when the caller has it (ingest lays the text out for the
    metadata); without it the text is laid out here.
    """
    clean = doc.clean
    lay = layout if layout is not None else lay_out(clean)
    parts, lines = lay.parts, lay.lines
    n_clean = len(clean.text)
    raw_map = clean  # CleanText maps spans in O(log n)
    sections: list[Section] = []
    for k, part in enumerate(parts):
        cs = 0 if k == 0 else lines[part.first].start
        ce = lines[parts[k + 1].first].start if k + 1 < len(parts) else n_clean
        start, end = raw_map.raw_span(cs, ce)
        seq = k + 1
        section_id = f"{doc.plan_id}/s{seq:03d}"
        parent_id: str | None = None
        if part.kind == "item" and part.label is not None:
            lab = part.label
            own_lines = lay.part_lines(k)
            has_children = k + 1 < len(parts) and parts[k + 1].parent == k
            has_body = len(own_lines) > 1 or has_children
            ln = lines[part.first]
            chain, styles = [lab.display], [lab.style]
            p = part.parent
            while p is not None:
                anc = parts[p].label
                chain.insert(0, anc.display if anc else parts[p].kind)
                styles.append(anc.style if anc else parts[p].kind)
                p = parts[p].parent
            heading = _heading(lab, ln.match[lab.end :], has_body, ARTICLE in styles)
            path, label, level, style = "/".join(chain), lab.token, part.depth, lab.style
            if part.parent is not None:
                parent_id = f"{doc.plan_id}/s{part.parent + 1:03d}"
        else:
            # a title section's heading is the title itself, mended (lines joined)
            heading = mend_title([ln.text for ln in lay.part_lines(k)]) if part.kind == "title" else None
            path, label, level, style = part.kind, "", 1 if part.kind == "body" else 0, part.kind
        sections.append(
            Section(
                section_id=section_id,
                plan_id=doc.plan_id,
                seq=seq,
                path=path,
                label=label,
                level=level,
                style=style,
                heading=heading,
                start=start,
                end=end,
                clean_start=cs,
                clean_end=ce,
                text=clean.text[cs:ce],
                parent_id=parent_id,
            )
        )
    return sections


def outline_warnings(sections: list[Section]) -> list[str]:
    """Warnings for the build: a plan without any numbered section."""
    if not any(s.style not in UNNUMBERED for s in sections):
        return [NO_OUTLINE]
    return []


def render_outline(sections: list[Section]) -> str:
    """An indented tree of the sections: label, heading, raw span (for ``policy-compare inspect``)."""
    out = []
    for s in sections:
        indent = "  " * max(s.level - 1, 0) if s.style not in UNNUMBERED else ""
        if s.style in UNNUMBERED:
            snippet = " ".join(s.text.split())[:30]
            out.append(f"{indent}[{s.style}] {snippet}  [{s.start}:{s.end}]")
        else:
            heading = f" {s.heading}" if s.heading else ""
            out.append(f"{indent}{s.label}{heading}  ({s.path}) [{s.start}:{s.end}]")
    return "\n".join(out)
