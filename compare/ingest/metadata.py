"""A plan's metadata (title, issuer, 文号, dates, jurisdiction, zone type, citations) and its short name.

``extract_metadata`` reads the raw text (page chrome that cleaning removed still carries metadata: the
gov.cn table, a legal-database card, the 发布时间 line, the page title) and the clean text's layout
(title lines, 文号 line, transmittal notice and signatures: ``compare.layout.parts``). Every field says
in ``Metadata.evidence`` where it was read. Nothing is inferred into a field: a plan that prints
no issuer gets none. The rules are data in ``compare/data/metadata.yaml``.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from compare.ingest.adoption import find_adoption, find_in_force, is_draft
from compare.ingest.citations import find_citations
from compare.ingest.metadata_rules import ZoneType, rules
from compare.layout.frontmatter import (
    DocNumber,
    Line,
    TitleGroup,
    breadcrumb_last,
    date_line,
    doc_number_line,
    find_doc_numbers,
    is_addressee,
    is_transmittal_sentence,
    normalise_doc_number,
    notice_subject,
    parse_date,
    split_glued_doc_number,
    title_groups,
)
from compare.layout.parts import Layout, Signature, lay_out
from compare.model import CleanText, Metadata, NoiseSpan
from compare.places import find_places, is_national, national_label, place_in, place_in_body, within
from compare.text import match_text

_SPACES = re.compile(r"[\s\u3000\xa0]+")
_FOOT_LINES = 30  # a print line (…印发) is among the last lines of a page
_HIDDEN_HEAD_LINES = 20  # a page's lines before the document's own head (an encyclopaedia's infobox)


def _raw_lines(raw: str) -> list[tuple[int, str]]:
    out, pos = [], 0
    for line in raw.split("\n"):
        out.append((pos, line))
        pos += len(line) + 1
    return out


def _label(text: str) -> tuple[str, str] | None:
    """(label, value as printed) of a line of a metadata table: "label: value", "label:" (the value on
    the next line), or a label of ``table_glued`` characters or more glued to its value."""
    r = rules()
    h = match_text(text)  # the same length as ``text``: one character for one
    head, colon, _ = h.partition(":")
    key = _SPACES.sub("", head)
    if colon and key in r.table_labels:
        return key, text[len(head) + 1 :].strip(" \t\u3000\xa0")
    glued = next(
        (k for k in r.table_labels if len(k) >= r.table_glued and h.startswith(k) and len(h) > len(k)), None
    )
    return (glued, text[len(glued) :].strip(" \t\u3000\xa0")) if glued else None


def _table_cells(lines: list[tuple[int, str]]) -> list[str]:
    """The top of the page as a table's cells: its lines, a row of cells split at "|", without the pinyin
    readings a converter site inserts."""
    r = rules()
    cells = []
    for _, line in lines:
        for cell in r.reading.sub("", line).split("|"):
            cell = cell.strip(" \t\u3000\xa0")
            if cell:
                cells.append(cell)
    return cells


def _govcn_table(lines: list[tuple[int, str]]) -> dict[str, tuple[str, str]]:
    """field -> (value, label as printed) from a gov.cn metadata table at the top of the page."""
    r = rules()
    content = _table_cells(lines[: r.table_window * 2])[: r.table_window]
    found: dict[str, tuple[str, str]] = {}
    n_labels = 0
    for i, text in enumerate(content):
        labelled = _label(text)
        if labelled is None:
            continue
        key, value = labelled
        n_labels += 1
        field_name = r.table_labels[key]
        if not value and i + 1 < len(content) and _label(content[i + 1]) is None:
            value = content[i + 1]
        if field_name and value and field_name not in found:
            found[field_name] = (value, key)
    return found if n_labels >= r.table_min_labels else {}


def _card(lines: list[tuple[int, str]], head_end: int) -> dict[str, str]:
    """field -> value ("" for an empty field) from a legal-database card (•【制定机关】…) above the body."""
    r = rules()
    out: dict[str, str] = {}
    for start, text in lines:
        if start >= head_end:
            break
        m = r.card_line.match(match_text(text))
        if m is None:
            continue
        field_name = r.card_labels.get(_SPACES.sub("", m.group("label")))
        if field_name and field_name not in out:
            out[field_name] = text[m.start("value") : m.end("value")].strip()
    return out


@dataclass
class _Page:
    published: tuple[str, str] | None = None  # (ISO date, the line)
    doc_number_field: str | None = None  # None: no 文号 field; "": an empty one
    print_date: tuple[str, str] | None = None


def _page_lines(lines: list[tuple[int, str]], head_end: int) -> _Page:
    """The page's date line and 文号 field (in the head), a print line (印发, at the foot)."""
    r = rules()
    page = _Page()
    head = [(s, t) for s, t in lines if s < head_end]
    for start, text in head + lines[max(len(head), len(lines) - _FOOT_LINES) :]:
        h = match_text(text)
        if start < head_end:
            m = r.page_date_line.search(h)
            if m and page.published is None:
                iso = parse_date(m.group("date"))
                if iso:
                    page.published = (iso, text.strip()[:20])
                f = r.page_doc_number.search(h)
                if f is not None and page.doc_number_field is None:
                    found = [d for d in find_doc_numbers(text[f.end() :]) if d.start == 0]
                    page.doc_number_field = found[0].printed if found else ""
            labelled = doc_number_line(text)  # 文　　号：… on its own line, removed as page chrome
            if labelled is not None and not page.doc_number_field:
                page.doc_number_field = labelled.printed
        pm = r.print_line.match(h)
        if pm:
            iso = parse_date(pm.group("date"))
            if iso:
                page.print_date = (iso, text.strip())
    return page


