"""Benchmarks: time and peak memory of each build stage, for the five plans and for growing corpora.

    python benchmarks/run.py                       # sizes 5,50,500,2000 (long: see README.md)
    python benchmarks/run.py --quick               # sizes 5,50
    python benchmarks/run.py --sizes 5,500 --out benchmarks/results/mine.json --jobs 2

Every measured build runs in a fresh subprocess (this script with ``--child``), so peaks are per run:
``resource.getrusage`` maxrss for the build process and its worker processes, the peak resident size
of each stage run in the build process (Linux: VmHWM, reset at each stage start), and in separate
"traced" runs ``tracemalloc`` peaks of Python allocations per stage (tracemalloc slows allocation-heavy
code several-fold, so traced runs are not used for times). Stage times come from
``compare.build.build(settings).timings``; stages the build does not time are timed by wrapping the
stage functions. Scenarios: the five plans cold (empty cache), warm (cache filled, fresh output), a
no-change rebuild, adding one plan; then per corpus size N a cold build and a no-change rebuild. The
growth exponent of each stage between the two largest sizes is the log-log slope of its time.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import importlib.util
import json
import math
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from synth import generate_corpus  # noqa: E402  (benchmarks/ is not a package)

DEFAULT_SIZES = (5, 50, 500, 2000)
QUICK_SIZES = (5, 50)
# The PDF briefing puts every plan side by side; past this many plans it is not what anyone reads.
PDF_MAX_PLANS = 49
# Stage function per stage name: timed (and traced) directly when the build does not time a stage.
STAGE_FUNCTIONS = {
    "ingest": ("compare.ingest", "read_document_and_layout"),
    "outline": ("compare.outline", "parse_outline"),
    "measures": ("compare.measures", "extract_measures"),
    "align": ("compare.align", "align"),
    "gaps": ("compare.gaps", "compare_plans"),
    "tables": ("compare.tables", "comparison_tables"),
    "data": ("compare.render.exports", "write_data"),
    "search": ("compare.render.html", "write_search"),
    "html": ("compare.render.html", "write_site"),
    "pdf": ("compare.render.pdf", "write_briefing"),
}
STAGE_ORDER = (
    "ingest",
    "outline",
    "measures",
    "analyse",
    "align",
    "gaps",
    "tables",
    "data",
    "search",
    "html",
    "pdf",
    "publish",
)
CHILD_MARK = "@@bench-result@@ "
MB = 1024 * 1024


# --------------------------------------------------------------------------- child: one build


def _vm_hwm_mb() -> float | None:
    """Peak resident size of this process since the last reset (Linux), in MB."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _reset_hwm() -> bool:
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")  # Linux >= 4.0: resets VmHWM to the current resident size
        return True
    except OSError:
        return False


class StageMeter:
    """Time, peak resident size and (when traced) peak Python allocations per stage function."""

    def __init__(self, traced: bool) -> None:
        self.traced = traced
        self.times: dict[str, float] = {}
        self.rss: dict[str, float] = {}
        self.python: dict[str, float] = {}
        self.overall_rss = _vm_hwm_mb() or 0.0
        self.overall_python = 0.0

    def call(self, stage: str, fn: Callable[..., Any], args: Any, kwargs: Any) -> Any:
        before = _vm_hwm_mb()
        self.overall_rss = max(self.overall_rss, before or 0.0)
        can_reset = _reset_hwm()
        if self.traced:
            self.overall_python = max(self.overall_python, tracemalloc.get_traced_memory()[1] / MB)
            tracemalloc.reset_peak()
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            self.times[stage] = self.times.get(stage, 0.0) + time.perf_counter() - t0
            after = _vm_hwm_mb()
            if after is not None and can_reset:
                self.rss[stage] = max(self.rss.get(stage, 0.0), after)
                self.overall_rss = max(self.overall_rss, after)
            if self.traced:
                peak = tracemalloc.get_traced_memory()[1] / MB
                self.python[stage] = max(self.python.get(stage, 0.0), peak)
                self.overall_python = max(self.overall_python, peak)


def _wrap_stages(meter: StageMeter) -> list[str]:
    """Route the stage functions through the meter where they are defined; returns the stages wrapped."""
    wrapped = []
    for stage, (module_name, attr) in STAGE_FUNCTIONS.items():
        try:
            module = importlib.import_module(module_name)
            fn = getattr(module, attr)
        except (ImportError, AttributeError):
            continue

        def wrapper(*args: Any, _fn: Callable[..., Any] = fn, _stage: str = stage, **kwargs: Any) -> Any:
            return meter.call(_stage, _fn, args, kwargs)

        functools.update_wrapper(wrapper, fn)
        setattr(module, attr, wrapper)
        wrapped.append(stage)
    return wrapped


