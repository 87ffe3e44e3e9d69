"""Recognise the lines around a plan's body: title, 文号, addressees, transmittal sentence, signature, dates.

A plan as published is wrapped in the parts of an official document (公文): its title (often split over
lines), a document number (文号) alone on a line, the addressees (主送机关, "各…："), for a transmittal
notice the sentence that hands the plan over ("现将《…》印发给你们"), the issuer's signature above a date,
此件… and 附件 lines. These predicates classify single clean lines; ``parts.py`` uses them to find
where the plan starts and ends, ``ingest/metadata.py`` to read title, issuer, 文号 and date.
Functions named ``is_*`` take the MATCH text of a line (simplified, half-width); the cues are data in
``compare/data/outline.yaml`` (key ``parts``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from compare.datafiles import (
    alternation,
    compile_pattern,
    get_int,
    get_str,
    get_str_list,
    section,
)
from compare.model import CleanText
from compare.text import match_text, parse_numeral, to_halfwidth

DATA_FILE = "outline.yaml"


@dataclass(frozen=True)
class Line:
    """One non-blank line of the clean text."""

    index: int  # position among the non-blank lines
    start: int  # clean offset of its first character
    end: int  # clean offset of its end (the newline, or len(text))
    text: str  # as printed
    match: str  # from CleanText.match: simplified, half-width


@dataclass(frozen=True)
class DocNumber:
    """A document number (文号) as printed and normalised to 〔〕 brackets."""

    printed: str
    normalised: str
    start: int  # offsets in the text searched
    end: int


@dataclass(frozen=True)
class Rules:
    date_line: re.Pattern[str]
    history_line: re.Pattern[str]
    doc_number: re.Pattern[str]
    doc_number_label: re.Pattern[str]
    doc_kind_end: re.Pattern[str]
    notice_verbs: tuple[str, ...]
    notice_kind: str
    transmittal_cues: tuple[str, ...]
    sentence_punct: str
    title_max_chars: int
    site_name: re.Pattern[str]
    breadcrumb: re.Pattern[str]
    signature_max_chars: int
    signature_max_lines: int
    addressee_starts: tuple[str, ...]
    addressee_org_end: re.Pattern[str]
    cishi_line: re.Pattern[str]
    attachment_line: re.Pattern[str]
    tail_lines: tuple[re.Pattern[str], ...]


@lru_cache(maxsize=1)
def rules() -> Rules:
    """The document-part cues of ``outline.yaml`` (loaded once)."""
    d = section(DATA_FILE, "parts")
    kinds = get_str_list(DATA_FILE, "parts.doc_kinds", d.get("doc_kinds"))
    orgs = get_str_list(DATA_FILE, "parts.addressee_org_endings", d.get("addressee_org_endings"))
    return Rules(
        date_line=compile_pattern(DATA_FILE, "parts.date_line", d.get("date_line")),
        history_line=compile_pattern(DATA_FILE, "parts.history_line", d.get("history_line")),
        doc_number=compile_pattern(DATA_FILE, "parts.doc_number", d.get("doc_number")),
        doc_number_label=compile_pattern(DATA_FILE, "parts.doc_number_label", d.get("doc_number_label")),
        # a doc kind at the end, optionally followed by one bracketed note: （试行） (2018—2035年)
        doc_kind_end=re.compile(rf"(?:{alternation(kinds)})\s*(?:[(（〔【][^()（）]{{1,20}}[)）〕】])?\s*$"),
        notice_verbs=tuple(get_str_list(DATA_FILE, "parts.notice_verbs", d.get("notice_verbs"))),
        notice_kind=get_str(DATA_FILE, "parts.notice_kind", d.get("notice_kind")),
        transmittal_cues=tuple(get_str_list(DATA_FILE, "parts.transmittal_cues", d.get("transmittal_cues"))),
        sentence_punct="".join(get_str_list(DATA_FILE, "parts.sentence_punct", d.get("sentence_punct"))),
        title_max_chars=get_int(DATA_FILE, "parts.title_max_chars", d.get("title_max_chars")),
        site_name=compile_pattern(DATA_FILE, "parts.site_name", d.get("site_name")),
        breadcrumb=compile_pattern(DATA_FILE, "parts.breadcrumb", d.get("breadcrumb")),
        signature_max_chars=get_int(DATA_FILE, "parts.signature_max_chars", d.get("signature_max_chars")),
        signature_max_lines=get_int(DATA_FILE, "parts.signature_max_lines", d.get("signature_max_lines")),
        addressee_starts=tuple(get_str_list(DATA_FILE, "parts.addressee_starts", d.get("addressee_starts"))),
        addressee_org_end=re.compile(rf"(?:{alternation(orgs)})$"),
        cishi_line=compile_pattern(DATA_FILE, "parts.cishi_line", d.get("cishi_line")),
        attachment_line=compile_pattern(DATA_FILE, "parts.attachment_line", d.get("attachment_line")),
        tail_lines=tuple(
            compile_pattern(DATA_FILE, f"parts.tail_lines[{i}]", p)
            for i, p in enumerate(get_str_list(DATA_FILE, "parts.tail_lines", d.get("tail_lines")))
        ),
    )


def split_lines(clean: CleanText) -> list[Line]:
    """The non-blank lines of a clean text with their offsets."""
    out: list[Line] = []
    text, match = clean.text, clean.match if len(clean.match) == len(clean.text) else match_text(clean.text)
    pos = 0
    n = len(text)
    while pos < n:
        nl = text.find("\n", pos)
        end = n if nl < 0 else nl
        if text[pos:end].strip():
            out.append(Line(len(out), pos, end, text[pos:end], match[pos:end]))
        pos = end + 1
    return out


# --- dates and 文号 -------------------------------------------------------------------------------


_DATE_ANY = re.compile(
    r"(?P<y>\d{4}|[〇○零一二三四五六七八九]{4})\s*(?:年|[-./])\s*(?P<m>\d{1,2}|[一二三四五六七八九十]{1,2})\s*(?:月|[-./])"
    r"\s*(?P<d>\d{1,2}|[一二三四五六七八九十]{1,3})(?![0-9])\s*日?"
)


def parse_date(text: str) -> str | None:
    """The first date in ``text`` as ISO yyyy-mm-dd (2019年1月26日, 2021-03-30, 二〇〇六年十二月三十日)."""
    m = _DATE_ANY.search(to_halfwidth(text))
    if m is None:
        return None
    # a year printed in Chinese is read digit by digit (二〇〇六, 二○○○ with a circle for the zero),
    # months and days as numbers (三十)
    year = parse_numeral(m.group("y").replace("○", "〇"), "amount")
    month, day = parse_numeral(m.group("m")), parse_numeral(m.group("d"))
    if year is None or month is None or day is None:
        return None
    if not (1 <= month <= 12 and 1 <= day <= 31 and 1900 < year < 2200):
        return None
    return f"{int(year):04d}-{month:02d}-{day:02d}"


def date_line(match_line: str) -> str | None:
    """ISO date when the line is a date alone (the date under a signature), else None."""
    m = rules().date_line.match(match_line)
    return parse_date(m.group("date")) if m else None


def is_history_line(match_line: str) -> bool:
    """A regulation's adoption/amendment note: （2020年1月1日…会议通过）."""
    return rules().history_line.match(match_line) is not None