# --- titles -----------------------------------------------------------------------------------------


def _key(title: str) -> str:
    return re.sub(r"[\s《》〈〉<>]", "", match_text(title))


def _raw_title_groups(raw_lines: list[tuple[int, str]], head_end: int) -> list[TitleGroup]:
    """Title groups among the raw lines of the page head (page titles that cleaning removed)."""
    lines: list[Line] = []
    for start, text in raw_lines:
        if start >= head_end:
            break
        if text.strip(" \t\u3000\xa0"):
            cut = breadcrumb_last(match_text(text)) or 0  # a breadcrumb's last item may be the title
            text = text[cut:]
            lines.append(Line(len(lines), start + cut, start + cut + len(text), text, match_text(text)))
    return title_groups(lines, 0, len(lines))


def _quoted_subject(lay: Layout) -> str | None:
    """The one 《X》 a transmittal sentence hands over (现将《X》印发给你们), if it names exactly one."""
    for ln in lay.lines[: lay.body_start]:
        if is_transmittal_sentence(ln.match):
            titles = re.findall(r"《([^《》]+)》", ln.text)
            if len(titles) == 1:
                return titles[0]
            if titles:
                return None
    return None


@dataclass
class _Titles:
    title: str | None
    evidence: str
    notice: str | None  # the transmittal notice's title, if any
    others: list[str]  # every title-like group seen (for issuer prefixes and zone types)


def _titles(
    lay: Layout, raw_groups: list[TitleGroup], table: dict[str, tuple[str, str]], card: dict[str, str]
) -> _Titles:
    groups = title_groups(lay.lines, 0, lay.body_start)
    others = [g.text for g in groups] + [g.text for g in raw_groups]
    notice = next((g for g in groups if g.notice), None) or next((g for g in raw_groups if g.notice), None)
    plan = [g for g in groups if not g.notice]
    subject = notice_subject(notice.text) if notice else None
    quoted = subject is not None and notice is not None and "《" in notice.text
    if subject is None:
        subject = _quoted_subject(lay)
        quoted = subject is not None
    notice_text = notice.text if notice else None
    if subject:
        for g in plan:
            if _key(g.text) == _key(subject):
                return _Titles(
                    g.text,
                    "attached plan's title lines (named by the transmittal notice)",
                    notice_text,
                    others,
                )
        if quoted:
            return _Titles(
                subject.strip("《》"), "《…》 named by the transmittal notice", notice_text, others
            )
        if notice is not None:
            return _Titles(notice.text, "transmittal notice title", notice_text, others)
    if plan:
        return _Titles(plan[-1].text, "title lines", notice_text, others)
    if "title" in table:
        return _Titles(table["title"][0], "gov.cn table 标题", notice_text, others)
    if card.get("title"):
        return _Titles(card["title"], "card 标题", notice_text, others)
    page = [g for g in raw_groups if not g.notice]
    if page:
        return _Titles(page[-1].text, "page title", notice_text, others)
    if notice is not None:
        return _Titles(notice.text, "transmittal notice title", notice_text, others)
    return _Titles(None, "", None, others)


