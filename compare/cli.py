"""Command line: ``policy-compare build | watch | inspect | topics`` (also ``python -m compare``).

Exit codes: 0 all plans compared; 1 some files could not be used (the others are compared and
published); 2 usage or configuration error (nothing built); 3 the build itself failed (disk full, a
read-only output, an internal error: the previous report is kept); 130 stopped by Ctrl-C (SIGINT),
143 stopped by SIGTERM (the release being written is abandoned, the lock released).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from compare.config import ALL_FORMATS, Settings
from compare.console import setup_logging
from compare.heap import exit_now

log = logging.getLogger("compare")

EXIT_OK, EXIT_FAILED_DOCS, EXIT_USAGE, EXIT_BUILD_FAILED = 0, 1, 2, 3
EXIT_SIGINT, EXIT_SIGTERM = 130, 143
ERROR_LOG = ".errors.log"  # in the output folder: the traceback of a build that failed


class Terminated(BaseException):
    """SIGTERM (systemd's stop) while building: unwinds like Ctrl-C, so the release being written is
    abandoned and the lock released on the way out."""


def _on_sigterm(_signum: int, _frame: object) -> None:
    raise Terminated()


@contextlib.contextmanager
def _stoppable() -> Iterator[None]:
    """SIGTERM raises ``Terminated`` in the main thread for the duration (restored afterwards)."""
    try:
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _formats(value: str) -> tuple[str, ...]:
    parts = tuple(p.strip() for p in value.split(",") if p.strip())
    bad = [p for p in parts if p not in ALL_FORMATS]
    if bad or not parts:
        raise click.BadParameter(f"choose from {','.join(ALL_FORMATS)} (got {value!r})")
    return parts


def _topics(value: str | None) -> tuple[str, ...]:
    return tuple(p.strip() for p in value.split(",") if p.strip()) if value else ()


def _show_progress(flag: bool | None, quiet: bool = False) -> bool:
    """Progress bars when asked for, else only on a terminal, outside CI and when not quiet."""
    if flag is not None:
        return flag
    return sys.stderr.isatty() and not os.environ.get("CI") and not quiet


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="compare", prog_name="policy-compare")
def cli() -> None:
    """Compare Chinese development-zone policy plans (开发区政策方案对比) side by side.

    Reads the plans in docs_in/ (txt in any Chinese encoding, html, docx, text-layer pdf),
    cuts them into measures (措施), tags them with the topic codebook, aligns equivalent
    measures into families and writes an HTML site, a PDF briefing and data exports.
    """


def _common_build_options(f: Any) -> Any:
    options = [
        click.option(
            "--input",
            "input_dir",
            type=click.Path(path_type=Path),
            default=Path("docs_in"),
            show_default=True,
            help="Directory of plans (方案/意见) to compare.",
        ),
        click.option(
            "--output",
            "output_dir",
            type=click.Path(path_type=Path),
            default=Path("reports"),
            show_default=True,
            help="Where reports are published (site/, data/, briefing.pdf).",
        ),
        click.option(
            "--format",
            "formats",
            default=",".join(ALL_FORMATS),
            show_default=True,
            help="Outputs to build, comma-separated: html,pdf,data.",
        ),
        click.option(
            "--topics", default=None, help="Restrict the report to these topic ids (comma-separated)."
        ),
        click.option("--title", default=None, help="Report title on the cover and pages."),
        click.option(
            "--site-url",
            default=None,
            help="Where the site is published (https://…/site/): the briefing links its pages there.",
        ),
        click.option(
            "--lang",
            type=click.Choice(["zh", "en"]),
            default="zh",
            show_default=True,
            help="Report language: zh (简体中文) or en.",
        ),
        click.option(
            "--min-peers",
            type=click.IntRange(1),
            default=2,
            show_default=True,
            help="A gap is a family at least this many other plans have.",
        ),
        click.option(
            "--min-peer-share",
            type=click.FloatRange(0.0, 1.0),
            default=None,
            help="…and at least this share of the other plans (default 0.5, align.yaml).",
        ),
        click.option(
            "--peers",
            type=click.Choice(["comparable", "all"]),
            default="comparable",
            show_default=True,
            help="Measure a plan's gaps against plans of a comparable scope, or against all plans.",
        ),
        click.option(
            "--jobs",
            type=click.IntRange(1),
            default=None,
            help="Worker processes for per-plan analysis (default: number of cores).",
        ),
        click.option(
            "--file-timeout",
            "file_seconds",
            type=click.FloatRange(1.0),
            default=60.0,
            show_default=True,
            help="Seconds one file may take to read and analyse; a slower file is named and left out.",
        ),
        click.option(
            "--file-memory",
            "file_memory_mb",
            type=click.IntRange(64),
            default=1024,
            show_default=True,
            help="Megabytes of memory one file may need; a greedier file is named and left out.",
        ),
        click.option(
            "--scheduler",
            default=None,
            help="Dask scheduler address (tcp://host:8786) to analyse plans on a cluster.",
        ),
        click.option(
            "--cache-dir",
            type=click.Path(path_type=Path),
            default=None,
            help="Cache directory (default: <output>/.cache).",
        ),
        click.option(
            "--wait",
            is_flag=True,
            help="If another build is running on the same output, wait for it instead of stopping.",
        ),
        click.option(
            "--progress/--no-progress",
            default=None,
            help="Progress bars (default: on a terminal, off in CI).",
        ),
        click.option("-v", "--verbose", is_flag=True, help="Debug logging with timings per stage."),
        click.option("-q", "--quiet", is_flag=True, help="Only what changed, warnings and errors."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _settings(**kw: Any) -> Settings:
    return Settings(
        input_dir=kw["input_dir"],
        output_dir=kw["output_dir"],
        cache_dir=kw["cache_dir"],
        formats=_formats(kw["formats"]),
        lang=kw["lang"],
        topics=_topics(kw["topics"]),
        title=kw["title"],
        site_url=kw["site_url"],
        min_peers=kw["min_peers"],
        min_peer_share=kw["min_peer_share"],
        peers=kw["peers"],
        jobs=kw["jobs"],
        file_seconds=kw["file_seconds"],
        file_memory_mb=kw["file_memory_mb"],
        scheduler=kw["scheduler"],
        wait=kw["wait"],
        verbose=kw["verbose"],
        quiet=kw["quiet"],
        progress=kw["progress"],
    )


def run_build(settings: Settings) -> int:
    """One build with progress and a summary; returns the exit code (see the module docstring)."""
    from compare.build import build
    from compare.console import print_summary, progress_reporter
    from compare.errors import DataError, UsageError
    from compare.lock import BuildLocked

    try:
        with _stoppable(), progress_reporter(_show_progress(settings.progress, settings.quiet)) as progress:
            result = build(settings, progress=progress)
    except (DataError, UsageError, BuildLocked, FileNotFoundError) as exc:
        log.error("%s", exc)
        return EXIT_USAGE
    except KeyboardInterrupt:
        log.error("stopped (Ctrl-C): the release being written was abandoned, the previous report is kept")
        return EXIT_SIGINT
    except Terminated:
        log.error("stopped (SIGTERM): the release being written was abandoned, the previous report is kept")
        return EXIT_SIGTERM
    except Exception as exc:
        where = _log_traceback(settings.output_dir)
        details = f"details in {where}" if where else "run with -v for details"
        log.error(
            "the build failed: %s; the previous report is kept (%s)",
            _failure(exc, settings.output_dir),
            details,
            exc_info=settings.verbose,
        )
        return EXIT_BUILD_FAILED
    print_summary(result, settings)
    return result.exit_code


FULL_DISK_BYTES = 1 << 20  # an SQLite I/O error with less free space than this is a full disk


def _failure(exc: BaseException, output_dir: Path) -> str:
    """What went wrong, in one phrase. SQLite (the cache, the data file) reports a full disk as a bare
    "disk I/O error" when it writes its journal: the free space says which it was."""
    import shutil
    import sqlite3

    text = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, sqlite3.OperationalError):
        try:
            full = getattr(exc, "sqlite_errorname", "") == "SQLITE_FULL" or (
                shutil.disk_usage(output_dir).free < FULL_DISK_BYTES
            )
        except OSError:
            full = False
        if full:
            return f"{text} (No space left on device in {output_dir})"
    return text


def _log_traceback(output_dir: Path) -> Path | None:
    """Append the current exception's traceback to the output folder's error log, if it can be written."""
    import time
    import traceback

    path = output_dir / ERROR_LOG
    try:
        with path.open("a", encoding="utf-8") as fh:
            fh.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} policy-compare build\n")
            fh.write(traceback.format_exc())
        return path
    except OSError:
        return None


@cli.command()
@_common_build_options
def build(**kw: Any) -> None:
    """Build the reports from the input directory (default docs_in/ → reports/)."""
    setup_logging(kw["verbose"], kw["quiet"])
    try:
        settings = _settings(**kw)
    except click.BadParameter as exc:
        raise click.UsageError(str(exc)) from exc
    sys.exit(run_build(settings))


@cli.command()
@_common_build_options
@click.option(
    "--debounce",
    type=float,
    default=2.0,
    show_default=True,
    help="Seconds of quiet before rebuilding (a copy of ten files gives one build).",
)
@click.option("--polling", is_flag=True, help="Poll the directory (for file systems without inotify).")
def watch(debounce: float, polling: bool, **kw: Any) -> None:
    """Rebuild whenever plans in the input directory are added, changed, moved or deleted."""
    setup_logging(kw["verbose"], kw["quiet"])
    from compare.watch import watch as watch_dir

    settings = _settings(**kw)
    settings.wait = True  # a watcher queues behind a scheduled build rather than skipping a change
    code = run_build(settings)
    if code in (EXIT_SIGINT, EXIT_SIGTERM):
        sys.exit(code)
    log.info("watching %s (Ctrl-C or SIGTERM to stop)", settings.input_dir)
    try:
        with _stoppable():
            watch_dir(
                settings.input_dir, lambda: _rebuild(settings), debounce=debounce, polling=polling or None
            )
    except KeyboardInterrupt:
        sys.exit(EXIT_SIGINT)
    except Terminated:
        sys.exit(EXIT_SIGTERM)


def _rebuild(settings: Settings) -> int:
    """A watcher's rebuild: a stop signal during it stops the watcher too."""
    code = run_build(settings)
    if code == EXIT_SIGINT:
        raise KeyboardInterrupt
    if code == EXIT_SIGTERM:
        raise Terminated()
    return code


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print everything as JSON.")
@click.option("--noise/--no-noise", default=True, show_default=True, help="List the removed noise lines.")
@click.option("--measures/--no-measures", default=True, show_default=True, help="List the measures.")
def inspect(file: Path, as_json: bool, noise: bool, measures: bool) -> None:
    """Show what the tool reads in one plan: metadata, noise, outline (大纲) with offsets, measures."""
    setup_logging(False, True)
    from compare.analyse import analyse_file
    from compare.ingest import IngestError
    from compare.inspect import format_inspection

    try:
        analysis = analyse_file(file, file.parent)
    except IngestError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_FAILED_DOCS)
    if as_json:
        from compare.model import to_dict

        data = to_dict(analysis)
        data["document"].pop("clean", None)
        data["document"].pop("raw_text", None)
        click.echo(json.dumps(data, ensure_ascii=False, indent=1))
        return
    from compare.build import read_corrections

    click.echo(
        format_inspection(
            analysis, show_noise=noise, show_measures=measures, corrections=read_corrections(file.parent)
        )
    )


