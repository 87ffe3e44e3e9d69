"""One build, read top to bottom like its pipeline (as mkdocs' ``build()``).

    fingerprint → (nothing changed? stop) → analyse each plan (cached, in parallel) → the plans
    compared → align → gaps → tables → what changed since the published build → data, html, pdf
    → publish

A build whose fingerprint is already published does no analysis and rewrites nothing; everything else
is written into a new release that is swapped in atomically.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from compare import __version__
from compare.config import BRIEFING_NAME, CORRECTIONS_NAMES, DATA_DIR_NAME, SITE_DIR_NAME, Settings
from compare.errors import UsageError
from compare.fingerprint import (
    InputFile,
    analysis_versions,
    build_id,
    discover,
    options_key,
    templates_version,
)
from compare.heap import long_lived, release_freed
from compare.lock import build_lock
from compare.model import TOPIC_IDS, Changes, Facts, FailedInput, PlanAnalysis
from compare.plans import apply_names, drop_duplicates, load_plan_catalogue
from compare.publish import check_output_dir, current_facts, current_manifest, current_release, open_release

log = logging.getLogger("compare")

ProgressCallback = Callable[[str, int, int], None]


@dataclass
class BuildResult:
    build_id: str
    changed: bool  # False: nothing changed since the published build, nothing rewritten
    plans: list[str] = field(default_factory=list)  # plan ids compared
    failed: list[FailedInput] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage
    counts: dict[str, int] = field(default_factory=dict)
    outputs: list[str] = field(default_factory=list)
    cache_hits: int = 0
    changes: Changes | None = None  # what changed since the previously published build

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0


class Timer:
    """Accumulates wall time per stage name."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.add(name, time.perf_counter() - t0)

    def add(self, name: str, seconds: float) -> None:
        self.timings[name] = self.timings.get(name, 0.0) + seconds
        log.debug("stage %s: %.3f s", name, self.timings[name])


def build(settings: Settings, progress: ProgressCallback | None = None) -> BuildResult:
    """Build the reports from ``settings.input_dir`` into ``settings.output_dir``."""
    check_folders(settings)
    names = load_plan_catalogue(settings.input_dir)
    reviewed = read_corrections(settings.input_dir)
    versions = analysis_versions()
    settings.output_dir.mkdir(parents=True, exist_ok=True)
    check_output_dir(settings.output_dir)
    with build_lock(settings.output_dir, wait=settings.wait), long_lived() as heap:
        files, failed = discover(settings.input_dir)
        this_id = build_id(
            files, {**versions, "templates": templates_version()}, options_key(settings, names, reviewed)
        )
        published = current_manifest(settings.output_dir)
        if published and published.get("build_id") == this_id:
            log.info("nothing changed since build %s: no analysis, nothing rewritten", this_id)
            return BuildResult(
                this_id,
                changed=False,
                plans=list(published.get("plans", [])),
                failed=[FailedInput(**f) for f in published.get("failed", [])],
            )
        with helper_process(settings, len(files)) as beside:
            return _build(
                settings, this_id, files, failed, names, reviewed, versions, heap.freeze, progress, beside
            )


@contextmanager
def helper_process(settings: Settings, n_files: int) -> Iterator[Any]:
    """A process that writes the data files and renders the site's pages while this one goes on
    (``compare.render.helper``), or None: started now, while the build is small, for a site of many
    plans built with two cores or more."""
    from compare import executor

    if "html" not in settings.formats or executor.effective_jobs(settings.jobs, n_files) < 2:
        yield None
        return
    from compare.render import helper
    from compare.render.view.settings import load_report_settings

    if n_files < load_report_settings().html_helper_plans:
        yield None
        return
    with executor.Beside(helper.run) as process:
        yield process


def read_corrections(input_dir: Path) -> list[Any]:
    """The analyst's corrections (``docs_in/corrections.yaml``), read only when there is such a file (a
    no-change rebuild stays light)."""
    if not any((input_dir / name).exists() for name in CORRECTIONS_NAMES):
        return []
    from compare.corrections import load_corrections

    return load_corrections(input_dir, TOPIC_IDS)


