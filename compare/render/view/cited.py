"""Which plans of the build cite which: a plan's cited documents (``Metadata.cited_documents``) resolved
to the plans compared, by 文号 or by title, so that a plan page can offer the two-plan view with them.

Resolution is exact after normalisation (simplified script, half-width, no whitespace, no 《》〈〉, one
kind of bracket): a guess would put a wrong plan beside the reader's. A cited title is also tried
without its 印发…的通知 wrapper (《关于印发〈X〉的通知》 names X), and so is a plan's own title.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from compare.model import PlanAnalysis
from compare.text import match_text

_DROP = re.compile(r"[\s《》〈〉<>\"'“”‘’]")
_OPENING = re.compile(r"[〔［【\[（(]")
_CLOSING = re.compile(r"[〕］】\]）)]")
# 关于印发《X》的通知 / 关于印发〈X〉的通知: the document meant is X
_WRAPPED = re.compile(r"印发\s*[《〈<](?P<inner>[^《》〈〉<>]{2,150})[》〉>]")


def citation_key(text: str) -> str:
    """A title or 文号 as compared: simplified, half-width, no whitespace or title marks, brackets
    unified (临办发[2019]5号 and 临办发〔2019〕5号 are one key)."""
    key = _DROP.sub("", match_text(text))
    return _CLOSING.sub(")", _OPENING.sub("(", key))


def title_keys(title: str) -> set[str]:
    """The keys a title is known by: itself and, for a 印发 notice, the document it issues."""
    keys = {citation_key(title)}
    keys.update(citation_key(m.group("inner")) for m in _WRAPPED.finditer(title))
    return {k for k in keys if len(k) >= 4}  # a two-character "title" names nothing


@dataclass(frozen=True)
class Citations:
    """plan_id -> the plans of the build it cites, and the plans that cite it (both in plan order)."""

    cites: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    cited_by: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def resolve_citations(plans: Sequence[PlanAnalysis]) -> Citations:
    """Each plan's cited documents that are plans of this build (by 文号 first, then by title)."""
    by_number: dict[str, str] = {}
    by_title: dict[str, str] = {}
    number_of: dict[str, str] = {}
    for p in plans:  # the first plan with a key keeps it (plans come in report order)
        meta = p.document.metadata
        if meta.doc_number:
            number_of[p.document.plan_id] = citation_key(meta.doc_number)
            by_number.setdefault(number_of[p.document.plan_id], p.document.plan_id)
        for key in title_keys(meta.title or ""):
            by_title.setdefault(key, p.document.plan_id)
    order = {p.document.plan_id: i for i, p in enumerate(plans)}
    cites: dict[str, set[str]] = {}
    for p in plans:
        pid = p.document.plan_id
        for c in p.document.metadata.cited_documents:
            number = citation_key(c.doc_number) if c.doc_number else None
            target = by_number.get(number) if number else None
            if target is None:
                target = next((by_title[k] for k in sorted(title_keys(c.title)) if k in by_title), None)
                if target is not None and number and number_of.get(target, number) != number:
                    target = None  # the same title under another 文号: another year's document
            if target is not None and target != pid:
                cites.setdefault(pid, set()).add(target)
    cited_by: dict[str, set[str]] = {}
    for pid, targets in cites.items():
        for t in targets:
            cited_by.setdefault(t, set()).add(pid)

    def ordered(found: dict[str, set[str]]) -> dict[str, tuple[str, ...]]:
        return {k: tuple(sorted(v, key=order.__getitem__)) for k, v in found.items()}

    return Citations(ordered(cites), ordered(cited_by))
