"""Where the test data lives, importable without pytest (conftest and render_fixture share it)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS_IN = ROOT / "docs_in"
GOLD_DIR = Path(__file__).resolve().parent / "gold"
CORPUS_DIR = Path(__file__).resolve().parent / "data" / "corpus"

# Gold files name the seeds as published in shared/seeds; docs_in/ holds them under readable names.
SEED_FILES = {
    "000_0ab2cbae05243f0f.txt": "2021-yunnan-ftz-linked-etdz-plan.txt",
    "001_5b7ad4bae4d750b9.txt": "2019-lincang-hightech-zone-opinions.txt",
    "002_06345e5d4fc3fac7.txt": "2021-kunming-development-zones-opinions.txt",
    "003_2777ea43c985abc2.txt": "2023-nantong-etdz-innovation-plan.txt",
    "004_1dfda3257b40adf7.txt": "2021-chongqing-ftz-linked-zones-plan.txt",
}
