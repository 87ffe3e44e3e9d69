"""A proposed family as a catalogue entry an analyst can copy into ``compare/data/families.yaml``:
``policy-compare families --proposed`` prints one block per family formed from the data, with its key
terms as synonyms, a rule that needs two of them in one clause, and its members' clauses as comments
(so the analyst sees what the rule was drawn from and can edit it before promoting it)."""

from __future__ import annotations

import json
from collections.abc import Mapping

from compare.model import Family, PlanAnalysis


def catalogue_block(family: Family, plans: Mapping[str, PlanAnalysis], names: Mapping[str, str]) -> str:
    """The YAML block (a ``families:`` list item) of a family formed from the data."""
    terms = list(family.terms) or [t for t in family.name.split("、") if t]
    slug = family.family_id.rsplit(".", 1)[-1]
    lines = [
        f"# {family.gloss}; review it before promoting it: the rule is drawn from these clauses",
        f"- id: {family.topic}.{slug}  # rename to a readable slug; never reuse an id",
        f"  topic: {family.topic}",
        f"  name: {json.dumps(family.name, ensure_ascii=False)}",
        # the catalogue needs both editions' names and definitions: placeholders the analyst rewrites
        '  name_en: "TODO: a short English name"  # the row label of the English edition',
        f"  gloss: {json.dumps(family.gloss, ensure_ascii=False)}  # rewrite as the English definition",
        f"  definition: {json.dumps(_definition(terms), ensure_ascii=False)}  # rewrite in one sentence",
        f"  synonyms: {json.dumps(terms, ensure_ascii=False)}",
    ]
    if len(terms) >= 2:
        groups = ", ".join(json.dumps([t], ensure_ascii=False) for t in terms[:2])
        lines += ["  patterns:", f"  - near: [{groups}]", "    within: 20"]
    for m in family.members:
        plan = plans.get(m.plan_id)
        if plan is None or m.clause[1] <= m.clause[0]:
            continue
        clause = "".join(plan.document.clean.text[m.clause[0] : m.clause[1]].split())
        lines.append(f"  # {names.get(m.plan_id, m.plan_id)}: {clause[:80]}")
    return "\n".join(lines)


def _definition(terms: list[str]) -> str:
    """A placeholder Chinese definition from the family's key terms (the analyst writes the real one)."""
    return f"待定：含有“{'、'.join(terms)}”的措施。"
