"""The measure-family catalogue: load, validate and evaluate its small rule language.

A family is a normalised policy measure (工业物业产权分割, 兼职兼薪, 区域评估 …) that many plans
carry in their own words. The catalogue (``compare/data/families.yaml``) names each family and says
how to recognise it in a measure's *match text* (simplified script, half-width punctuation; the
aligner also removes whitespace and quotation marks before matching, so ``实行“标准地”出让`` reads
``实行标准地出让``).

Rule language (every *term* is a Python regular expression; a plain word is one)::

    synonyms: [产权分割, 分割产权]          # literal phrases (not regexes); any one matches
    patterns:                              # rules; any one matches
      - 分割(登记|转让|销售)                 #   a string: a regex
      - any: [兼职兼薪, 双向兼职]            #   any one of the terms
      - all: [兼职, 兼薪]                    #   every term somewhere in the measure
      - near: [[厂房, 物业], [分割]]         #   one term of each group, the gap between
        within: 20                          #   neighbouring terms at most `within` characters
      - any: [分成, 分享]                    #   any rule mapping may add `also`: each listed
        also: [[共建, 飞地], [税收, 产值]]   #   group must be present somewhere as well
    negative: [代办股份转让]                # rules of the same language; any hit vetoes the family
    in_lists: false                        # hits inside an enumeration (甲、乙、丙等 …) do not count:
                                           # for families named by sectors, which plans list as scope

A rule's *hit* records the character spans that carried it: the aligner uses them as evidence and
to keep one family per stretch of text (see ``compare.align``).
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from compare.config import DATA_DIR
from compare.errors import DataError
from compare.model import TOPIC_IDS

DEFAULT_CATALOGUE = DATA_DIR / "families.yaml"


_ID_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9][a-z0-9-]*)+$")
_FAMILY_KEYS = {"id", "topic", "name", "gloss", "synonyms", "patterns", "negative", "in_lists"}
# Hits of `near` rules are searched over all combinations of term hits; cap the work per rule.
_MAX_COMBINATIONS = 5000


class AlignDataError(DataError):
    """A data file of compare/data/ cannot be used; the message names the file and line."""


class CatalogueError(AlignDataError):
    """The family catalogue is malformed (YAML syntax or schema)."""


# ---------------------------------------------------------------- YAML with line numbers


class _Str(str):
    line: int = 0


class _Map(dict[str, Any]):
    line: int = 0


class _List(list[Any]):
    line: int = 0


class _LineLoader(yaml.SafeLoader):
    """A safe loader whose strings, mappings and lists remember their 1-based line."""


def _construct_str(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> _Str:
    s = _Str(loader.construct_scalar(node))
    s.line = node.start_mark.line + 1
    return s


def _construct_map(loader: yaml.SafeLoader, node: yaml.MappingNode) -> _Map:
    m = _Map()
    m.line = node.start_mark.line + 1
    m.update({str(k): v for k, v in loader.construct_mapping(node, deep=True).items()})
    return m


def _construct_list(loader: yaml.SafeLoader, node: yaml.SequenceNode) -> _List:
    seq = _List(loader.construct_sequence(node, deep=True))
    seq.line = node.start_mark.line + 1
    return seq


_LineLoader.add_constructor("tag:yaml.org,2002:str", _construct_str)
_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_list)


def line_of(value: Any, default: int = 0) -> int:
    """1-based line where ``value`` was read by ``read_yaml`` (``default`` if unknown)."""
    return int(getattr(value, "line", default) or default)


def read_yaml(path: Path, error: type[AlignDataError] = AlignDataError) -> Any:
    """Parse a YAML data file keeping line numbers; ``error`` names file and line on bad syntax."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc}") from exc
    try:
        return yaml.load(text, Loader=_LineLoader)  # a SafeLoader subclass: no arbitrary objects
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise error(f"{where}: YAML syntax error: {exc}") from exc