def site_size(output_dir: Path) -> tuple[float, int]:
    """MB and number of files of the published site (``<output>/site``, search index included)."""
    from compare.config import SITE_DIR_NAME

    site = (output_dir / SITE_DIR_NAME).resolve()  # a link into the published release
    sizes = [p.stat().st_size for p in site.rglob("*") if p.is_file()] if site.is_dir() else []
    return sum(sizes) / MB, len(sizes)


def child(spec: dict[str, Any]) -> dict[str, Any]:
    """One build as the spec says; what it cost."""
    traced = bool(spec.get("tracemalloc", False))
    if traced:
        tracemalloc.start()
    from compare.build import build
    from compare.config import Settings

    meter = StageMeter(traced)
    _wrap_stages(meter)
    settings = Settings(
        input_dir=Path(spec["input_dir"]),
        output_dir=Path(spec["output_dir"]),
        cache_dir=Path(spec["cache_dir"]),
        formats=tuple(spec["formats"]),
        jobs=spec.get("jobs"),
        progress=False,
    )
    profiler = None
    if spec.get("profile"):
        try:
            from pyinstrument import Profiler  # not a dependency: pip install pyinstrument
        except ImportError:
            print(
                "--profile needs pyinstrument (not a dependency): pip install pyinstrument", file=sys.stderr
            )
        else:
            profiler = Profiler()
            profiler.start()
    t0 = time.perf_counter()
    result = build(settings)
    wall = time.perf_counter() - t0
    if profiler is not None:
        profiler.stop()
        Path(spec["profile"]).write_text(profiler.output_html(), encoding="utf-8")
    timings = {k: float(v) for k, v in getattr(result, "timings", {}).items()}
    for stage, seconds in meter.times.items():
        timings.setdefault(stage, seconds)  # the build's own figure wins; ours fills the gaps
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    from compare.config import code_version

    site_mb, site_files = site_size(Path(spec["output_dir"]))
    return {
        "site_mb": site_mb,
        "site_files": site_files,
        "code_version": code_version(),
        "traced": traced,
        "wall": wall,
        "changed": bool(getattr(result, "changed", True)),
        "cache_hits": int(getattr(result, "cache_hits", 0)),
        "failed": [f"{f.source_file}: {f.reason}" for f in getattr(result, "failed", [])],
        "counts": dict(getattr(result, "counts", {})),
        "timings": timings,
        "stage_rss_mb": meter.rss,
        "stage_python_peak_mb": meter.python,
        "tracemalloc_peak_mb": max(meter.overall_python, tracemalloc.get_traced_memory()[1] / MB)
        if traced
        else None,
        # resetting VmHWM per stage also lowers getrusage's figure: the meter keeps the true maximum
        "maxrss_mb": max(maxrss, meter.overall_rss, _vm_hwm_mb() or 0.0),
        "children_maxrss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


# --------------------------------------------------------------------------- parent: scenarios


class Bench:
    """The scenarios, each build measured in its own subprocess."""

    def __init__(
        self, args: argparse.Namespace, work: Path, runs: list[dict[str, Any]], save: Callable[[], None]
    ) -> None:
        self.args = args
        self.work = work
        self.runs = runs
        self.save = save

    def measure(
        self, name: str, size: int, inp: Path, out: Path, formats: Sequence[str], traced: bool = False
    ) -> dict[str, Any]:
        """One build of ``inp`` into ``out`` (cache in ``out/.cache``)."""
        profile = self.args.profile_dir / f"profile-{name}-{size}.html" if self.args.profile else None
        spec = {
            "input_dir": str(inp),
            "output_dir": str(out),
            "cache_dir": str(out / ".cache"),
            "formats": list(formats),
            "jobs": self.args.jobs,
            "tracemalloc": traced,
            "profile": str(profile) if profile and not traced else None,
        }
        label = name + (" (traced)" if traced else "")
        print(f"  {label:<24} N={size:<5} {','.join(formats):<14}", end="", flush=True)
        t0 = time.perf_counter()
        run: dict[str, Any] = {"scenario": name, "size": size, "formats": list(formats)}
        try:
            proc = subprocess.run(
                [sys.executable, __file__, "--child", json.dumps(spec)],
                capture_output=True,
                text=True,
                timeout=self.args.timeout,
                cwd=ROOT,
            )
        except subprocess.TimeoutExpired:
            print(" timed out")
            run.update(
                process_seconds=time.perf_counter() - t0, error=f"timed out after {self.args.timeout:g} s"
            )
            proc = None
        if proc is not None:
            run["process_seconds"] = time.perf_counter() - t0
            line = next((ln for ln in reversed(proc.stdout.splitlines()) if ln.startswith(CHILD_MARK)), None)
            if proc.returncode != 0 or line is None:
                print(f" failed (exit {proc.returncode})")
                killed = " (killed: out of memory?)" if proc.returncode == -9 else ""
                tail = "\n".join((proc.stderr or proc.stdout).splitlines()[-25:])
                run["error"] = f"exit code {proc.returncode}{killed}\n{tail}"
            else:
                run.update(json.loads(line[len(CHILD_MARK) :]))
                site = ""
                if run["site_files"]:
                    site = f", site {run['site_mb']:.1f} MB in {run['site_files']} files"
                print(f" {run['wall']:8.2f} s build, {run['process_seconds']:8.2f} s with start-up{site}")
        self.runs.append(run)
        self.save()
        return run

    def five_plans(self, source: Path) -> None:
        """Cold, warm, no-change and add-one builds of the real plans, all formats."""
        inp = self.work / "five" / "docs_in"
        shutil.copytree(source, inp)
        n = sum(1 for p in inp.iterdir() if p.is_file())
        formats = ("html", "pdf", "data")
        out = self.work / "five" / "out"
        cold = self.measure("cold", n, inp, out, formats)
        if (out / "briefing.pdf").exists():
            cold["pdf_pages"] = pdf_pages(out / "briefing.pdf")
        shutil.rmtree(out / "releases")  # keep the cache, lose the published build
        for entry in ("current", "site", "data", "briefing.pdf"):
            (out / entry).unlink(missing_ok=True)
        self.measure("warm", n, inp, out, formats)
        self.measure("no-change", n, inp, out, formats)
        (extra,) = generate_corpus(source, self.work / "five" / "extra", 1, seed=self.args.seed + 1)
        shutil.copy(extra, inp / extra.name)
        self.measure("add-one", n + 1, inp, out, formats)
        if self.args.trace:
            inp.joinpath(extra.name).unlink()
            self.measure("cold", n, inp, self.work / "five" / "out-traced", formats, traced=True)

    def corpus(self, source: Path, size: int) -> None:
        """A cold build and a no-change rebuild of N synthetic plans (and a traced cold build if small)."""
        base = self.work / f"n{size}"
        inp = base / "docs_in"
        t0 = time.perf_counter()
        generate_corpus(source, inp, size, seed=self.args.seed)
        print(f"  generated {size} plans in {time.perf_counter() - t0:.1f} s")
        formats = ("html", "pdf", "data") if size <= PDF_MAX_PLANS or self.args.pdf_all else ("html", "data")
        if self.args.formats:  # "none": analysis and cross-plan stages only (the manifest is still written)
            formats = tuple(f for f in self.args.formats.split(",") if f and f != "none")
        self.measure("corpus", size, inp, base / "out", formats)
        self.measure("corpus-nochange", size, inp, base / "out", formats)
        if size <= self.args.trace_up_to:
            self.measure("corpus", size, inp, base / "out-traced", formats, traced=True)
        if not self.args.keep:
            shutil.rmtree(base, ignore_errors=True)


# --------------------------------------------------------------------------- targets of the task

FLOOR_CODE = """
import logging, sys, jieba
import pandas
jieba.setLogLevel(logging.WARNING)
t = jieba.Tokenizer()
t.tmp_dir = sys.argv[1]
t.initialize()
"""
# A page of the baseline: a dense table of CJK text, the kind of page the briefing's matrices are.
BASELINE_ROW = "<tr><td>{i}</td><td>{text}</td><td>{text}</td><td>{text}</td></tr>"
BASELINE_TEXT = "支持开发区按规定申报国家级经济技术开发区，完善用地保障和人才引进政策，建立健全考核评价体系。"


def _process_seconds(argv: Sequence[str], repeat: int, prepare: Callable[[], None] | None = None) -> float:
    """Best wall time of ``repeat`` runs of a whole process (interpreter start-up included)."""
    best = math.inf
    for _ in range(repeat):
        if prepare is not None:
            prepare()
        t0 = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True, cwd=ROOT)
        best = min(best, time.perf_counter() - t0)
    return best