def normalise_doc_number(printed: str) -> str:
    """临办发[2019]5号 → 临办发〔2019〕5号 (any bracket pair, no spaces; characters as printed)."""
    m = rules().doc_number.search(match_text(printed))
    if m is None:
        return re.sub(r"\s+", "", printed)
    code = printed[m.start("code") : m.end("code")]
    return f"{code}〔{m.group('year')}〕{m.group('serial')}{printed[m.end() - 1]}"


def find_doc_numbers(text: str) -> list[DocNumber]:
    """Every 文号 in ``text`` (printed form and normalised form, with offsets)."""
    out = []
    r = rules()
    for m in r.doc_number.finditer(match_text(text)):
        # a label the page glued to the number (发文字号国函〔1992〕169号) is no part of its code
        label = r.doc_number_label.match(m.group())
        start = m.start() + (label.end() if label and label.end() < m.start("open") - m.start() else 0)
        printed = text[start : m.end()]
        out.append(DocNumber(printed, normalise_doc_number(printed), start, m.end()))
    return out


def split_glued_doc_number(title: str) -> tuple[str, DocNumber | None]:
    """A title a page glued its 文号 to, in brackets (…的批复(桂政函〔2020〕43号)): the title and the 文号."""
    m = re.search(r"[(（]\s*([^()（）]+?)\s*[)）]\s*$", title)
    found = find_doc_numbers(m.group(1)) if m else []
    if m is None or len(found) != 1 or found[0].printed != m.group(1):
        return title, None
    return title[: m.start()].rstrip(), found[0]


def doc_number_line(line: str) -> DocNumber | None:
    """The 文号 when the whole line is one (临办发〔2019〕5号 alone on its line, or after a 文号 label:
    文　　号：临办发〔2019〕5号, 发文字号国函〔1992〕169号)."""
    stripped = line.strip(" \t\u3000\xa0")
    label = rules().doc_number_label.match(match_text(stripped))
    if label is not None:
        stripped = stripped[label.end() :].strip(" \t\u3000\xa0")
    found = find_doc_numbers(stripped)
    if len(found) == 1 and found[0].start == 0 and found[0].end == len(stripped):
        return found[0]
    return None


# --- line kinds ------------------------------------------------------------------------------------


def has_sentence_punct(match_line: str) -> bool:
    return not frozenset(rules().sentence_punct).isdisjoint(match_line)


def ends_with_doc_kind(match_text: str) -> bool:
    """The text ends like a document title: …方案, …意见, …的通知, …规划(2018—2035年)."""
    return rules().doc_kind_end.search(match_text.strip()) is not None