# ---------------------------------------------------------------- the rule language


@dataclass(frozen=True)
class Hit:
    """Where a rule matched: the spans of its terms in the text, and the words themselves."""

    spans: tuple[tuple[int, int], ...]
    words: tuple[str, ...]

    @property
    def start(self) -> int:
        return min(s for s, _ in self.spans)

    @property
    def end(self) -> int:
        return max(e for _, e in self.spans)

    @property
    def evidence(self) -> str:
        return "+".join(self.words)

    @property
    def weight(self) -> int:
        """Characters of text the hit's terms cover (a longer hit is a more specific one)."""
        return sum(e - s for s, e in self.spans)


@dataclass(frozen=True)
class Rule:
    """One rule: ``regex`` (one group of one term), ``any``, ``all`` or ``near`` over term groups."""

    kind: Literal["any", "all", "near"]
    groups: tuple[tuple[re.Pattern[str], ...], ...]
    within: int
    source: str
    line: int
    also: tuple[tuple[re.Pattern[str], ...], ...] = ()

    def first_hit(self, text: str) -> Hit | None:
        """The first (leftmost, then most specific) hit of the rule in ``text``, or None."""
        return next(iter(self.hits(text)), None)

    def hits(self, text: str) -> list[Hit]:
        """Every distinct hit of the rule in ``text``, leftmost first."""
        if self.also and not all(any(p.search(text) for p in group) for group in self.also):
            return []
        if self.kind == "any":
            found = [
                Hit(((m.start(), m.end()),), (m.group(0),))
                for p in self.groups[0]
                for m in p.finditer(text)
                if m.end() > m.start()
            ]
            return sorted(found, key=lambda h: (h.start, -h.weight))
        per_group = [_group_matches(g, text) for g in self.groups]
        if not all(per_group):
            return []
        if self.kind == "all":
            picks = [ms[0] for ms in per_group]
            return [_hit_of(picks)]
        return _near_hits(per_group, self.within)


def _group_matches(group: tuple[re.Pattern[str], ...], text: str) -> list[re.Match[str]]:
    found = [m for p in group for m in p.finditer(text) if m.end() > m.start()]
    return sorted(found, key=lambda m: (m.start(), -m.end()))


def _hit_of(matches: Sequence[re.Match[str]]) -> Hit:
    ordered = sorted(matches, key=lambda m: m.start())
    return Hit(tuple((m.start(), m.end()) for m in ordered), tuple(m.group(0) for m in ordered))


def _near_hits(per_group: list[list[re.Match[str]]], within: int) -> list[Hit]:
    hits: list[Hit] = []
    for combo in itertools.islice(itertools.product(*per_group), _MAX_COMBINATIONS):
        ordered = sorted(combo, key=lambda m: m.start())
        # neighbouring terms may not overlap and must be at most `within` characters apart
        if all(0 <= b.start() - a.end() <= within for a, b in itertools.pairwise(ordered)):
            hits.append(_hit_of(ordered))
    return sorted(set(hits), key=lambda h: (h.start, h.end - h.start))


# ---------------------------------------------------------------- the catalogue


@dataclass(frozen=True)
class FamilySpec:
    """One curated family: who it is (id, topic, names) and the rules that recognise it."""

    id: str
    topic: str
    name: str
    gloss: str
    rules: tuple[Rule, ...]
    negative: tuple[Rule, ...]
    line: int
    in_lists: bool = True  # False: a hit inside an enumeration (甲、乙、丙等) does not count

    def match(self, text: str) -> list[Hit]:
        """The first hit of each rule that fires on ``text`` (none if a negative rule fires)."""
        if any(r.first_hit(text) for r in self.negative):
            return []
        return [h for h in (r.first_hit(text) for r in self.rules) if h is not None]

    def all_hits(self, text: str) -> Iterator[Hit]:
        """Every hit of every rule (for placing the family's evidence in the text)."""
        if any(r.first_hit(text) for r in self.negative):
            return
        for r in self.rules:
            yield from r.hits(text)