def start_up_floor(repeat: int = 3) -> float:
    """What any process using the fixed core pays: Python, pandas, jieba's dictionary from its cache."""
    from compare.segment import cache_dir

    return _process_seconds([sys.executable, "-c", FLOOR_CODE, str(cache_dir())], repeat)


def weasyprint_seconds(pages: int) -> tuple[float, int]:
    """WeasyPrint's own time for about ``pages`` dense pages (a CJK table, the project's font) and the
    pages it made."""
    from weasyprint import HTML

    rows = "".join(BASELINE_ROW.format(i=i, text=BASELINE_TEXT) for i in range(pages * 9))
    html = (
        "<html><head><style>@page { size: A4 landscape; margin: 15mm }"
        " body { font: 9pt 'Noto Sans CJK SC', sans-serif } td { border: 1px solid #999; padding: 2pt }"
        "</style></head><body><table>" + rows + "</table></body></html>"
    )
    t0 = time.perf_counter()
    document = HTML(string=html).render()
    document.write_pdf()
    return time.perf_counter() - t0, len(document.pages)


def pdf_pages(path: Path) -> int:
    """Pages of a PDF (0 when it cannot be read)."""
    from pypdf import PdfReader  # the test extra, installed by the bench session

    try:
        return len(PdfReader(str(path)).pages)
    except (OSError, ValueError):
        return 0


