"""The code stays as the house asks: ruff-clean, ruff-formatted, and type-checked by mypy."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from .seeds import ROOT

TARGETS = ["compare", "tests", "benchmarks", "noxfile.py"]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=600)


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff not installed (pip install -e '.[test]')")
def test_ruff_finds_nothing_and_the_code_is_formatted() -> None:
    check = _run("ruff", "check", *TARGETS)
    assert check.returncode == 0, check.stdout + check.stderr
    fmt = _run("ruff", "format", "--check", *TARGETS)
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr


@pytest.mark.slow
def test_mypy_finds_no_type_errors() -> None:
    pytest.importorskip("mypy")
    result = _run(sys.executable, "-m", "mypy")
    assert result.returncode == 0, result.stdout + result.stderr
