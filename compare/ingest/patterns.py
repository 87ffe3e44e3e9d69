"""Loads compare/data/noise.yaml (reading limits, plausibility checks, noise patterns) once per process.

Everything tunable about ingestion lives in that file; this module only reads it, checks its shape
and compiles the regular expressions, failing with an error that names the file and the key.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from compare.config import DATA_DIR
from compare.datafiles import SAFE_LOADER
from compare.errors import DataError

NOISE_FILE = DATA_DIR / "noise.yaml"


class NoiseDataError(DataError):
    """compare/data/noise.yaml is missing, malformed or has a bad value."""


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int
    max_plan_chars: int
    docx_max_uncompressed_bytes: int
    docx_max_ratio: float
    pdf_min_text_chars: int
    pdf_max_cid_share: float


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
class Mending:
    sentence_final: str
    outline_start: re.Pattern[str]
    min_wrap_chars: int
    min_midword_chars: int
    fixed_width_share: float
    fixed_width_min_lines: int
    min_width_line_chars: int


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
    mending: Mending
    titles: Titles


class _Bad(Exception):
    """A problem at one key of the data; the caller adds the file name."""


def _path(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _get(d: Any, key: str, where: str) -> Any:
    if not isinstance(d, dict) or key not in d:
        raise _Bad(f"missing key '{_path(where, key)}'")
    return d[key]


def _num(d: Any, key: str, where: str) -> float:
    v = _get(d, key, where)
    if not isinstance(v, int | float) or isinstance(v, bool) or v < 0:
        raise _Bad(f"'{_path(where, key)}' must be a non-negative number, got {v!r}")
    return float(v)


def _compile(pattern: Any, where: str, flags: int = 0) -> re.Pattern[str]:
    if not isinstance(pattern, str) or not pattern:
        raise _Bad(f"'{where}' must be a non-empty string (a regular expression)")
    try:
        return re.compile(pattern, flags)
    except re.error as e:
        raise _Bad(f"bad regular expression at '{where}': {e}") from e


def _spaced(label: str) -> str:
    """Regex for a label printed with any whitespace between its characters (索 引 号, 标　　题)."""
    return r"\s*".join(re.escape(ch) for ch in label)


def _str_list(v: Any, where: str) -> list[str]:
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise _Bad(f"'{where}' must be a list of strings")
    return list(v)


def parse_noise_data(doc: Any, source: str = str(NOISE_FILE)) -> NoiseData:
    """Validate and compile the parsed YAML document (pure: no I/O); errors name ``source``."""
    try:
        return _parse(doc)
    except _Bad as e:
        raise NoiseDataError(f"{source}: {e}") from e


def _parse(doc: Any) -> NoiseData:
    lim = _get(doc, "limits", "")
    limits = Limits(
        max_file_bytes=int(_num(lim, "max_file_mb", "limits") * 1024 * 1024),
        max_plan_chars=int(_num(lim, "max_plan_chars", "limits")),
        docx_max_uncompressed_bytes=int(_num(lim, "docx_max_uncompressed_mb", "limits") * 1024 * 1024),
        docx_max_ratio=_num(lim, "docx_max_ratio", "limits"),
        pdf_min_text_chars=int(_num(lim, "pdf_min_text_chars", "limits")),
        pdf_max_cid_share=_num(lim, "pdf_max_cid_share", "limits"),
    )
    tc = _get(doc, "text_checks", "")
    checks = TextChecks(
        min_printable_ratio=_num(tc, "min_printable_ratio", "text_checks"),
        max_nul_ratio=_num(tc, "max_nul_ratio", "text_checks"),
        min_cjk_share=_num(tc, "min_cjk_share", "text_checks"),
        min_common_share=_num(tc, "min_common_share", "text_checks"),
        sample_chars=int(_num(tc, "sample_chars", "text_checks")),
        max_control_ratio=_num(tc, "max_control_ratio", "text_checks"),
        encoding_preference=tuple(
            _str_list(_get(tc, "encoding_preference", "text_checks"), "text_checks.encoding_preference")
        ),
        score_tie=_num(tc, "score_tie", "text_checks"),
    )
    h = _get(doc, "html", "")
    html = HtmlRules(
        drop_tags=frozenset(t.lower() for t in _str_list(_get(h, "drop_tags", "html"), "html.drop_tags")),
        drop_attr=_compile(_get(h, "drop_attr_pattern", "html"), "html.drop_attr_pattern", re.IGNORECASE),
        wrapper_text_share=_num(h, "wrapper_text_share", "html"),
        block_tags=frozenset(t.lower() for t in _str_list(_get(h, "block_tags", "html"), "html.block_tags")),
    )

    rules: list[LineRule] = []
    groups = _get(doc, "line_noise", "")
    if not isinstance(groups, list):
        raise _Bad("'line_noise' must be a list of {reason, patterns}")
    for gi, g in enumerate(groups):
        where = f"line_noise[{gi}]"
        reason = _get(g, "reason", where)
        for pi, p in enumerate(_str_list(_get(g, "patterns", where), f"{where}.patterns")):
            rules.append(LineRule(str(reason), _compile(p, f"{where}.patterns[{pi}] ({reason})")))

    gt = _get(doc, "gov_table", "")
    vpats = _get(gt, "value_patterns", "gov_table")
    labels = _get(gt, "labels", "gov_table")
    if not isinstance(vpats, dict) or not isinstance(labels, dict) or not labels:
        raise _Bad("'gov_table.value_patterns' and 'gov_table.labels' must be maps")
    compiled_values = {k: _compile(v, f"gov_table.value_patterns.{k}") for k, v in vpats.items()}
    label_of: dict[str, re.Pattern[str]] = {}
    for label, kind in labels.items():
        if kind not in compiled_values:
            raise _Bad(f"'gov_table.labels.{label}' names an unknown value pattern {kind!r}")
        label_of[str(label)] = compiled_values[kind]
    # Longest labels first so 发文字号 wins over 文号.
    alts = "|".join(_spaced(lb) for lb in sorted(label_of, key=len, reverse=True))
    gov = GovTable(
        reason=str(_get(gt, "reason", "gov_table")),
        within_lines=int(_num(gt, "within_lines", "gov_table")),
        label_line=re.compile(rf"(?P<label>{alts})\s*[:：]\s*(?P<value>.*)"),
        label_of=label_of,
    )

    pin = _get(_get(doc, "inline_noise", ""), "pinyin", "inline_noise")
    after = _get(pin, "after", "inline_noise.pinyin")
    toned = _get(pin, "toned_syllable", "inline_noise.pinyin")
    plain = _get(pin, "plain_syllable", "inline_noise.pinyin")
    _compile(after, "inline_noise.pinyin.after")
    _compile(toned, "inline_noise.pinyin.toned_syllable")
    _compile(plain, "inline_noise.pinyin.plain_syllable")
    any_syl = f"(?:{toned}|{plain})"
    pinyin = Pinyin(
        reason=str(_get(pin, "reason", "inline_noise.pinyin")),
        # at least one toned syllable among space-separated syllables; a stray space before ")" allowed
        toned=re.compile(
            rf"(?<={after})[(（]\s?(?:{any_syl}\s)*(?:{toned})(?:\s{any_syl})*\s?[)）](?![a-zA-Z])"
        ),
        plain=re.compile(rf"(?<={after})[(（]\s?(?:{plain})(?:\s(?:{plain}))*\s?[)）]"),
        min_toned_hits=int(_num(pin, "min_toned_hits", "inline_noise.pinyin")),
    )

    m = _get(doc, "mending", "")
    starts = _str_list(_get(m, "outline_start", "mending"), "mending.outline_start")
    for i, s in enumerate(starts):
        _compile(s, f"mending.outline_start[{i}]")
    mending = Mending(
        sentence_final=str(_get(m, "sentence_final", "mending")),
        outline_start=re.compile("(?:" + "|".join(f"(?:{s})" for s in starts) + ")"),
        min_wrap_chars=int(_num(m, "min_wrap_chars", "mending")),
        min_midword_chars=int(_num(m, "min_midword_chars", "mending")),
        fixed_width_share=_num(m, "fixed_width_share", "mending"),
        fixed_width_min_lines=int(_num(m, "fixed_width_min_lines", "mending")),
        min_width_line_chars=int(_num(m, "min_width_line_chars", "mending")),
    )

    t = _get(doc, "titles", "")
    suffix = _get(t, "doc_type_suffix", "titles")
    _compile(suffix, "titles.doc_type_suffix")
    titles = Titles(
        # a trailing (试行) / （2021—2025年） and closing quotes/brackets may follow the document type
        doc_type_end=re.compile(rf"{suffix}(?:\s*[（(][^（()）]{{1,16}}[)）])?[》”」』〉)）\]]*$"),
        max_line_chars=int(_num(t, "max_line_chars", "titles")),
        min_line_chars=int(_num(t, "min_line_chars", "titles")),
        min_length_ratio=_num(t, "min_length_ratio", "titles"),
        max_lines=int(_num(t, "max_lines", "titles")),
        header_max_lines=int(_num(t, "header_max_lines", "titles")),
        min_key_chars=int(_num(t, "min_key_chars", "titles")),
        site_meta_within=int(_num(t, "site_meta_within", "titles")),
        site_section_max_chars=int(_num(t, "site_section_max_chars", "titles")),
        not_title=_compile(_get(t, "not_title", "titles"), "titles.not_title"),
    )
    line_any = re.compile("|".join(f"(?P<r{k}>{r.pattern.pattern})" for k, r in enumerate(rules)))
    return NoiseData(limits, checks, html, tuple(rules), line_any, gov, pinyin, mending, titles)


def load_noise_data(path: Path = NOISE_FILE) -> NoiseData:
    """Read and compile a noise file (I/O edge); errors name the file and the key."""
    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except OSError as e:
        raise NoiseDataError(f"{path}: cannot read the noise data file: {e}") from e
    except yaml.YAMLError as e:
        raise NoiseDataError(f"{path}: not valid YAML: {e}") from e
    return parse_noise_data(doc, str(path))


@functools.cache
def noise_data() -> NoiseData:
    """The package's noise data, loaded once per process."""
    return load_noise_data(NOISE_FILE)