@dataclass(frozen=True)
class Catalogue:
    """The loaded catalogue: families in file order, and the file's sha256 as version."""

    families: tuple[FamilySpec, ...]
    version: str
    path: str

    def get(self, family_id: str) -> FamilySpec:
        for f in self.families:
            if f.id == family_id:
                return f
        raise KeyError(family_id)

    @property
    def ids(self) -> list[str]:
        return [f.id for f in self.families]


def load_catalogue(path: Path | None = None) -> Catalogue:
    """Read and validate the family catalogue (default ``compare/data/families.yaml``).

    Raises ``CatalogueError`` naming the file and line on a YAML syntax error, an unknown topic
    id, a duplicate or malformed family id, a missing name, or a pattern that is not a valid regex.
    """
    path = Path(path) if path is not None else DEFAULT_CATALOGUE
    try:
        version = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise CatalogueError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    cached = _LOADED.get((str(path), version))
    if cached is None:  # parsed once per file content: the per-plan stage calls this for every plan
        cached = _LOADED[(str(path), version)] = _parse_catalogue(path, version)
    return cached


_LOADED: dict[tuple[str, str], Catalogue] = {}


def _parse_catalogue(path: Path, version: str) -> Catalogue:
    data = read_yaml(path, CatalogueError)
    if not isinstance(data, dict) or not isinstance(data.get("families"), list):
        raise CatalogueError(f"{path}:{line_of(data, 1)}: expected a mapping with a 'families' list")
    families: list[FamilySpec] = []
    seen: dict[str, int] = {}
    for entry in data["families"]:
        fam = _family(entry, path)
        if fam.id in seen:
            raise CatalogueError(
                f"{path}:{fam.line}: duplicate family id {fam.id!r} (first at line {seen[fam.id]})"
            )
        seen[fam.id] = fam.line
        families.append(fam)
    return Catalogue(families=tuple(families), version=version, path=str(path))


def _fail(path: Path, node: Any, message: str, default: int = 0) -> CatalogueError:
    return CatalogueError(f"{path}:{line_of(node, default)}: {message}")


def _family(entry: Any, path: Path) -> FamilySpec:
    if not isinstance(entry, dict):
        raise _fail(path, entry, "each family must be a mapping")
    line = line_of(entry)
    unknown = set(entry) - _FAMILY_KEYS
    if unknown:
        raise _fail(path, entry, f"unknown key(s) {sorted(unknown)} (allowed: {sorted(_FAMILY_KEYS)})")
    fid = entry.get("id")
    if not isinstance(fid, str) or not _ID_RE.match(fid):
        raise _fail(path, entry, f"family id {fid!r} must be an ASCII slug like 'land.property-split'")
    topic = entry.get("topic")
    if topic not in TOPIC_IDS:
        raise _fail(path, entry.get("topic", entry), f"family {fid}: unknown topic id {topic!r}", line)
    if fid.split(".")[0] != topic:
        raise _fail(path, entry, f"family {fid}: id must start with its topic, e.g. '{topic}.…'")
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise _fail(path, entry, f"family {fid}: 'name' (Chinese) is required")
    gloss = entry.get("gloss", "")
    if not isinstance(gloss, str):
        raise _fail(path, entry, f"family {fid}: 'gloss' must be a string")
    rules: list[Rule] = []
    synonyms = entry.get("synonyms") or []
    if not isinstance(synonyms, list) or not all(isinstance(s, str) and s for s in synonyms):
        raise _fail(path, entry.get("synonyms", entry), f"family {fid}: 'synonyms' must be a list of words")
    if synonyms:
        rules.append(
            Rule(
                "any",
                ((_alternation([re.escape(s) for s in synonyms]),),),
                0,
                "synonyms",
                line_of(entry["synonyms"], line),
            )
        )
    rules.extend(_rules(entry.get("patterns") or [], path, fid, line))
    if not rules:
        raise _fail(path, entry, f"family {fid}: needs 'synonyms' or 'patterns'")
    negative = tuple(_rules(entry.get("negative") or [], path, fid, line))
    in_lists = entry.get("in_lists", True)
    if not isinstance(in_lists, bool):
        raise _fail(path, entry, f"family {fid}: 'in_lists' must be true or false")
    return FamilySpec(fid, topic, name.strip(), gloss.strip(), tuple(rules), negative, line, in_lists)


