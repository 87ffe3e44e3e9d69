"""Loads compare/data/noise.yaml (reading limits, plausibility checks, noise patterns) once per process.

Everything tunable about ingestion lives in that file; this module only reads it, checks its shape
and compiles the regular expressions, failing with an error that names the file, the line and the key.
"""

from __future__ import annotations

import codecs
import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compare.config import DATA_DIR
from compare.datafiles import Section, read_yaml
from compare.errors import NoiseDataError

NOISE_FILE = DATA_DIR / "noise.yaml"


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int
    max_plan_chars: int
    docx_max_uncompressed_bytes: int
    docx_max_xml_bytes: int
    docx_max_ratio: float
    pdf_min_text_chars: int
    pdf_max_cid_share: float
    pdf_max_page_chars: int


@dataclass(frozen=True)
class TextChecks:
    min_printable_ratio: float
    max_nul_ratio: float
    min_cjk_share: float
    min_common_share: float
    sample_chars: int
    max_control_ratio: float
    encoding_preference: tuple[str, ...]
    score_tie: float
    declared_charsets: frozenset[str]
    min_han_chars: int
    max_mojibake_share: float


@dataclass(frozen=True)
class HtmlRules:
    drop_tags: frozenset[str]
    drop_attr: re.Pattern[str]
    wrapper_text_share: float
    block_tags: frozenset[str]


@dataclass(frozen=True)
class LineRule:
    reason: str
    pattern: re.Pattern[str]


@dataclass(frozen=True)
class GovTable:
    reason: str
    within_lines: int  # only the first N non-blank lines of a text are looked at
    label_line: re.Pattern[str]  # a line starting with any label and a colon; group "label", "value"
    label_of: dict[str, re.Pattern[str]]  # label without spaces -> its value pattern


@dataclass(frozen=True)
class Pinyin:
    reason: str
    toned: re.Pattern[str]  # a parenthesised annotation with at least one toned syllable
    plain: re.Pattern[str]  # a parenthesised annotation of toneless syllables
    min_toned_hits: int


@dataclass(frozen=True)
class Markup:
    """Markdown/pandoc marks removed inside lines, the YAML front matter and a table of contents."""

    inline: tuple[LineRule, ...]  # each pattern's matches are removed from a kept line
    mark_chars: re.Pattern[str]  # a line of only these (and whitespace) once the marks are gone is noise
    front_matter_reason: str
    fence: re.Pattern[str]  # fullmatch: the line that opens and closes the block
    key_line: re.Pattern[str]  # fullmatch: a "key: value" line
    front_matter_max_lines: int
    contents_reason: str
    contents_heading: re.Pattern[str]  # fullmatch: the 目录 line
    entry_max_chars: int
    max_entries: int


@dataclass(frozen=True)
class Mending:
    sentence_final: str
    outline_start: re.Pattern[str]
    min_wrap_chars: int
    min_midword_chars: int
    fixed_width_share: float
    fixed_width_min_lines: int
    min_width_line_chars: int
    open_pairs: tuple[str, ...]  # opening and closing character of quotes and brackets


@dataclass(frozen=True)
class Titles:
    doc_type_end: re.Pattern[str]  # search: the line ends like a title
    max_line_chars: int
    min_line_chars: int
    min_length_ratio: float
    max_lines: int
    header_max_lines: int
    min_key_chars: int
    site_meta_within: int
    site_section_max_chars: int
    not_title: re.Pattern[str]


@dataclass(frozen=True)
class NoiseData:
    limits: Limits
    text_checks: TextChecks
    html: HtmlRules
    line_rules: tuple[LineRule, ...]
    # All line rules in one alternation (rule k in group "r{k}"): one match per line instead of one per rule.
    line_any: re.Pattern[str]
    gov_table: GovTable
    pinyin: Pinyin
    markup: Markup
    mending: Mending
    titles: Titles


