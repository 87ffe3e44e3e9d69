"""What a build tells its user: log lines, progress bars while it runs and a summary at the end."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import TaskID

    from compare.build import BuildResult
    from compare.config import Settings


class _RichOnFirstRecord(logging.Handler):
    """A rich handler built when the first record arrives: a quiet build that logs nothing (a no-change
    rebuild) does not pay rich's import."""

    def __init__(self, verbose: bool) -> None:
        super().__init__()
        self.verbose = verbose
        self.inner: logging.Handler | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if self.inner is None:
            from rich.logging import RichHandler

            self.inner = RichHandler(
                show_path=False, show_time=self.verbose, markup=False, rich_tracebacks=self.verbose
            )
            self.inner.setFormatter(self.formatter)
        self.inner.emit(record)


def setup_logging(verbose: bool, quiet: bool) -> None:
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    handler = _RichOnFirstRecord(verbose)
    logging.basicConfig(level=level, format="%(message)s", handlers=[handler], force=True)
    # Third-party chatter (jieba prints its dictionary loading at DEBUG, fontTools/weasyprint warn a lot).
    for noisy in ("jieba", "fontTools", "weasyprint", "distributed", "watchdog", "asyncio", "markdown_it"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


@cache
def console() -> Console:
    """The console on stderr; rich is imported when something is shown (a quiet no-change rebuild
    shows nothing, and rich's import is a quarter of its time)."""
    from rich.console import Console

    return Console(stderr=True)


@contextmanager
def progress_reporter(enabled: bool) -> Iterator[Callable[[str, int, int], None] | None]:
    """A callback (stage, done, total) drawing rich progress bars, or None when disabled."""
    if not enabled:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console(),
        transient=True,
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield update


def print_summary(result: BuildResult, settings: Settings) -> None:
    """Plans read, measures, families, gaps, outputs written, time per stage, files not used."""
    out = settings.output_dir
    if settings.quiet:  # only what went wrong
        for f in result.failed:
            console().print(f"[red]not used[/] {f.source_file}: {f.reason}")
        return
    if not result.changed:
        console().print(
            f"[green]Nothing changed[/] since build {result.build_id}: reports in {out}/ kept as they are."
        )
    else:
        c = result.counts
        console().print(
            f"[bold]Build {result.build_id}[/]: {c.get('plans', 0)} plans compared, "
            f"{c.get('sections', 0)} sections, {c.get('measures', 0)} measures, "
            f"{c.get('families', 0)} families, {c.get('gaps', 0)} gaps, {c.get('reuse', 0)} reused passages "
            f"({result.cache_hits} plans from cache)."
        )
        if result.timings:
            from rich.table import Table

            table = Table(title="time per stage (s)", show_header=True, header_style="bold")
            for name in result.timings:
                table.add_column(name, justify="right")
            table.add_row(*(f"{v:.2f}" for v in result.timings.values()))
            console().print(table)
        written = [
            o for o in ("site/index.html", "briefing.pdf", "data/comparison.xlsx") if o in result.outputs
        ]
        console().print(f"Outputs in {out}/: " + ", ".join([*written, f"{len(result.outputs)} files in all"]))
    for w in result.warnings:
        console().print(f"[yellow]warning[/] {w}")
    for f in result.failed:
        console().print(f"[red]not used[/] {f.source_file}: {f.reason}")
