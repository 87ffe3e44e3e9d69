"""Synthetic corpora for the benchmarks: plausible plans, numbered correctly, the same for the same seed."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import cn2an
import pytest

from .conftest import DOCS_IN, ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from synth import cn_numeral, generate_corpus

CHAPTER = re.compile(r"^([一二三四五六七八九十]+)、\S")
CN_ITEM = re.compile(r"^[(（]([一二三四五六七八九十]+)[)）]\S")
NUM_ITEM = re.compile(r"^(\d+)\.\S")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return generate_corpus(DOCS_IN, tmp_path_factory.mktemp("synth"), 12, seed=7)


def test_the_same_seed_gives_the_same_plans_and_another_seed_others(
    tmp_path: Path, corpus: list[Path]
) -> None:
    again = generate_corpus(DOCS_IN, tmp_path / "again", 12, seed=7)
    assert [p.name for p in again] == [p.name for p in corpus]
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in corpus]
    other = generate_corpus(DOCS_IN, tmp_path / "other", 3, seed=8)
    assert [p.read_bytes() for p in other] != [p.read_bytes() for p in corpus[:3]]
    # a bigger corpus starts with the smaller one, so sizes compare like with like
    assert [p.read_bytes() for p in generate_corpus(DOCS_IN, tmp_path / "five", 5, seed=7)] == [
        p.read_bytes() for p in corpus[:5]
    ]


def test_n_files_of_realistic_size_with_new_titles(corpus: list[Path]) -> None:
    assert len(corpus) == 12 and all(p.is_file() for p in corpus)
    texts = [p.read_text(encoding="utf-8") for p in corpus]
    assert all(5_000 <= len(t) <= 25_000 for t in texts), [len(t) for t in texts]
    titles = {next(line for line in t.splitlines() if "发布时间" not in line) for t in texts}
    assert len(titles) >= 10  # places, zones and title patterns vary
    assert all(re.search(r"〔20\d\d〕\d+号", t) for t in texts)  # every plan has a 文号


def test_each_plan_has_a_correctly_numbered_outline(corpus: list[Path]) -> None:
    for path in corpus:
        lines = path.read_text(encoding="utf-8").splitlines()
        # items are (一) with 1. under them, or 1. with (1) under them
        item = CN_ITEM if any(CN_ITEM.match(line) for line in lines) else NUM_ITEM
        chapters: list[int] = []
        items: list[tuple[int, int]] = []
        for line in lines:
            if m := CHAPTER.match(line):
                chapters.append(int(cn2an.cn2an(m.group(1), "strict")))
            elif m := item.match(line):
                items.append((len(chapters), int(cn2an.cn2an(m.group(1), "smart"))))
        assert len(chapters) >= 4 and chapters == list(range(1, len(chapters) + 1)), path.name
        assert len(items) >= 10, path.name
        numbers = [n for _, n in items]
        per_chapter = [[n for c, n in items if c == k] for k in sorted({c for c, _ in items})]
        continuous = numbers == list(range(1, len(numbers) + 1))
        restarting = all(ns == list(range(1, len(ns) + 1)) for ns in per_chapter)
        assert continuous or restarting, (path.name, numbers[:30])


def test_chinese_numerals() -> None:
    assert [cn_numeral(n) for n in (1, 10, 11, 17, 20, 24, 99, 100, 105, 110)] == [
        "一", "十", "十一", "十七", "二十", "二十四", "九十九", "一百", "一百零五", "一百一十",
    ]  # fmt: skip
    assert all(cn2an.cn2an(cn_numeral(n), "strict") == n for n in range(1, 1000))


def test_the_real_pipeline_reads_them_as_plans(corpus: list[Path]) -> None:
    try:
        from compare.ingest import read_document
        from compare.outline import parse_outline
    except ImportError:
        pytest.skip("the ingest and outline stages are not there yet")
    for path in corpus[:3]:
        doc = read_document(path, path.parent)
        sections = parse_outline(doc)
        top = [s for s in sections if s.level == 1]
        assert len(top) >= 4, path.name
        assert len([s for s in sections if s.level >= 2]) >= 10, path.name
