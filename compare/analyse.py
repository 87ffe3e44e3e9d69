"""One plan file → its ``PlanAnalysis`` (ingest, outline, measures, catalogue families), and every plan
of a build through the cache and the executor.

The per-plan work is a pure function of one file and the data files, so it is cached by the file's
content hash (plus the analysis versions) and runs in parallel, in worker processes or on Dask.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from compare.config import Settings
from compare.fingerprint import InputFile
from compare.model import FailedInput, PlanAnalysis

log = logging.getLogger("compare")

Progress = Callable[[int, int], None]  # (plans analysed so far, plans to analyse)


def analyse_file(path: Path, root: Path) -> PlanAnalysis:
    """Ingest, outline and measures for one file: a pure function of that file (and the data files)."""
    return _analyse(Path(path), Path(root))[0]


def _analyse(path: Path, root: Path) -> tuple[PlanAnalysis, dict[str, float]]:
    """Ingest, outline, measures and catalogue families of one file, with the time of each."""
    from compare.align import find_mentions, load_catalogue, match_plan
    from compare.ingest import read_document_and_layout
    from compare.kinds import classify_plan
    from compare.measures import extract_measures
    from compare.outline import outline_warnings, parse_outline
    from compare.topics import load_codebook

    t0 = time.perf_counter()
    doc, layout = read_document_and_layout(path, root)  # the layout its metadata was read from
    t1 = time.perf_counter()
    sections = parse_outline(doc, layout)
    doc = replace(doc, warnings=[*doc.warnings, *outline_warnings(sections)])
    t2 = time.perf_counter()
    measures = extract_measures(doc, sections, load_codebook())
    t3 = time.perf_counter()
    kind = classify_plan(doc.metadata.title, sections, measures, text=doc.clean.match)
    plan = PlanAnalysis(document=doc, sections=sections, measures=measures, kind=kind)
    members = match_plan(plan, load_catalogue())
    plan = replace(plan, catalogue_members=members, mentions=find_mentions(plan, load_catalogue(), members))
    t4 = time.perf_counter()
    return plan, {"ingest": t1 - t0, "outline": t2 - t1, "measures": t3 - t2, "families": t4 - t3}


def _analyse_one(args: tuple[str, str]) -> tuple[PlanAnalysis, dict[str, float], tuple[bytes, str]]:
    """Executor entry point (module level so it pickles): the analysis, its stage times and its
    encoded cache row (encoded here, in parallel, rather than one by one in the build process)."""
    from compare.cache import encode_analysis

    plan, times = _analyse(Path(args[0]), Path(args[1]))
    t0 = time.perf_counter()
    encoded = encode_analysis(plan)
    times["encode"] = time.perf_counter() - t0
    return plan, times, encoded


def _warm_up() -> None:
    """What every plan's analysis loads, loaded before workers are forked from the build (the build
    needs it later anyway): the codebook, the catalogue, and jieba's dictionary when the cache has no
    copy of it for mending line breaks (``segment.prepare_workers``)."""
    from compare.align import load_catalogue
    from compare.segment import prepare_workers
    from compare.topics import load_codebook

    load_codebook()
    load_catalogue()
    prepare_workers()


def relabel(analysis: PlanAnalysis, plan_id: str, source_file: str) -> PlanAnalysis:
    """The same content under another file name keeps its results: only the ids change."""
    old = analysis.document.plan_id
    if old == plan_id and analysis.document.source_file == source_file:
        return analysis

    def new_id(value: str | None) -> str | None:
        return None if value is None else plan_id + value[len(old) :] if value.startswith(old) else value

    doc = replace(analysis.document, plan_id=plan_id, source_file=source_file)
    sections = [
        replace(s, plan_id=plan_id, section_id=new_id(s.section_id) or "", parent_id=new_id(s.parent_id))
        for s in analysis.sections
    ]
    measures = [
        replace(
            m, plan_id=plan_id, section_id=new_id(m.section_id) or "", measure_id=new_id(m.measure_id) or ""
        )
        for m in analysis.measures
    ]
    mentions = analysis.mentions
    members = None
    if analysis.catalogue_members is not None:
        members = [
            replace(fm, plan_id=plan_id, measure_id=new_id(fm.measure_id) or "")
            for fm in analysis.catalogue_members
        ]
    return replace(
        analysis,
        document=doc,
        sections=sections,
        measures=measures,
        catalogue_members=members,
        mentions=mentions,
    )


@dataclass
class Analysed:
    """Every plan of a build: analyses in input order, files that failed, cache hits, stage times."""

    plans: list[PlanAnalysis]
    failed: list[FailedInput]
    cache_hits: int
    timings: dict[str, float] = field(default_factory=dict)


def analyse_all(
    files: list[InputFile],
    settings: Settings,
    cache: Any,
    progress: Progress | None = None,
    meanwhile: Callable[[], object] | None = None,
) -> Analysed:
    """Per-plan analysis: from the cache where the content is known, else through the executor;
    ``meanwhile``: the build's own work that no analysis needs, done while the workers analyse."""
    from compare.executor import Budget, OverBudget, map_per_document
    from compare.ingest import IngestError, plan_id_for

    results: dict[str, PlanAnalysis] = {}
    failed: list[FailedInput] = []
    todo: list[InputFile] = []
    for f in files:
        cached = cache.get(f.sha256)
        if cached is not None:
            results[f.source_file] = relabel(cached, plan_id_for(f.source_file), f.source_file)
        else:
            todo.append(f)
    t0 = time.perf_counter()
    done = map_per_document(
        _analyse_one,
        [(str(f.path), str(settings.input_dir)) for f in todo],
        jobs=settings.jobs,
        scheduler=settings.scheduler,
        progress=(lambda n: progress(n, len(todo))) if progress else None,
        budget=Budget(settings.file_seconds, settings.file_memory_mb << 20),
        prepare=_warm_up,
        meanwhile=meanwhile,
    )
    timings: dict[str, float] = {"analyse": time.perf_counter() - t0}
    for f, outcome in zip(todo, done, strict=True):
        if isinstance(outcome, IngestError):
            failed.append(FailedInput(f.source_file, outcome.reason))  # the row names the file already
        elif isinstance(outcome, OverBudget):
            failed.append(FailedInput(f.source_file, str(outcome)))
        elif isinstance(outcome, Exception):
            log.debug("analysis of %s failed", f.source_file, exc_info=outcome)
            failed.append(
                FailedInput(f.source_file, f"could not be analysed: {type(outcome).__name__}: {outcome}")
            )
        else:
            analysis, stage_times, encoded = outcome
            for name, seconds in stage_times.items():
                timings[name] = timings.get(name, 0.0) + seconds
            cache.put_encoded(f.sha256, encoded)
            results[f.source_file] = relabel(analysis, plan_id_for(f.source_file), f.source_file)
    plans = [results[f.source_file] for f in files if f.source_file in results]
    return Analysed(plans, failed, len(files) - len(todo), timings)