def check_folders(settings: Settings) -> None:
    """The input folder and the folders a build writes may not contain each other: the build would
    read its own reports as plans, or publish into the plans."""
    plans = settings.input_dir.resolve()
    for option, folder in (("--output", settings.output_dir), ("--cache-dir", settings.cache_path)):
        written = folder.resolve()
        if written == plans or written.is_relative_to(plans) or plans.is_relative_to(written):
            raise UsageError(
                f"{option} {folder} and --input {settings.input_dir} are inside each other: "
                "keep the reports and the plans in separate folders"
            )


def _build(
    settings: Settings,
    this_id: str,
    files: list[InputFile],
    failed: list[FailedInput],
    names: dict[str, dict[str, Any]],
    reviewed: list[Any],
    versions: dict[str, str],
    freeze: Callable[[], None],
    progress: ProgressCallback | None,
    beside: Any = None,
) -> BuildResult:
    # The stages, imported here and only here: a no-change rebuild stops before this and never pays
    # for pandas, jieba or WeasyPrint (nor a data-only build for the renderers: WeasyPrint's import
    # alone is half a second). Called through their modules so a profiler can wrap them. The stages
    # after the analysis are imported while the plans are analysed (_load_later_stages).
    from compare import align, analyse, cache, corrections, executor, topics

    timer = Timer()
    codebook = topics.load_codebook()  # a bad codebook or catalogue refuses the build before any writing
    family_catalogue = align.load_catalogue()
    with cache.AnalysisCache(settings.cache_path / "analysis.sqlite", versions) as store:
        report = (lambda done, total: progress("analyse", done, total)) if progress else None
        analysed = analyse.analyse_all(files, settings, store, report, meanwhile=_load_later_stages)
        store.prune({f.sha256 for f in files})
    from compare import changes, gaps, tables
    from compare.render import exports

    for name, seconds in analysed.timings.items():
        timer.add(name, seconds)
    plans, duplicates = drop_duplicates(analysed.plans)
    plans = apply_names(plans, names)
    failed = sorted([*failed, *analysed.failed, *duplicates], key=lambda f: f.source_file)
    freeze()  # the analyses live to the end of the build (compare.heap)

    topic_names = {t.id: (t.zh, t.en) for t in codebook.topics}
    with timer.stage("align"):
        alignment = align.align(
            plans, family_catalogue, threads=executor.effective_jobs(settings.jobs, len(plans))
        )
        corrected = corrections.apply_corrections(plans, alignment, reviewed)
        plans, alignment = corrected.plans, corrected.alignment
        for stale in corrected.stale:
            log.warning("correction not applied: %s", stale)
    with timer.stage("gaps"):
        comparison = gaps.compare_plans(
            plans,
            alignment,
            failed,
            [t.id for t in codebook.topics],
            min_peers=settings.min_peers,
            min_peer_share=settings.min_peer_share,
            peers=settings.peers,
            reviewed=corrected.reviewed,
        )
    with timer.stage("tables"):
        data = tables.comparison_tables(comparison, topic_names)
    not_applied = corrected.stale
    counts = {
        "plans": len(plans),
        "failed": len(failed),
        "sections": sum(len(p.sections) for p in plans),
        "measures": sum(1 for p in plans for m in p.measures if m.kind == "measure"),
        "families": len(alignment.families),
        "gaps": len(comparison.gaps),
        "reuse": len(alignment.reuse),
    }
    manifest = build_manifest(this_id, files, plans, failed, versions, settings)
    with timer.stage("changes"):
        facts = changes.facts_of(data, this_id, manifest["created"])
        found = since_published(settings.output_dir, facts)
        data = {**data, "changes": changes.changes_table(found)}

    with open_release(settings.output_dir, this_id) as release:
        if "data" in settings.formats:
            with timer.stage("data"):
                exports.write_data(data, release.path / DATA_DIR_NAME, manifest, beside=beside)
                if beside is None:
                    release_freed()  # what the SQLite file's thread kept in its own malloc arena
        else:  # the manifest is what tells the next build what is published
            exports.write_manifest(manifest, release.path / DATA_DIR_NAME)
        with timer.stage(
            "changes"
        ):  # and the facts it compares with to say what changed, whatever the formats
            exports.write_facts(changes.facts_record(facts), release.path / DATA_DIR_NAME)
        if "html" in settings.formats or "pdf" in settings.formats:
            from compare.render import html, pdf, view

            model = view.build_view(
                comparison,
                data,
                topic_names=topic_names,
                build=view.BuildInfo(this_id, manifest["created"], manifest["inputs"], versions),
                changes=found,
                lang=settings.lang,
                topics=settings.topics,
                title=settings.title,
                site_url=settings.site_url,
                topic_descriptions=view.default_topic_descriptions(
                    descriptions={t.id: t.description for t in codebook.topics}
                ),
            )
            # the view holds what the pages show: the comparison and its tables go before the site is
            # written (at 2,000 plans the tables' own rows and the passages' texts are ~0.5 GB)
            del comparison, alignment, corrected, data
            # and the view's indexes live to the end of the build too: unfrozen, every full collection
            # while the pages were made walked their millions of rows (a third of the topic pages' time)
            freeze()
            if "html" in settings.formats:
                with timer.stage("search"):
                    search = html.write_search(model, release.path / SITE_DIR_NAME)
                with timer.stage("html"):
                    html.write_site(
                        model, release.path / SITE_DIR_NAME, lang=settings.lang, search=search, pages=beside
                    )
            if "pdf" in settings.formats:
                with timer.stage("pdf"):
                    pdf.write_briefing(model, release.path / BRIEFING_NAME, lang=settings.lang)
        with timer.stage("publish"):
            release.commit()
        outputs = sorted(
            p.relative_to(release.final_path).as_posix() for p in release.final_path.rglob("*") if p.is_file()
        )

    return BuildResult(
        build_id=this_id,
        changed=True,
        plans=[p.document.plan_id for p in plans],
        failed=failed,
        warnings=[
            *(f"{p.document.source_file}: {w}" for p in plans for w in p.document.warnings),
            *(f"correction not applied: {s}" for s in not_applied),
        ],
        timings=timer.timings,
        counts=counts,
        outputs=outputs,
        cache_hits=analysed.cache_hits,
        changes=found,
    )


