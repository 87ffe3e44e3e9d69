"""The typed data that flows one way through the stages.

docs_in/* --ingest--> Document --outline--> [Section] --measures--> [Measure]
all plans' measures --align--> Alignment --gaps--> Comparison --render--> reports/

Offsets: every ``start``/``end`` pair named without a prefix is a half-open span of
*raw* text, i.e. string indices into ``Document.raw_text`` (the decoded source: the
file's characters for .txt, the reader's extracted text for .html/.docx/.pdf).
``clean_start``/``clean_end`` index ``Document.clean.text``.
Everything here is plain data: JSON-serialisable through ``to_dict`` (and msgspec, in the cache).
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import pandas as pd

Kind = Literal["measure", "context"]
Bindingness = Literal["mandatory", "directive", "supportive", "exploratory"]
Instrument = Literal["supply", "environment", "demand"]

# The 13 topic ids of the codebook contract (shared/topics.md): reports, exports and tests use them.
TOPIC_IDS: tuple[str, ...] = (
    "delegation",
    "admin_reform",
    "talent",
    "land",
    "finance",
    "fiscal_tax",
    "investment",
    "opening",
    "innovation",
    "industry",
    "planning",
    "green_safety",
    "governance",
)
MANDATORY_TOPICS: tuple[str, ...] = ("delegation", "talent", "land", "finance")  # always shown
UNCLASSIFIED = "unclassified"

# Strongest first; used to order and compare bindingness levels.
BINDINGNESS_ORDER: tuple[Bindingness, ...] = ("mandatory", "directive", "supportive", "exploratory")


@dataclass(frozen=True)
class NoiseSpan:
    """A run of raw text removed by cleaning (web/print noise, blank lines, converter garbage)."""

    start: int
    end: int
    text: str
    reason: str  # short machine tag, e.g. "blank", "web-header", "disclaimer", "pinyin", "page-number"


@dataclass
class CleanText:
    """The cleaned text readers see, with an exact map back to the raw text.

    Cleaning only deletes raw characters (noise, mended line breaks), so the map is a
    list of runs ``(clean_start, raw_start, length)``: clean[clean_start + k] is
    raw[raw_start + k] for k < length. ``match`` has the same length as ``text``:
    simplified script, half-width digits/letters/punctuation; it is for matching only
    and never shown.
    """

    text: str
    runs: list[tuple[int, int, int]]
    match: str

    @functools.cached_property
    def _run_starts(self) -> list[int]:
        # Built once per object: mapping many spans stays O(log n) each.
        return [r[0] for r in self.runs]

    def to_raw(self, clean_index: int) -> int:
        """Raw offset of the clean character at ``clean_index`` (or the raw end for len(text))."""
        if not self.runs:
            return 0
        if clean_index >= len(self.text):
            c0, r0, n = self.runs[-1]
            return r0 + n
        i = bisect.bisect_right(self._run_starts, clean_index) - 1
        c0, r0, _ = self.runs[i if i > 0 else 0]  # not max(): millions of calls at thousands of plans
        return r0 + (clean_index - c0)

    def raw_span(self, clean_start: int, clean_end: int) -> tuple[int, int]:
        """Raw span covering the clean span [clean_start, clean_end)."""
        if clean_end <= clean_start:
            r = self.to_raw(clean_start)
            return r, r
        return self.to_raw(clean_start), self.to_raw(clean_end - 1) + 1


@dataclass(frozen=True)
class CitedDocument:
    """A higher-level document the plan cites: 《title》(文号)."""

    title: str
    doc_number: str | None
    start: int
    end: int


@dataclass
class Metadata:
    title: str | None = None
    issuer: str | None = None  # 发文机关
    doc_number: str | None = None  # 文号, e.g. 临办发〔2019〕5号
    date: str | None = None  # signing/issue date (成文日期), ISO yyyy-mm-dd
    published: str | None = None  # publication/post date of the page, ISO
    # what ``date`` is: signed (成文/落款), adopted (a regulation's 会议通过), posted (a page's date only)
    date_kind: str | None = None
    in_force: str | None = None  # 施行 date (自…起施行, a card's 施行日期), ISO
    draft: bool = False  # a draft for comment (（草案）, 征求意见稿)
    jurisdiction: str | None = None  # e.g. 云南省临沧市
    zone_type: str | None = None  # e.g. 高新技术产业开发区
    cited_documents: list[CitedDocument] = field(default_factory=list)
    evidence: dict[str, str] = field(default_factory=dict)  # field -> where it was read


@dataclass(frozen=True)
class Document:
    """One plan as read from docs_in/: decoded, cleaned, with metadata."""

    plan_id: str  # stable slug from the file name
    source_file: str  # path relative to the input directory
    sha256: str  # of the file's bytes
    format: str  # txt | html | docx | pdf
    encoding: str  # detected encoding for txt/html, "" otherwise
    raw_text: str
    clean: CleanText
    noise: list[NoiseSpan]
    metadata: Metadata
    display_name: str = ""
    warnings: list[str] = field(default_factory=list)
    display_name_en: str = ""  # the English edition's name (set with the display name: compare.plans)


@dataclass(frozen=True)
class Section:
    """One numbered unit of the outline (or the unnumbered preamble / lead text).

    The span is the section's *own* text: its label, heading and body up to its first
    child or the next section, so the spans of a plan's sections partition its
    non-noise text.
    """

    section_id: str  # f"{plan_id}/s{seq:03d}"
    plan_id: str
    seq: int
    path: str  # labels from the top joined by "/", e.g. "三/(四)/17"
    label: str  # as printed: "一、", "(一)", "1.", "(1)", "①"; "" for preamble
    level: int  # 0 preamble, 1.. depth in the tree
    # numbering style: "cn-dun" 一、, "cn-paren" (一), "num-dot" 1., "num-paren" (1), "circled" ①;
    # unnumbered: "front", "title", "preamble", "body", "back" (see compare/outline.py)
    style: str
    heading: str | None
    start: int
    end: int
    clean_start: int
    clean_end: int
    text: str  # cleaned text of the span
    parent_id: str | None = None


LEARNED_EVIDENCE = "模型:"  # the prefix of a learned model's evidence (compare.topics.learned)


@dataclass(frozen=True)
class TopicTag:
    topic: str  # id from topics.md, or "unclassified"
    score: float
    evidence: list[str] = field(default_factory=list)

    @property
    def learned(self) -> bool:
        """Added by the learned model (its evidence is n-grams), not by the codebook's cues."""
        return bool(self.evidence) and all(e.startswith(LEARNED_EVIDENCE) for e in self.evidence)