# --- issuer -----------------------------------------------------------------------------------------


def _expand(org: str) -> str:
    for pattern, replace in rules().expansions:
        org = pattern.sub(replace, org)
    return org


def split_orgs(text: str) -> list[str] | None:
    """Organisations in an issuer string: 中共昆明市委昆明市人民政府 → [中共昆明市委, 昆明市人民政府]; None if
    a piece does not end like an organisation."""
    r = rules()
    text = text.strip()
    m_text = match_text(text)
    out: list[tuple[str, str]] = []  # (printed, match)
    for piece in re.finditer(r"[^\s、,;]+", m_text):
        mp, pp = piece.group(), text[piece.start() : piece.end()]
        # split where a new place name starts right after an organisation ending (no separator printed)
        cuts = [0]
        for start, _, _ in find_places(mp):
            if (
                start > cuts[-1]
                and r.org_end.search(mp[cuts[-1] : start])
                and mp[start - 2 : start] != "中共"
            ):
                cuts.append(start)
        cuts.append(len(mp))
        out.extend((pp[a:b], mp[a:b]) for a, b in itertools.pairwise(cuts) if a < b)
    if not out or not all(r.org_end.search(m) for _, m in out):
        return None
    return [_expand(p) for p, _ in out]


def _title_prefix_orgs(title: str) -> list[str] | None:
    """Issuers printed before 关于/印发 in a title: 中共昆明市委、昆明市人民政府关于… → both."""
    r = rules()
    m_title = match_text(title)
    positions = [p for p in (m_title.find(s) for s in r.title_separators) if p > 0]
    if not positions:
        return None
    return split_orgs(title[: min(positions)])


# --- zone type and jurisdiction ---------------------------------------------------------------------


def zone_matches(text: str) -> list[tuple[int, int, ZoneType]]:
    """Zone types named in ``text``: spans (most specific rule first wins a span; no overlaps)."""
    taken: list[tuple[int, int, ZoneType]] = []
    m_text = match_text(text)
    for z in rules().zone_types:
        for p in z.patterns:
            for m in p.finditer(m_text):
                if not any(m.start() < e and s < m.end() for s, e, _ in taken):
                    taken.append((m.start(), m.end(), z))
    return taken


def _zone_from_title(title: str) -> ZoneType | None:
    found = zone_matches(title)
    if not found:
        return None
    order = {z.label: i for i, z in enumerate(rules().zone_types)}
    return min(found, key=lambda t: order[t[2].label])[2]


def _zone_from_body(text: str) -> ZoneType | None:
    counts: dict[str, int] = {}
    by_label = {}
    for _, _, z in zone_matches(text):
        counts[z.label] = counts.get(z.label, 0) + 1
        by_label[z.label] = z
    order = {z.label: i for i, z in enumerate(rules().zone_types)}
    ranked = sorted(counts, key=lambda lab: (-counts[lab], order[lab]))
    r = rules()
    least = max(r.body_min_mentions, r.body_min_per_thousand * len(text) / 1000)
    if ranked and counts[ranked[0]] >= least:
        return by_label[ranked[0]]
    return None


# --- the whole ----------------------------------------------------------------------------------------


@dataclass
class _Sources:
    """Everything metadata is read from: the clean text's layout and the page chrome of the raw text."""

    clean: CleanText
    lay: Layout
    body_line: Line | None
    table: dict[str, tuple[str, str]]
    card: dict[str, str]
    page: _Page
    titles: _Titles

    def signatures(self, where: str) -> list[Signature]:
        return [s for s in self.lay.signatures if s.where == where]