def five_plan_targets(source: Path, work: Path, runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The five-plan targets of the task, each as (figure, limit, met)."""
    out = work / "targets"
    cli = [sys.executable, "-m", "compare", "build", "--input", str(source), "--output", str(out)]
    data_cli = [*cli, "--format", "data", "-q", "--no-progress"]

    def fresh() -> None:
        shutil.rmtree(out, ignore_errors=True)

    # best of 5: single process timings on a shared 2-core machine vary by 20%
    floor = start_up_floor(5)
    data_cold = _process_seconds(data_cli, 5, fresh)
    no_change = _process_seconds(data_cli, 5)
    targets: dict[str, Any] = {
        "floor_s": floor,
        "data_build_process_s": data_cold,
        "no_change_process_s": no_change,
        "data_build_vs_floor": {"value": data_cold / floor, "limit": 2.0, "met": data_cold <= 2 * floor},
        "no_change_under_half_second": {"value": no_change, "limit": 0.5, "met": no_change < 0.5},
        "no_change_under_tenth_of_cold": {
            "value": no_change / data_cold,
            "limit": 0.1,
            "met": no_change < data_cold / 10,
        },
    }
    cold = next((r for r in runs if r["scenario"] == "cold" and "timings" in r and not r.get("traced")), None)
    if cold is not None and cold.get("pdf_pages"):
        pages = cold["pdf_pages"]
        if pages:
            baseline, baseline_pages = weasyprint_seconds(pages)
            ours = cold["timings"].get("html", 0.0) + cold["timings"].get("pdf", 0.0)
            scaled = baseline * pages / baseline_pages
            targets["html_pdf_vs_weasyprint"] = {
                "value": ours / scaled,
                "limit": 1.5,
                "met": ours <= 1.5 * scaled,
                "pages": pages,
                "weasyprint_s": scaled,
                "ours_s": ours,
            }
    return targets


def scale_targets(runs: list[dict[str, Any]], growth: dict[str, Any]) -> dict[str, Any]:
    """The large-corpus targets: alignment growth, 2,000 plans analysed in 5 minutes under 4 GB."""
    out: dict[str, Any] = {}
    align = (growth.get("stages") or {}).get("align")
    if align is not None and growth.get("between") == [500, 2000]:
        out["align_exponent_500_2000"] = {"value": align, "limit": 1.2, "met": align <= 1.2}
    big = next((r for r in runs if r["scenario"] == "corpus" and r["size"] == 2000 and "wall" in r), None)
    if big is not None and "pdf" not in big["formats"]:
        peak_gb = max(big["maxrss_mb"], big["children_maxrss_mb"]) / 1024
        out["analyse_2000_seconds"] = {"value": big["wall"], "limit": 300, "met": big["wall"] < 300}
        out["analyse_2000_peak_gb"] = {"value": peak_gb, "limit": 4.0, "met": peak_gb < 4.0}
    return out


def growth_exponents(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Log-log slope of each stage's time between the two largest corpus sizes measured."""
    cold = {
        r["size"]: r for r in runs if r["scenario"] == "corpus" and "timings" in r and not r.get("traced")
    }
    if len(cold) < 2:
        return {}
    small, large = sorted(cold)[-2:]
    slopes: dict[str, float | None] = {}
    for stage in sorted(set(cold[small]["timings"]) & set(cold[large]["timings"])):
        a, b = cold[small]["timings"][stage], cold[large]["timings"][stage]
        slopes[stage] = math.log(b / a) / math.log(large / small) if a > 0 and b > 0 else None
    wall = math.log(cold[large]["wall"] / cold[small]["wall"]) / math.log(large / small)
    return {"between": [small, large], "stages": slopes, "wall": wall}


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
    }
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        info["memory_gb"] = round(pages * size / 1024**3, 1)
    except (ValueError, OSError):
        pass
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
        )
        info["commit"] = commit.stdout.strip() or None
    except OSError:
        info["commit"] = None
    return info


