"""The topic codebook: load ``codebook.yaml``, validate it, and format it for people.

The codebook is data (keywords, patterns, weights, negative cues, heading cues and the
classifier's thresholds); ``classifier.py`` only reads it. A bad edit raises
``CodebookError`` naming the file and the line, so whoever edits the YAML sees where.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from compare.config import CODEBOOK_PATH
from compare.errors import DataError
from compare.model import MANDATORY_TOPICS, TOPIC_IDS
from compare.text import normalise_chars
from compare.topics.index import CueIndex

MANDATORY = MANDATORY_TOPICS

_MACRO_RE = re.compile(r"\{([A-Z][A-Z_]*)\}")


class YamlDataError(DataError):
    """A data file (YAML) that cannot be used: names the file, the line and what is wrong."""

    def __init__(self, path: Path | str, line: int | None, message: str) -> None:
        self.path = str(path)
        self.line = line
        self.message = message
        where = f"{Path(self.path).name}, line {line}" if line else Path(self.path).name
        super().__init__(f"{where}: {message}")

    def __reduce__(self) -> tuple[Any, ...]:  # picklable across worker processes
        return (type(self), (self.path, self.line, self.message))


class CodebookError(YamlDataError):
    """A codebook file that cannot be used (YAML syntax or schema)."""


@dataclass(frozen=True)
class Cue:
    """One piece of evidence: a literal term or a regular expression, with its weight."""

    text: str  # the term, or the pattern as written
    weight: float
    regex: re.Pattern[str]
    is_pattern: bool = False


@dataclass(frozen=True)
class TopicDef:
    """One topic of the codebook: names, scope and the cues that recognise it."""

    id: str
    zh: str
    en: str
    description: str  # Markdown
    keywords: tuple[Cue, ...]
    patterns: tuple[Cue, ...]
    negative: tuple[re.Pattern[str], ...]  # a hit overlapping a match of one of these is no evidence
    heading: tuple[Cue, ...]  # cues that count only in a heading
    secondary_min: float | None = None  # overrides Settings.secondary_min for this topic
    secondary_ratio: float | None = None  # overrides Settings.secondary_ratio for this topic

    @property
    def cues(self) -> tuple[Cue, ...]:
        return self.keywords + self.patterns


@dataclass(frozen=True)
class Settings:
    """The classifier's weights and thresholds (documented in codebook.yaml)."""

    heading_weight: float = 2.0
    lead_weight: float = 1.3
    lead_chars: int = 40
    context_weights: tuple[float, ...] = (0.5, 0.3, 0.2)
    repeat_decay: float = 0.5
    enumeration_weight: float = 0.25
    enumeration_min_topics: int = 3
    purpose_weight: float = 0.5
    primary_min: float = 1.0
    secondary_min: float = 2.0
    secondary_ratio: float = 0.3
    aggregate_min: float = 2.5
    aggregate_ratio: float = 0.3
    aggregate_decay: float = 0.5


@dataclass(frozen=True)
class Codebook:
    """The 13 topics in contract order, the classifier's settings, and the file's version."""

    topics: tuple[TopicDef, ...]
    version: str  # sha256 of the file's bytes
    settings: Settings = field(default_factory=Settings)
    neutral: tuple[re.Pattern[str], ...] = ()  # spans that are evidence for no topic (titles, zone names)
    enumeration: tuple[re.Pattern[str], ...] = ()  # lists of fields ("X、Y、Z等方面")
    purpose: tuple[re.Pattern[str], ...] = ()  # what money is for ("专项用于…"): the destination
    path: str = ""

    @cached_property
    def by_id(self) -> dict[str, TopicDef]:
        return {t.id: t for t in self.topics}

    @cached_property
    def index(self) -> CueIndex:
        """The cues ready for one-pass matching (built on first use, kept with the codebook)."""
        return CueIndex(self)

    @property
    def mandatory(self) -> tuple[str, ...]:
        return MANDATORY

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.topics)


# --- YAML with line numbers -------------------------------------------------------------


class _LineDict(dict[Any, Any]):
    line: int = 0
    key_lines: dict[Any, int]


class _LineList(list[Any]):
    line: int = 0
    item_lines: list[int]


_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C parser when libyaml is there