def extract_metadata(
    raw_text: str, clean: CleanText, noise: list[NoiseSpan], layout: Layout | None = None
) -> Metadata:
    """Metadata of one plan, with the evidence of each field; ``layout`` is ``clean``'s when known."""
    del noise  # the raw text still carries what cleaning removed; the spans add nothing
    lay = layout if layout is not None else lay_out(clean)
    raw_lines = _raw_lines(raw_text)
    body_line = lay.lines[lay.body_start] if lay.body_start < len(lay.lines) else None
    head_end = clean.to_raw(body_line.start) if body_line is not None else len(raw_text)
    table, card = _govcn_table(raw_lines), _card(raw_lines, head_end)
    titles = _titles(lay, _raw_title_groups(raw_lines, head_end), table, card)
    src = _Sources(clean, lay, body_line, table, card, _page_lines(raw_lines, head_end), titles)
    md = Metadata()
    title, glued = split_glued_doc_number(titles.title) if titles.title else (None, None)
    if title:
        md.title, md.evidence["title"] = title, titles.evidence
    md.draft = any(is_draft(t) for t in (md.title, *titles.others) if t)
    raw_head = raw_text[: max(head_end, src.lay.lines[0].start if src.lay.lines else 0)]
    _read_issuer(md, src, raw_head)
    _read_doc_number(md, src, glued)
    _read_dates(md, src, raw_head)
    body = clean.text[body_line.start :] if body_line is not None else ""
    md.jurisdiction, place_source = _jurisdiction(md, titles, body)
    if md.jurisdiction:
        md.evidence["jurisdiction"] = place_source
    _read_zone_type(md, src)
    md.cited_documents = find_citations(clean, tuple(t for t in (md.title, titles.notice) if t))
    if md.cited_documents:
        md.evidence["cited_documents"] = "titles the text relies on (根据, 按照, 贯彻落实 …)"
    return md


def _read_issuer(md: Metadata, src: _Sources, raw_head: str) -> None:
    """发文机关: the gov.cn table, a regulation's adopting body, the signature, the prefix of a title, a
    database card."""
    r, ev = rules(), md.evidence
    adoption = find_adoption(raw_head)
    if adoption is not None:
        md.issuer, ev["issuer"] = adoption.issuer, f"adoption line ({adoption.line})"
        return
    if "issuer" in src.table:
        md.issuer, ev["issuer"] = src.table["issuer"][0], "gov.cn table 发文机关"
        return
    for where, label in (("front", "transmittal notice signature"), ("back", "signature")):
        for sig in src.signatures(where)[:1]:
            names = [r.signature_notes.sub("", src.lay.lines[i].text.strip()) for i in sig.lines]
            orgs = split_orgs(" ".join(names))
            if orgs:
                md.issuer, ev["issuer"] = r.joiner.join(orgs), label
                return
    for title in (t for t in (md.title, src.titles.notice, *src.titles.others) if t):
        orgs = _title_prefix_orgs(title)
        if orgs:
            md.issuer, ev["issuer"] = r.joiner.join(orgs), f"title prefix ({title[:12]}…)"
            return
    orgs = split_orgs(src.card["issuer"]) if src.card.get("issuer") else None
    if orgs:
        md.issuer, ev["issuer"] = r.joiner.join(orgs), "card 制定机关"
        return
    opening = src.clean.text[src.body_line.start :][: r.self_named_chars] if src.body_line else ""
    for m in r.self_named.finditer(match_text(opening)):
        orgs = split_orgs(opening[m.start("org") : m.end("org")])
        if orgs and len(orgs) == 1:
            md.issuer, ev["issuer"] = orgs[0], f"named in the opening ({opening[m.start('org') : m.end()]})"
            return


def _read_doc_number(md: Metadata, src: _Sources, glued: DocNumber | None) -> None:
    """文号: the table's 发文字号, a 文号 line, a card's 字号, a page's 文号 field, or glued to the title."""
    ev = md.evidence
    if "doc_number" in src.table:
        printed = src.table["doc_number"][0]
        md.doc_number, ev["doc_number"] = normalise_doc_number(printed), f"gov.cn table 发文字号 ({printed})"
        return
    for ln in src.lay.lines[: src.lay.body_start]:
        dn = doc_number_line(ln.text)
        if dn is not None:
            md.doc_number, ev["doc_number"] = dn.normalised, f"文号 line ({dn.printed})"
            return
    # a page's own text before the document can hide its head from the layout: a 公文's 文号 line is
    # still the one right above its addressees (主送机关)
    for ln, nxt in itertools.pairwise(src.lay.lines[: src.lay.body_start + _HIDDEN_HEAD_LINES]):
        dn = doc_number_line(ln.text) if is_addressee(nxt.match) else None
        if dn is not None:
            md.doc_number, ev["doc_number"] = dn.normalised, f"文号 line above the addressees ({dn.printed})"
            return
    for field_value, where in (
        (src.card.get("doc_number"), "card 字号"),
        (src.page.doc_number_field, "page 文号 field"),
    ):
        if field_value:  # an empty field is no number
            md.doc_number, ev["doc_number"] = normalise_doc_number(field_value), f"{where} ({field_value})"
            return
    if glued is not None:
        md.doc_number, ev["doc_number"] = glued.normalised, f"glued to the title ({glued.printed})"


