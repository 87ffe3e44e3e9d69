"""What a build tells its user: log lines, progress bars while it runs and a summary at the end.

Streams that cron and systemd can trust: the summary goes to stdout; warnings, files not used and
errors go to stderr, one line each, as plain lines that read well at 80 columns and in a log file.
Progress bars and coloured log lines only on a terminal, through rich, which is imported only then (a
quiet no-change rebuild shows nothing, and rich's import is a quarter of its time).
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import textwrap
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from typing import TYPE_CHECKING, TextIO

from compare.config import BRIEFING_NAME, DATA_DIR_NAME, SITE_DIR_NAME, XLSX_NAME

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import TaskID

    from compare.build import BuildResult
    from compare.config import Settings
    from compare.model import Changes


def is_terminal(stream: TextIO) -> bool:
    return stream.isatty() and not os.environ.get("CI")


class _Lines(logging.Formatter):
    """``error: …`` / ``warning: …`` / the message: one line per record (a traceback only with -v)."""

    def __init__(self, verbose: bool) -> None:
        super().__init__("%(message)s")
        self.verbose = verbose

    def format(self, record: logging.LogRecord) -> str:
        text = " ".join(record.getMessage().split("\n"))
        if record.levelno >= logging.ERROR:
            text = f"error: {text}"
        elif record.levelno >= logging.WARNING:
            text = f"warning: {text}"
        if self.verbose and record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


class _RichOnFirstRecord(logging.Handler):
    """A rich handler on stderr built when the first record arrives (a quiet build that logs nothing
    does not pay rich's import)."""

    def __init__(self, verbose: bool) -> None:
        super().__init__()
        self.verbose = verbose
        self.inner: logging.Handler | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if self.inner is None:
            from rich.logging import RichHandler

            self.inner = RichHandler(
                console=console(sys.stderr),
                show_path=False,
                show_time=self.verbose,
                markup=False,
                rich_tracebacks=self.verbose,
            )
            self.inner.setFormatter(self.formatter)
        self.inner.emit(record)


def setup_logging(verbose: bool, quiet: bool) -> None:
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    handler: logging.Handler
    if is_terminal(sys.stderr):
        handler = _RichOnFirstRecord(verbose)
        handler.setFormatter(logging.Formatter("%(message)s"))
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(_Lines(verbose))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    # Third-party chatter (jieba prints its dictionary loading at DEBUG, fontTools/weasyprint warn a lot).
    for noisy in ("jieba", "fontTools", "weasyprint", "distributed", "watchdog", "asyncio", "markdown_it"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


@cache
def console(stream: TextIO | None = None) -> Console:
    """A rich console on ``stream`` (stdout by default), for terminals only."""
    from rich.console import Console

    return Console(file=stream or sys.stdout)


@contextmanager
def progress_reporter(enabled: bool) -> Iterator[Callable[[str, int, int], None] | None]:
    """A callback (stage, done, total) drawing rich progress bars on stderr, or None when disabled."""
    if not enabled:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console(sys.stderr),
        transient=True,
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield update


def _say(text: str, stream: TextIO | None = None) -> None:
    print(text, file=stream or sys.stdout, flush=True)


def print_summary(result: BuildResult, settings: Settings) -> None:
    """Plans read, measures, families, gaps, what changed, outputs written and time per stage on
    stdout; files not used and warnings on stderr, one line each. Quiet (cron's -q) still says what
    changed when a new build was published: that is what the log is read for."""
    if not settings.quiet:
        for line in summary_lines(result, settings):
            _say(line)
        for w in result.warnings:
            _say(f"warning: {w}", sys.stderr)
    elif result.changed and result.changes is not None and result.changes.plans:
        for line in changes_lines(result.changes, settings.lang, _width()):
            _say(line)
    for f in result.failed:
        _say(f"not used: {f.source_file}: {f.reason}", sys.stderr)


def summary_lines(result: BuildResult, settings: Settings, width: int | None = None) -> list[str]:
    """The summary as plain lines that read well in a narrow terminal and in a log file: sentences
    wrapped to ``width`` (the terminal's, COLUMNS, or 80 when not a terminal), one stage time a line."""
    width = width or _width()
    out = settings.output_dir
    if not result.changed:
        kept = f"Nothing changed since build {result.build_id}: reports in {out}/ kept as they are."
        return _wrap(kept, width)
    c = result.counts
    lines = _wrap(
        f"Build {result.build_id}: {c.get('plans', 0)} plans compared ({result.cache_hits} from cache), "
        f"{c.get('measures', 0)} measures, {c.get('families', 0)} families, {c.get('gaps', 0)} gaps, "
        f"{c.get('reuse', 0)} reused passages.",
        width,
    )
    lines += changes_lines(result.changes, settings.lang, width)
    lines += stage_lines(result.timings)
    shown = (f"{SITE_DIR_NAME}/index.html", BRIEFING_NAME, f"{DATA_DIR_NAME}/{XLSX_NAME}")
    written = [o for o in shown if o in result.outputs]
    outputs = ", ".join([*written, f"{len(result.outputs)} files in all"])
    lines += _wrap(f"Outputs in {out}/: {outputs}", width)
    return lines


def _width() -> int:
    return min(max(shutil.get_terminal_size((80, 24)).columns, 40), 100)


# at most this many plans a line each, and this many family names a list, in the summary; all of
# them are on changes.html and in the data (changes.csv)
_CHANGED_PLANS_SHOWN = 6
_FAMILIES_SHOWN = 4


def changes_lines(changes: Changes | None, lang: str, width: int) -> list[str]:
    """What changed since the previously published build, in a few lines: counts, then a line per
    plan added, removed or changed and per other plan whose gaps moved (the first few), families and
    plans by their names in the report's language."""
    if changes is None:
        return []
    if changes.basis == "first_build":
        return _wrap("What changed: first build here, nothing published before to compare with.", width)
    if changes.basis == "no_record":
        return _wrap(
            "What changed: not known, the published build kept no record of its facts (an older "
            "version made it); the next build will say.",
            width,
        )
    head = f"What changed since build {changes.previous_build}"
    if not changes.plans:
        return _wrap(f"{head}: no plan added, removed or changed; no family or gap moved.", width)
    by = {s: [c for c in changes.plans if c.status == s] for s in ("added", "removed", "changed", "same")}
    opened = sum(len(c.opened) for c in changes.plans)
    closed = sum(len(c.closed) for c in changes.plans)
    moved = sum(1 for c in changes.plans if c.opened or c.closed)
    gaps = (
        f"{_n(opened, 'gap')} opened and {closed} closed in {_n(moved, 'plan')}"
        if opened or closed
        else "no gap opened or closed"
    )
    lines = _wrap(
        f"{head}: {_n(len(by['added']), 'plan')} added, {len(by['removed'])} removed, "
        f"{len(by['changed'])} changed; {gaps}.",
        width,
    )

    def names(ids: Sequence[str]) -> str:
        shown = [
            changes.families[f].label(lang) if f in changes.families else f for f in ids[:_FAMILIES_SHOWN]
        ]
        more = f" and {len(ids) - _FAMILIES_SHOWN} more" if len(ids) > _FAMILIES_SHOWN else ""
        return "; ".join(shown) + more

    entries: list[list[str]] = []  # per plan its lines, before wrapping
    for c in changes.plans:
        status = "" if c.status == "same" else f"{c.status} "
        name = c.name_en if lang == "en" and c.name_en else c.name  # the report's language, as families
        if c.status == "added":
            new = sum(1 for f in c.gained if f in changes.new_families)
            what = f"{_n(len(c.gained), 'family', 'families')}, {new} new to the comparison"
            entries.append([f"{status}{name}: {what}"])
        elif c.status == "removed":
            entries.append([f"{status}{name}: had {_n(len(c.lost), 'family', 'families')}"])
        else:
            parts = [
                f"{label} {len(ids)}: {names(ids)}"
                for label, ids in (
                    ("families gained", c.gained),
                    ("families lost", c.lost),
                    ("gaps opened", c.opened),
                    ("gaps closed", c.closed),
                )
                if ids
            ]
            entries.append([f"{status}{name}:" + ("" if parts else " content changed"), *parts])
    for entry in entries[:_CHANGED_PLANS_SHOWN]:
        lines += _wrap_wide(entry[0], width, "  ", "      ")
        for part in entry[1:]:  # what moved for it, a line each
            lines += _wrap_wide(part, width, "    ", "      ")
    if len(entries) > _CHANGED_PLANS_SHOWN:
        lines += _wrap(
            f"  and {_n(len(entries) - _CHANGED_PLANS_SHOWN, 'plan')} more: see site/changes.html or "
            "data/changes.csv",
            width,
        )
    return lines


def _n(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"


def _cols(text: str) -> int:
    """Columns ``text`` takes in a terminal: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _wrap_wide(text: str, width: int, first: str, indent: str) -> list[str]:
    """``_wrap`` for text with Chinese names, the first line led by ``first``, the others by
    ``indent``: broken at spaces or, inside a long run of Chinese, at any character, so that no line
    takes more than ``width`` columns."""
    lines: list[str] = []
    line = first
    for word in text.split(" "):
        candidate = f"{line} {word}" if line and not line.isspace() else line + word
        if _cols(candidate) <= width:
            line = candidate
            continue
        if line and not line.isspace():
            lines.append(line)
            line = indent
        for ch in word:  # a word wider than the line: cut it where it must be cut
            if _cols(line + ch) > width:
                lines.append(line)
                line = indent
            line += ch
    if line and not line.isspace():
        lines.append(line)
    return lines or [""]


def stage_lines(timings: dict[str, float]) -> list[str]:
    """Seconds per stage, one stage a line (a table of many columns is cut to nothing in a narrow
    terminal); the per-plan stages, summed over workers, indented under ``analyse``."""
    if not timings:
        return []
    total = sum(v for k, v in timings.items() if k not in _INSIDE_ANALYSE)
    name_width = max(len(k) for k in timings) + 2
    lines = [f"Time per stage, about {total:.1f} s in all:"]
    inside = [k for k in timings if k in _INSIDE_ANALYSE]
    for k, v in timings.items():
        if k in _INSIDE_ANALYSE and "analyse" in timings:
            continue
        lines.append(f"  {k:<{name_width}}{v:7.2f} s")
        if k == "analyse" and inside:
            lines += [f"    {i:<{name_width - 2}}{timings[i]:7.2f} s" for i in inside]
            lines[-len(inside)] += "  (per plan, summed over workers)"
    return lines


def _wrap(text: str, width: int) -> list[str]:
    """A sentence in lines of at most ``width`` columns (a path or name longer than that kept whole),
    continued lines indented."""
    return textwrap.wrap(
        text, width=width, subsequent_indent="  ", break_long_words=False, break_on_hyphens=False
    ) or [""]


# per-plan stage times summed over workers: part of "analyse", not added again
_INSIDE_ANALYSE = frozenset({"ingest", "outline", "measures", "families", "encode"})
