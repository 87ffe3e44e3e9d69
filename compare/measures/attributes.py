"""Attributes of a measure: instrument, bindingness, deadline, responsible units (责任单位).

All cue words and patterns come from ``compare/data/attributes.yaml`` (read once by ``load_rules``);
the functions here are pure: text in, attribute out. Texts are matched after ``normalise_chars``
(full-width → half-width, offsets kept), so callers may pass clean or match text.
Quantified targets are read in ``targets.py``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, cast

from compare.config import DATA_DIR
from compare.datafiles import kind_of, line_of, parse_yaml, read_bytes
from compare.errors import RulesError
from compare.literals import LiteralFinder, RegexFilter, required_literals
from compare.model import BINDINGNESS_ORDER, Bindingness, Instrument
from compare.text import normalise_chars

RULES_PATH = DATA_DIR / "attributes.yaml"


@dataclass(frozen=True)
class ContextCue:
    regex: re.Pattern[str]
    reason: str


@dataclass(frozen=True)
class InstrumentRule:
    type: str
    instrument: Instrument
    regex: re.Pattern[str]
    tier: int = 2  # 1: explicit tools, in order; 2: the first to match in the text; 3: generic fallback


@dataclass(frozen=True)
class Rules:
    """Everything attributes.yaml says, compiled."""

    version: str
    # segmentation
    unit_lead: re.Pattern[str]  # an action verb (after adverbs) at the start of a sentence
    lead_patterns: tuple[re.Pattern[str], ...]
    clause_patterns: tuple[re.Pattern[str], ...]  # other openings of a comma-led clause (为…提供)
    clause_topic: re.Pattern[str]  # a clause so far only its topic (对…,): no cut after it
    sentence_end: re.Pattern[str]
    min_unit_chars: int
    # context
    heading_cues: tuple[ContextCue, ...]
    enclosing_cues: tuple[ContextCue, ...]
    unit_cues: tuple[ContextCue, ...]
    target_unit: re.Pattern[str]
    target_instrument: re.Pattern[str]
    target_intro: re.Pattern[str]
    validity: re.Pattern[str]
    approval: re.Pattern[str]  # a unit that opens by approving (a reply's 同意…)
    reasons: dict[str, str]  # preamble / target / validity / approval → the context_reason shown
    # responsible units
    tails: tuple[re.Pattern[str], ...]
    unit_separators: re.Pattern[str]
    lead_words: re.Pattern[str]
    drop_words: tuple[str, ...]
    cooperate_words: re.Pattern[str]
    generic_names: frozenset[str]
    # bindingness
    binding_default: Bindingness
    binding_cues: dict[str, tuple[str, ...]]
    binding_false: dict[str, tuple[str, ...]]
    binding_lead_in: re.Pattern[str]  # a list's lead-in sentence (…下列…：), group "lead"
    binding_item_keeps: tuple[Bindingness, ...]  # an item's own levels that hold against its lead-in
    # instruments
    instruments: tuple[InstrumentRule, ...]
    # targets (read by targets.py)
    targets: dict[str, Any] = field(default_factory=dict)
    deadline_patterns: tuple[re.Pattern[str], ...] = ()

    @cached_property
    def prefilter(self) -> Prefilter:
        """Which instrument and deadline regexes may match a text (built on first use)."""
        return Prefilter(self)


class Prefilter:
    """The words the instrument and deadline regexes need (``compare.literals``).

    One Aho-Corasick pass over a text says which of them can match it; the others are not run.
    """

    def __init__(self, rules: Rules) -> None:
        self.instruments = _Filter([r.regex for r in rules.instruments])
        self.deadlines = _Filter(list(rules.deadline_patterns))


class _Filter:
    def __init__(self, regexes: list[re.Pattern[str]]) -> None:
        self.regexes = RegexFilter([required_literals(rx) for rx in regexes])
        self.finder = LiteralFinder(self.regexes.words)

    def live(self, text: str) -> set[int]:
        """Positions of the regexes that may match ``text``."""
        return self.regexes.live(self.finder.present(text))


class _Reader:
    def __init__(self, path: Path, data: Any) -> None:
        self.path = path
        self.data = data

    def fail(self, container: Any, key: Any, where: str, message: str) -> RulesError:
        return RulesError(self.path, where, message, line_of(container, key))

    def section(self, name: str) -> dict[str, Any]:
        value = self.data.get(name)
        if not isinstance(value, dict):
            raise self.fail(self.data, name, name, "section missing or not a mapping")
        return value

    def get(self, container: dict[str, Any], key: str, kind: type | tuple[type, ...], what: str) -> Any:
        """``container[key]`` of type ``kind``; ``what`` is the container's key path."""
        if key not in container:
            raise self.fail(container, None, f"{what}.{key}", "missing")
        value = container[key]
        if not isinstance(value, kind):
            raise self.fail(container, key, f"{what}.{key}", f"has the wrong type ({kind_of(value)})")
        return value

    def compile(self, container: Any, key: Any, pattern: Any, where: str, flags: int = 0) -> re.Pattern[str]:
        """The pattern at ``container[key]``, whose key path is ``where``."""
        if not isinstance(pattern, str) or not pattern:
            raise self.fail(container, key, where, f"a pattern must be a non-empty string, got {pattern!r}")
        try:
            return re.compile(pattern, flags)
        except re.error as e:
            raise self.fail(container, key, where, f"bad regular expression {pattern!r}: {e}") from None

    def words(self, container: Any, key: str, what: str) -> tuple[str, ...]:
        value = self.get(container, key, list, what)
        for i, w in enumerate(value):
            if not isinstance(w, str) or not w:
                raise self.fail(value, i, f"{what}.{key}[{i}]", "must be a non-empty string")
        return tuple(str(w) for w in value)

    def cues(self, container: dict[str, Any], key: str, what: str) -> tuple[ContextCue, ...]:
        items = self.get(container, key, list, what)
        out = []
        for i, item in enumerate(items):
            at = f"{what}.{key}[{i}]"
            if not isinstance(item, dict) or set(item) != {"pattern", "reason"}:
                raise self.fail(items, i, at, "must have exactly the keys pattern and reason")
            out.append(
                ContextCue(
                    self.compile(item, "pattern", item["pattern"], f"{at}.pattern"), str(item["reason"])
                )
            )
        return tuple(out)

    def reasons(self, ctx: dict[str, Any]) -> dict[str, str]:
        value = self.get(ctx, "reasons", dict, "context")
        if set(value) != {"preamble", "target", "validity", "approval"} or not all(
            isinstance(v, str) for v in value.values()
        ):
            raise self.fail(
                ctx, "reasons", "context.reasons", "must map preamble, target, validity, approval to labels"
            )
        return {str(k): str(v) for k, v in value.items()}

    def lead_in(self, bind: dict[str, Any]) -> re.Pattern[str]:
        rx = self.compile(bind, "lead_in", bind.get("lead_in"), "bindingness.lead_in")
        if "lead" not in rx.groupindex:
            raise self.fail(bind, "lead_in", "bindingness.lead_in", "must have a group named lead")
        return rx

    def item_keeps(self, bind: dict[str, Any]) -> tuple[Bindingness, ...]:
        levels = self.words(bind, "item_keeps", "bindingness")
        if not set(levels) <= set(BINDINGNESS_ORDER):
            known = ", ".join(BINDINGNESS_ORDER)
            raise self.fail(bind, "item_keeps", "bindingness.item_keeps", f"must name some of {known}")
        return cast(tuple[Bindingness, ...], levels)

    def read(self, version: str) -> Rules:
        if not isinstance(self.data, dict):
            raise RulesError(self.path, "", "attributes.yaml must be a mapping of sections", 1)
        seg = self.section("segmentation")
        verbs = sorted(self.words(seg, "action_verbs", "segmentation"), key=len, reverse=True)
        adverbs = sorted(self.words(seg, "adverbs", "segmentation"), key=len, reverse=True)
        adv = "|".join(map(re.escape, adverbs))
        unit_lead = re.compile(rf"^(?:(?:{adv})\s*)*(?:{'|'.join(map(re.escape, verbs))})")
        lead_patterns = tuple(
            self.compile(seg["lead_patterns"], i, p, f"segmentation.lead_patterns[{i}]")
            for i, p in enumerate(self.get(seg, "lead_patterns", list, "segmentation"))
        )
        clause_patterns = tuple(
            self.compile(seg["clause_patterns"], i, p, f"segmentation.clause_patterns[{i}]")
            for i, p in enumerate(self.get(seg, "clause_patterns", list, "segmentation"))
        )
        ctx = self.section("context")
        resp = self.section("responsible")
        bind = self.section("bindingness")
        levels = self.get(bind, "levels", dict, "bindingness")
        if set(levels) != set(BINDINGNESS_ORDER):
            raise self.fail(
                bind, "levels", "bindingness.levels", f"must name exactly {', '.join(BINDINGNESS_ORDER)}"
            )
        default = self.get(bind, "default", str, "bindingness")
        if default not in BINDINGNESS_ORDER:
            raise self.fail(
                bind, "default", "bindingness.default", f"must be one of {', '.join(BINDINGNESS_ORDER)}"
            )
        false = self.get(bind, "false_hits", dict, "bindingness")
        instruments = []
        items = self.data.get("instruments")
        if not isinstance(items, list):
            raise self.fail(self.data, "instruments", "instruments", "must be a list")
        for i, item in enumerate(items):
            if not isinstance(item, dict) or not {"type", "instrument", "pattern"} <= set(item) <= {
                "type",
                "instrument",
                "pattern",
                "tier",
            }:
                raise self.fail(
                    items, i, f"instruments[{i}]", "must have the keys type, instrument, pattern (and tier)"
                )
            tier = item.get("tier", 2)
            if tier not in (1, 2, 3):
                raise self.fail(item, "tier", f"instruments[{i}].tier", "must be 1, 2 or 3")
            if item["instrument"] not in ("supply", "environment", "demand"):
                raise self.fail(
                    item, "instrument", f"instruments[{i}].instrument", "must be supply|environment|demand"
                )
            rx = self.compile(item, "pattern", item["pattern"], f"instruments[{i}].pattern")
            instruments.append(
                InstrumentRule(str(item["type"]), cast(Instrument, str(item["instrument"])), rx, tier)
            )
        targets = self.section("targets")
        deadline = self.section("deadline")
        return Rules(
            version=version,
            unit_lead=unit_lead,
            lead_patterns=lead_patterns,
            clause_patterns=clause_patterns,
            clause_topic=self.compile(
                seg,
                "clause_topic",
                self.get(seg, "clause_topic", str, "segmentation"),
                "segmentation.clause_topic",
            ),
            sentence_end=self.compile(
                seg, "sentence_end", seg.get("sentence_end"), "segmentation.sentence_end"
            ),
            min_unit_chars=self.get(seg, "min_unit_chars", int, "segmentation"),
            heading_cues=self.cues(ctx, "heading", "context"),
            enclosing_cues=self.cues(ctx, "enclosing", "context"),
            unit_cues=self.cues(ctx, "unit", "context"),
            target_unit=self.compile(ctx, "target_unit", ctx.get("target_unit"), "context.target_unit"),
            target_instrument=self.compile(
                ctx, "target_instrument", ctx.get("target_instrument"), "context.target_instrument"
            ),
            target_intro=self.compile(
                ctx, "target_intro", ctx.get("target_intro"), "context.target_intro", re.M
            ),
            validity=self.compile(ctx, "validity", ctx.get("validity"), "context.validity"),
            approval=self.compile(ctx, "approval", ctx.get("approval"), "context.approval"),
            reasons=self.reasons(ctx),
            tails=tuple(
                self.compile(resp["tails"], i, p, f"responsible.tails[{i}]")
                for i, p in enumerate(self.get(resp, "tails", list, "responsible"))
            ),
            unit_separators=self.compile(
                resp, "separators", resp.get("separators"), "responsible.separators"
            ),
            lead_words=self.compile(resp, "lead_words", resp.get("lead_words"), "responsible.lead_words"),
            drop_words=tuple(sorted(self.words(resp, "drop_words", "responsible"), key=len, reverse=True)),
            cooperate_words=self.compile(
                resp, "cooperate_words", resp.get("cooperate_words"), "responsible.cooperate_words"
            ),
            generic_names=frozenset(self.words(resp, "generic_names", "responsible")),
            binding_default=cast(Bindingness, str(default)),
            binding_cues={lvl: self.words(levels, lvl, "bindingness.levels") for lvl in BINDINGNESS_ORDER},
            binding_false={str(k): self.words(false, k, "bindingness.false_hits") for k in false},
            binding_lead_in=self.lead_in(bind),
            binding_item_keeps=self.item_keeps(bind),
            instruments=tuple(instruments),
            targets=targets,
            deadline_patterns=tuple(
                self.compile(deadline["patterns"], i, p, f"deadline.patterns[{i}]")
                for i, p in enumerate(self.get(deadline, "patterns", list, "deadline"))
            ),
        )