def _spaced(label: str) -> str:
    """Regex for a label printed with any whitespace between its characters (索 引 号, 标　　题)."""
    return r"\s*".join(re.escape(ch) for ch in label)


def _codec_names(section: Section, key: str) -> frozenset[str]:
    """Python's own names of the codecs listed under ``key`` (an unknown one is an error of the file)."""
    names = set()
    for name in section.strings(key):
        try:
            names.add(codecs.lookup(name).name)
        except LookupError:
            raise section.error(key, f"codec names Python knows, not {name!r}") from None
    return frozenset(names)


def parse_noise_data(doc: Any, source: str = str(NOISE_FILE)) -> NoiseData:
    """Validate and compile the parsed YAML document (pure: no I/O); errors name ``source``."""
    top = Section(source, doc, "", NoiseDataError)
    lim = top.section("limits")
    limits = Limits(
        max_file_bytes=int(lim.number("max_file_mb") * 1024 * 1024),
        max_plan_chars=int(lim.number("max_plan_chars")),
        docx_max_uncompressed_bytes=int(lim.number("docx_max_uncompressed_mb") * 1024 * 1024),
        docx_max_xml_bytes=int(lim.number("docx_max_xml_mb") * 1024 * 1024),
        docx_max_ratio=lim.number("docx_max_ratio"),
        pdf_min_text_chars=int(lim.number("pdf_min_text_chars")),
        pdf_max_cid_share=lim.number("pdf_max_cid_share"),
        pdf_max_page_chars=lim.integer("pdf_max_page_chars", 1),
    )
    tc = top.section("text_checks")
    checks = TextChecks(
        min_printable_ratio=tc.number("min_printable_ratio"),
        max_nul_ratio=tc.number("max_nul_ratio"),
        min_cjk_share=tc.number("min_cjk_share"),
        min_common_share=tc.number("min_common_share"),
        sample_chars=int(tc.number("sample_chars")),
        max_control_ratio=tc.number("max_control_ratio"),
        encoding_preference=tc.strings("encoding_preference", allow_empty=True),
        score_tie=tc.number("score_tie"),
        declared_charsets=_codec_names(tc, "declared_charsets"),
        min_han_chars=tc.integer("min_han_chars"),
        max_mojibake_share=tc.number("max_mojibake_share", 0.0, 1.0),
    )
    h = top.section("html")
    html = HtmlRules(
        drop_tags=frozenset(t.lower() for t in h.strings("drop_tags", allow_empty=True)),
        drop_attr=h.regex("drop_attr_pattern", re.IGNORECASE),
        wrapper_text_share=h.number("wrapper_text_share"),
        block_tags=frozenset(t.lower() for t in h.strings("block_tags", allow_empty=True)),
    )

    rules: list[LineRule] = []
    for g in top.sections("line_noise"):
        reason = str(g.get("reason"))
        for pi, p in enumerate(g.strings("patterns")):
            rules.append(LineRule(reason, g.compile(f"patterns[{pi}]", p)))

    gt = top.section("gov_table")
    vpats = gt.section("value_patterns")
    labels = gt.section("labels")
    if not labels.data:
        raise gt.error("labels", "a non-empty mapping of labels to value patterns")
    compiled_values = {k: vpats.regex(k) for k in vpats.data}
    label_of: dict[str, re.Pattern[str]] = {}
    for label, kind in labels.data.items():
        if kind not in compiled_values:
            raise labels.fail(label, f"names an unknown value pattern {kind!r}")
        label_of[str(label)] = compiled_values[kind]
    # Longest labels first so 发文字号 wins over 文号.
    alts = "|".join(_spaced(lb) for lb in sorted(label_of, key=len, reverse=True))
    gov = GovTable(
        reason=str(gt.get("reason")),
        within_lines=int(gt.number("within_lines")),
        label_line=re.compile(rf"(?P<label>{alts})\s*[:：]\s*(?P<value>.*)"),
        label_of=label_of,
    )

    pin = top.section("inline_noise").section("pinyin")
    after, toned, plain = (pin.string(key) for key in ("after", "toned_syllable", "plain_syllable"))
    for key, pattern in (("after", after), ("toned_syllable", toned), ("plain_syllable", plain)):
        pin.compile(key, pattern)
    any_syl = f"(?:{toned}|{plain})"
    pinyin = Pinyin(
        reason=str(pin.get("reason")),
        # at least one toned syllable among space-separated syllables; a stray space before ")" allowed
        toned=re.compile(
            rf"(?<={after})[(（]\s?(?:{any_syl}\s)*(?:{toned})(?:\s{any_syl})*\s?[)）](?![a-zA-Z])"
        ),
        plain=re.compile(rf"(?<={after})[(（]\s?(?:{plain})(?:\s(?:{plain}))*\s?[)）]"),
        min_toned_hits=int(pin.number("min_toned_hits")),
    )

    mk = top.section("markup")
    inline = tuple(LineRule(str(g.get("reason")), g.regex("pattern")) for g in mk.sections("inline"))
    fm, toc = mk.section("front_matter"), mk.section("contents")
    markup = Markup(
        inline=inline,
        mark_chars=mk.regex("mark_chars"),
        front_matter_reason=fm.string("reason"),
        fence=fm.regex("fence"),
        key_line=fm.regex("key_line"),
        front_matter_max_lines=fm.integer("max_lines", 1),
        contents_reason=toc.string("reason"),
        contents_heading=toc.regex("heading"),
        entry_max_chars=toc.integer("entry_max_chars", 1),
        max_entries=toc.integer("max_entries", 1),
    )

    m = top.section("mending")
    starts = m.strings("outline_start")
    for i, s in enumerate(starts):
        m.compile(f"outline_start[{i}]", s)
    mending = Mending(
        sentence_final=str(m.get("sentence_final")),
        outline_start=re.compile("(?:" + "|".join(f"(?:{s})" for s in starts) + ")"),
        min_wrap_chars=int(m.number("min_wrap_chars")),
        min_midword_chars=int(m.number("min_midword_chars")),
        fixed_width_share=m.number("fixed_width_share"),
        fixed_width_min_lines=int(m.number("fixed_width_min_lines")),
        min_width_line_chars=int(m.number("min_width_line_chars")),
        open_pairs=tuple(m.strings("open_pairs")),
    )

    t = top.section("titles")
    suffix = t.string("doc_type_suffix")
    t.compile("doc_type_suffix", suffix)
    titles = Titles(
        # a trailing (试行) / （2021—2025年） and closing quotes/brackets may follow the document type
        doc_type_end=re.compile(rf"{suffix}(?:\s*[（(][^（()）]{{1,16}}[)）])?[》”」』〉)）\]]*$"),
        max_line_chars=int(t.number("max_line_chars")),
        min_line_chars=int(t.number("min_line_chars")),
        min_length_ratio=t.number("min_length_ratio"),
        max_lines=int(t.number("max_lines")),
        header_max_lines=int(t.number("header_max_lines")),
        min_key_chars=int(t.number("min_key_chars")),
        site_meta_within=int(t.number("site_meta_within")),
        site_section_max_chars=int(t.number("site_section_max_chars")),
        not_title=t.regex("not_title"),
    )
    line_any = re.compile("|".join(f"(?P<r{k}>{r.pattern.pattern})" for k, r in enumerate(rules)))
    return NoiseData(limits, checks, html, tuple(rules), line_any, gov, pinyin, markup, mending, titles)


def load_noise_data(path: Path = NOISE_FILE) -> NoiseData:
    """Read and compile a noise file (I/O edge); errors name the file, the line and the key."""
    return parse_noise_data(read_yaml(path, NoiseDataError), str(path))


@functools.cache
def noise_data() -> NoiseData:
    """The package's noise data, loaded once per process."""
    return load_noise_data(NOISE_FILE)
