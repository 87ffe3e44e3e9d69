"""Cleaning: remove web/print noise, blank lines, converter garbage and layout line breaks.

Cleaning only *deletes* raw characters, so every clean character maps back to its raw offset
(``CleanText.runs``), and every deleted character is inside exactly one ``NoiseSpan`` with a
reason. Removal is line by line: a noise line's span covers the line and its newline; inside a
kept line only edge whitespace, pinyin garbage, markdown/pandoc marks (# headings, > quotes, **,
[…]{.class}) and the newline of a mended line break go.

What is noise is data (compare/data/noise.yaml); the structural rules here are general:
a YAML front-matter block opening the file, a table of contents (目录 and the headings it lists,
up to where the body repeats them), a page's chrome above its date/source line, a title repeated
by the page or a database card, a title or sentence wrapped over several lines. Transmittal-notice
lines (文号, addressees, signature, date) are kept: metadata and outline decide about them.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass, field

from compare.ingest.patterns import Markup, NoiseData, noise_data
from compare.layout.frontmatter import is_site_name
from compare.model import CleanText, NoiseSpan
from compare.text import match_text

_SITE_NAME_TAIL = 12  # a portal's name ends its line (…门户网站): only the tail needs reading

# Edge whitespace of a line: ASCII, NBSP, ideographic space, en/em spaces, zero-width space, BOM.
WHITESPACE = " \t\r\f\v\xa0\u3000\ufeff" + "".join(chr(c) for c in range(0x2000, 0x200C))
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")
# Characters dropped from a title before comparing two titles.
_KEY_DROP = re.compile(r"[\s\W_]+")
_SPACES = re.compile(r"\s+")
# Punctuation found inside sentences but not in titles.
_SENTENCE_INNER = re.compile(r"[，,。；;：:！？!?]")

# NUL and the bidirectional controls (U+202A–U+202E, U+2066–U+2069): invisible, yet they reorder what a
# reader sees (a "Trojan source" title) or cut strings in C code; never part of a plan.
_CONTROLS = re.compile("[\x00\u202a-\u202e\u2066-\u2069]+")
CONTROL = "control-character"
BLANK = "blank"
WHITESPACE_REASON = "whitespace"
LINE_BREAK = "line-break"
PAGE_TITLE = "page-title"
DUPLICATE_TITLE = "duplicate-title"
SITE_SECTION = "site-section"
WEB_META = "web-meta"


@dataclass
class _Line:
    start: int  # raw offset of the line's first character
    end: int  # raw offset after its last character (before the newline)
    nl_end: int  # raw offset after its newline (== end for a last line without one)
    text: str
    kind: str = "content"  # content | blank | noise
    reason: str = ""
    core_start: int = 0  # raw span of the line without edge whitespace
    core_end: int = 0
    inline: list[tuple[int, int, str]] = field(default_factory=list)  # raw spans removed inside the line
    # The line's text as kept (core minus inline noise) in its matching form (simplified, half-width):
    # every rule decides on this, so traditional-script pages meet the same patterns. Output is
    # always built from the raw characters.
    visible: str = ""
    mend_next: bool = False  # the newline after this line is a mended layout break


def _despace(text: str) -> str:
    """Text without whitespace: titles are sometimes letter-spaced (土 地 使 用 期 限 的 批 复)."""
    return _SPACES.sub("", text)


def _is_han(ch: str) -> bool:
    return bool(_HAN.match(ch))


def _split_lines(raw: str) -> list[_Line]:
    lines: list[_Line] = []
    pos, n = 0, len(raw)
    while pos < n:
        nl = raw.find("\n", pos)
        end = n if nl < 0 else nl
        nl_end = n if nl < 0 else nl + 1
        lines.append(_Line(pos, end, nl_end, raw[pos:end]))
        pos = nl_end
    return lines


def _line_noise_reason(text: str, nd: NoiseData) -> str | None:
    """Reason if the (stripped) line is whole-line noise by a pattern of noise.yaml (first rule wins)."""
    if nd.line_any.fullmatch(text) is None:
        return None  # the common case, decided by one match
    for rule in nd.line_rules:
        m = rule.pattern.fullmatch(text)
        if m is None:
            continue
        groups = m.groupdict()
        # "3/12" is a page number only as "page x of y".
        if groups.get("page") and groups.get("of") and int(groups["page"]) > int(groups["of"]):
            continue
        return rule.reason
    return None


def _classify(lines: list[_Line], nd: NoiseData) -> None:
    """Blank lines, whole-line noise patterns and the gov.cn metadata table (labels and values)."""
    gov = nd.gov_table
    pending_value: re.Pattern[str] | None = None  # a label stood alone: its value may be the next line
    seen = 0
    for ln in lines:
        s = ln.text.strip(WHITESPACE)
        if not s:
            ln.kind = "blank"
            ln.reason = BLANK
            continue
        if ln.kind == "noise":
            continue  # the front matter
        seen += 1
        lead = len(ln.text) - len(ln.text.lstrip(WHITESPACE))
        ln.core_start = ln.start + lead
        ln.core_end = ln.core_start + len(s)
        s = match_text(s)
        m = gov.label_line.fullmatch(s) if seen <= gov.within_lines else None
        if m is not None:
            ln.kind, ln.reason = "noise", gov.reason
            label = re.sub(r"\s+", "", m.group("label"))
            pending_value = gov.label_of.get(label) if not m.group("value").strip(WHITESPACE) else None
            continue
        if pending_value is not None:
            value_pattern, pending_value = pending_value, None
            if value_pattern.fullmatch(s):
                ln.kind, ln.reason = "noise", gov.reason
                continue
        reason = _line_noise_reason(s, nd)
        if reason is not None:
            ln.kind, ln.reason = "noise", reason


def _front_matter(lines: list[_Line], mk: Markup) -> None:
    """A YAML front-matter block opening the text (--- … ---, with "key: value" lines): noise."""
    filled = [k for k, ln in enumerate(lines) if ln.text.strip(WHITESPACE)]
    if not filled or not mk.fence.fullmatch(lines[filled[0]].text.strip(WHITESPACE)):
        return
    first = filled[0]
    for k in filled[1 : mk.front_matter_max_lines + 1]:
        text = lines[k].text.strip(WHITESPACE)
        if not mk.fence.fullmatch(text):
            continue
        inside = [lines[j].text.strip(WHITESPACE) for j in range(first + 1, k)]
        if any(mk.key_line.fullmatch(t) for t in inside):
            for ln in lines[first : k + 1]:
                if ln.text.strip(WHITESPACE):
                    ln.kind, ln.reason = "noise", mk.front_matter_reason
        return


def _find_markup(ln: _Line, raw: str, mk: Markup) -> list[tuple[int, int, str]]:
    """Markdown/pandoc marks inside a kept line (raw spans, in offset order, never overlapping)."""
    text = raw[ln.core_start : ln.core_end]
    if not text or text.isalnum():
        return []
    found = sorted(
        (m.start(), m.end(), rule.reason)
        for rule in mk.inline
        for m in rule.pattern.finditer(text)
        if m.end() > m.start()
    )
    out: list[tuple[int, int, str]] = []
    last = 0
    for a, b, reason in found:
        if a >= last:
            out.append((ln.core_start + a, ln.core_start + b, reason))
            last = b
    return out


def _merge_inline(*groups: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Inline spans of several kinds in offset order; a span overlapping an earlier one is dropped."""
    out: list[tuple[int, int, str]] = []
    for a, b, reason in sorted(itertools.chain(*groups)):
        if not out or a >= out[-1][1]:
            out.append((a, b, reason))
    return out