_CACHE: dict[tuple[str, str], Rules] = {}


def load_rules(path: Path | None = None) -> Rules:
    """Read and compile attributes.yaml (cached per file content); ``RulesError`` on a bad edit."""
    path = Path(path) if path is not None else RULES_PATH
    raw = read_bytes(path, RulesError)
    version = hashlib.sha256(raw).hexdigest()
    key = (str(path.resolve()), version)
    if key not in _CACHE:
        _CACHE[key] = _Reader(path, parse_yaml(raw, path, RulesError)).read(version)
    return _CACHE[key]


# --- bindingness ---------------------------------------------------------------------------------


def _occurs(text: str, cue: str, false_hits: tuple[str, ...]) -> bool:
    """Whether ``cue`` occurs in ``text`` other than inside one of its false-hit words.

    Occurrences are taken left to right without overlap (as a regex search would find them).
    """
    if not cue:
        return True  # an empty cue matches anywhere (the data never has one)
    pos = text.find(cue)
    while pos >= 0:
        if not any(
            text.startswith(fw, pos - off)
            for fw in false_hits
            for off in range(len(fw) - len(cue) + 1)
            if fw[off : off + len(cue)] == cue and pos - off >= 0
        ):
            return True
        pos = text.find(cue, pos + len(cue))
    return False


