"""The cache of per-plan analyses: a rebuild reuses them, and never trusts a damaged or outdated one."""

from __future__ import annotations

import hashlib
import multiprocessing
import re
import sqlite3
import zlib
from pathlib import Path

import pytest

from compare.cache import DB_NAME, AnalysisCache
from compare.config import code_version
from compare.model import CleanText, Document, Measure, Metadata, PlanAnalysis, Section, Target, TopicTag

from .conftest import DOCS_IN, SEED_FILES

VERSIONS = {"code": "c1", "codebook": "k1", "catalogue": "a1"}
CHAPTER = re.compile(r"^[一二三四五六七八九十]+、.*$", re.M)


def analysis_of(path: Path) -> PlanAnalysis:
    """A PlanAnalysis of a real plan: by the pipeline when it exists, else built by hand from its chapters."""
    try:
        from compare.analyse import analyse_file

        return analyse_file(path, path.parent)
    except ImportError:
        pass
    raw = path.read_text(encoding="utf-8")
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    doc = Document(
        plan_id=path.stem,
        source_file=path.name,
        sha256=sha,
        format="txt",
        encoding="utf-8",
        raw_text=raw,
        clean=CleanText(text=raw, runs=[(0, 0, len(raw))], match=raw),
        noise=[],
        metadata=Metadata(title=raw.splitlines()[0], doc_number="临办发〔2019〕5号"),
    )
    sections, measures = [], []
    for seq, m in enumerate(CHAPTER.finditer(raw), 1):
        sid = f"{doc.plan_id}/s{seq:03d}"
        label, heading = m.group(0).split("、", 1)
        sections.append(
            Section(sid, doc.plan_id, seq, label, label + "、", 1, "cn-dun", heading, m.start(), m.end(),
                    m.start(), m.end(), m.group(0))
        )  # fmt: skip
        measures.append(
            Measure(f"{sid}/m1", doc.plan_id, sid, label, heading, "measure", m.group(0), m.start(), m.end(),
                    m.start(), m.end(), topics=[TopicTag("investment", 0.8, ["招商"])],
                    bindingness="directive", targets=[Target("200万元", 2e6, "元", 2025, m.start(), m.end())])
        )  # fmt: skip
    return PlanAnalysis(document=doc, sections=sections, measures=measures)


@pytest.fixture(scope="module")
def plan() -> PlanAnalysis:
    return analysis_of(DOCS_IN / SEED_FILES["001_5b7ad4bae4d750b9.txt"])


def test_a_stored_analysis_comes_back_equal(tmp_path: Path, plan: PlanAnalysis) -> None:
    with AnalysisCache(tmp_path / "cache", VERSIONS) as cache:
        assert cache.get(plan.document.sha256) is None
        cache.put(plan.document.sha256, plan)
        assert cache.get(plan.document.sha256) == plan
    # and after reopening: it is on disk
    with AnalysisCache(tmp_path / "cache", VERSIONS) as cache:
        again = cache.get(plan.document.sha256)
    assert again == plan
    assert again is not None and again.document.clean.runs == plan.document.clean.runs


def test_a_database_file_name_is_accepted_too(tmp_path: Path, plan: PlanAnalysis) -> None:
    with AnalysisCache(tmp_path / "cache" / "analysis.sqlite", VERSIONS) as cache:
        cache.put(plan.document.sha256, plan)
    assert (tmp_path / "cache" / "analysis.sqlite").is_file()


def test_a_new_codebook_catalogue_or_code_version_misses(tmp_path: Path, plan: PlanAnalysis) -> None:
    sha = plan.document.sha256
    with AnalysisCache(tmp_path, VERSIONS) as cache:
        cache.put(sha, plan)
    for key in VERSIONS:
        with AnalysisCache(tmp_path, {**VERSIONS, key: "changed"}) as cache:
            assert cache.get(sha) is None, key
    with AnalysisCache(tmp_path, dict(reversed(VERSIONS.items()))) as cache:
        assert cache.get(sha) == plan  # the order of the keys does not matter


