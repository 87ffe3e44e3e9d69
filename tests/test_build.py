"""The user's story of a build: plans in, reports out, cheap regeneration, bad files named."""

from __future__ import annotations

import csv
import json
import os
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
        [
            sys.executable,
            "-m",
            "compare",
            "build",
            "--input",
            str(plans_dir),
            "--output",
            str(out),
            "--jobs",
            "1",
        ],
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