def _load_later_stages() -> None:
    """What the stages after the analysis load and no analysis needs, loaded while the workers analyse
    (half a second of a small build's own time): jieba's dictionary (and its copy for mending line
    breaks, when the cache had none), and the stages with pandas, scipy and sparse_dot_topn
    (imported for their import's sake)."""
    import sparse_dot_topn  # noqa: F401

    from compare import changes, gaps, tables  # noqa: F401
    from compare.render import exports  # noqa: F401
    from compare.segment import prepare_lexicon, tokenize

    tokenize("开发区")
    prepare_lexicon()


def since_published(output_dir: Path, facts: Facts) -> Changes:
    """What changed between the published build (its ``data/facts.json``) and this one's ``facts``.
    Nothing published: a first build; a release without readable facts: not known (said, not fatal)."""
    from compare import changes

    record = current_facts(output_dir)
    if record is None:
        first = current_release(output_dir) is None
        if not first:
            log.info("the published build kept no record of its facts: what changed is not known")
        return changes.what_changed(None, facts, basis="first_build" if first else "no_record")
    try:
        previous = changes.facts_from_record(record)
    except ValueError as exc:
        log.warning("what changed is not known: the published build's facts cannot be read (%s)", exc)
        return changes.what_changed(None, facts, basis="no_record")
    return changes.what_changed(previous, facts)


def created() -> str:
    """The date of the build, the one rule every output reads (through the manifest): the clock, or
    SOURCE_DATE_EPOCH when set, so the same inputs give the same bytes (tests and the golden check
    set it). The newest plan date is another figure (the briefing's "资料截至"), never this one."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    when = datetime.fromtimestamp(int(epoch), UTC) if epoch.isdigit() else datetime.now(UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def build_manifest(
    this_id: str,
    files: list[InputFile],
    plans: list[PlanAnalysis],
    failed: list[FailedInput],
    versions: dict[str, str],
    settings: Settings,
) -> dict[str, Any]:
    """What the build was made from and what it compared: written as data/manifest.json."""
    return {
        "build_id": this_id,
        "created": created(),
        "tool": f"compare {__version__}",
        "inputs": {f.source_file: f.sha256 for f in files},
        "versions": versions,
        "plans": [p.document.plan_id for p in plans],
        "failed": [{"source_file": f.source_file, "reason": f.reason} for f in failed],
        "formats": sorted(settings.formats),
        "lang": settings.lang,
    }