@dataclass(frozen=True)
class Target:
    """A quantity stated by a measure, e.g. 200万元 → value 2e6, unit 元."""

    text: str  # as printed
    value: float
    unit: str  # normalised unit: 元, 美元, 亩, 平方米, %, 家, 个 …
    year: int | None
    start: int
    end: int


@dataclass(frozen=True)
class Measure:
    measure_id: str  # f"{section_id}/m{k}"
    plan_id: str
    section_id: str
    path: str
    heading: str | None
    kind: Kind
    text: str
    start: int
    end: int
    clean_start: int
    clean_end: int
    topics: list[TopicTag] = field(default_factory=list)  # primary first
    instrument: Instrument | None = None
    instrument_type: str | None = None
    bindingness: Bindingness | None = None
    targets: list[Target] = field(default_factory=list)
    deadline: str | None = None  # "2025" or "2021-2024"
    responsible_units: list[str] = field(default_factory=list)
    context_reason: str | None = None  # why a unit is context (指导思想, 发展目标 …)
    # The measure's clauses (分句), clean spans in document offsets that partition [clean_start,
    # clean_end): cut at 。；and before a comma-led clause that opens an action. Families and gaps are
    # decided on a clause, and the clause is what a reader sees first.
    clauses: list[tuple[int, int]] = field(default_factory=list)

    @property
    def primary_topic(self) -> str:
        return self.topics[0].topic if self.topics else "unclassified"


@dataclass(frozen=True)
class Mention:
    """A family a plan touches without a measure of it: its words in passing, in a list, in context
    (preamble, goals), or in a sentence that defers the matter to another document. Found before a
    gap is claimed: a plan that mentions a family is not silent on it."""

    family_id: str
    sentence: tuple[int, int]  # clean span (document offsets) of the sentence
    marks: tuple[tuple[int, int], ...]  # clean spans of the words
    how: str  # passing | list | context | deferred | similar | form (a narrower family's member)