def _find_pinyin(ln: _Line, raw: str, nd: NoiseData, allow_plain: bool) -> list[tuple[int, int, str]]:
    text = raw[ln.core_start : ln.core_end]
    if "(" not in text and "（" not in text:
        return []
    py = nd.pinyin
    spans = [(m.start(), m.end()) for m in py.toned.finditer(text)]
    if allow_plain:
        spans += [(m.start(), m.end()) for m in py.plain.finditer(text)]
    spans = sorted(set(spans))
    out: list[tuple[int, int, str]] = []
    last = -1
    for a, b in spans:
        if a >= last:
            out.append((ln.core_start + a, ln.core_start + b, py.reason))
            last = b
    return out


def _table_of_contents(doc: _Doc) -> None:
    """A 目录 line and the headings it lists, up to the line where the body repeats the first: noise."""
    mk = doc.nd.markup
    content = doc.content()
    for k, i in enumerate(content):
        if not mk.contents_heading.fullmatch(_despace(doc.lines[i].visible)):
            continue
        entries: list[int] = []
        for j in content[k + 1 : k + 2 + mk.max_entries]:
            text = doc.lines[j].visible
            if entries and _key(text) == _key(doc.lines[entries[0]].visible):
                if len(entries) >= 2:
                    _to_noise(doc, [i, *entries], mk.contents_reason)
                break
            if len(_despace(text)) > mk.entry_max_chars or _SENTENCE_INNER.search(text):
                break
            entries.append(j)