def bindingness(text: str, rules: Rules | None = None) -> Bindingness:
    """The strongest level whose cue occurs: mandatory > directive > supportive > exploratory.

    False hits are removed first (要 in 重要/主要/需要/要素, 应 in 应用/供应/相应 …). No cue at all →
    ``bindingness.default`` (directive): a plan's bare imperative ("实施…", "建立…") instructs.
    """
    rules = rules or load_rules()
    norm = normalise_chars(text)
    for level in BINDINGNESS_ORDER:
        for cue in rules.binding_cues[level]:
            if cue in norm and _occurs(norm, cue, rules.binding_false.get(cue, ())):
                return level
    return rules.binding_default


def lead_in(text: str, rules: Rules | None = None) -> str | None:
    """The sentence that introduces a list (…应当具备下列条件：), when ``text`` ends with one."""
    rules = rules or load_rules()
    m = rules.binding_lead_in.search(normalise_chars(text).rstrip())
    return m.group("lead") if m else None


def item_bindingness(text: str, lead: str | None, rules: Rules | None = None) -> Bindingness:
    """The level of an enumerated item under its lead-in.

    The lead-in's, where it has a cue (the item is its object: 禁止…下列项目, 探索下列措施), unless the
    item's own level is one it keeps (必须 in an item).
    """
    rules = rules or load_rules()
    own = bindingness(text, rules)
    cues = binding_evidence(lead, rules) if lead else []
    if not cues or own in rules.binding_item_keeps:
        return own
    return cast(Bindingness, cues[0][0])