@dataclass(frozen=True)
class Reviewed:
    """An analyst's correction as a build applied it (``compare.corrections``): the action (add, remove,
    topics, not_a_gap, not_unique), where, and the analyst's note, shown as 已核对."""

    action: str
    plan_id: str
    family_id: str
    measure_id: str
    note: str


@dataclass(frozen=True)
class PlanKind:
    """What kind of document a plan is (条例, 批复, 意见 …), its scope (comprehensive, construction,
    application, regulation, reply, work_points, task_list, notice) and the words that decided it."""

    kind: str
    scope: str
    evidence: str


@dataclass(frozen=True)
class PlanAnalysis:
    """Everything computed from one file alone: the unit of caching and distribution."""

    document: Document
    sections: list[Section]
    measures: list[Measure]
    # The plan's measures recognised as catalogue families (a per-plan result, so it is cached and
    # distributed with the rest); None until compare.align.match_plan has run.
    catalogue_members: list[FamilyMember] | None = None
    kind: PlanKind | None = None  # None until compare.kinds has read it
    # catalogue families the plan touches without a member measure (compare.align.matching)
    mentions: list[Mention] | None = None


@dataclass(frozen=True)
class FamilyMember:
    family_id: str
    plan_id: str
    measure_id: str
    similarity: float  # 1.0 for a catalogue pattern hit; cosine for proposed families
    evidence: str  # the pattern or words that matched
    # What decided it: the clause (a clean span in document offsets; (0, 0) when unknown) and the
    # decisive words in it (clean spans), and on what basis: a catalogue "rule", a text "similar" to
    # the family's members in other plans, a passage "reuse"d verbatim, or an analyst's "reviewed"
    # correction. ``similarity`` is the score of that basis.
    clause: tuple[int, int] = (0, 0)
    marks: tuple[tuple[int, int], ...] = ()
    basis: str = "rule"


@dataclass
class Family:
    family_id: str
    topic: str
    name: str
    gloss: str
    source: Literal["catalogue", "proposed"]
    members: list[FamilyMember] = field(default_factory=list)
    form_of: str = ""  # the broader family this one is a form of (a catalogue family's ``form_of``)
    # a catalogue family's English name and Chinese definition (a proposed family has neither: its
    # name is its members' shared words, in Chinese in both editions)
    name_en: str = ""
    definition: str = ""
    # a proposed family's key terms, the words its members share (its name, unless they share a phrase)
    terms: tuple[str, ...] = ()

    @property
    def plan_ids(self) -> list[str]:
        return sorted({m.plan_id for m in self.members})


@dataclass(frozen=True)
class Reuse:
    """A long identical passage shared by two plans (verbatim reuse)."""

    plan_a: str
    start_a: int
    end_a: int
    plan_b: str
    start_b: int
    end_b: int
    length: int
    text: str  # plan a's wording
    text_b: str = ""  # plan b's wording: equal once place names and bracketed insertions are removed


@dataclass
class Alignment:
    families: list[Family]
    reuse: list[Reuse]


@dataclass(frozen=True)
class FailedInput:
    """A file of docs_in/ that could not be used, and why (shown in every report)."""

    source_file: str
    reason: str


def to_dict(obj: Any) -> Any:
    """Plain JSON-ready dict of a dataclass, as ``dataclasses.asdict`` makes it (tuples stay tuples;
    JSON makes them lists). Written out because asdict deep-copies every leaf: the per-plan workers
    encode thousands of analyses, and all our leaves are immutable."""
    if isinstance(obj, list):
        return [to_dict(v) for v in obj]
    if isinstance(obj, tuple):
        return tuple(to_dict(v) for v in obj)
    if isinstance(obj, dict):
        return {k: to_dict(v) for k, v in obj.items()}
    names = _field_names(type(obj))
    if names is None:
        return obj
    return {name: to_dict(getattr(obj, name)) for name in names}


def _field_names(cls: type) -> tuple[str, ...] | None:
    """The field names of a dataclass type, None for any other type (looked up once per type)."""
    if cls not in _FIELD_NAMES:
        _FIELD_NAMES[cls] = (
            tuple(f.name for f in dataclasses.fields(cls)) if dataclasses.is_dataclass(cls) else None
        )
    return _FIELD_NAMES[cls]


_FIELD_NAMES: dict[type, tuple[str, ...] | None] = {}