def _visible(ln: _Line, raw: str) -> str:
    parts: list[str] = []
    pos = ln.core_start
    for a, b, _ in ln.inline:
        parts.append(raw[pos:a])
        pos = b
    parts.append(raw[pos : ln.core_end])
    return match_text("".join(parts))


# --- words cut in two by a line break ---------------------------------------------------------------


def _cuts_word(left: str, right: str) -> bool:
    """True if the break between ``left`` and ``right`` falls inside a word.

    No new-word guessing (HMM off): only dictionary words, policy terms included, join two lines.
    """
    from compare.segment import dictionary_words

    a, b = "".join(left[-8:].split()), "".join(right[:8].split())
    pos, acc = len(a), 0
    for tok in dictionary_words(a + b):
        if acc < pos < acc + len(tok):
            return True
        acc += len(tok)
    return False


# --- structure ---------------------------------------------------------------------------------


class _Doc:
    """The lines of one raw text plus what the structural rules need to know about them."""

    def __init__(self, raw: str, nd: NoiseData) -> None:
        self.raw = raw
        self.nd = nd
        self.lines = _split_lines(raw)

    def content(self) -> list[int]:
        return [i for i, ln in enumerate(self.lines) if ln.kind == "content"]

    def is_numbered(self, text: str) -> bool:
        return bool(self.nd.mending.outline_start.match(text))

    def ends_sentence(self, text: str) -> bool:
        return bool(text) and text[-1] in self.nd.mending.sentence_final

    def is_title_end(self, text: str) -> bool:
        t = self.nd.titles
        text = _despace(text)
        return len(text) <= t.max_line_chars and bool(t.doc_type_end.search(text))


def _only_blank_between(doc: _Doc, i: int, j: int) -> bool:
    return all(doc.lines[k].kind == "blank" for k in range(i + 1, j))


def _title_runs(doc: _Doc, content: list[int]) -> set[int]:
    """Content lines (indices) whose newline joins them to the next line of a title split by layout."""
    t = doc.nd.titles
    joins: set[int] = set()
    pos = {li: k for k, li in enumerate(content)}
    used: set[int] = set()
    for li in content:
        last = doc.lines[li].visible
        if not doc.is_title_end(last) or doc.is_numbered(last) or li in used:
            continue
        run = [li]
        k = pos[li]
        while len(run) < t.max_lines and k > 0:
            prev_i = content[k - 1]
            prev = _despace(doc.lines[prev_i].visible)
            nxt = _despace(doc.lines[run[0]].visible)
            if (
                prev_i in used
                or not _only_blank_between(doc, prev_i, run[0])
                or len(prev) > t.max_line_chars
                or len(prev) < t.min_line_chars
                or len(prev) < t.min_length_ratio * len(nxt)
                or doc.is_numbered(prev)
                or doc.ends_sentence(prev)
                or prev[-1] in "，,、"
                or doc.is_title_end(prev)
                or t.not_title.fullmatch(prev)
                or is_site_name(match_text(prev[-_SITE_NAME_TAIL:]))
            ):
                break
            run.insert(0, prev_i)
            k -= 1
        if len(run) > 1 and _opens_title(doc, run[0]):
            joins.update(run[:-1])
            used.update(run)
    return joins


def _opens_title(doc: _Doc, first: int) -> bool:
    """A title starts a text or follows noise, a date or 文号, a finished sentence, or 附件 N; not a
    table cell (so two flattened cells never join into a "title")."""
    k = first - 1
    while k >= 0 and doc.lines[k].kind == "blank":
        k -= 1
    if k < 0 or doc.lines[k].kind == "noise":
        return True
    prev = doc.lines[k].visible
    t = doc.nd.titles
    return bool(
        not prev
        or t.not_title.fullmatch(prev)
        or doc.ends_sentence(prev)
        or (doc.is_numbered(prev) and len(prev) <= t.site_section_max_chars)
    )


def _fixed_width(doc: _Doc, content: list[int]) -> int | None:
    """The wrap width of fixed-width text (lines cut at a page width), if the text has one."""
    m = doc.nd.mending
    lengths = [len(doc.lines[i].visible) for i in content]
    lengths = [n for n in lengths if n >= m.min_width_line_chars]
    if len(lengths) < m.fixed_width_min_lines:
        return None
    counts = Counter(lengths)
    best, best_n = 0, 0
    for n in counts:
        c = counts[n - 1] + counts[n] + counts[n + 1]
        if c > best_n or (c == best_n and n > best):
            best, best_n = n, c
    if best_n >= m.fixed_width_min_lines and best_n >= m.fixed_width_share * len(lengths):
        return best - 1  # lines this long or longer are full lines
    return None