def _rows(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM analyses").fetchone()[0])


@pytest.mark.parametrize(
    "damage",
    [
        "garbage bytes",
        "garbage with a matching checksum",
        "valid zlib, bad json",
        "older schema",
        "another file's analysis",
    ],
)
def test_a_damaged_row_is_a_miss_and_is_removed(tmp_path: Path, plan: PlanAnalysis, damage: str) -> None:
    sha = plan.document.sha256
    with AnalysisCache(tmp_path, VERSIONS) as cache:
        cache.put(sha, plan)
    db = tmp_path / DB_NAME
    with sqlite3.connect(db) as conn:
        payload, checksum = conn.execute("SELECT payload, checksum FROM analyses").fetchone()
        if damage == "garbage bytes":
            payload = bytes(range(256)) * 4
        elif damage == "garbage with a matching checksum":
            payload = b"\x00not zlib at all"
            checksum = hashlib.sha256(payload).hexdigest()
        elif damage == "valid zlib, bad json":
            payload = zlib.compress(b'{"schema": 1, "value": {"document": ')
            checksum = hashlib.sha256(payload).hexdigest()
        elif damage == "older schema":
            payload = zlib.compress(zlib.decompress(payload).replace(b'"schema":1', b'"schema":0', 1))
            checksum = hashlib.sha256(payload).hexdigest()
        else:
            other = "0" * 64
            conn.execute("UPDATE analyses SET sha256=?", (other,))
            sha = other
        conn.execute("UPDATE analyses SET payload=?, checksum=?", (payload, checksum))
    with AnalysisCache(tmp_path, VERSIONS) as cache:
        assert cache.get(sha) is None
    assert _rows(db) == 0


def test_a_corrupt_database_file_is_moved_aside_and_recreated(tmp_path: Path, plan: PlanAnalysis) -> None:
    db = tmp_path / DB_NAME
    with AnalysisCache(tmp_path, VERSIONS) as cache:
        cache.put(plan.document.sha256, plan)
    db.write_bytes(b"this is not an SQLite database" * 100)
    for side in tmp_path.glob(DB_NAME + "-*"):
        side.unlink()
    with pytest.warns(RuntimeWarning, match="unreadable"), AnalysisCache(tmp_path, VERSIONS) as cache:
        assert cache.get(plan.document.sha256) is None
        cache.put(plan.document.sha256, plan)
        assert cache.get(plan.document.sha256) == plan
    aside = list(tmp_path.glob(DB_NAME + ".corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes().startswith(b"this is not")


def test_a_database_of_another_schema_is_moved_aside_and_recreated(
    tmp_path: Path, plan: PlanAnalysis
) -> None:
    db = tmp_path / DB_NAME
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE analyses (id INTEGER PRIMARY KEY, blob BLOB)")
    con.execute("INSERT INTO analyses (blob) VALUES (x'00')")
    con.commit()
    con.close()
    with pytest.warns(RuntimeWarning, match="another schema"), AnalysisCache(tmp_path, VERSIONS) as cache:
        cache.put(plan.document.sha256, plan)
        assert cache.get(plan.document.sha256) == plan
    assert len(list(tmp_path.glob(DB_NAME + ".corrupt-*"))) == 1


def test_a_file_where_the_cache_folder_goes_is_moved_aside(tmp_path: Path, plan: PlanAnalysis) -> None:
    where = tmp_path / ".cache"
    where.write_text("a file of the user's", encoding="utf-8")
    with pytest.warns(RuntimeWarning, match="not a folder"), AnalysisCache(where, VERSIONS) as cache:
        cache.put(plan.document.sha256, plan)
        assert cache.get(plan.document.sha256) == plan
    (aside,) = tmp_path.glob(".cache.corrupt-*")
    assert aside.read_text(encoding="utf-8") == "a file of the user's"


def test_prune_keeps_only_the_plans_still_present(tmp_path: Path, plan: PlanAnalysis) -> None:
    with AnalysisCache(tmp_path, VERSIONS) as cache:
        for sha in ("a" * 64, "b" * 64, plan.document.sha256):
            cache.put(sha, plan if sha == plan.document.sha256 else _relabelled(plan, sha))
        assert len(cache) == 3
        assert cache.prune([plan.document.sha256, "c" * 64]) == 2
        assert len(cache) == 1 and plan.document.sha256 in cache


def _relabelled(plan: PlanAnalysis, sha: str) -> PlanAnalysis:
    from dataclasses import replace

    return replace(plan, document=replace(plan.document, sha256=sha))


def test_code_version_is_a_stable_hash_of_the_package() -> None:
    assert re.fullmatch(r"[0-9a-f]{16}", code_version())
    assert code_version() == code_version()


def _read_many(args: tuple[str, str, int]) -> int:
    directory, sha, times = args
    hits = 0
    with AnalysisCache(Path(directory), VERSIONS) as cache:
        for _ in range(times):
            hits += cache.get(sha) is not None
    return hits


def test_two_processes_read_at_once_while_a_third_writes(tmp_path: Path, plan: PlanAnalysis) -> None:
    sha = plan.document.sha256
    with AnalysisCache(tmp_path, VERSIONS) as cache:
        cache.put(sha, plan)
        ctx = multiprocessing.get_context("spawn")
        with ctx.Pool(2) as pool:
            pending = pool.map_async(_read_many, [(str(tmp_path), sha, 40)] * 2)
            for k in range(20):  # writes in this process meanwhile: readers never see a torn row
                cache.put(f"{k:064x}", _relabelled(plan, f"{k:064x}"))
            assert pending.get(timeout=60) == [40, 40]
        assert len(cache) == 21