class _LineLoader(_BaseLoader):
    """Safe loader that remembers the line of every mapping key and list item (1-based)."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _LineDict:
    out = _LineDict()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
    return out


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> _LineList:
    out = _LineList(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    out.item_lines = [child.start_mark.line + 1 for child in node.value]
    return out


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def line_of(container: Any, key: Any = None) -> int | None:
    """1-based line of ``container[key]`` (or of the container) in a file read by ``read_yaml``."""
    if isinstance(container, _LineDict):
        return container.key_lines.get(key, container.line) if key is not None else container.line
    if isinstance(container, _LineList):
        if isinstance(key, int) and key < len(container.item_lines):
            return container.item_lines[key]
        return container.line
    return None


def read_bytes(path: Path, error: type[YamlDataError]) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise error(path, None, f"cannot read the file: {e.strerror or e}") from None


def read_yaml(path: Path, error: type[YamlDataError], raw: bytes | None = None) -> tuple[Any, bytes]:
    """Parse a UTF-8 YAML file keeping line numbers; syntax errors raise ``error`` with the line."""
    if raw is None:
        raw = read_bytes(path, error)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise error(path, None, f"not UTF-8: {e}") from None
    try:
        return yaml.load(text, Loader=_LineLoader), raw
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark is not None else None
        raise error(path, line, f"YAML syntax error: {e.problem or e}") from None
    except yaml.YAMLError as e:
        raise error(path, None, f"YAML error: {e}") from None


def normalise(text: str) -> str:
    """The form cues and texts are matched in: full-width → half-width, offsets kept."""
    return normalise_chars(text)


# --- loading ------------------------------------------------------------------------------

_TOP_KEYS = {"version_note", "macros", "settings", "neutral", "enumeration", "purpose", "topics"}
_TOPIC_KEYS = {"id", "zh", "en", "description", "keywords", "patterns", "negative", "heading", "secondary"}
_SETTINGS_KEYS = {f.name for f in Settings.__dataclass_fields__.values()}


class _Reader:
    """Validates the parsed YAML; every error names the file and the line."""

    def __init__(self, path: Path, data: Any) -> None:
        self.path = path
        self.data = data
        self.macros: dict[str, str] = {}

    def fail(self, container: Any, key: Any, message: str) -> CodebookError:
        return CodebookError(self.path, line_of(container, key), message)

    def mapping(self, container: Any, key: Any, value: Any, what: str) -> Mapping[Any, Any]:
        if not isinstance(value, dict):
            raise self.fail(container, key, f"{what} must be a mapping, got {type(value).__name__}")
        return value

    def number(self, container: Any, key: Any, value: Any, what: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(container, key, f"{what}: weight must be a number, got {value!r}")
        return float(value)

    def compile(self, container: Any, key: Any, pattern: Any, what: str) -> re.Pattern[str]:
        if not isinstance(pattern, str) or not pattern:
            raise self.fail(container, key, f"{what}: a pattern must be a non-empty string, got {pattern!r}")

        def expand(m: re.Match[str]) -> str:
            name = m.group(1)
            if name not in self.macros:
                raise self.fail(container, key, f"{what}: unknown macro {{{name}}} in {pattern!r}")
            return self.macros[name]

        try:
            return re.compile(normalise(_MACRO_RE.sub(expand, pattern)))
        except re.error as e:
            raise self.fail(container, key, f"{what}: bad regular expression {pattern!r}: {e}") from None

    def cue_map(self, container: Any, key: Any, what: str) -> tuple[Cue, ...]:
        value = container.get(key) or {}
        cues = []
        for term, weight in self.mapping(container, key, value, what).items():
            if not isinstance(term, str) or not term.strip():
                raise self.fail(value, term, f"{what}: a keyword must be a non-empty string, got {term!r}")
            w = self.number(value, term, weight, f"{what} {term!r}")
            cues.append(Cue(term, w, re.compile(re.escape(normalise(term)))))
        return tuple(cues)

    def pattern_list(self, container: Any, key: Any, what: str) -> tuple[Cue, ...]:
        value = container.get(key) or []
        if not isinstance(value, list):
            raise self.fail(container, key, f"{what} must be a list of {{pattern, weight}}")
        cues = []
        for i, item in enumerate(value):
            if not isinstance(item, dict) or set(item) - {"pattern", "weight"} or "pattern" not in item:
                raise self.fail(value, i, f"{what}[{i}] must be a mapping with keys pattern and weight")
            w = self.number(item, "weight", item.get("weight"), f"{what}[{i}]")
            rx = self.compile(item, "pattern", item["pattern"], f"{what}[{i}]")
            cues.append(Cue(item["pattern"], w, rx, is_pattern=True))
        return tuple(cues)

    def regex_list(self, container: Any, key: Any, what: str) -> tuple[re.Pattern[str], ...]:
        value = container.get(key) or []
        if not isinstance(value, list):
            raise self.fail(container, key, f"{what} must be a list of patterns")
        return tuple(self.compile(value, i, p, f"{what}[{i}]") for i, p in enumerate(value))

    def settings(self) -> Settings:
        raw = self.data.get("settings") or {}
        self.mapping(self.data, "settings", raw, "settings")
        kwargs: dict[str, Any] = {}
        for name, value in raw.items():
            if name not in _SETTINGS_KEYS:
                raise self.fail(
                    raw, name, f"unknown setting {name!r} (known: {', '.join(sorted(_SETTINGS_KEYS))})"
                )
            if name == "context_weights":
                if not isinstance(value, list) or not value:
                    raise self.fail(raw, name, "context_weights must be a non-empty list of numbers")
                kwargs[name] = tuple(self.number(raw, name, v, name) for v in value)
            elif name in ("lead_chars", "enumeration_min_topics"):
                if isinstance(value, bool) or not isinstance(value, int):
                    raise self.fail(raw, name, f"{name} must be an integer, got {value!r}")
                kwargs[name] = value
            else:
                kwargs[name] = self.number(raw, name, value, name)
        return Settings(**kwargs)

    def topic(self, topics: Any, index: int, item: Any) -> TopicDef:
        t = self.mapping(topics, index, item, f"topics[{index}]")
        if "id" not in t:
            raise self.fail(topics, index, f"topics[{index}]: missing id")
        unknown = set(t) - _TOPIC_KEYS
        if unknown:
            key = sorted(unknown, key=str)[0]
            known = ", ".join(sorted(_TOPIC_KEYS))
            raise self.fail(t, key, f"topics[{index}] ({t['id']}): unknown key {key!r} (known: {known})")
        tid = t["id"]
        if tid not in TOPIC_IDS:
            raise self.fail(t, "id", f"unknown topic id {tid!r}: the ids are fixed ({', '.join(TOPIC_IDS)})")
        for name in ("zh", "en"):
            if not isinstance(t.get(name), str) or not t[name].strip():
                raise self.fail(t, name if name in t else "id", f"topic {tid}: missing {name} name")
        sec_min, sec_ratio = self.secondary(t, tid)
        return TopicDef(
            id=tid,
            zh=t["zh"],
            en=t["en"],
            description=str(t.get("description") or "").strip(),
            keywords=self.cue_map(t, "keywords", f"topic {tid} keywords"),
            patterns=self.pattern_list(t, "patterns", f"topic {tid} patterns"),
            negative=self.regex_list(t, "negative", f"topic {tid} negative"),
            heading=self.cue_map(t, "heading", f"topic {tid} heading"),
            secondary_min=sec_min,
            secondary_ratio=sec_ratio,
        )

    def secondary(self, t: Any, tid: str) -> tuple[float | None, float | None]:
        value = t.get("secondary")
        if value is None:
            return None, None
        self.mapping(t, "secondary", value, f"topic {tid} secondary")
        unknown = set(value) - {"min", "ratio"}
        if unknown:
            key = sorted(unknown, key=str)[0]
            raise self.fail(value, key, f"topic {tid} secondary: unknown key {key!r} (known: min, ratio)")
        lo = self.number(value, "min", value["min"], f"topic {tid} secondary.min") if "min" in value else None
        ratio = (
            self.number(value, "ratio", value["ratio"], f"topic {tid} secondary.ratio")
            if "ratio" in value
            else None
        )
        return lo, ratio

    def read(self, version: str) -> Codebook:
        if not isinstance(self.data, dict):
            raise CodebookError(self.path, 1, "the codebook must be a mapping with a 'topics' list")
        unknown = set(self.data) - _TOP_KEYS
        if unknown:
            key = sorted(unknown, key=str)[0]
            raise self.fail(self.data, key, f"unknown key {key!r} (known: {', '.join(sorted(_TOP_KEYS))})")
        macros = self.data.get("macros") or {}
        for name, value in self.mapping(self.data, "macros", macros, "macros").items():
            if (
                not isinstance(name, str)
                or not re.fullmatch(r"[A-Z][A-Z_]*", name)
                or not isinstance(value, str)
            ):
                raise self.fail(macros, name, f"macro {name!r}: names are UPPER_CASE, values strings")
            self.macros[name] = value
        topics = self.data.get("topics")
        if not isinstance(topics, list) or not topics:
            raise self.fail(self.data, "topics", "'topics' must be a non-empty list")
        defs = [self.topic(topics, i, item) for i, item in enumerate(topics)]
        seen: set[str] = set()
        for i, d in enumerate(defs):
            if d.id in seen:
                raise self.fail(topics, i, f"topic {d.id!r} is defined twice")
            seen.add(d.id)
        missing = [tid for tid in TOPIC_IDS if tid not in seen]
        if missing:
            raise self.fail(self.data, "topics", f"topics missing from the codebook: {', '.join(missing)}")
        order = {tid: i for i, tid in enumerate(TOPIC_IDS)}
        return Codebook(
            topics=tuple(sorted(defs, key=lambda d: order[d.id])),
            version=version,
            settings=self.settings(),
            neutral=self.regex_list(self.data, "neutral", "neutral"),
            enumeration=self.regex_list(self.data, "enumeration", "enumeration"),
            purpose=self.regex_list(self.data, "purpose", "purpose"),
            path=str(self.path),
        )


_CACHE: dict[tuple[str, str], Codebook] = {}


def load_codebook(path: Path | None = None) -> Codebook:
    """Read and validate a codebook file (default: the packaged codebook.yaml).

    Raises ``CodebookError`` (file, line, message) on a YAML syntax error or a schema error.
    The result is cached per file content, so calling this per document is cheap.
    """
    path = Path(path) if path is not None else CODEBOOK_PATH
    raw = read_bytes(path, CodebookError)
    version = hashlib.sha256(raw).hexdigest()
    key = (str(path.resolve()), version)
    if key in _CACHE:
        return _CACHE[key]
    data, _ = read_yaml(path, CodebookError, raw)
    codebook = _Reader(path, data).read(version)
    _CACHE[key] = codebook
    return codebook


def format_codebook(cb: Codebook, lang: str = "zh") -> str:
    """The codebook as text for ``policy-compare topics``: id, names, scope, cues grouped by weight."""
    zh = lang.startswith("zh")
    labels = {
        "title": "主题编码表" if zh else "Topic codebook",
        "cues": "关键词" if zh else "keywords",
        "heading": "标题线索" if zh else "heading cues",
        "rules": "规则" if zh else "rules",
        "patterns": "模式" if zh else "patterns",
        "negative": "排除" if zh else "negative cues",
        "mandatory": "* 必备主题（每份方案都应覆盖）"
        if zh
        else "* mandatory topics (every plan should cover them)",
    }
    lines = [f"{labels['title']}  (version {cb.version[:12]})", ""]
    for t in cb.topics:
        name = f"{t.zh} / {t.en}" if zh else f"{t.en} / {t.zh}"
        star = " *" if t.id in cb.mandatory else ""
        lines.append(f"{t.id:<13} {name}{star}")
        lines.extend(f"    {line}" for line in t.description.splitlines() if line.strip())
        by_weight: dict[float, list[str]] = {}
        for c in t.keywords:
            by_weight.setdefault(c.weight, []).append(c.text)
        for w in sorted(by_weight, reverse=True):
            lines.append(f"    {labels['cues']} {w:g}: " + "、".join(by_weight[w]))
        if t.heading:
            lines.append(
                f"    {labels['heading']}: " + "、".join(f"{c.text}({c.weight:g})" for c in t.heading)
            )
        rules = f"{len(t.patterns)} {labels['patterns']}, {len(t.negative)} {labels['negative']}"
        lines.append(f"    {labels['rules']}: {rules}")
        lines.append("")
    lines.append(labels["mandatory"])
    return "\n".join(lines) + "\n"