def binding_evidence(text: str, rules: Rules | None = None) -> list[tuple[str, str]]:
    """(level, cue) for every cue present, strongest first; for explaining a bindingness."""
    rules = rules or load_rules()
    norm = normalise_chars(text)
    return [
        (level, cue)
        for level in BINDINGNESS_ORDER
        for cue in rules.binding_cues[level]
        if _occurs(norm, cue, rules.binding_false.get(cue, ()))
    ]


# --- instrument ----------------------------------------------------------------------------------


def instrument(text: str, rules: Rules | None = None) -> tuple[Instrument | None, str | None]:
    """(Rothwell & Zegveld instrument, finer type) of a measure.

    Tier-1 rules (explicit tools: delegation, tax relief, subsidy, reward, fund, finance …) are
    tried in their order in attributes.yaml; otherwise the tier-2 rule matching earliest in the
    text wins (what the main verb acts on comes first); tier-3 rules (pilot, regulation, service,
    support) are the fallback, in order.
    """
    rules = rules or load_rules()
    norm = normalise_chars(text)
    live = rules.prefilter.instruments.live(norm)
    candidates = [rule for i, rule in enumerate(rules.instruments) if i in live]  # the others cannot match
    for rule in candidates:
        if rule.tier == 1 and rule.regex.search(norm):
            return rule.instrument, rule.type
    best: tuple[int, InstrumentRule] | None = None
    for rule in candidates:
        if rule.tier == 2:
            m = rule.regex.search(norm)
            if m and (best is None or m.start() < best[0]):
                best = (m.start(), rule)
    if best:
        return best[1].instrument, best[1].type
    for rule in candidates:
        if rule.tier == 3 and rule.regex.search(norm):
            return rule.instrument, rule.type
    return None, None


