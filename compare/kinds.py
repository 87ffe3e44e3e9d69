"""What kind of document a plan is (条例, 批复, 意见, 建设方案 …) and its scope, from its title and its
structure: the fact that decides which plans it is compared with for gaps (``compare.gaps``).

A narrow plan (rules to apply for a zone, an approval reply) is not a comprehensive zone policy, and
measuring it against broad plans would credit it with dozens of "gaps" it was never meant to fill.
Rules are data: ``compare/data/metadata.yaml``, ``doc_kinds``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from compare.datafiles import DATA_DIR, Section
from compare.errors import DataError
from compare.layout.frontmatter import notice_subject
from compare.model import Measure, PlanKind
from compare.model import Section as OutlineSection

DATA_FILE = DATA_DIR / "metadata.yaml"
_ARTICLE = re.compile(r"^第[一二三四五六七八九十百零〇两\d]+条")


@dataclass(frozen=True)
class KindRule:
    kind: str
    scope: str
    patterns: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class KindRules:
    rules: tuple[KindRule, ...]
    application_reasons: frozenset[str]
    application_share: float
    untitled_article_scope: str
    untitled_scope: str
    untitled_rules: tuple[KindRule, ...] = ()
    opening_chars: int = 1500


@lru_cache(maxsize=1)
def kind_rules() -> KindRules:
    top = Section.read(DATA_FILE, "doc_kinds", DataError)

    def read(name: str) -> tuple[KindRule, ...]:
        return tuple(
            KindRule(r.string("kind"), r.string("scope"), r.regexes("patterns")) for r in top.sections(name)
        )

    return KindRules(
        rules=read("rules"),
        application_reasons=frozenset(top.strings("application_reasons")),
        application_share=top.number("application_share", 0.0, 1.0),
        untitled_article_scope=top.string("untitled_article_scope"),
        untitled_scope=top.string("untitled_scope"),
        untitled_rules=read("untitled_rules"),
        opening_chars=top.integer("opening_chars", 1),
    )


def classify_plan(
    title: str | None,
    sections: list[OutlineSection],
    measures: list[Measure],
    rules: KindRules | None = None,
    text: str = "",
) -> PlanKind:
    """The plan's kind and scope, with the words that decided it. ``text``: the plan's match text, whose
    opening names the kind when no title is printed."""
    rules = rules or kind_rules()
    units = [m for m in measures if m.kind == "measure" or m.context_reason]
    applying = sum(1 for m in units if m.context_reason in rules.application_reasons)
    if units and applying / len(units) >= rules.application_share:
        return PlanKind("申报评审规则", "application", f"{applying}/{len(units)} 申报条件与程序")
    if title:
        # a transmittal notice is named for the plan it hands over
        name = notice_subject(title) or title
        for rule in rules.rules:
            for pattern in rule.patterns:
                found = pattern.search(name)
                if found:
                    return PlanKind(rule.kind, rule.scope, found.group())
    else:
        opening = text[: rules.opening_chars]
        for rule in rules.untitled_rules:
            for pattern in rule.patterns:
                found = pattern.search(opening)
                if found:
                    return PlanKind(rule.kind, rule.scope, found.group())
    if any(_ARTICLE.match(s.label or "") for s in sections):
        return PlanKind("条例", rules.untitled_article_scope, "第X条")
    return PlanKind("", rules.untitled_scope, "")
