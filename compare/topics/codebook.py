"""The topic codebook: load ``codebook.yaml``, validate it, and format it for people.

The codebook is data (keywords, patterns, weights, negative cues, heading cues and the
classifier's thresholds); ``classifier.py`` only reads it. A bad edit raises
``CodebookError`` naming the file and the line, so whoever edits the YAML sees where.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from compare.config import CODEBOOK_PATH
from compare.datafiles import kind_of, line_of, parse_yaml, read_bytes
from compare.errors import CodebookError
from compare.model import MANDATORY_TOPICS, TOPIC_IDS
from compare.text import literal_alternation, normalise_chars
from compare.topics.index import CueIndex
from compare.topics.learned import LearnedModel, read_model
from compare.topics.types import Cue, Settings, TopicDef

__all__ = [
    "CODEBOOK_PATH",
    "MANDATORY",
    "Codebook",
    "Cue",
    "Settings",
    "TopicDef",
    "format_codebook",
    "load_codebook",
    "normalise",
]

MANDATORY = MANDATORY_TOPICS

_MACRO_RE = re.compile(r"\{([A-Z][A-Z_]*)\}")


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
    learned: LearnedModel | None = None  # adds topics the cues miss (learned.py); None: cues only

    @cached_property
    def by_id(self) -> dict[str, TopicDef]:
        return {t.id: t for t in self.topics}

    @cached_property
    def index(self) -> CueIndex:
        """The cues ready for one-pass matching (built on first use, kept with the codebook)."""
        return CueIndex(self.topics, self.neutral, self.enumeration, self.purpose)

    @property
    def mandatory(self) -> tuple[str, ...]:
        return MANDATORY

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.topics)


def normalise(text: str) -> str:
    """The form cues and texts are matched in: full-width → half-width, offsets kept."""
    return normalise_chars(text)


# --- loading ------------------------------------------------------------------------------

_TOP_KEYS = {"version_note", "macros", "settings", "neutral", "enumeration", "purpose", "topics", "learned"}
_LEARNED_KEYS = {"file", "threshold", "score", "min_chars", "mask"}
_TOPIC_KEYS = {"id", "zh", "en", "description", "keywords", "patterns", "negative", "heading", "secondary"}
_SETTINGS_KEYS = {f.name for f in Settings.__dataclass_fields__.values()}


class _Reader:
    """Validates the parsed YAML; every error names the file, the line and the key path."""

    def __init__(self, path: Path, data: Any) -> None:
        self.path = path
        self.data = data
        self.macros: dict[str, str] = {}

    def fail(self, container: Any, key: Any, where: str, message: str) -> CodebookError:
        return CodebookError(self.path, where, message, line_of(container, key))

    def mapping(self, container: Any, key: Any, value: Any, where: str) -> Mapping[Any, Any]:
        if not isinstance(value, dict):
            raise self.fail(container, key, where, f"must be a mapping, got a {kind_of(value)}")
        return value

    def number(self, container: Any, key: Any, value: Any, where: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(container, key, where, f"must be a number, got {value!r}")
        return float(value)

    def compile(self, container: Any, key: Any, pattern: Any, where: str) -> re.Pattern[str]:
        if not isinstance(pattern, str) or not pattern:
            raise self.fail(container, key, where, f"a pattern must be a non-empty string, got {pattern!r}")

        def expand(m: re.Match[str]) -> str:
            name = m.group(1)
            if name not in self.macros:
                raise self.fail(container, key, where, f"unknown macro {{{name}}} in {pattern!r}")
            return self.macros[name]

        try:
            return re.compile(normalise(_MACRO_RE.sub(expand, pattern)))
        except re.error as e:
            raise self.fail(container, key, where, f"bad regular expression {pattern!r}: {e}") from None

    def cue_map(self, container: Any, key: Any, where: str) -> tuple[Cue, ...]:
        value = container.get(key) or {}
        cues = []
        for term, weight in self.mapping(container, key, value, where).items():
            if not isinstance(term, str) or not term.strip():
                raise self.fail(value, term, where, f"a keyword must be a non-empty string, got {term!r}")
            w = self.number(value, term, weight, f"{where}.{term}")
            cues.append(Cue(str(term), w, re.compile(re.escape(normalise(term)))))
        return tuple(cues)

    def pattern_list(self, container: Any, key: Any, where: str) -> tuple[Cue, ...]:
        value = container.get(key) or []
        if not isinstance(value, list):
            raise self.fail(container, key, where, "must be a list of {pattern, weight}")
        cues = []
        for i, item in enumerate(value):
            at = f"{where}[{i}]"
            if not isinstance(item, dict) or set(item) - {"pattern", "weight"} or "pattern" not in item:
                raise self.fail(value, i, at, "must be a mapping with keys pattern and weight")
            w = self.number(item, "weight", item.get("weight"), f"{at}.weight")
            rx = self.compile(item, "pattern", item["pattern"], f"{at}.pattern")
            cues.append(Cue(str(item["pattern"]), w, rx, is_pattern=True))
        return tuple(cues)

    def regex_list(self, container: Any, key: Any, where: str) -> tuple[re.Pattern[str], ...]:
        value = container.get(key) or []
        if not isinstance(value, list):
            raise self.fail(container, key, where, "must be a list of patterns")
        return tuple(self.compile(value, i, p, f"{where}[{i}]") for i, p in enumerate(value))

    def settings(self) -> Settings:
        raw = self.data.get("settings") or {}
        self.mapping(self.data, "settings", raw, "settings")
        kwargs: dict[str, Any] = {}
        for name, value in raw.items():
            where = f"settings.{name}"
            if name not in _SETTINGS_KEYS:
                raise self.fail(
                    raw, name, where, f"unknown setting {name!r} (known: {', '.join(sorted(_SETTINGS_KEYS))})"
                )
            if name == "context_weights":
                if not isinstance(value, list) or not value:
                    raise self.fail(raw, name, where, "must be a non-empty list of numbers")
                kwargs[str(name)] = tuple(self.number(raw, name, v, where) for v in value)
            elif name in ("lead_chars", "enumeration_min_topics"):
                if isinstance(value, bool) or not isinstance(value, int):
                    raise self.fail(raw, name, where, f"must be an integer, got {value!r}")
                kwargs[str(name)] = value
            else:
                kwargs[str(name)] = self.number(raw, name, value, where)
        return Settings(**kwargs)

    def topic(self, topics: Any, index: int, item: Any) -> TopicDef:
        where = f"topics[{index}]"
        t = self.mapping(topics, index, item, where)
        if "id" not in t:
            raise self.fail(topics, index, where, "missing id")
        unknown = set(t) - _TOPIC_KEYS
        if unknown:
            key = sorted(unknown, key=str)[0]
            known = ", ".join(sorted(_TOPIC_KEYS))
            raise self.fail(
                t, key, f"{where}.{key}", f"unknown key {key!r} in topic {t['id']} (known: {known})"
            )
        tid = str(t["id"])
        if tid not in TOPIC_IDS:
            raise self.fail(
                t,
                "id",
                f"{where}.id",
                f"unknown topic id {tid!r}: the ids are fixed ({', '.join(TOPIC_IDS)})",
            )
        for name in ("zh", "en"):
            if not isinstance(t.get(name), str) or not t[name].strip():
                raise self.fail(
                    t, name if name in t else "id", f"{where}.{name}", f"topic {tid}: missing {name} name"
                )
        sec_min, sec_ratio = self.secondary(t, where)
        return TopicDef(
            id=tid,
            zh=str(t["zh"]),
            en=str(t["en"]),
            description=str(t.get("description") or "").strip(),
            keywords=self.cue_map(t, "keywords", f"{where}.keywords"),
            patterns=self.pattern_list(t, "patterns", f"{where}.patterns"),
            negative=self.regex_list(t, "negative", f"{where}.negative"),
            heading=self.cue_map(t, "heading", f"{where}.heading"),
            secondary_min=sec_min,
            secondary_ratio=sec_ratio,
        )

    def secondary(self, t: Any, where: str) -> tuple[float | None, float | None]:
        value = t.get("secondary")
        if value is None:
            return None, None
        where = f"{where}.secondary"
        self.mapping(t, "secondary", value, where)
        unknown = set(value) - {"min", "ratio"}
        if unknown:
            key = sorted(unknown, key=str)[0]
            raise self.fail(value, key, f"{where}.{key}", f"unknown key {key!r} (known: min, ratio)")
        lo = self.number(value, "min", value["min"], f"{where}.min") if "min" in value else None
        ratio = self.number(value, "ratio", value["ratio"], f"{where}.ratio") if "ratio" in value else None
        return lo, ratio

    def learned_path(self) -> Path | None:
        """The model file the codebook names (relative to the codebook), None when it names none."""
        raw = self.data.get("learned") if isinstance(self.data, dict) else None
        if raw is None:
            return None
        spec = self.mapping(self.data, "learned", raw, "learned")
        unknown = set(spec) - _LEARNED_KEYS
        if unknown or not isinstance(spec.get("file"), str):
            raise self.fail(
                self.data,
                "learned",
                "learned",
                f"needs file, threshold and score (known: {sorted(_LEARNED_KEYS)})",
            )
        # beside the codebook; a codebook copied elsewhere without its model reads the packaged one
        here = self.path.parent / spec["file"]
        return (
            here
            if here.is_file() or Path(spec["file"]).is_absolute()
            else CODEBOOK_PATH.parent / spec["file"]
        )

    def learned(self, raw: bytes) -> LearnedModel | None:
        path = self.learned_path()
        if path is None:
            return None
        spec = self.data["learned"]
        threshold = self.number(spec, "threshold", spec.get("threshold"), "learned.threshold")
        score = self.number(spec, "score", spec.get("score"), "learned.score")
        min_chars = self.number(spec, "min_chars", spec.get("min_chars", 0), "learned.min_chars")
        if not 0 < threshold < 1:
            raise self.fail(spec, "threshold", "learned.threshold", "must be a probability between 0 and 1")
        words = spec.get("mask") or []
        if not isinstance(words, list) or not all(isinstance(w, str) and w for w in words):
            raise self.fail(spec, "mask", "learned.mask", "must be a list of words")
        return read_model(path, raw, threshold, score, int(min_chars), self.learned_mask(words))

    def learned_mask(self, words: list[str]) -> re.Pattern[str]:
        """What the model does not read: the neutral spans and the mask's words. (Place names need no
        mask: the trainer keeps only grams that two plans or more use, so no plan's own name.)"""
        neutral = [p.pattern for p in self.regex_list(self.data, "neutral", "neutral")]
        parts = [*neutral, literal_alternation(sorted(words))]
        return re.compile("|".join(f"(?:{p})" for p in parts if p))

    def read(self, version: str) -> Codebook:
        if not isinstance(self.data, dict):
            raise CodebookError(self.path, "", "the codebook must be a mapping with a 'topics' list", 1)
        unknown = set(self.data) - _TOP_KEYS
        if unknown:
            key = sorted(unknown, key=str)[0]
            raise self.fail(
                self.data, key, str(key), f"unknown key {key!r} (known: {', '.join(sorted(_TOP_KEYS))})"
            )
        macros = self.data.get("macros") or {}
        for name, value in self.mapping(self.data, "macros", macros, "macros").items():
            if (
                not isinstance(name, str)
                or not re.fullmatch(r"[A-Z][A-Z_]*", name)
                or not isinstance(value, str)
            ):
                raise self.fail(macros, name, f"macros.{name}", "names are UPPER_CASE, values strings")
            self.macros[name] = value
        topics = self.data.get("topics")
        if not isinstance(topics, list) or not topics:
            raise self.fail(self.data, "topics", "topics", "must be a non-empty list")
        defs = [self.topic(topics, i, item) for i, item in enumerate(topics)]
        seen: set[str] = set()
        for i, d in enumerate(defs):
            if d.id in seen:
                raise self.fail(topics, i, f"topics[{i}]", f"topic {d.id!r} is defined twice")
            seen.add(d.id)
        missing = [tid for tid in TOPIC_IDS if tid not in seen]
        if missing:
            raise self.fail(
                self.data, "topics", "topics", f"topics missing from the codebook: {', '.join(missing)}"
            )
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


