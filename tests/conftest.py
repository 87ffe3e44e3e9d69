"""Shared fixtures: the seed plans in docs_in/, the gold labels, the corpus."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pytest

from compare.analyse import analyse_file
from compare.model import Alignment, PlanAnalysis

from .seeds import CORPUS_DIR, DOCS_IN, GOLD_DIR, ROOT, SEED_FILES

__all__ = ["CORPUS_DIR", "DOCS_IN", "GOLD_DIR", "ROOT", "SEED_FILES"]


def seed_path(gold_name: str) -> Path:
    return DOCS_IN / SEED_FILES[gold_name]


def plan_id(gold_name: str) -> str:
    """The plan id the build gives a seed (its docs_in/ file name without suffix)."""
    return Path(SEED_FILES[gold_name]).stem


@lru_cache(maxsize=1)
def _seed_plans() -> tuple[PlanAnalysis, ...]:
    return tuple(analyse_file(DOCS_IN / f, DOCS_IN) for f in sorted(SEED_FILES.values()))


def seed_plans() -> list[PlanAnalysis]:
    """The five seed plans through the real per-document stages, as the build runs them (computed once)."""
    return list(_seed_plans())


@lru_cache(maxsize=1)
def seed_alignment() -> Alignment:
    from compare.align import align
    from compare.align.catalogue import load_catalogue

    return align(seed_plans(), load_catalogue())


def load_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="session")
def seed_paths() -> dict[str, Path]:
    """gold seed name -> path of the plan in docs_in/."""
    return {g: DOCS_IN / f for g, f in SEED_FILES.items()}


@pytest.fixture(scope="session")
def gold_documents() -> list[dict]:
    return json.loads((GOLD_DIR / "documents.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def gold_provisions() -> list[dict]:
    return load_jsonl(GOLD_DIR / "provisions.jsonl")


@pytest.fixture(scope="session")
def gold_pairs() -> list[dict]:
    return load_jsonl(GOLD_DIR / "pairs.jsonl")


@pytest.fixture(scope="session")
def corpus_paths() -> list[Path]:
    return sorted(CORPUS_DIR.glob("*.txt"))