def _mend(doc: _Doc) -> None:
    """Decide which line breaks are layout breaks inside a title or a sentence (deleted)."""
    m = doc.nd.mending
    content = doc.content()
    joins = _title_runs(doc, content)
    width = _fixed_width(doc, content)
    for a, b in itertools.pairwise(content):
        prev, nxt = doc.lines[a].visible, doc.lines[b].visible
        if not prev or not nxt:
            continue
        if a in joins:
            doc.lines[a].mend_next = True
            continue
        if doc.ends_sentence(prev) or doc.is_numbered(nxt) or _looks_like_title(doc, prev):
            continue
        if width is not None and len(prev) >= width:
            doc.lines[a].mend_next = True
            continue
        if _left_open(prev, m.open_pairs) and len(prev) >= m.min_midword_chars:
            doc.lines[a].mend_next = True
            continue
        if not (_is_han(prev[-1]) and _is_han(nxt[0])):
            continue
        if doc.is_numbered(prev) and len(prev) < m.min_wrap_chars:
            continue  # a numbered heading, not a wrapped line
        if len(prev) >= m.min_wrap_chars or (len(prev) >= m.min_midword_chars and _cuts_word(prev, nxt)):
            doc.lines[a].mend_next = True


def _left_open(text: str, pairs: tuple[str, ...]) -> bool:
    """Whether a quote or bracket opened in the line's last sentence is still open at its end."""
    for pair in pairs:
        opening, closing = pair[0], pair[1]
        at = text.rfind(opening)
        if at >= 0 and closing not in text[at:]:
            return True
    return False


def _looks_like_title(doc: _Doc, text: str) -> bool:
    """A one-line title of any length (ends like 意见/方案, no sentence punctuation): never run on."""
    return bool(doc.nd.titles.doc_type_end.search(_despace(text))) and not _SENTENCE_INNER.search(text)


def _logical(doc: _Doc) -> list[list[int]]:
    """Content lines grouped into logical lines (joined by mended breaks)."""
    groups: list[list[int]] = []
    cur: list[int] = []
    for i in doc.content():
        cur.append(i)
        if not doc.lines[i].mend_next:
            groups.append(cur)
            cur = []
    if cur:
        groups.append(cur)
    return groups


def _key(text: str) -> str:
    return _KEY_DROP.sub("", text)


def _to_noise(doc: _Doc, group: list[int], reason: str) -> None:
    for i in group:
        ln = doc.lines[i]
        ln.kind, ln.reason, ln.mend_next, ln.inline = "noise", reason, False, []


def _header_rules(doc: _Doc) -> None:
    """Page chrome above the page's date line, and titles the page or a card repeats."""
    t = doc.nd.titles
    groups = _logical(doc)
    header: list[tuple[list[int], str]] = []
    for g in groups:
        text = "".join(doc.lines[i].visible for i in g)
        if doc.is_numbered(text) or len(header) >= t.header_max_lines:
            break
        header.append((g, text))
    if not header:
        return
    first_content = header[0][0][0]

    # 1. Lines above a web-meta line near the top are the page's chrome (column name, page title).
    meta_at = None
    seen = 0
    for i, ln in enumerate(doc.lines):
        if ln.kind == "blank":
            continue
        seen += 1
        if seen > t.site_meta_within:
            break
        if ln.reason == WEB_META:
            meta_at = i
            break
    if meta_at is not None and first_content < meta_at:
        later_text = _key("".join(text for g, text in header if g[0] > meta_at))
        later_titles = [
            _key(text)
            for g, text in header
            if g[0] > meta_at and _title_like(doc, g, text) and len(_key(text)) >= t.min_key_chars
        ]
        for g, text in header:
            if g[0] > meta_at:
                break
            k = _key(text)
            if len(k) >= t.min_key_chars and (k in later_text or any(lt in k for lt in later_titles)):
                _to_noise(doc, g, PAGE_TITLE)
            elif len(text) <= t.site_section_max_chars and not doc.is_title_end(text):
                _to_noise(doc, g, SITE_SECTION)

    # 2. A title printed twice in the header (page title, database card, body title): keep the last.
    titles = [(g, _key(text)) for g, text in header if _title_like(doc, g, text)]
    for n, (g, k) in enumerate(titles):
        if len(k) < t.min_key_chars:
            continue
        if any(k == k2 for _, k2 in titles[n + 1 :]):
            _to_noise(doc, g, DUPLICATE_TITLE)