_CACHE: dict[tuple[str, str], tuple[Path | None, tuple[int, int] | None, Codebook]] = {}


def load_codebook(path: Path | None = None) -> Codebook:
    """Read and validate a codebook file (default: the packaged codebook.yaml).

    Raises ``CodebookError`` (file, line, key path, message) on a YAML syntax error or a schema error.
    The result is cached per file content, so calling this per document is cheap.
    """
    path = Path(path) if path is not None else CODEBOOK_PATH
    raw = read_bytes(path, CodebookError)
    key = (str(path.resolve()), hashlib.sha256(raw).hexdigest())
    cached = _CACHE.get(key)
    if cached is not None and cached[1] == _stamp(cached[0]):
        return cached[2]
    reader = _Reader(path, parse_yaml(raw, path, CodebookError))
    model_path = reader.learned_path()
    stamp = _stamp(model_path)
    # the model file is part of the codebook: its bytes are in the version
    codebook = reader.read("")  # the codebook's own errors first
    learned = read_bytes(model_path, CodebookError) if model_path is not None else b""
    codebook = replace(
        codebook, version=hashlib.sha256(raw + learned).hexdigest(), learned=reader.learned(learned)
    )
    _CACHE[key] = (model_path, stamp, codebook)
    return codebook


def _stamp(path: Path | None) -> tuple[int, int] | None:
    """When the model file last changed (a cached codebook is stale once it did)."""
    if path is None or not path.is_file():
        return None
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size


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
