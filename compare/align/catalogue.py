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
    form_of: land.paid-use                 # this family is a form of that broader one: a plan that
                                           # has it is not silent on the broader family

A rule's *hit* records the character spans that carried it: the aligner uses them as evidence and
to keep one family per stretch of text (see ``compare.align``).

Matching a text runs only the rules that can hit it: every term pattern has words its matches must
contain (``compare.literals``), all of them are looked for in one Aho-Corasick pass, and a rule one
of whose groups has no pattern with its words present is skipped (``Catalogue.prefiltered``).
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from operator import itemgetter, methodcaller
from pathlib import Path
from typing import Any, Literal

from compare.config import DEFAULT_CATALOGUE
from compare.datafiles import line_of, parse_yaml, read_bytes
from compare.errors import CatalogueError
from compare.literals import LiteralFinder, RegexFilter, Requirement, required_literals
from compare.model import TOPIC_IDS

FAMILY_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9][a-z0-9-]*)+$")  # <topic>.<name>, as an id is written
_FAMILY_KEYS = {
    "id",
    "topic",
    "name",
    "name_en",
    "gloss",
    "definition",
    "synonyms",
    "patterns",
    "negative",
    "in_lists",
    "form_of",
}
# Hits of `near` rules are searched over all combinations of term hits; cap the work per rule.
_MAX_COMBINATIONS = 5000
_SPAN = methodcaller("span")
_START = itemgetter(0)


# ---------------------------------------------------------------- the rule language


@dataclass(frozen=True)
class Hit:
    """Where a rule matched: the spans of its terms in the text, and the words themselves."""

    spans: tuple[tuple[int, int], ...]
    words: tuple[str, ...]

    # (most hits have one span: read it directly)
    @property
    def start(self) -> int:
        spans = self.spans
        return spans[0][0] if not spans[1:] else min(spans)[0]

    @property
    def end(self) -> int:
        spans = self.spans
        return spans[0][1] if not spans[1:] else max(map(itemgetter(1), spans))

    @property
    def evidence(self) -> str:
        return "+".join(self.words)

    @property
    def weight(self) -> int:
        """Characters of text the hit's terms cover (a longer hit is a more specific one)."""
        spans = self.spans
        if not spans[1:]:
            return spans[0][1] - spans[0][0]
        return sum(map(itemgetter(1), spans)) - sum(map(itemgetter(0), spans))


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

    def hits(self, text: str, slack: int = 1) -> list[Hit]:
        """Every distinct hit of the rule in ``text``, leftmost first. ``slack``: how many times
        ``within`` a ``near`` rule's terms may stand apart (the relaxed search for silence)."""
        if self.also and not all(any(p.search(text) for p in group) for group in self.also):
            return []
        # term matches are handled as (start, end) spans; a match's words are text[start:end]
        if self.kind == "any":
            found = _spans(self.groups[0], text)
            # leftmost, then longest; the index keeps the order of equals (a stable sort)
            order = sorted([(s, s - e, i) for i, (s, e) in enumerate(found)])
            return [Hit((found[i],), (text[found[i][0] : found[i][1]],)) for *_, i in order]
        per_group = [_group_matches(g, text) for g in self.groups]
        if not all(per_group):
            return []
        if self.kind == "all":
            picks = [ms[0] for ms in per_group]
            return [_hit_of(picks, text)]
        return _near_hits(per_group, self.within * slack, text)


def _spans(group: tuple[re.Pattern[str], ...], text: str) -> list[tuple[int, int]]:
    """Non-empty matches of a group's patterns, pattern by pattern."""
    return [span for p in group for span in map(_SPAN, p.finditer(text)) if span[1] > span[0]]


def _group_matches(group: tuple[re.Pattern[str], ...], text: str) -> list[tuple[int, int]]:
    found = _spans(group, text)
    order = sorted([(s, -e, i) for i, (s, e) in enumerate(found)])  # stable: the index
    return [found[i] for *_, i in order]


def _hit_of(spans: Sequence[tuple[int, int]], text: str) -> Hit:
    ordered = sorted(spans, key=_START)
    return Hit(tuple(ordered), tuple([text[s:e] for s, e in ordered]))


def _near_hits(per_group: list[list[tuple[int, int]]], within: int, text: str) -> list[Hit]:
    found: list[tuple[tuple[tuple[int, int], ...], tuple[str, ...]]] = []
    for combo in itertools.islice(itertools.product(*per_group), _MAX_COMBINATIONS):
        ordered = sorted(combo, key=_START)
        # neighbouring terms may not overlap and must be at most `within` characters apart
        if all([0 <= b[0] - a[1] <= within for a, b in itertools.pairwise(ordered)]):
            found.append((tuple(ordered), tuple([text[s:e] for s, e in ordered])))
    # Distinct hits by (spans, words), leftmost then shortest, equals in the order the terms were
    # found (never a set's order: that changes from process to process with the strings' hashes).
    # Spans are in order and apart, so a hit runs from its first start to its last end.
    keyed = sorted(
        [(sp[0][0], sp[-1][1] - sp[0][0], n, sp, w) for n, (sp, w) in enumerate(dict.fromkeys(found))]
    )
    return [Hit(sp, w) for *_, sp, w in keyed]


