"""The user's story of a build: plans in, reports out, cheap regeneration, bad files named."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from compare.build import build
from compare.cli import cli
from compare.config import Settings

from .conftest import DOCS_IN, SEED_FILES


def _settings(inp: Path, out: Path, formats: tuple[str, ...] = ("data",)) -> Settings:
    return Settings(input_dir=inp, output_dir=out, formats=formats, jobs=1)


def _build_command(inp: Path, out: Path, *extra: str) -> list[str]:
    """`python -m compare build` as a user runs it, one job (a process the test can stop or read)."""
    return [
        sys.executable,
        "-m",
        "compare",
        "build",
        "--input",
        str(inp),
        "--output",
        str(out),
        *extra,
        "--jobs",
        "1",
    ]


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture()
def plans_dir(tmp_path: Path) -> Path:
    d = tmp_path / "docs_in"
    shutil.copytree(DOCS_IN, d)
    return d


def test_build_writes_documents_and_sections_for_the_five_plans(plans_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "reports"
    result = build(_settings(plans_dir, out))
    assert result.exit_code == 0, result.failed
    docs = _read_csv(out / "data" / "documents.csv")
    assert sorted(d["source_file"] for d in docs) == sorted(SEED_FILES.values())
    assert all(d["title"] and d["display_name"] for d in docs)
    sections = _read_csv(out / "data" / "sections.csv")
    raw = {d["plan_id"]: (plans_dir / d["source_file"]).read_text(encoding="utf-8") for d in docs}
    for s in sections:
        # every section can be found again in the source by its offsets
        span = raw[s["plan_id"]][int(s["start"]) : int(s["end"])]
        assert span.strip(), s["section_id"]
    manifest = json.loads((out / "data" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["build_id"] == result.build_id
    assert set(manifest["inputs"]) == set(SEED_FILES.values())
    data = json.loads((out / "data" / "comparison.json").read_text(encoding="utf-8"))
    assert len(data["documents"]) == 5 and len(data["sections"]) == len(sections)


def test_no_change_rebuild_does_nothing_and_rewrites_nothing(plans_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "reports"
    first = build(_settings(plans_dir, out))
    target = (out / "data" / "documents.csv").resolve()
    mtime = target.stat().st_mtime_ns
    second = build(_settings(plans_dir, out))
    assert not second.changed and second.build_id == first.build_id
    assert target.stat().st_mtime_ns == mtime
    assert (out / "data" / "documents.csv").resolve() == target


def test_renamed_file_keeps_its_results_and_removed_plan_disappears(plans_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "reports"
    build(_settings(plans_dir, out))
    first = sorted(SEED_FILES.values())[0]
    (plans_dir / first).rename(plans_dir / ("renamed-" + first))
    (plans_dir / sorted(SEED_FILES.values())[1]).unlink()
    result = build(_settings(plans_dir, out))
    assert result.changed and result.cache_hits == 4
    names = [d["source_file"] for d in _read_csv(out / "data" / "documents.csv")]
    assert "renamed-" + first in names and len(names) == 4
    assert sorted(SEED_FILES.values())[1] not in names


def test_bad_files_are_named_and_the_others_still_compared(plans_dir: Path, tmp_path: Path) -> None:
    (plans_dir / "empty.txt").write_bytes(b"")
    (plans_dir / "junk.txt").write_bytes(bytes(range(256)) * 40)
    first = sorted(SEED_FILES.values())[0]
    shutil.copy(plans_dir / first, plans_dir / "copy of the same plan.txt")
    (plans_dir / "notes.odt").write_bytes(b"PK\x03\x04")
    out = tmp_path / "reports"
    result = build(_settings(plans_dir, out))
    assert result.exit_code == 1
    reasons = {f.source_file: f.reason for f in result.failed}
    assert set(reasons) == {"empty.txt", "junk.txt", "copy of the same plan.txt", "notes.odt"}
    assert "duplicate" in reasons["copy of the same plan.txt"]
    assert len(result.plans) == 5
    failed_csv = _read_csv(out / "data" / "failed.csv")
    assert {r["source_file"] for r in failed_csv} == set(reasons)


def test_cli_exit_codes_and_a_bad_plan_catalogue_keeps_the_last_report(
    plans_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "reports"
    runner = CliRunner()
    args = ["build", "--input", str(plans_dir), "--output", str(out), "--format", "data", "--jobs", "1"]
    ok = runner.invoke(cli, args)
    assert ok.exit_code == 0, ok.output
    good = (out / "data" / "documents.csv").read_bytes()
    (plans_dir / "catalogue.yaml").write_text("plans:\n  a: [unclosed\n", encoding="utf-8")
    bad = runner.invoke(cli, args)
    assert bad.exit_code == 2
    assert (out / "data" / "documents.csv").read_bytes() == good
    usage = runner.invoke(cli, [*args, "--format", "nonsense"])
    assert usage.exit_code == 2


def test_inspect_shows_metadata_and_outline(capsys: pytest.CaptureFixture[str]) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["inspect", str(DOCS_IN / SEED_FILES["004_1dfda3257b40adf7.txt"])])
    assert result.exit_code == 0, result.output
    assert "渝自贸办〔2021〕3号" in result.output
    assert "outline" in result.output and "measures" in result.output


def test_a_build_killed_midway_leaves_the_previous_report_intact(plans_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "reports"
    build(_settings(plans_dir, out))
    before = (out / "data" / "documents.csv").read_bytes()
    (plans_dir / "extra.txt").write_text(
        (plans_dir / sorted(SEED_FILES.values())[2]).read_text() + "\n附加。"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    proc = subprocess.Popen(
        _build_command(plans_dir, out),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # Kill it once it has started writing a release (or after a while, whichever first).
    deadline = time.monotonic() + 60
    releases = out / "releases"
    while time.monotonic() < deadline and proc.poll() is None:
        if any(p.name.endswith(".partial") for p in releases.iterdir()):
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert (out / "data" / "documents.csv").read_bytes() == before
    # and the next build recovers
    result = build(_settings(plans_dir, out))
    assert result.changed and len(result.plans) == 6  # extra.txt is no duplicate: it has an added line


def _encrypted_pdf(path: Path) -> None:
    from pypdf import PdfWriter

    w = PdfWriter()
    w.add_blank_page(width=200, height=200)
    w.encrypt("secret", algorithm="AES-128")
    with path.open("wb") as fh:
        w.write(fh)


def _blank_pdf(path: Path) -> None:
    from pypdf import PdfWriter

    w = PdfWriter()
    w.add_blank_page(width=200, height=200)
    with path.open("wb") as fh:
        w.write(fh)


def _zip_bomb_docx(path: Path) -> None:
    import zipfile

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "0" * (300 * 1024 * 1024))


@pytest.mark.slow
def test_every_kind_of_bad_input_is_named_and_the_plans_are_still_compared(
    plans_dir: Path, tmp_path: Path, corpus_paths: list[Path]
) -> None:
    """The bad-input list of the robustness issue, all in one docs_in/ next to the five good plans."""
    d = plans_dir
    (d / "empty.txt").write_bytes(b"")
    (d / "binary junk.txt").write_bytes(bytes(range(256)) * 64)
    (d / "latin1.txt").write_bytes(("Éléments de la politique économique " * 40).encode("latin-1"))
    seed = (d / sorted(SEED_FILES.values())[0]).read_text(encoding="utf-8")
    (d / "duplicate in GB18030.txt").write_bytes(seed.encode("gb18030"))  # same plan, other encoding
    (d / "huge.txt").write_text(seed * (20_000_000 // len(seed.encode()) + 1), encoding="utf-8")
    (d / "not a zip.docx").write_bytes(b"this is no word document")
    _zip_bomb_docx(d / "bomb.docx")
    _encrypted_pdf(d / "encrypted.pdf")
    _blank_pdf(d / "scanned.pdf")
    # files that are fine and must be compared, whatever their name or shape:
    no_outline = next(p for p in corpus_paths if "boao" in p.name)  # a 决定 with no numbered outline
    shutil.copy(no_outline, d / "博鳌 先行区 决定.txt")
    (d / "hostile page.html").write_text(
        "<html><head><script>document.title='pwned'</script></head><body>"
        "<iframe src='file:///etc/passwd'></iframe><img src='http://example.invalid/x.png'>"
        "<img src='file:///etc/hostname'><nav>首页 | 新闻</nav>"
        + "".join(f"<p>{line}</p>" for line in corpus_paths[0].read_text(encoding="utf-8").splitlines())
        + "<script>alert('x')</script></body></html>",
        encoding="utf-8",
    )
    outside = tmp_path / "outside.txt"
    outside.write_text(seed, encoding="utf-8")
    (d / "link-to-outside.txt").symlink_to(outside)

    out = tmp_path / "reports"
    result = build(Settings(input_dir=d, output_dir=out, formats=("data", "html")))
    reasons = {f.source_file: f.reason for f in result.failed}
    expected_failed = {
        "empty.txt": "empty",
        "binary junk.txt": "binary",
        "latin1.txt": "encoding",
        "duplicate in GB18030.txt": "duplicate",
        "huge.txt": "too long",
        "not a zip.docx": "zip",
        "bomb.docx": "zip bomb",
        "encrypted.pdf": "encrypted",
        "scanned.pdf": "text layer",
        "link-to-outside.txt": "outside",
    }
    assert set(reasons) == set(expected_failed), reasons
    for name, word in expected_failed.items():
        assert word in reasons[name].lower(), (name, reasons[name])
    assert result.exit_code == 1
    assert len(result.plans) == 7  # the five seeds, the no-outline decision and the hostile html page
    assert any("no recognisable outline" in w for w in result.warnings)
    listed = {r["source_file"] for r in _read_csv(out / "data" / "failed.csv")}
    assert listed == set(expected_failed)
    site = "".join(p.read_text(encoding="utf-8") for p in (out / "site").rglob("*.html"))
    assert "pwned" not in site and "alert('x')" not in site and "/etc/passwd" not in site
    assert all(name in site for name in ("binary junk.txt", "scanned.pdf"))  # the report lists them


def test_a_second_build_on_the_same_output_stops_with_a_clear_message(
    plans_dir: Path, tmp_path: Path
) -> None:
    from compare.lock import build_lock

    out = tmp_path / "reports"
    args = ["build", "--input", str(plans_dir), "--output", str(out), "--format", "data"]
    with build_lock(out):  # a scheduled build is running
        second = CliRunner().invoke(cli, args)
    assert second.exit_code == 2
    assert "another build is running" in second.output
    assert not (out / "current").exists()


def test_the_build_is_dated_by_source_date_epoch_else_by_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import UTC, datetime

    from compare.build import created

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1714550400")
    assert created() == "2024-05-01T08:00:00Z"
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    before = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert before <= created() <= datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_the_summary_reads_well_in_a_narrow_terminal_and_in_a_pipe(plans_dir: Path, tmp_path: Path) -> None:
    """COLUMNS=60, output piped (as cron or `| less` sees it): every line fits, one stage time a
    line, no column cut to 'an… in… ou…'."""
    done = subprocess.run(
        _build_command(plans_dir, tmp_path / "r", "--format", "data"),
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "COLUMNS": "60", "CI": ""},
        cwd=Path(__file__).resolve().parents[1],
    )
    print("\n" + done.stdout)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("Build ")
    assert all(len(line) <= 60 for line in lines if str(tmp_path) not in line), lines
    assert "…" not in done.stdout
    timed = [m.groups() for m in (re.match(r"\s+([a-z]+)\s+(\d+\.\d\d) s\b", line) for line in lines) if m]
    assert {"analyse", "ingest", "align", "gaps", "publish"} <= {stage for stage, _ in timed}, lines
    assert done.stderr == ""  # no progress bars when not a terminal


def test_a_helper_process_writes_what_the_build_process_writes(
    plans_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From ``helper_plans`` plans on (templates/report.yaml; lowered here to the five) and with two
    cores, a helper process writes the data files and renders the pages while the build goes on: the
    same files with the same contents as a build that does it all itself."""
    import dataclasses
    import sqlite3

    from compare import executor
    from compare.render.view import settings as view_settings

    real = view_settings.load_report_settings()
    monkeypatch.setattr(
        view_settings, "load_report_settings", lambda: dataclasses.replace(real, html_helper_plans=5)
    )
    started: list[object] = []

    class Recorded(executor.Beside):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            started.append(self)

    monkeypatch.setattr(executor, "Beside", Recorded)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    outs = {}
    for jobs in (1, 2):
        out = tmp_path / f"jobs{jobs}"
        settings = Settings(input_dir=plans_dir, output_dir=out, formats=("html", "data"), jobs=jobs)
        assert not build(settings).failed
        assert len(started) == jobs - 1, "a helper only with two cores"
        files = [p for p in (out / "current").rglob("*") if p.is_file() and p.name != ".release.json"]
        outs[jobs] = {p.relative_to(out).as_posix(): p for p in files}
    assert outs[1].keys() == outs[2].keys() and len(outs[1]) > 50
    for name, path in outs[1].items():
        other = outs[2][name]
        if name.endswith(".sqlite"):
            dumps = ["\n".join(sqlite3.connect(p).iterdump()) for p in (path, other)]
            assert dumps[0] == dumps[1], name
        elif not name.endswith(".xlsx"):  # a zip: its members' times
            assert path.read_bytes() == other.read_bytes(), name