def _rules(items: Any, path: Path, fid: str, line: int) -> list[Rule]:
    if not isinstance(items, list):
        raise _fail(path, items, f"family {fid}: patterns/negative must be a list", line)
    return [_rule(item, path, fid, line_of(item, line_of(items, line))) for item in items]


def _compile(term: Any, path: Path, fid: str, line: int) -> re.Pattern[str]:
    if not isinstance(term, str) or not term:
        raise CatalogueError(f"{path}:{line}: family {fid}: a term must be a non-empty string, got {term!r}")
    try:
        return re.compile(term)
    except re.error as exc:
        raise CatalogueError(
            f"{path}:{line_of(term, line)}: family {fid}: bad regex {term!r}: {exc}"
        ) from exc


def _terms(value: Any, path: Path, fid: str, line: int) -> tuple[re.Pattern[str], ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise CatalogueError(f"{path}:{line}: family {fid}: expected a term or a non-empty list of terms")
    for t in value:  # each term on its own first, so that an error names the bad one
        _compile(t, path, fid, line_of(t, line))
    return (_alternation([str(t) for t in value]),)


def _alternation(terms: Sequence[str]) -> re.Pattern[str]:
    """One pattern for a group of terms, longest first (one regex scan instead of one per term)."""
    ordered = sorted(dict.fromkeys(terms), key=lambda t: (-len(t), t))
    return re.compile("|".join(f"(?:{t})" for t in ordered))


def _rule(item: Any, path: Path, fid: str, line: int) -> Rule:
    if isinstance(item, str):
        return Rule("any", (_terms(item, path, fid, line),), 0, str(item), line)
    if not isinstance(item, dict):
        raise CatalogueError(f"{path}:{line}: family {fid}: a rule is a regex string or a mapping")
    kinds = [k for k in ("any", "all", "near") if k in item]
    extra = set(item) - {"any", "all", "near", "within", "also"}
    if len(kinds) != 1 or extra:
        raise CatalogueError(
            f"{path}:{line}: family {fid}: a rule mapping needs exactly one of any/all/near "
            f"(plus 'within' for near, optional 'also'), got {sorted(item)}"
        )
    kind = kinds[0]
    value = item[kind]
    also: tuple[tuple[re.Pattern[str], ...], ...] = ()
    if "also" in item:
        also = tuple(_terms(g, path, fid, line_of(g, line)) for g in _as_list(item["also"], path, fid, line))
    if kind == "any":
        return Rule("any", (_terms(value, path, fid, line),), 0, f"any {list(value)}", line, also)
    if kind == "all":
        groups: tuple[tuple[re.Pattern[str], ...], ...] = tuple(
            (_compile(t, path, fid, line_of(t, line)),) for t in _as_list(value, path, fid, line)
        )
        if len(groups) < 2:
            raise CatalogueError(f"{path}:{line}: family {fid}: 'all' needs at least two terms")
        return Rule("all", groups, 0, f"all {list(value)}", line, also)
    groups_raw = _as_list(value, path, fid, line)
    if len(groups_raw) < 2:
        raise CatalogueError(f"{path}:{line}: family {fid}: 'near' needs at least two groups of terms")
    within = item.get("within")
    if not isinstance(within, int) or isinstance(within, bool) or within < 0:
        raise CatalogueError(f"{path}:{line}: family {fid}: 'near' needs 'within: <characters>' (int >= 0)")
    near_groups = tuple(_terms(g, path, fid, line_of(g, line)) for g in groups_raw)
    source = f"near {[list(g) if isinstance(g, list) else g for g in value]}"
    return Rule("near", near_groups, within, source, line, also)


def _as_list(value: Any, path: Path, fid: str, line: int) -> list[Any]:
    if not isinstance(value, list):
        raise CatalogueError(f"{path}:{line}: family {fid}: expected a list")
    return list(value)


# ---------------------------------------------------------------- settings sections of align.yaml

DEFAULT_ALIGN_SETTINGS = DATA_DIR / "align.yaml"


class SettingsSection:
    """One top-level section of ``align.yaml`` with typed getters that name file and line on error."""

    def __init__(self, name: str, path: Path | None = None) -> None:
        self.path = Path(path) if path is not None else DEFAULT_ALIGN_SETTINGS
        data = read_yaml(self.path)
        if not isinstance(data, dict) or not isinstance(data.get(name), dict):
            raise AlignDataError(f"{self.path}:{line_of(data, 1)}: missing section {name!r}")
        self.name = name
        self.data: dict[str, Any] = data[name]

    def _get(self, key: str) -> Any:
        if key not in self.data:
            raise AlignDataError(f"{self.path}:{line_of(self.data, 1)}: {self.name}.{key} is missing")
        return self.data[key]

    def error(self, key: str, what: str) -> AlignDataError:
        """The error for a bad value of ``key`` (names file and line)."""
        return AlignDataError(
            f"{self.path}:{line_of(self.data[key], line_of(self.data, 1))}: {self.name}.{key} must be {what}"
        )

    def number(self, key: str, lo: float = 0.0, hi: float = float("inf")) -> float:
        v = self._get(key)
        if isinstance(v, bool) or not isinstance(v, int | float) or not lo <= v <= hi:
            raise self.error(key, f"a number in [{lo}, {hi}]")
        return float(v)

    def integer(self, key: str, lo: int = 0) -> int:
        v = self._get(key)
        if isinstance(v, bool) or not isinstance(v, int) or v < lo:
            raise self.error(key, f"an integer >= {lo}")
        return v

    def int_pair(self, key: str) -> tuple[int, int]:
        v = self._get(key)
        ok = (
            isinstance(v, list)
            and len(v) == 2
            and all(isinstance(x, int) and not isinstance(x, bool) for x in v)
        )
        if not ok or not 1 <= v[0] <= v[1]:
            raise self.error(key, "a pair [low, high] of integers with 1 <= low <= high")
        return int(v[0]), int(v[1])

    def boolean(self, key: str) -> bool:
        v = self._get(key)
        if not isinstance(v, bool):
            raise self.error(key, "true or false")
        return v

    def strings(self, key: str) -> tuple[str, ...]:
        v = self._get(key)
        if not isinstance(v, list) or not all(isinstance(s, str) and s for s in v):
            raise self.error(key, "a list of non-empty strings")
        return tuple(str(s) for s in v)

    def regexes(self, key: str) -> tuple[re.Pattern[str], ...]:
        out = []
        for s in self.strings(key):
            try:
                out.append(re.compile(s))
            except re.error as exc:
                where = f"{self.path}:{line_of(s, line_of(self.data, 1))}"
                raise AlignDataError(f"{where}: {self.name}.{key}: bad regex {s!r}: {exc}") from exc
        return tuple(out)

    def mapping(self, key: str, value_type: type = str) -> dict[str, Any]:
        v = self._get(key)
        if not isinstance(v, dict) or not all(
            isinstance(k, str)
            and not isinstance(x, bool)
            and (isinstance(x, value_type) or (value_type is float and isinstance(x, int)))
            for k, x in v.items()
        ):
            raise self.error(key, f"a mapping of names to {value_type.__name__}")
        return {str(k): x for k, x in v.items()}