# ---------------------------------------------------------------- the catalogue


@dataclass(frozen=True)
class FamilySpec:
    """One curated family: who it is (id, topic, names, definitions) and the rules that recognise it.

    ``name`` / ``name_en``: the row label in each edition; ``definition`` / ``gloss``: one sentence
    saying what the family covers, in Chinese and in English."""

    id: str
    topic: str
    name: str
    gloss: str
    rules: tuple[Rule, ...]
    negative: tuple[Rule, ...]
    line: int
    in_lists: bool = True  # False: a hit inside an enumeration (甲、乙、丙等) does not count
    form_of: str = ""  # the broader family this one is a form of (标准地出让 is paid land use)
    name_en: str = ""
    definition: str = ""

    def match(
        self, text: str, rules: Sequence[Rule] | None = None, negative: Sequence[Rule] | None = None
    ) -> list[Hit]:
        """The first hit of each rule that fires on ``text`` (none if a negative rule fires).

        ``rules`` / ``negative``: only these of the family's rules (``Catalogue.prefiltered`` gives
        the ones that may hit ``text``; the others cannot, so the result is the same).
        """
        rules = self.rules if rules is None else rules
        negative = self.negative if negative is None else negative
        if not rules or any(r.first_hit(text) for r in negative):
            return []
        return [h for h in (r.first_hit(text) for r in rules) if h is not None]

    def all_hits(
        self,
        text: str,
        rules: Sequence[Rule] | None = None,
        negative: Sequence[Rule] | None = None,
        slack: int = 1,
    ) -> Iterator[Hit]:
        """Every hit of every rule (for placing the family's evidence in the text); see ``match``.
        ``slack`` widens ``near`` rules (see ``Rule.hits``); negative rules stay as written."""
        rules = self.rules if rules is None else rules
        negative = self.negative if negative is None else negative
        if not rules or any(r.first_hit(text) for r in negative):
            return
        for r in rules:
            yield from r.hits(text, slack)


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

    @cached_property
    def _prefilter(self) -> _Prefilter:
        return _Prefilter(self.families)

    def prefiltered(self, text: str) -> list[tuple[FamilySpec, list[Rule], list[Rule]]]:
        """The families that may hit ``text`` (catalogue order), each with its rules and negative
        rules that may hit it (in order): the rest cannot, since a word they need is absent."""
        return self._prefilter.families(text)


class _Prefilter:
    """Which rules of a catalogue may hit a text, from one Aho-Corasick pass (``compare.literals``).

    Every term pattern has the words its matches need; a rule may hit only if each of its groups
    (terms, then ``also``) has a pattern whose words are all there.
    """

    def __init__(self, families: Sequence[FamilySpec]) -> None:
        self.specs = families
        self.entries: list[tuple[int, bool, Rule]] = []  # (family, negative?, rule) in catalogue order
        self.groups: list[tuple[frozenset[int], ...]] = []  # per entry: its groups as pattern ids
        requirements: list[Requirement] = []
        for fi, f in enumerate(families):
            for negative, rules in ((False, f.rules), (True, f.negative)):
                for rule in rules:
                    ids = []
                    for group in rule.groups + rule.also:
                        ids.append(frozenset(range(len(requirements), len(requirements) + len(group))))
                        requirements.extend(required_literals(p) for p in group)
                    self.entries.append((fi, negative, rule))
                    self.groups.append(tuple(ids))
        self.filter = RegexFilter(requirements)
        self.finder = LiteralFinder(self.filter.words)
        # a rule is looked at when a pattern of its first group may match
        self.by_pattern: dict[int, list[int]] = {}
        for e, groups in enumerate(self.groups):
            for pid in groups[0]:
                self.by_pattern.setdefault(pid, []).append(e)
        self.one_group = frozenset(e for e, groups in enumerate(self.groups) if len(groups) == 1)

    def families(self, text: str) -> list[tuple[FamilySpec, list[Rule], list[Rule]]]:
        live = self.filter.live(self.finder.present(text))
        by_pattern, one_group, groups = self.by_pattern, self.one_group, self.groups
        seen: set[int] = set()
        seen.update(*[by_pattern[p] for p in live if p in by_pattern])
        entries = sorted([e for e in seen if e in one_group or not any(map(live.isdisjoint, groups[e]))])
        found: dict[int, tuple[list[Rule], list[Rule]]] = {}
        for e in entries:
            fi, negative, rule = self.entries[e]
            rules, negs = found.setdefault(fi, ([], []))
            (negs if negative else rules).append(rule)
        # negative rules alone hit nothing
        return [(self.specs[fi], rules, negs) for fi, (rules, negs) in found.items() if rules]