def _title_like(doc: _Doc, group: list[int], text: str) -> bool:
    """A kept logical line that reads like a document title (ends with 意见/方案/通知 …)."""
    t = doc.nd.titles
    return (
        doc.lines[group[0]].kind == "content"
        and len(text) <= t.max_line_chars * t.max_lines
        and doc.is_title_end(doc.lines[group[-1]].visible)
    )


# --- assembly ----------------------------------------------------------------------------------


def _spans(doc: _Doc) -> list[NoiseSpan]:
    raw = doc.raw
    spans: list[tuple[int, int, str]] = []
    for ln in doc.lines:
        if ln.kind != "content":
            spans.append((ln.start, ln.nl_end, ln.reason or BLANK))
            continue
        if ln.core_start > ln.start:
            spans.append((ln.start, ln.core_start, WHITESPACE_REASON))
        spans.extend(ln.inline)
        if ln.end > ln.core_end:
            spans.append((ln.core_end, ln.end, WHITESPACE_REASON))
        if ln.mend_next and ln.nl_end > ln.end:
            spans.append((ln.end, ln.nl_end, LINE_BREAK))
    spans.sort()
    return [NoiseSpan(a, b, raw[a:b], r) for a, b, r in spans if b > a]


def _assemble(raw: str, noise: list[NoiseSpan]) -> tuple[str, list[tuple[int, int, int]]]:
    runs: list[tuple[int, int, int]] = []
    parts: list[str] = []
    pos = clean_pos = 0
    for sp in noise:
        if sp.start > pos:
            runs.append((clean_pos, pos, sp.start - pos))
            parts.append(raw[pos : sp.start])
            clean_pos += sp.start - pos
        pos = max(pos, sp.end)
    if pos < len(raw):
        runs.append((clean_pos, pos, len(raw) - pos))
        parts.append(raw[pos:])
    return "".join(parts), runs


def _with_controls(spans: list[tuple[int, int, str]], ln: _Line, raw: str) -> list[tuple[int, int, str]]:
    """The line's inline noise plus its control characters (NUL, bidi), in offset order."""
    controls = [
        (m.start(), m.end(), CONTROL)
        for m in _CONTROLS.finditer(raw, ln.core_start, ln.core_end)
        if not any(a < m.end() and m.start() < b for a, b, _ in spans)
    ]
    return sorted([*spans, *controls]) if controls else spans


def clean_text(raw: str, nd: NoiseData | None = None) -> tuple[CleanText, list[NoiseSpan]]:
    """Clean ``raw``: the text readers see, its map to raw offsets, and what was removed and why.

    ``raw`` == the kept runs and the noise spans merged in offset order (they never overlap).
    """
    nd = nd or noise_data()
    doc = _Doc(raw, nd)
    _front_matter(doc.lines, nd.markup)
    _classify(doc.lines, nd)

    # Converter pinyin: toned syllables anywhere; toneless ones only once the text is known to carry it.
    content = doc.content()
    found = [_find_pinyin(doc.lines[i], raw, nd, allow_plain=False) for i in content]
    allow_plain = sum(len(f) for f in found) >= nd.pinyin.min_toned_hits
    for i, f in zip(content, found, strict=True):
        ln = doc.lines[i]
        pinyin = _find_pinyin(ln, raw, nd, allow_plain=True) if allow_plain else f
        marks = _find_markup(ln, raw, nd.markup)
        ln.inline = _with_controls(_merge_inline(pinyin, marks) if marks else pinyin, ln, raw)
        ln.visible = _visible(ln, raw)
        if marks and nd.markup.mark_chars.sub("", ln.visible).strip(WHITESPACE) == "":
            ln.kind, ln.reason, ln.inline = "noise", marks[0][2], []  # nothing but marks
        elif not ln.visible:
            only_controls = all(r == CONTROL for _, _, r in ln.inline)
            ln.kind, ln.reason, ln.inline = "noise", CONTROL if only_controls else nd.pinyin.reason, []

    _table_of_contents(doc)

    _mend(doc)
    _header_rules(doc)
    # A mended break must join two kept lines (the header rules remove whole logical lines).
    kept = doc.content()
    if kept:
        doc.lines[kept[-1]].mend_next = False

    noise = _spans(doc)
    text, runs = _assemble(raw, noise)
    return CleanText(text=text, runs=runs, match=match_text(text)), noise