@cli.command()
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
def topics(lang: str) -> None:
    """Print the topic codebook (议题编码表): ids, names, keywords and weights."""
    setup_logging(False, True)
    from compare.errors import DataError
    from compare.topics import load_codebook
    from compare.topics.codebook import format_codebook

    try:
        codebook = load_codebook()
    except DataError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    click.echo(format_codebook(codebook, lang=lang))


@cli.command()
@click.option(
    "--input", "input_dir", type=click.Path(path_type=Path), default=Path("docs_in"), show_default=True
)
@click.option(
    "--output", "output_dir", type=click.Path(path_type=Path), default=Path("reports"), show_default=True
)
@click.option(
    "--proposed", is_flag=True, help="Only the families formed from the data, as catalogue entries."
)
def families(input_dir: Path, output_dir: Path, proposed: bool) -> None:
    """List the measure families of the plans in the input directory; with --proposed, print each family
    formed from the data as a block to copy into compare/data/families.yaml (to promote it)."""
    setup_logging(False, True)
    from compare import align, analyse, cache
    from compare.align.promote import catalogue_block
    from compare.fingerprint import analysis_versions, discover
    from compare.plans import apply_names, drop_duplicates, load_plan_catalogue

    settings = Settings(input_dir=input_dir, output_dir=output_dir, progress=False)
    files, _failed = discover(input_dir)
    with cache.AnalysisCache(settings.cache_path / "analysis.sqlite", analysis_versions()) as store:
        analysed = analyse.analyse_all(files, settings, store)
    plans, _dups = drop_duplicates(analysed.plans)
    plans = apply_names(plans, load_plan_catalogue(input_dir))
    alignment = align.align(plans, align.load_catalogue())
    by_id = {p.document.plan_id: p for p in plans}
    names = {p.document.plan_id: p.document.display_name for p in plans}
    for f in alignment.families:
        if proposed and f.source != "proposed":
            continue
        if proposed:
            click.echo(catalogue_block(f, by_id, names) + "\n")
        else:
            click.echo(f"{f.family_id}\t{f.source}\t{len(f.plan_ids)} plans\t{f.name}")


def main(argv: list[str] | None = None) -> int:
    try:
        cli.main(args=argv, prog_name="policy-compare", standalone_mode=True)
    except SystemExit as exc:
        return int(exc.code or 0) if not isinstance(exc.code, str) else EXIT_USAGE
    return EXIT_OK


def run() -> None:
    """The entry point of ``policy-compare`` and ``python -m compare``: ``main()``, then exit at once
    (``compare.heap.exit_now``: every file, database, lock and pool is closed by then)."""
    exit_now(main())