# --- deadline ------------------------------------------------------------------------------------


def deadline(text: str, rules: Rules | None = None) -> str | None:
    """The year a measure is due: "2025", "2021-2024", or a relative span as printed ("3年内")."""
    rules = rules or load_rules()
    norm = normalise_chars(text)
    live = rules.prefilter.deadlines.live(norm)
    for i, rx in enumerate(rules.deadline_patterns):
        m = rx.search(norm) if i in live else None
        if not m:
            continue
        groups = m.groupdict()
        if groups.get("rel"):
            return re.sub(r"\s+", "", groups["rel"])
        a, b = groups.get("a"), groups.get("b")
        if a and b:
            if len(b) == 2:  # 2021—24年
                b = a[:2] + b
            return f"{a}-{b}" if a != b else a
        if a:
            return a
    return None


# --- responsible units (责任单位) -----------------------------------------------------------------


@dataclass(frozen=True)
class Tail:
    """A responsibility tail closing an item: its span in the text and the units it names."""

    start: int
    end: int
    units: list[str]


def _split_outside_parens(text: str, sep: re.Pattern[str]) -> list[str]:
    parts: list[str] = []
    cur: list[str] = []
    depth = 0
    for ch in text:
        if ch in "(（〔[":
            depth += 1
        elif ch in ")）〕]":
            depth = max(0, depth - 1)
        if depth == 0 and sep.fullmatch(ch):
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return parts


def split_unit_names(names: str, rules: Rules | None = None) -> list[str]:
    """ "市商务局、市发改委,各县(市、区)人民政府" → clean names, a 牵头 (lead) unit first."""
    rules = rules or load_rules()
    lead: list[str] = []
    rest: list[str] = []
    for part in _split_outside_parens(normalise_chars(names), rules.unit_separators):
        # "国家发展改革委会同有关部门" → the lead and the cooperating units
        pieces = rules.cooperate_words.split(part)
        for j, piece in enumerate(pieces):
            is_lead = bool(rules.lead_words.search(piece))
            name = rules.lead_words.sub("", piece)
            for w in rules.drop_words:
                name = name.replace(w, "")
            name = name.strip(" \t\u3000.。:：")
            if not name or (name in rules.generic_names and j > 0):
                continue
            (lead if is_lead else rest).append(name)
    seen: set[str] = set()
    out = []
    for n in lead + rest:
        if n not in seen:
            seen.add(n)
            out.append(n)
    return out


def responsible_tail(text: str, rules: Rules | None = None) -> Tail | None:
    """The 〔责任单位：…〕 / （…负责） tail that closes ``text``, if any (only at its very end)."""
    rules = rules or load_rules()
    norm = normalise_chars(text)
    for rx in rules.tails:
        m = rx.search(norm)
        if m:
            units = split_unit_names(m.group("units"), rules)
            if units:
                return Tail(m.start(), len(text.rstrip()), units)
    return None