def load_catalogue(path: Path | None = None) -> Catalogue:
    """Read and validate the family catalogue (default ``compare/data/families.yaml``).

    Raises ``CatalogueError`` naming the file and line on a YAML syntax error, an unknown topic
    id, a duplicate or malformed family id, a missing name, English name or definition, or a pattern
    that is not a valid regex.
    """
    path = Path(path) if path is not None else DEFAULT_CATALOGUE
    raw = read_bytes(path, CatalogueError)
    version = hashlib.sha256(raw).hexdigest()
    cached = _LOADED.get((str(path), version))
    if cached is None:  # parsed once per file content: the per-plan stage calls this for every plan
        cached = _LOADED[(str(path), version)] = _Reader(path).catalogue(
            parse_yaml(raw, path, CatalogueError), version
        )
    return cached


_LOADED: dict[tuple[str, str], Catalogue] = {}
_BRACKETS = re.compile(r"[()\[\]\\]")


def _line(node: Any, default: int) -> int:
    """The line ``node`` was read at, else ``default`` (the line of what holds it)."""
    return line_of(node) or default


class _Reader:
    """Validates families.yaml; every error names the file, the line and the key path."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, where: str, line: int | None, message: str) -> CatalogueError:
        return CatalogueError(self.path, where, message, line)

    def catalogue(self, data: Any, version: str) -> Catalogue:
        if not isinstance(data, dict) or not isinstance(data.get("families"), list):
            raise self.fail("families", line_of(data) or 1, "expected a mapping with a 'families' list")
        families: list[FamilySpec] = []
        seen: dict[str, int] = {}
        for i, entry in enumerate(data["families"]):
            fam = self.family(entry, f"families[{i}]")
            if fam.id in seen:
                raise self.fail(
                    f"families[{i}].id",
                    fam.line,
                    f"duplicate family id {fam.id!r} (first at line {seen[fam.id]})",
                )
            seen[fam.id] = fam.line
            families.append(fam)
        for i, fam in enumerate(families):
            if fam.form_of and fam.form_of not in seen:
                where = f"families[{i}].form_of"
                raise self.fail(where, fam.line, f"no family {fam.form_of!r} in the catalogue")
        return Catalogue(families=tuple(families), version=version, path=str(self.path))

    def family(self, entry: Any, where: str) -> FamilySpec:
        if not isinstance(entry, dict):
            raise self.fail(where, line_of(entry), "each family must be a mapping")
        line = line_of(entry) or 0
        unknown = set(entry) - _FAMILY_KEYS
        if unknown:
            raise self.fail(
                where, line, f"unknown key(s) {sorted(map(str, unknown))} (allowed: {sorted(_FAMILY_KEYS)})"
            )
        fid = entry.get("id")
        if not isinstance(fid, str) or not FAMILY_ID.match(fid):
            raise self.fail(
                f"{where}.id", line, f"family id {fid!r} must be an ASCII slug like 'land.property-split'"
            )
        topic = entry.get("topic")
        if topic not in TOPIC_IDS:
            raise self.fail(
                f"{where}.topic", _line(entry.get("topic", entry), line), f"unknown topic id {topic!r}"
            )
        if fid.split(".")[0] != topic:
            raise self.fail(
                f"{where}.id", line, f"family id {fid!r} must start with its topic, e.g. '{topic}.…'"
            )
        name = self.text(entry, "name", where, line, "the Chinese name is required")
        name_en = self.text(entry, "name_en", where, line, "the English name (a short row label) is required")
        definition = self.text(
            entry, "definition", where, line, "the Chinese definition (one sentence) is required"
        )
        gloss = entry.get("gloss", "")
        if not isinstance(gloss, str):
            raise self.fail(f"{where}.gloss", line, "must be a string")
        rules: list[Rule] = []
        synonyms = entry.get("synonyms") or []
        if not isinstance(synonyms, list) or not all(isinstance(s, str) and s for s in synonyms):
            raise self.fail(
                f"{where}.synonyms", _line(entry.get("synonyms", entry), 0), "must be a list of words"
            )
        if synonyms:
            rules.append(
                Rule(
                    "any",
                    ((_alternation([re.escape(s) for s in synonyms]),),),
                    0,
                    "synonyms",
                    _line(entry["synonyms"], line),
                )
            )
        rules.extend(self.rules(entry.get("patterns") or [], f"{where}.patterns", line))
        if not rules:
            raise self.fail(where, line, f"family {fid} needs 'synonyms' or 'patterns'")
        negative = tuple(self.rules(entry.get("negative") or [], f"{where}.negative", line))
        in_lists = entry.get("in_lists", True)
        if not isinstance(in_lists, bool):
            raise self.fail(f"{where}.in_lists", line, "must be true or false")
        form_of = entry.get("form_of", "")
        if not isinstance(form_of, str) or form_of == fid:
            raise self.fail(f"{where}.form_of", line, "must be the id of another family")
        return FamilySpec(
            str(fid),
            str(topic),
            name,
            gloss.strip(),
            tuple(rules),
            negative,
            line,
            in_lists,
            name_en=name_en,
            definition=definition,
            form_of=form_of,
        )

    def text(self, entry: dict[str, Any], key: str, where: str, line: int, missing: str) -> str:
        """A required one-line text of a family (its names and definition), stripped."""
        value = entry.get(key)
        if not isinstance(value, str) or not value.strip():
            # the line of the key when it is there (empty), else the family's
            raise self.fail(f"{where}.{key}", line_of(entry, key) or line, missing)
        return value.strip()

    def rules(self, items: Any, where: str, line: int) -> list[Rule]:
        if not isinstance(items, list):
            raise self.fail(where, _line(items, line), "patterns and negative must be lists")
        return [
            self.rule(item, f"{where}[{j}]", _line(item, _line(items, line))) for j, item in enumerate(items)
        ]

    def compile(self, term: Any, where: str, line: int) -> re.Pattern[str]:
        if not isinstance(term, str) or not term:
            raise self.fail(where, line, f"a term must be a non-empty string, got {term!r}")
        try:
            return re.compile(term)
        except re.error as exc:
            raise self.fail(where, _line(term, line), f"bad regex {term!r}: {exc}") from exc

    def terms(self, value: Any, where: str, line: int) -> tuple[re.Pattern[str], ...]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value:
            raise self.fail(where, line, "expected a term or a non-empty list of terms")
        try:
            # Each term must be valid on its own. A term without brackets or backslashes is valid alone
            # exactly when it is valid inside the alternation: those are left to its one compile.
            for t in value:
                if not isinstance(t, str) or not t or _BRACKETS.search(t):
                    self.compile(t, where, _line(t, line))
            return (_alternation([str(t) for t in value]),)
        except (CatalogueError, re.error):
            for t in value:  # the error names the first bad term
                self.compile(t, where, _line(t, line))
            raise

    def rule(self, item: Any, where: str, line: int) -> Rule:
        if isinstance(item, str):
            return Rule("any", (self.terms(item, where, line),), 0, str(item), line)
        if not isinstance(item, dict):
            raise self.fail(where, line, "a rule is a regex string or a mapping")
        kinds = [k for k in ("any", "all", "near") if k in item]
        extra = set(item) - {"any", "all", "near", "within", "also"}
        if len(kinds) != 1 or extra:
            raise self.fail(
                where,
                line,
                "a rule mapping needs exactly one of any/all/near "
                f"(plus 'within' for near, optional 'also'), got {sorted(map(str, item))}",
            )
        kind = kinds[0]
        value = item[kind]
        also: tuple[tuple[re.Pattern[str], ...], ...] = ()
        if "also" in item:
            groups = self.as_list(item["also"], f"{where}.also", line)
            also = tuple(self.terms(g, f"{where}.also", _line(g, line)) for g in groups)
        at = f"{where}.{kind}"
        if kind == "any":
            return Rule("any", (self.terms(value, at, line),), 0, f"any {list(value)}", line, also)
        if kind == "all":
            groups_all: tuple[tuple[re.Pattern[str], ...], ...] = tuple(
                (self.compile(t, at, _line(t, line)),) for t in self.as_list(value, at, line)
            )
            if len(groups_all) < 2:
                raise self.fail(at, line, "'all' needs at least two terms")
            return Rule("all", groups_all, 0, f"all {list(value)}", line, also)
        groups_raw = self.as_list(value, at, line)
        if len(groups_raw) < 2:
            raise self.fail(at, line, "'near' needs at least two groups of terms")
        within = item.get("within")
        if not isinstance(within, int) or isinstance(within, bool) or within < 0:
            raise self.fail(f"{where}.within", line, "'near' needs 'within: <characters>' (int >= 0)")
        near_groups = tuple(self.terms(g, at, _line(g, line)) for g in groups_raw)
        source = f"near {[list(g) if isinstance(g, list) else g for g in value]}"
        return Rule("near", near_groups, within, source, line, also)

    def as_list(self, value: Any, where: str, line: int) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(where, line, "expected a list")
        return list(value)


def _alternation(terms: Sequence[str]) -> re.Pattern[str]:
    """One pattern for a group of terms, longest first (one regex scan instead of one per term)."""
    ordered = sorted(dict.fromkeys(terms), key=lambda t: (-len(t), t))
    return re.compile("|".join(f"(?:{t})" for t in ordered))