@dataclass
class Comparison:
    """The cross-plan result, decided once by ``compare.gaps``: what every output (HTML, PDF, data)
    is projected from.

    ``topics`` is the order topics are shown in everywhere (mandatory first); ``families`` the
    alignment's families in that topic order. Frames (pandas), one row per:
    - coverage: (topic, plan_id) with n_measures, n_families, max_bindingness, quantified, score
    - family_matrix: (family_id, plan_id) with n_measures, max_bindingness, measure_ids
    - gaps: (plan_id, family_id) a family >= min_peers peers have and the plan lacks, ranked, with
      the peers and the best peer measure
    - unique: (plan_id, family_id) families only one plan has and no other plan mentions
    - mentions: (plan_id, family_id) families a plan touches without a measure: never a gap
    """

    plans: list[PlanAnalysis]
    alignment: Alignment
    failed: list[FailedInput]
    coverage: pd.DataFrame
    family_matrix: pd.DataFrame
    gaps: pd.DataFrame
    unique: pd.DataFrame
    topics: list[str] = field(default_factory=list)
    families: list[Family] = field(default_factory=list)
    # (plan_id, family_id) a plan touches without a measure of it: in passing, in a list, in context,
    # deferred, or in similar words (how; the sentence and its words as clean offsets)
    mentions: pd.DataFrame | None = None
    reviewed: list[Reviewed] = field(default_factory=list)  # the analyst's corrections applied
    # plan_id -> its peer group: the plans its gaps were decided against (the briefing's caveats say so)
    peer_groups: dict[str, str] = field(default_factory=dict)


# -- what changed between two published builds (compare.changes) ---------------------------------

ChangeBasis = Literal["first_build", "no_record", "compared"]
PlanStatus = Literal["added", "removed", "changed", "same"]


@dataclass(frozen=True)
class FamilyName:
    """A family as a build named it: enough to name a family the other build no longer has."""

    family_id: str
    topic: str
    name: str  # Chinese
    gloss: str  # English (the catalogue's gloss; a proposed family's says how it was formed)
    source: str = "catalogue"  # or "proposed": formed from the data, named by its shared words
    name_en: str = ""  # a catalogue family's English name ("" in facts of builds before it had one)

    def label(self, lang: str) -> str:
        """The family's name in an edition: the English edition names a catalogue family by its English
        name (by its gloss in the facts of a build made before the catalogue had English names)."""
        if lang == "en" and self.source == "catalogue":
            return self.name_en or self.gloss or self.name
        return self.name


@dataclass(frozen=True)
class PlanFacts:
    """One plan as a build left it: its content, the families it has and its gaps."""

    plan_id: str
    name: str
    sha256: str
    families: frozenset[str]
    gaps: frozenset[str]
    name_en: str = ""  # the English edition's name ("" in the facts of older builds)


@dataclass(frozen=True)
class Facts:
    """What a published build found, in the few facts the next build compares with (``facts.json``)."""

    build_id: str
    created: str
    plans: tuple[PlanFacts, ...]  # in the build's plan order
    families: tuple[FamilyName, ...]  # in the build's family order


@dataclass(frozen=True)
class PlanChange:
    """A plan added, removed or changed (other content: same id, another hash), or an unchanged plan
    whose families or gaps moved because of the others. Family ids in the families' order."""

    plan_id: str
    name: str
    status: PlanStatus
    gained: tuple[str, ...]  # families it has now and did not have (an added plan: all of its)
    lost: tuple[str, ...]
    opened: tuple[str, ...]  # gaps now and not before (plans in both builds only)
    closed: tuple[str, ...]
    name_en: str = ""  # the English edition's name, for a plan no longer compared


@dataclass(frozen=True)
class Changes:
    """What changed since the previously published build.

    ``basis``: ``first_build`` (nothing published before), ``no_record`` (the published build kept no
    facts: made by an older version, or its facts unreadable) or ``compared``."""

    basis: ChangeBasis
    previous_build: str | None = None
    previous_created: str | None = None
    plans: tuple[PlanChange, ...] = ()  # added, removed, changed, then the others, each in plan order
    families: dict[str, FamilyName] = field(default_factory=dict)  # every family named, either build
    new_families: frozenset[str] = frozenset()  # held by a plan now and by none before
