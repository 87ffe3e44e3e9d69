"""Task sessions: `nox -s report`, `nox -s tests`, `nox -s lint`, `nox -s bench`, `nox -s golden`.

Run through ./bootstrap.sh on a fresh machine: it installs the system packages and nox first.
"""

from __future__ import annotations

import nox

nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["tests"]
nox.options.error_on_missing_interpreters = True


@nox.session(python="3.11")
def report(session: nox.Session) -> None:
    """Build the reports from docs_in/ into reports/ (extra args go to `policy-compare build`)."""
    session.install("-e", ".")
    session.run("policy-compare", "build", *session.posargs)


@nox.session(python="3.11")
def tests(session: nox.Session) -> None:
    """Run the test suite (extra args go to pytest)."""
    session.install("-e", ".[test,dask]")
    session.run("pytest", *(session.posargs or ["-q"]))


@nox.session(python="3.11")
def lint(session: nox.Session) -> None:
    """ruff (lint and format check) and mypy."""
    session.install("-e", ".[test]")
    session.run("ruff", "check", "compare", "tests", "benchmarks", "noxfile.py")
    session.run("ruff", "format", "--check", "compare", "tests", "benchmarks", "noxfile.py")
    session.run("mypy")


@nox.session(python="3.11")
def bench(session: nox.Session) -> None:
    """Benchmarks: time and peak memory per stage, against corpus size."""
    session.install("-e", ".[dask,bench]")
    session.run("python", "benchmarks/run.py", *session.posargs)


@nox.session(python="3.11")
def golden(session: nox.Session) -> None:
    """Golden-output check: the five plans and a 50-plan corpus built and hashed (id masked) against
    benchmarks/golden.json; `-- --record` after an intended change of the output."""
    session.install("-e", ".[bench]")
    session.run("python", "benchmarks/golden.py", *session.posargs)
