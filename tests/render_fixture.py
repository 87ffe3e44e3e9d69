"""The ``Comparison`` of the five seed plans in docs_in/, for render and export tests.

Built by the real pipeline only (per-file analysis, align, gaps), the way ``compare.build`` runs it:
when a stage breaks, every render test that uses it fails with it.
Each call returns a fresh deep copy, so tests may mutate it.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compare.align import align
from compare.align.catalogue import load_catalogue
from compare.analyse import analyse_file
from compare.gaps import compare_plans
from compare.model import Comparison, Measure
from compare.plans import apply_names
from compare.render.view import BuildInfo, ViewData, build_view, default_topic_descriptions, site_pages
from compare.tables import comparison_tables
from compare.topics import load_codebook
from tests.seeds import DOCS_IN, SEED_FILES

MIN_PEERS = 2
# A fixed build stamp for render tests (reproducible output).
FIXTURE_BUILD = BuildInfo(
    build_id="test-build-1",
    created="2024-05-01T08:00:00Z",
    inputs={"a.txt": "ab" * 32},
    versions={"code": "1"},
)


def build_fixture_comparison() -> Comparison:
    """The seed plans' Comparison through the real stages (a fresh copy per call)."""
    return copy.deepcopy(_pipeline())


def fixture_view(comparison: Comparison, **options: Any) -> ViewData:
    """The view of a fixture comparison with the fixture's topic names and build stamp; ``options`` as
    ``build_view`` takes them (lang, settings, topics, another build …)."""
    names = fixture_topic_names()
    options.setdefault("build", FIXTURE_BUILD)
    return build_view(comparison, comparison_tables(comparison, names), topic_names=names, **options)


def replace_measure(comparison: Comparison, measure_id: str, **fields: Any) -> Measure:
    """Put a changed copy of one measure into the comparison (analyses are frozen: a test that plants
    text in a measure swaps the plan's analysis for one holding the changed measure)."""
    for i, plan in enumerate(comparison.plans):
        for k, m in enumerate(plan.measures):
            if m.measure_id == measure_id:
                new = dataclasses.replace(m, **fields)
                measures = [*plan.measures[:k], new, *plan.measures[k + 1 :]]
                comparison.plans[i] = dataclasses.replace(plan, measures=measures)
                return new
    raise KeyError(measure_id)


def fixture_topic_names() -> dict[str, tuple[str, str]]:
    """topic id -> (Chinese name, English name) in codebook order."""
    return {t.id: (t.zh, t.en) for t in load_codebook().topics}


def fixture_topic_descriptions() -> dict[str, tuple[str, str]]:
    """topic id -> (Chinese scope, English description), as the build passes them to the view."""
    return default_topic_descriptions(descriptions={t.id: t.description for t in load_codebook().topics})


def fixture_manifest() -> dict[str, Any]:
    """A build manifest like the one the build stage writes (fixed time, so outputs are reproducible)."""
    return {
        "build_id": "fixture-0001",
        "created": "2024-05-01T08:00:00+00:00",
        "tool": "compare",
        "tool_version": "0.1.0",
        "inputs": {f: _sha256(DOCS_IN / f) for f in sorted(SEED_FILES.values())},
    }


@functools.lru_cache(maxsize=1)
def _pipeline() -> Comparison:
    # named as the build names them (the English edition's plan names among them)
    plans = apply_names([analyse_file(DOCS_IN / name, DOCS_IN) for name in sorted(SEED_FILES.values())], {})
    alignment = align(plans, load_catalogue())
    return compare_plans(plans, alignment, [], list(fixture_topic_names()), min_peers=MIN_PEERS)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class ShownSite:
    """The site's page contexts gathered by kind, as a test reads them (``site_pages`` yields them
    one at a time, for writing)."""

    view: dict[str, Any]  # what every page shares
    index: dict[str, Any]  # the index page's context: heatmap, summary
    gap_parts: list[dict[str, Any]]  # the gap list's pages
    topics: list[dict[str, Any]]  # per topic its head, with "pages": its matrix pages in order
    plans: list[dict[str, Any]]  # the plan pages' plans

    @property
    def gaps(self) -> list[dict[str, Any]]:
        """Every plan's gap list, over all gap pages."""
        return [block for part in self.gap_parts for block in part["plans"]]


def shown_site(data: ViewData) -> ShownSite:
    pages = [dict(p.context) for p in site_pages(data)]
    topics: dict[str, dict[str, Any]] = {}
    for c in pages:
        if c["page"] == "topic":
            topics.setdefault(c["topic"]["topic_id"], {**c["topic"], "pages": []})["pages"].append(c["part"])
    return ShownSite(
        view=pages[0]["view"],
        index=next(c for c in pages if c["page"] == "index"),
        gap_parts=[c["part"] for c in pages if c["page"] == "gaps"],
        topics=list(topics.values()),
        plans=[c["plan"] for c in pages if c["page"] == "plan"],
    )
