"""One build, read top to bottom like its pipeline.

    discover → analyse each plan (ingest, outline, measures; cached, in parallel)
    → drop duplicates → align → gaps → tables → render (data, html, pdf) → publish

Per-plan work is a pure function of one file (``analyse_file``), cached by content hash
plus the versions of the codebook, the catalogue and the code. Cross-plan stages re-run
only when some input changed; a build whose inputs and options match the published one
does no analysis and rewrites nothing.
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from compare import __version__
from compare.config import PLAN_CATALOGUE_NAMES, SUPPORTED_SUFFIXES, Settings
from compare.errors import DataError
from compare.model import FailedInput, PlanAnalysis

log = logging.getLogger("compare")

STAGES = ("ingest", "outline", "measures", "align", "gaps", "tables", "data", "html", "pdf", "publish")


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
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - t0
            log.debug("stage %s: %.3f s", name, self.timings[name])


# --------------------------------------------------------------------------- per-plan work


def analyse_file(path: Path, root: Path) -> PlanAnalysis:
    """Ingest, outline and measures for one file: a pure function of that file (and the data files)."""
    return _analyse(Path(path), Path(root))[0]


def _codebook() -> Any:
    """The codebook (load_codebook caches it per file content, so this is cheap per document)."""
    from compare.topics import load_codebook

    return load_codebook()


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
    members = None
    if analysis.catalogue_members is not None:
        members = [
            replace(fm, plan_id=plan_id, measure_id=new_id(fm.measure_id) or "")
            for fm in analysis.catalogue_members
        ]
    return PlanAnalysis(document=doc, sections=sections, measures=measures, catalogue_members=members)


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class InputFile:
    path: Path
    source_file: str  # relative to the input dir
    sha256: str


def discover(input_dir: Path) -> tuple[list[InputFile], list[FailedInput]]:
    """Plan files in the input directory (sorted), and files it cannot use at all."""
    if not input_dir.is_dir():
        raise FileNotFoundError(f"input directory not found: {input_dir}")
    found: list[InputFile] = []
    failed: list[FailedInput] = []
    for path in sorted(input_dir.rglob("*")):
        rel = path.relative_to(input_dir).as_posix()
        if path.is_dir() or any(part.startswith(".") for part in path.relative_to(input_dir).parts):
            continue
        if path.name in PLAN_CATALOGUE_NAMES or path.suffix.lower() in (".md", ".yaml", ".yml"):
            continue
        if path.is_symlink() and not path.resolve().is_relative_to(input_dir.resolve()):
            failed.append(FailedInput(rel, "symbolic link pointing outside the input directory: not read"))
            continue
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            failed.append(
                FailedInput(
                    rel, f"unsupported file type {path.suffix or '(none)'}: use .txt .html .docx .pdf"
                )
            )
            continue
        try:
            digest = _sha256(path)
        except OSError as exc:
            failed.append(FailedInput(rel, f"cannot read the file: {exc.strerror or exc}"))
            continue
        found.append(InputFile(path, rel, digest))
    return found, failed


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def load_plan_catalogue(input_dir: Path) -> dict[str, dict[str, Any]]:
    """Optional docs_in/catalogue.yaml: per file a short display name (and order)."""
    for name in PLAN_CATALOGUE_NAMES:
        path = input_dir / name
        if path.exists():
            import yaml  # here: most builds have no catalogue, and a no-change rebuild imports little

            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                where = f" line {mark.line + 1}" if mark is not None else ""
                raise ConfigError(f"{path}{where}: YAML syntax error: {exc}") from exc
            plans = data.get("plans", {}) if isinstance(data, dict) else None
            if not isinstance(plans, dict):
                raise ConfigError(f"{path}: expected a mapping 'plans: {{file name: {{name: …}}}}'")
            return {str(k): (v if isinstance(v, dict) else {"name": str(v)}) for k, v in plans.items()}
    return {}


class ConfigError(DataError):
    """docs_in/catalogue.yaml is unusable: the build refuses to start."""


# --------------------------------------------------------------------------- the build


@contextmanager
def _long_lived_heap() -> Iterator[None]:
    """Lets the build ``gc.freeze()`` the analyses once they are loaded: they live to its end, and the
    cyclic collector would otherwise walk their millions of objects again at every full collection
    (the gaps stage of 2,000 plans took 40% longer). Unfrozen on the way out, so a long-running
    ``watch`` process still collects them."""
    try:
        yield
    finally:
        gc.unfreeze()


def build(settings: Settings, progress: Callable[[str, int, int], None] | None = None) -> BuildResult:
    """Build the reports from ``settings.input_dir`` into ``settings.output_dir``."""
    from compare.lock import build_lock
    from compare.publish import current_manifest

    timer = Timer()
    names = load_plan_catalogue(settings.input_dir)
    versions = analysis_versions()
    settings.output_dir.mkdir(parents=True, exist_ok=True)

    with build_lock(settings.output_dir, wait=settings.wait), _long_lived_heap():
        files, failed = discover(settings.input_dir)
        options = _options_key(settings, names)
        build_id = _build_id(files, {**versions, "templates": templates_version()}, options)
        published = current_manifest(settings.output_dir)
        if published and published.get("build_id") == build_id:
            # Checked before any heavy import: a no-change rebuild costs file hashes only.
            log.info("nothing changed since build %s: no analysis, nothing rewritten", build_id)
            return BuildResult(
                build_id,
                changed=False,
                plans=list(published.get("plans", [])),
                failed=[FailedInput(**f) for f in published.get("failed", [])],
            )

        from compare.align import align
        from compare.cache import AnalysisCache
        from compare.catalogue import load_catalogue
        from compare.executor import effective_jobs
        from compare.gaps import compare_plans
        from compare.publish import open_release
        from compare.tables import comparison_tables

        codebook = _codebook()  # a bad codebook or catalogue refuses the build before anything is written
        catalogue = load_catalogue()
        with AnalysisCache(settings.cache_path / "analysis.sqlite", versions) as cache:
            plans, failed_docs, hits = analyse_all(files, settings, cache, timer, progress)
            cache.prune({f.sha256 for f in files})
        failed += failed_docs
        plans, dups = drop_duplicates(plans)
        failed += dups
        plans = apply_names(plans, names)
        failed.sort(key=lambda f: f.source_file)
        gc.freeze()  # the analyses live to the end of the build (see _long_lived_heap)

        topic_ids = [t.id for t in codebook.topics]
        with timer.stage("align"):
            alignment = align(plans, catalogue, threads=effective_jobs(settings.jobs, len(plans)))
        with timer.stage("gaps"):
            comparison = compare_plans(
                plans,
                alignment,
                failed,
                topic_ids,
                min_peers=settings.min_peers,
                min_peer_share=settings.min_peer_share,
            )
        topic_names = {t.id: (t.zh, t.en) for t in codebook.topics}
        with timer.stage("tables"):
            tables = comparison_tables(comparison, topic_names)
        manifest = _manifest(build_id, files, plans, failed, versions, settings)

        outputs: list[str] = []
        with open_release(settings.output_dir, build_id) as release:
            if "data" in settings.formats:
                from compare.render.exports import write_data

                with timer.stage("data"):
                    write_data(tables, release.path / "data", manifest)
            else:  # the manifest is what tells the next build what is published
                (release.path / "data").mkdir(parents=True, exist_ok=True)
                (release.path / "data" / "manifest.json").write_text(
                    json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8"
                )
            if "html" in settings.formats or "pdf" in settings.formats:
                from compare.render.view import BuildInfo, build_view

                info = BuildInfo(
                    build_id=build_id,
                    created=manifest["created"],
                    inputs={f.source_file: f.sha256 for f in files},
                    versions=versions,
                )
                view = build_view(
                    comparison,
                    tables,
                    topic_names=topic_names,
                    build=info,
                    lang=settings.lang,
                    topics=settings.topics,
                    title=settings.title,
                )
                if "html" in settings.formats:
                    from compare.render.html import write_site

                    with timer.stage("html"):
                        write_site(view, release.path / "site", lang=settings.lang)
                if "pdf" in settings.formats:
                    from compare.render.pdf import write_briefing

                    with timer.stage("pdf"):
                        write_briefing(view, release.path / "briefing.pdf", lang=settings.lang)
            with timer.stage("publish"):
                release.commit()
            outputs = sorted(
                p.relative_to(release.final_path).as_posix()
                for p in release.final_path.rglob("*")
                if p.is_file()
            )

    n_measures = sum(1 for p in plans for m in p.measures if m.kind == "measure")
    return BuildResult(
        build_id=build_id,
        changed=True,
        plans=[p.document.plan_id for p in plans],
        failed=failed,
        warnings=[f"{p.document.source_file}: {w}" for p in plans for w in p.document.warnings],
        timings=timer.timings,
        counts={
            "plans": len(plans),
            "failed": len(failed),
            "sections": sum(len(p.sections) for p in plans),
            "measures": n_measures,
            "families": len(alignment.families),
            "gaps": len(comparison.gaps),
            "reuse": len(alignment.reuse),
        },
        outputs=outputs,
        cache_hits=hits,
    )


def analyse_all(
    files: list[InputFile],
    settings: Settings,
    cache: Any,
    timer: Timer,
    progress: Callable[[str, int, int], None] | None = None,
) -> tuple[list[PlanAnalysis], list[FailedInput], int]:
    """Per-plan analysis: from the cache where the content is known, else through the executor."""
    from compare.executor import map_per_document
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
    hits = len(files) - len(todo)
    root = str(settings.input_dir)
    with timer.stage("analyse"):
        done = map_per_document(
            _analyse_one,
            [(str(f.path), root) for f in todo],
            jobs=settings.jobs,
            scheduler=settings.scheduler,
            progress=(lambda n: progress("analyse", n, len(todo))) if progress else None,
        )
    for f, outcome in zip(todo, done, strict=True):
        if isinstance(outcome, IngestError):
            failed.append(FailedInput(f.source_file, str(outcome)))
        elif isinstance(outcome, Exception):
            log.debug("analysis of %s failed", f.source_file, exc_info=outcome)
            failed.append(
                FailedInput(f.source_file, f"could not be analysed: {type(outcome).__name__}: {outcome}")
            )
        else:
            analysis, stage_times, encoded = outcome
            for name, seconds in stage_times.items():
                timer.timings[name] = timer.timings.get(name, 0.0) + seconds
            cache.put_encoded(f.sha256, encoded)
            results[f.source_file] = analysis
    plans = [results[f.source_file] for f in files if f.source_file in results]
    return plans, failed, hits


def _analyse_one(args: tuple[str, str]) -> tuple[PlanAnalysis, dict[str, float], tuple[bytes, str]]:
    """Executor entry point (module level so it pickles): the analysis, its stage times and its
    encoded cache row (encoded here, in parallel, rather than one by one in the build process)."""
    from compare.cache import encode_analysis

    plan, times = _analyse(Path(args[0]), Path(args[1]))
    t0 = time.perf_counter()
    encoded = encode_analysis(plan)
    times["encode"] = time.perf_counter() - t0
    return plan, times, encoded


def _analyse(path: Path, root: Path) -> tuple[PlanAnalysis, dict[str, float]]:
    """Ingest, outline, measures and catalogue families of one file, with the time of each."""
    from compare.align import match_plan
    from compare.catalogue import load_catalogue
    from compare.ingest import read_document_and_layout
    from compare.measures import extract_measures
    from compare.outline import outline_warnings, parse_outline

    t0 = time.perf_counter()
    doc, layout = read_document_and_layout(path, root)  # the layout its metadata was read from
    t1 = time.perf_counter()
    sections = parse_outline(doc, layout)
    doc.warnings.extend(outline_warnings(sections))
    t2 = time.perf_counter()
    measures = extract_measures(doc, sections, _codebook())
    t3 = time.perf_counter()
    plan = PlanAnalysis(document=doc, sections=sections, measures=measures)
    plan.catalogue_members = match_plan(plan, load_catalogue())
    t4 = time.perf_counter()
    return plan, {"ingest": t1 - t0, "outline": t2 - t1, "measures": t3 - t2, "families": t4 - t3}


def drop_duplicates(plans: list[PlanAnalysis]) -> tuple[list[PlanAnalysis], list[FailedInput]]:
    """The same plan twice (same bytes, or the same text in another encoding/format) is compared once."""
    seen: dict[str, str] = {}
    kept: list[PlanAnalysis] = []
    dups: list[FailedInput] = []
    for p in plans:
        key = hashlib.sha256("".join(p.document.clean.match.split()).encode("utf-8")).hexdigest()
        if key in seen:
            dups.append(
                FailedInput(p.document.source_file, f"duplicate of {seen[key]} (same text): compared once")
            )
            continue
        seen[key] = p.document.source_file
        kept.append(p)
    return kept, dups


def apply_names(plans: list[PlanAnalysis], names: dict[str, dict[str, Any]]) -> list[PlanAnalysis]:
    """Display names from docs_in/catalogue.yaml where given, equal names made distinct; catalogue order."""
    for p in plans:
        entry = names.get(p.document.source_file)
        if entry and entry.get("name"):
            p.document.display_name = str(entry["name"])
        if not p.document.display_name:
            p.document.display_name = Path(p.document.source_file).stem
    counts: dict[str, int] = {}
    for p in plans:
        counts[p.document.display_name] = counts.get(p.document.display_name, 0) + 1
    for name, n in counts.items():
        if n > 1:
            same = [p for p in plans if p.document.display_name == name]
            for p in same:
                year = (p.document.metadata.date or p.document.metadata.published or "")[:4]
                p.document.display_name = f"{name}({year or p.document.plan_id})"
    order = {name: i for i, name in enumerate(names)}
    return sorted(
        plans, key=lambda p: (order.get(p.document.source_file, len(order)), p.document.source_file)
    )


def analysis_versions() -> dict[str, str]:
    """What per-plan results depend on besides the file: the code and its data files."""
    from compare.config import CODEBOOK_PATH, DEFAULT_CATALOGUE, code_version

    return {
        "code": code_version(),
        "codebook": _file_digest(CODEBOOK_PATH),
        "catalogue": _file_digest(DEFAULT_CATALOGUE),
    }


def templates_version() -> str:
    """Hash of templates/ (layout changes re-render, but never re-analyse)."""
    from compare.config import TEMPLATES_DIR

    h = hashlib.sha256()
    for path in sorted(TEMPLATES_DIR.rglob("*")):
        if path.is_file():
            h.update(path.relative_to(TEMPLATES_DIR).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:16]


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def _options_key(settings: Settings, names: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {
        "formats": sorted(settings.formats),
        "lang": settings.lang,
        "topics": list(settings.topics),
        "title": settings.title,
        "min_peers": settings.min_peers,
        "min_peer_share": settings.min_peer_share,
        "names": names,
        "source_date_epoch": os.environ.get("SOURCE_DATE_EPOCH"),
    }


def _build_id(files: list[InputFile], versions: dict[str, str], options: dict[str, Any]) -> str:
    """Deterministic: the same inputs, versions and options give the same id (and skip the build)."""
    payload = {
        "inputs": [[f.source_file, f.sha256] for f in files],
        "versions": versions,
        "options": options,
        "tool": __version__,
    }
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return digest[:12]


def _created(plans: list[PlanAnalysis]) -> str:
    """Build date shown in reports: SOURCE_DATE_EPOCH, else the newest plan date (reproducible output)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    dates = [
        d
        for p in plans
        for d in (p.document.metadata.date, p.document.metadata.published)
        if d and len(d) >= 10
    ]
    return (max(dates)[:10] if dates else "1970-01-01") + "T00:00:00Z"


def _manifest(
    build_id: str,
    files: list[InputFile],
    plans: list[PlanAnalysis],
    failed: list[FailedInput],
    versions: dict[str, str],
    settings: Settings,
) -> dict[str, Any]:
    return {
        "build_id": build_id,
        "created": _created(plans),
        "tool": f"compare {__version__}",
        "inputs": {f.source_file: f.sha256 for f in files},
        "versions": versions,
        "plans": [p.document.plan_id for p in plans],
        "failed": [{"source_file": f.source_file, "reason": f.reason} for f in failed],
        "formats": sorted(settings.formats),
        "lang": settings.lang,
    }