def _table(
    title: str, rows: list[dict[str, Any]], key: str, stages: Sequence[str], extra: Sequence[str]
) -> Any:
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for col in ("scenario", "N", *stages, *extra):
        table.add_column(col, justify="left" if col == "scenario" else "right")
    for r in rows:
        values = r[key]
        digits = 2 if key == "timings" else 0
        cells = [f"{values[s]:.{digits}f}" if s in values else "–" for s in stages]
        table.add_row(r["scenario"], str(r["size"]), *cells, *(r["_extra"][e] for e in extra))
    return table


def _ordered(rows: list[dict[str, Any]], key: str) -> list[str]:
    seen = {s for r in rows for s in r[key]}
    return [s for s in STAGE_ORDER if s in seen] + sorted(seen - set(STAGE_ORDER))


def print_tables(report: dict[str, Any]) -> None:
    from rich.console import Console

    # Wide tables: when writing to a file or a pipe, do not squeeze them into 80 columns.
    console = Console(width=None if sys.stdout.isatty() else 200)
    timed = [r for r in report["runs"] if "timings" in r and not r.get("traced")]
    traced = [r for r in report["runs"] if r.get("traced") and "timings" in r]
    for r in timed:
        r["_extra"] = {
            "build s": f"{r['wall']:.2f}",
            "rss MB": f"{r['maxrss_mb']:.0f}",
            "workers rss MB": f"{r['children_maxrss_mb']:.0f}",
            "cached": str(r["cache_hits"]),
            "site MB": f"{r['site_mb']:.0f}" if r.get("site_files") else "–",
            "site files": str(r["site_files"]) if r.get("site_files") else "–",
        }
    for r in traced:
        r["_extra"] = {"python peak MB": f"{r['tracemalloc_peak_mb']:.0f}"}
    if timed:
        title = "seconds per stage (ingest/outline/measures: summed over plans; analyse: their wall time)"
        extra = ("build s", "rss MB", "workers rss MB", "cached", "site MB", "site files")
        console.print(_table(title, timed, "timings", _ordered(timed, "timings"), extra))
        rss = [r for r in timed if r["stage_rss_mb"]]
        if rss:
            title = "peak resident MB of the build process during each stage it ran itself"
            console.print(_table(title, rss, "stage_rss_mb", _ordered(rss, "stage_rss_mb"), ()))
    if traced:
        title = "peak Python allocations MB during each stage (tracemalloc; separate traced runs)"
        stages = _ordered(traced, "stage_python_peak_mb")
        console.print(_table(title, traced, "stage_python_peak_mb", stages, ("python peak MB",)))
    for r in report["runs"]:
        r.pop("_extra", None)
        if "error" in r:
            console.print(f"[red]{r['scenario']} N={r['size']} failed:[/]\n{r['error']}")
    versions = {r["code_version"] for r in report["runs"] if "code_version" in r}
    if len(versions) > 1:
        console.print(
            "[yellow]the package changed while the benchmark ran (code versions "
            f"{', '.join(sorted(versions))}): cache hits and no-change figures are not meaningful[/]"
        )
    targets = {**report.get("targets", {}), **report.get("scale_targets", {})}
    if targets.get("floor_s"):
        console.print(
            f"start-up floor (python + pandas + jieba dictionary): {targets['floor_s']:.2f} s; "
            f"five plans --format data: {targets['data_build_process_s']:.2f} s; "
            f"no-change rebuild: {targets['no_change_process_s']:.2f} s (whole processes)"
        )
    for name, t in targets.items():
        if isinstance(t, dict):
            verdict = "[green]met[/]" if t["met"] else "[red]not met[/]"
            console.print(f"  target {name}: {t['value']:.2f} (limit {t['limit']:g}) {verdict}")
    growth = report.get("growth")
    if growth:
        small, large = growth["between"]
        align = growth["stages"].get("align")
        if align is not None:
            verdict = "sub-quadratic" if align < 2 else "[red]quadratic or worse[/]"
            console.print(f"alignment growth exponent N={small}→{large}: {align:.2f} ({verdict})")
        slopes = ", ".join(f"{k} {v:.2f}" for k, v in growth["stages"].items() if v is not None)
        console.print(f"  every stage: {slopes}; whole build {growth['wall']:.2f}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", help="corpus sizes, e.g. 5,50,500,2000 (default; --quick: 5,50)")
    parser.add_argument("--quick", action="store_true", help="small sizes only (5,50)")
    parser.add_argument(
        "--out", type=Path, help="JSON results (default benchmarks/results/bench-<time>.json)"
    )
    parser.add_argument("--source", type=Path, default=ROOT / "docs_in", help="the real plans (docs_in/)")
    parser.add_argument("--jobs", type=int, default=None, help="worker processes per build (default: cores)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic corpora")
    parser.add_argument(
        "--no-trace", dest="trace", action="store_false", help="no tracemalloc run of the five"
    )
    parser.add_argument(
        "--trace-up-to",
        type=int,
        default=0,
        metavar="N",
        help="tracemalloc runs of corpora up to N plans too",
    )
    parser.add_argument(
        "--formats", help="formats of corpus builds: html,data (default; pdf too below 50) … or none"
    )
    parser.add_argument("--pdf-all", action="store_true", help=f"the PDF also for N > {PDF_MAX_PLANS}")
    parser.add_argument("--no-five", dest="five", action="store_false", help="skip the five-plan scenarios")
    parser.add_argument(
        "--profile", action="store_true", help="pyinstrument profile per build (pip install it)"
    )
    parser.add_argument("--timeout", type=float, default=4 * 3600, help="seconds allowed per build")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (inputs and outputs)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        print(CHILD_MARK + json.dumps(child(json.loads(args.child))), flush=True)
        return 0

    if args.sizes:
        sizes = tuple(int(s) for s in args.sizes.split(",") if s.strip())
    else:
        sizes = QUICK_SIZES if args.quick else DEFAULT_SIZES
    stamp = time.strftime("%Y%m%dT%H%M%S")
    out = args.out or ROOT / "benchmarks" / "results" / f"bench-{stamp}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    args.profile_dir = out.parent
    if args.profile and importlib.util.find_spec("pyinstrument") is None:
        print(
            "--profile needs pyinstrument, which is not a dependency: pip install pyinstrument",
            file=sys.stderr,
        )
        return 2
    work = Path(tempfile.mkdtemp(prefix="compare-bench-"))
    report: dict[str, Any] = {
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": machine(),
        "options": {
            "sizes": list(sizes),
            "jobs": args.jobs,
            "trace": args.trace,
            "trace_up_to": args.trace_up_to,
            "seed": args.seed,
        },
        "runs": [],
        "growth": {},
    }

    def save() -> None:
        # After every build, so a long run that is stopped or crashes keeps what it measured.
        report["growth"] = growth_exponents(report["runs"])
        report["scale_targets"] = scale_targets(report["runs"], report["growth"])
        out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")

    bench = Bench(args, work, report["runs"], save)
    print(f"benchmark work directory {work}")
    try:
        if args.five:
            print("five plans:")
            bench.five_plans(args.source)
            print("five-plan targets (whole processes, best of 5):")
            report["targets"] = five_plan_targets(args.source, work, report["runs"])
            save()
        for size in sizes:
            print(f"corpus of {size}:")
            bench.corpus(args.source, size)
    except KeyboardInterrupt:
        print("\ninterrupted: writing what was measured")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    save()
    print_tables(report)
    print(f"results written to {out}")
    return 1 if any("error" in r for r in bench.runs) else 0


if __name__ == "__main__":
    sys.exit(main())