def is_title_like(match_line: str) -> bool:
    """A line that may be (part of) a title: no sentence punctuation, no colon, not too long, not a date."""
    s = match_line.strip()
    if not s or len(s) > rules().title_max_chars or has_sentence_punct(s) or ":" in s:
        return False
    return date_line(s) is None and doc_number_line(s) is None


def is_site_name(match_line: str) -> bool:
    """A portal's own name (某某市人民政府门户网站): never part of a title."""
    return rules().site_name.search(match_line) is not None


def breadcrumb_last(match_line: str) -> int | None:
    """Where the last item of a portal's breadcrumb starts (首页 > 政务公开 > 关于…的通知), else None."""
    m = rules().breadcrumb.match(match_line)
    return m.start("last") if m else None


def is_notice_title(match_text: str) -> bool:
    """A transmittal notice's title: 印发/转发 … 的通知 (the plan is attached to it)."""
    r = rules()
    s = re.sub(r"[(（][^()（）]*[)）]\s*$", "", match_text.strip())  # (附招商电话)
    return s.endswith(r.notice_kind) and any(v in s for v in r.notice_verbs)


def notice_subject(text: str) -> str | None:
    """X of a notice 关于印发《X》的通知 / 印发X的通知, as printed; None if ``text`` is not such a notice."""
    r = rules()
    text = text.strip()
    m_text = re.sub(r"[(][^()]*[)]\s*$", lambda m: " " * len(m.group()), match_text(text)).rstrip()
    if not is_notice_title(m_text):
        return None
    verbs = "|".join(re.escape(v) for v in r.notice_verbs)
    m = re.search(rf"(?:{verbs})\s*《(?P<x>.+)》\s*的?{re.escape(r.notice_kind)}$", m_text)
    if m is None:
        m = re.search(rf"(?:{verbs})(?P<x>.+?)的?{re.escape(r.notice_kind)}$", m_text)
    return text[m.start("x") : m.end("x")].strip() if m else None


def is_transmittal_sentence(match_line: str) -> bool:
    return any(c in match_line for c in rules().transmittal_cues)


def is_addressee(match_line: str) -> bool:
    """主送机关: 各省、自治区、直辖市人民政府，国务院各部委： / 河北省人民政府、国家发展改革委："""
    r = rules()
    s = match_line.strip()
    if not s.endswith(":") or "。" in s or len(s) > 300:
        return False
    body = s[:-1]
    if body.startswith(r.addressee_starts):
        return True
    last = re.split(r"[,、]", body)[-1].strip()
    return bool(r.addressee_org_end.search(last)) and not has_sentence_punct(body.replace(",", ""))


def is_signature_like(match_line: str) -> bool:
    """A line that can be part of a signature (发文机关署名): short, no punctuation, not a date/文号."""
    s = match_line.strip()
    r = rules()
    return (
        0 < len(s) <= r.signature_max_chars
        and not has_sentence_punct(s)
        and ":" not in s
        and date_line(s) is None
        and doc_number_line(s) is None
    )


def is_cishi(match_line: str) -> bool:
    """(此件发至县级) / （此件公开发布）."""
    return rules().cishi_line.search(match_line) is not None


def is_attachment(match_line: str) -> bool:
    """附件 / 附件1. … / 附件：… lines."""
    return rules().attachment_line.search(match_line) is not None


def is_tail(match_line: str) -> bool:
    """抄送 lines, 印发 lines, (本文有删减)."""
    return any(p.search(match_line) for p in rules().tail_lines)


def mend_title(lines: list[str]) -> str:
    """Join title lines, dropping the spaces a page put between characters or at a line break."""
    joined = "".join(s.strip(" \t\u3000\xa0") for s in lines)
    # a space between two non-ASCII characters is layout, not content (土 地 使 用, 创新区 (经济…)
    return re.sub(r"(?<=[^\x00-\x7f])[ \t\u3000\xa0]+|[ \t\u3000\xa0]+(?=[^\x00-\x7f])", "", joined)


@dataclass(frozen=True)
class TitleGroup:
    """Consecutive title lines that together end like a document title."""

    first: int  # index of the first line
    end: int  # index after the last line
    text: str  # the lines joined (mend_title)
    notice: bool  # a transmittal notice's title (印发…的通知)


def title_groups(lines: list[Line], lo: int, hi: int) -> list[TitleGroup]:
    """Title groups among lines [lo, hi): runs of title-like lines whose join ends with a document kind."""
    out: list[TitleGroup] = []
    run: list[Line] = []
    for ln in lines[lo:hi]:
        if (
            not is_title_like(ln.match)
            or is_cishi(ln.match)
            or is_attachment(ln.match)
            or is_site_name(ln.match)
        ):
            run = []
            continue
        run.append(ln)
        joined_match = mend_title([x.match for x in run])
        if ends_with_doc_kind(joined_match):
            notice = is_notice_title(joined_match)
            out.append(TitleGroup(run[0].index, ln.index + 1, mend_title([x.text for x in run]), notice))
            run = []
    return out