def _read_dates(md: Metadata, src: _Sources, raw_head: str) -> None:
    """The main date and its kind: a regulation's first adoption, else the signing date (成文日期), else
    the page's publication date, which is kept apart (``published``) and never taken for a signing date."""
    ev = md.evidence
    adoption = find_adoption(raw_head)
    if adoption is not None:
        md.date, md.date_kind, ev["date"] = adoption.date, "adopted", f"adoption line ({adoption.line})"
    if md.date is None and "date" in src.table:
        md.date, ev["date"] = parse_date(src.table["date"][0]), "gov.cn table 成文日期"
    for where, label in (("front", "transmittal notice signature date"), ("back", "signature date")):
        for sig in src.signatures(where)[:1]:
            if md.date is None:
                md.date, ev["date"] = sig.date, label
    for ln in src.lay.lines[: src.lay.body_start]:
        iso = date_line(ln.match) if md.date is None else None
        if iso:
            md.date, ev["date"] = iso, f"date line before the body ({ln.text.strip()})"
    if md.date is None and src.page.print_date is not None:
        md.date, ev["date"] = src.page.print_date[0], f"印发 line ({src.page.print_date[1]})"
    if md.date is not None and md.date_kind is None:
        md.date_kind = "signed"
    if "published" in src.table:
        md.published, ev["published"] = parse_date(src.table["published"][0]), "gov.cn table 发布日期"
    elif src.page.published is not None:
        md.published, ev["published"] = src.page.published[0], f"page date line ({src.page.published[1]})"
    elif src.card.get("published"):
        md.published = parse_date(src.card["published"])
        if md.published:
            ev["published"] = "card 公布日期"
    if md.date is None and md.published is not None:
        md.date, md.date_kind = md.published, "posted"
        ev["date"] = "page date (the plan prints no signing date)"
    in_force = find_in_force(src.clean.text)
    if in_force is not None:
        md.in_force, ev["in_force"] = in_force[0], f"施行 ({in_force[1]})"


def _read_zone_type(md: Metadata, src: _Sources) -> None:
    """The zone type: the title (most specific rule first), the other titles, then the body."""
    r = rules()
    if md.title and r.rename_title.search(match_text(md.title)) and src.body_line is not None:
        for m in r.renamed_to.finditer(src.clean.match[src.body_line.start :]):
            zone = _zone_from_title(m.group("name"))
            if zone is not None:
                md.zone_type, md.evidence["zone_type"] = zone.label, f"renamed to ({m.group()})"
                return
    sources: list[tuple[str | None, str]] = [(md.title, "title")]
    sources += [(o, "page/notice title") for o in src.titles.others]
    for title, where in sources:
        zone = _zone_from_title(title) if title else None
        if zone is not None:
            md.zone_type, md.evidence["zone_type"] = zone.label, where
            return
    if src.body_line is not None:
        zone = _zone_from_body(src.clean.match[src.body_line.start :])
        if zone is not None:
            md.zone_type, md.evidence["zone_type"] = zone.label, "body (most mentioned)"


def _jurisdiction(md: Metadata, titles: _Titles, body: str) -> tuple[str | None, str]:
    if md.issuer and is_national(md.issuer):
        # a national document governs the whole country, unless its title names the one place it is
        # about (a reply approving one zone, a plan for one new area): then that place
        if md.title and not rules().several_in_title.search(md.title):
            place = place_in(md.title)
            if place is not None:
                return place.jurisdiction, "national issuer, the title's place"
        return national_label(), "national issuer"
    sources = [(md.issuer, "issuer"), (md.title, "title"), *((t, "page/notice title") for t in titles.others)]
    for text, where in sources:
        place = place_in(text) if text else None
        if place is None:
            continue
        title = place_in(md.title) if md.title and not rules().several_in_title.search(md.title) else None
        if title is not None and within(title, place):
            return title.jurisdiction, f"{where}, the title's {'county' if title.city else 'city'}"
        return place.jurisdiction, where
    place = place_in_body(body)
    return (place.jurisdiction, "body (most mentioned place)") if place else (None, "")
