"""The layout of a plan: how the lines of its clean text group into the parts of an official document.

``lay_out(clean)`` cuts a clean text into parts in document order: front matter, title, preamble,
numbered items (or one unnumbered body), back. ``compare.outline`` turns the parts into sections;
``compare.ingest.metadata`` reads title, 文号, issuer and dates from them, so a plan is laid out once
and the same ``Layout`` is handed to both.

How:
1. Every line opening with a numbering token (``numbering.parse_label``) is a candidate.
2. A candidate is accepted by a sequence check: it continues the last value of its style on the
   stack (n+1, a sibling), or opens a style not on the stack at 1 (a new list under the current item),
   or continues that style's last value across parents (1.–24. across chapters, （一）–（二十七） across
   sections). Levels come from the order of first appearance (a style seen for the first time nests
   under the current one, a style on the stack pops back to it), except that a style at least two
   ranks above the current one in the conventional order 第一章 > 一、 > （一） > 1. > （1） > ① never
   nests under it. A top-level list restarts at 1 only after a new document title (two regulations
   attached to one notice).
3. The lines before the first item: a transmittal notice ending with a signature and date is
   ``front``; title lines are ``title``; 文号 and addressee lines are ``front``; from the first prose
   line on, the text is the ``preamble``. A signature and date after the body start the ``back``
   (with the 附件 lines just above them), which runs to the end, unless an attachment after it is a
   titled document with numbered items of its own (a notice's list of measures): that is read like a
   second document (its title restarts the numbering) and the back lies between the two.
4. A number alone on its line is a row of a flattened table only under the table's 序号 header
   (``under_header`` in outline.yaml); anywhere else it is a cell, not a label.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from compare.layout.frontmatter import (
    Line,
    date_line,
    doc_number_line,
    ends_with_doc_kind,
    has_sentence_punct,
    is_addressee,
    is_attachment,
    is_cishi,
    is_history_line,
    is_notice_title,
    is_signature_like,
    is_tail,
    is_title_like,
    mend_title,
    rules,
    split_lines,
)
from compare.layout.numbering import Label, grammar, parse_label, style
from compare.model import CleanText

# The kinds of the unnumbered parts (a numbered part is an "item").
UNNUMBERED = ("front", "title", "preamble", "body", "back")


@dataclass
class Part:
    """A run of lines that becomes one section."""

    kind: str  # "item" or one of UNNUMBERED
    first: int  # index of its first line
    label: Label | None = None
    depth: int = 0  # 0 for unnumbered parts; 1.. for items
    parent: int | None = None  # index of the parent part (items only)


@dataclass
class Signature:
    """A signature block: issuer lines above a date line."""

    lines: list[int]  # indices of the issuer lines
    date_line: int  # index of the date line
    date: str  # ISO
    where: str  # "front" (ends a transmittal notice) or "back" (closes the plan)


@dataclass
class Layout:
    """The lines of a clean text and how they group into parts."""

    lines: list[Line]
    parts: list[Part]
    signatures: list[Signature] = field(default_factory=list)
    front_end: int = -1  # index of the last line of a transmittal notice, -1 if none
    body_start: int = 0  # index of the first line after front matter and titles
    back_start: int | None = None  # index of the first back line

    def part_lines(self, k: int) -> list[Line]:
        end = self.parts[k + 1].first if k + 1 < len(self.parts) else len(self.lines)
        return self.lines[self.parts[k].first : end]


# --- sequence check ---------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _ranks() -> dict[str, int]:
    """Conventional rank of each style: its position in outline.yaml (第一章 first, ① last)."""
    return {s.id: i for i, s in enumerate(grammar().styles)}


def _rank(style: str) -> int:
    return _ranks().get(style, len(_ranks()))


@dataclass
class _Accepted:
    line: int
    label: Label
    depth: int  # 0-based position in the stack
    restart_title: tuple[int, int] | None = None  # lines [a, b) of a new document title before it


def _follows(lab: Label, last: int) -> bool:
    """Whether ``lab`` continues a list whose last value was ``last``."""
    g = grammar()
    return (
        lab.value == last + 1
        or (lab.value == last + 2 and lab.style in g.may_skip_one)
        or (lab.value > last and lab.style in g.may_skip_any)
    )


def _accept_labels(lines: list[Line], cands: list[Label | None], lo: int, hi: int) -> list[_Accepted]:
    """The candidates in lines [lo, hi) that pass the sequence check, with their depth."""
    stack: list[tuple[str, int]] = []
    last_any: dict[str, int] = {}
    out: list[_Accepted] = []
    group_start: int | None = None  # first line of a run of title-like lines
    title_seen: tuple[int, int] | None = None  # a complete title since the last accepted label
    for i in range(lo, hi):
        lab = cands[i]
        if lab is None:
            if is_title_like(lines[i].match) and not is_attachment(lines[i].match):
                group_start = i if group_start is None else group_start
                if ends_with_doc_kind(mend_title([ln.match for ln in lines[group_start : i + 1]])):
                    title_seen = (group_start, i + 1)
                    group_start = None
            else:
                group_start = None
            continue
        group_start = None
        styles = [s for s, _ in stack]
        restart: tuple[int, int] | None = None
        if lab.style in styles:
            d = styles.index(lab.style)
            if _follows(lab, stack[d][1]):
                pass
            elif lab.value == 1 and d == 0 and title_seen is not None:
                restart, stack, last_any = title_seen, [], {}
                d = 0
            else:
                continue
        else:
            seen = last_any.get(lab.style)
            if not (lab.value == 1 or (seen is not None and _follows(lab, seen))):
                continue
            d = len(stack)
            # a much higher style (一、 after a 1. list) does not nest under the lower one
            while d > 0 and _rank(stack[d - 1][0]) - _rank(lab.style) >= 2:
                d -= 1
        stack = [*stack[:d], (lab.style, lab.value)]
        last_any[lab.style] = lab.value
        title_seen = None
        out.append(_Accepted(i, lab, d, restart))
    return out


# --- front and back ---------------------------------------------------------------------------------


def _signature_at(lines: list[Line], d: int, lo: int) -> list[int] | None:
    """Issuer lines directly above the date line ``d`` (not above ``lo``); None if none."""
    r = rules()
    sig: list[int] = []
    j = d - 1
    while j >= lo and len(sig) < r.signature_max_lines and is_signature_like(lines[j].match):
        m = lines[j].match
        # a label, an attachment line or a title (…方案 above a date) is no issuer's name
        if parse_label(lines[j].text, m) is not None or is_attachment(m) or ends_with_doc_kind(m):
            break
        sig.insert(0, j)
        j -= 1
    return sig or None


def _find_signatures(lines: list[Line], lo: int, hi: int) -> list[tuple[list[int], int, str]]:
    out = []
    for d in range(lo, hi):
        iso = date_line(lines[d].match)
        if iso is None:
            continue
        sig = _signature_at(lines, d, lo)
        if sig is not None:
            out.append((sig, d, iso))
    return out


def _skip_notice_tail(lines: list[Line], i: int, hi: int) -> int:
    """Index after the 此件… lines and a bare 附件 label that follow a signature date."""
    while i < hi and (
        is_cishi(lines[i].match) or is_tail(lines[i].match) or _bare_attachment(lines[i].match)
    ):
        i += 1
    return i


def _attachment_after(lines: list[Line], cands: list[Label | None], d: int, n: int) -> int | None:
    """The first line of an attachment that follows a signature's date line ``d`` (after the 此件 and 附件
    lines) when it is a titled document with numbered items of its own, else None."""
    i = _skip_notice_tail(lines, d, n)
    if i >= n or not is_title_like(lines[i].match):
        return None
    items = _accept_labels(lines, cands, i, n)
    return i if len(items) >= 2 else None


def _bare_attachment(match_line: str) -> bool:
    s = match_line.strip()
    return is_attachment(s) and len(s) <= 8 and not has_sentence_punct(s)


def _is_back_line(match_line: str) -> bool:
    return (
        is_cishi(match_line)
        or is_tail(match_line)
        or date_line(match_line) is not None
        or is_signature_like(match_line)
        or _bare_attachment(match_line)
    )


def _is_front_line(match_line: str) -> bool:
    """A line of the front matter proper: 文号, a date, a regulation's history, addressees, notice title,
    此件/附件 labels."""
    return (
        doc_number_line(match_line) is not None
        or date_line(match_line) is not None
        or is_history_line(match_line)
        or is_addressee(match_line)
        or is_notice_title(match_line)
        or is_cishi(match_line)
        or _bare_attachment(match_line)
        or (":" in match_line and not has_sentence_punct(match_line))  # 主 题 词： / 正文 labels
    )


# --- layout -----------------------------------------------------------------------------------------


_ALONE_MIN = 3  # labels alone on their line that make it the document's convention


def _is_text(line: Line) -> bool:
    """A line of text that is not itself a label: what a label alone on the line above may open."""
    return bool(line.match.strip()) and parse_label(line.text, line.match) is None


def lay_out(clean: CleanText) -> Layout:
    """Cut a clean text into parts: front, title, preamble, numbered items (or one body), back."""
    lines = split_lines(clean)
    n = len(lines)
    if n == 0:
        return Layout(lines, [])
    cands = [parse_label(ln.text, ln.match) for ln in lines]
    # A label alone on its line above its text (第一条 / 为加强…) is a print convention of the whole
    # document (a database export prints every article so), not of one line: a cross-reference a
    # broken line left alone (…依照本条例 / 第十条 / 的规定…) is no label.
    alone = {
        i: label
        for i, ln in enumerate(lines)
        if cands[i] is None
        and i + 1 < n
        and _is_text(lines[i + 1])
        and (label := parse_label(ln.text, ln.match, text_below=True)) is not None
    }
    # a style read only under a header (序号 above a flattened table's row numbers): from that line on
    headers = {st.under_header for st in grammar().styles if st.under_header}
    header_at = {h: next((i for i, ln in enumerate(lines) if ln.match.strip() == h), n) for h in headers}
    alone = {
        i: label
        for i, label in alone.items()
        if (header := style(label.style).under_header) is None or header_at[header] < i
    }
    if len(alone) >= _ALONE_MIN:
        for i, label in alone.items():
            cands[i] = label
    first_pass = _accept_labels(lines, cands, 0, n)
    first_label = first_pass[0].line if first_pass else None

    # A transmittal notice ends with a signature and date before the first item (or before a
    # plan that follows it without numbering).
    signatures: list[Signature] = []
    front_end = -1
    limit = first_label if first_label is not None else n
    for sig, d, iso in _find_signatures(lines, 0, limit):
        after = _skip_notice_tail(lines, d + 1, n)
        rest = [ln for ln in lines[after:limit] if not _is_back_line(ln.match)]
        if first_label is not None or rest:
            front_end = after - 1
            signatures = [Signature(sig, d, iso, "front")]
    lead_start = front_end + 1

    # The back: a signature and date after the body has started, with 附件 lines just above.
    back_from = first_label if first_label is not None else lead_start
    back_start: int | None = None
    for sig, d, iso in _find_signatures(lines, back_from + 1, n):
        if sig[0] <= back_from:
            continue
        start = sig[0]
        for j in range(max(back_from + 1, start - 4), start):
            if is_attachment(lines[j].match):
                start = j
                break
        back_start = start
        signatures.append(Signature(sig, d, iso, "back"))
        break
    if back_start is None:
        j = n
        while j > back_from + 1 and (is_tail(lines[j - 1].match) or is_cishi(lines[j - 1].match)):
            j -= 1
        back_start = j if j < n else None
    body_end = back_start if back_start is not None else n
    # An attachment after the signature that is a document of its own (附件 / 第二批…推广清单 / 一、… / 1 …):
    # its items are the plan's too (a notice's list of measures, a task table); the signature and the
    # lines around it stay back matter between the two.
    back_sig = next((s for s in signatures if s.where == "back"), None)
    attachment = _attachment_after(lines, cands, back_sig.date_line + 1, n) if back_sig else None
    if attachment is not None:
        body_end = n

    accepted = _accept_labels(lines, cands, lead_start, body_end)
    first_item = accepted[0].line if accepted else body_end

    parts: list[Part] = []

    def add(kind: str, first: int) -> None:
        if parts and parts[-1].kind == kind and kind in UNNUMBERED:
            return  # consecutive lines of one kind make one section
        parts.append(Part(kind, first))

    if front_end >= 0:
        add("front", 0)
    # Lead lines: title lines, front lines, then prose from the first prose line on.
    prose_from: int | None = None
    for i in range(lead_start, first_item):
        m = lines[i].match
        if _is_front_line(m):
            add("front", i)
        elif is_title_like(m):
            add("title", i)
        else:
            prose_from = i
            break
    body_start = prose_from if prose_from is not None else first_item
    if prose_from is not None:
        add("preamble" if accepted else "body", prose_from)

    # Numbered items, with a new document's title and preamble where a top-level list restarts.
    part_of_depth: list[int] = []
    for acc in accepted:
        if attachment is not None and back_start is not None and acc.line >= attachment:
            parts.append(Part("back", back_start))
            attachment = back_start = None
        if acc.restart_title is not None:
            a, b = acc.restart_title
            parts.append(Part("title", a))
            if b < acc.line:
                parts.append(Part("preamble", b))
            part_of_depth = []
        parent = part_of_depth[acc.depth - 1] if acc.depth > 0 and len(part_of_depth) >= acc.depth else None
        parts.append(Part("item", acc.line, acc.label, acc.depth + 1, parent))
        part_of_depth = [*part_of_depth[: acc.depth], len(parts) - 1]
    if back_start is not None and back_start < n:
        parts.append(Part("back", back_start))
    if not parts or parts[0].first != 0:
        # whatever precedes the first part (e.g. no title was recognised) is front matter
        parts.insert(0, Part("front", 0))
        _reindex_parents(parts)
    return Layout(lines, parts, signatures, front_end, body_start, back_start)


def _reindex_parents(parts: list[Part]) -> None:
    for p in parts:
        if p.parent is not None:
            p.parent += 1
