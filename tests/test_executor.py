"""Per-plan work in parallel: same answers as one process, in order, one bad file does not sink the rest."""

from __future__ import annotations

import hashlib
import os
import re
import sys
import time
from pathlib import Path

import pytest

from compare import executor
from compare.executor import POOL_MIN_ITEMS, map_per_document

from .conftest import DOCS_IN, SEED_FILES

SEEDS = sorted(DOCS_IN / name for name in SEED_FILES.values())
CHAPTER = re.compile(r"^[一二三四五六七八九十]+、", re.M)


def profile(path: Path) -> tuple[str, str, int, int]:
    """What one worker computes for one plan: name, content hash, characters, chapters."""
    text = path.read_text(encoding="utf-8")
    if "broken" in path.name:
        raise ValueError(f"{path.name}: not a plan")
    return path.name, hashlib.sha256(text.encode()).hexdigest(), len(text), len(CHAPTER.findall(text))


def slow_square(x: int) -> tuple[int, int]:
    time.sleep(0.05 * ((7 * x) % 5))  # finishes out of order
    return x * x, os.getpid()


@pytest.fixture()
def always_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    """Use the pool even for a handful of items (the real threshold keeps small work in-process)."""
    monkeypatch.setattr(executor, "POOL_MIN_ITEMS", 2)


def test_results_come_back_in_order_from_a_pool(always_pool: None) -> None:
    results = map_per_document(slow_square, list(range(10)), jobs=2)
    assert [r[0] for r in results if isinstance(r, tuple)] == [x * x for x in range(10)]
    assert {r[1] for r in results if isinstance(r, tuple)} - {os.getpid()}, "ran in worker processes"


def test_a_failing_plan_is_returned_in_its_slot_and_the_others_go_on(
    tmp_path: Path, always_pool: None
) -> None:
    broken = tmp_path / "broken.txt"
    broken.write_text("not a plan", encoding="utf-8")
    items = [*SEEDS[:2], broken, *SEEDS[2:]]
    for jobs in (1, 2):
        results = map_per_document(profile, items, jobs=jobs)
        assert isinstance(results[2], ValueError) and "broken.txt: not a plan" in str(results[2])
        assert [r[0] for r in results if isinstance(r, tuple)] == [p.name for p in SEEDS]


def test_a_local_pool_gives_what_one_process_gives(always_pool: None) -> None:
    done: list[int] = []
    pooled = map_per_document(profile, SEEDS, jobs=2, progress=done.append)
    assert pooled == map_per_document(profile, SEEDS, jobs=1)
    assert done == list(range(1, len(SEEDS) + 1))
    assert all(isinstance(r, tuple) and r[3] >= 4 for r in pooled)  # every plan has its chapters


def test_small_work_runs_in_this_process() -> None:
    few = map_per_document(slow_square, list(range(POOL_MIN_ITEMS - 1)), jobs=4)
    assert {r[1] for r in few if isinstance(r, tuple)} == {os.getpid()}
    assert map_per_document(slow_square, [], jobs=4) == []


def test_a_lambda_cannot_go_to_a_pool_and_says_why(always_pool: None) -> None:
    with pytest.raises(TypeError, match="module-level function"):
        map_per_document(lambda p: p, SEEDS, jobs=2)


def analyse(path: Path) -> dict:
    from compare.analyse import analyse_file
    from compare.model import to_dict

    result: dict = to_dict(analyse_file(path, path.parent))
    return result


def test_the_real_analysis_is_the_same_in_a_pool(always_pool: None) -> None:
    for module in ("compare.ingest", "compare.outline", "compare.measures", "compare.topics"):
        pytest.importorskip(module, reason="the pipeline is not there yet")
    plans = [p for p in SEEDS if "chongqing" in p.name or "nantong" in p.name]  # the two quickest
    pooled = map_per_document(analyse, plans, jobs=2)
    assert not [r for r in pooled if isinstance(r, Exception)], pooled
    assert pooled == map_per_document(analyse, plans, jobs=1)


def test_without_dask_a_scheduler_address_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    with pytest.raises(RuntimeError, match=r"pip install 'compare\[dask\]'"):
        map_per_document(profile, SEEDS, jobs=1, scheduler="tcp://127.0.0.1:8786")


def test_a_dask_cluster_gives_what_the_local_run_gives(tmp_path: Path) -> None:
    distributed = pytest.importorskip("dask.distributed")
    broken = tmp_path / "broken.txt"
    broken.write_text("not a plan", encoding="utf-8")
    items = [*SEEDS, broken]
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        done: list[int] = []
        remote = map_per_document(
            profile, items, jobs=None, scheduler=cluster.scheduler_address, progress=done.append
        )
    local = map_per_document(profile, items, jobs=1)
    assert remote[:-1] == local[:-1]
    assert isinstance(remote[-1], ValueError) and str(remote[-1]) == str(local[-1])
    assert done == list(range(1, len(items) + 1))


def greedy(x: int) -> int:
    """Item 1 sleeps past any budget, item 2 asks for far more memory than allowed, item 3 dies."""
    if x == 1:
        time.sleep(60)
    if x == 2:
        block = bytearray(512 << 20)
        return len(block)
    if x == 3:
        os.kill(os.getpid(), 9)
    return x * x


@pytest.fixture(params=["forked", "spawned"])
def workers(request: pytest.FixtureRequest) -> str:
    """Both ways the executor runs items: forked per item (a handful), or a spawned pool (many)."""
    if request.param == "spawned":
        request.getfixturevalue("always_pool")
    return str(request.param)


@pytest.mark.usefixtures("workers")
def test_an_item_over_its_budget_is_named_and_the_others_go_on() -> None:
    budget = executor.Budget(seconds=2.0, memory=128 << 20)
    t0 = time.monotonic()
    results = map_per_document(greedy, [0, 1, 2, 3, 4, 5], jobs=2, budget=budget)
    assert time.monotonic() - t0 < 30
    assert results[0] == 0 and results[4] == 16 and results[5] == 25
    assert isinstance(results[1], executor.OverBudget) and "took more than 2 s" in str(results[1])
    assert isinstance(results[2], executor.OverBudget) and "needed more than 128 MB" in str(results[2])
    assert isinstance(results[3], RuntimeError) and "stopped (signal 9)" in str(results[3])


@pytest.mark.usefixtures("workers")
def test_work_meanwhile_runs_once_in_this_process_and_its_error_is_raised() -> None:
    ran: list[int] = []
    budget = executor.Budget()
    results = map_per_document(
        slow_square, [1, 2, 3], jobs=2, budget=budget, meanwhile=lambda: ran.append(os.getpid())
    )
    assert [r[0] for r in results if isinstance(r, tuple)] == [1, 4, 9] and ran == [os.getpid()]

    def fails() -> None:
        raise LookupError("no dictionary")

    with pytest.raises(LookupError, match="no dictionary"):
        map_per_document(slow_square, [1, 2, 3], jobs=2, budget=budget, meanwhile=fails)
    assert map_per_document(slow_square, [], jobs=2, meanwhile=lambda: ran.append(0)) == [] and ran[-1] == 0


ORPHANS = """
import sys, time
from pathlib import Path
from compare import executor
from tests.test_executor import record_and_sleep
executor.POOL_MIN_ITEMS = 2
executor.map_per_document(record_and_sleep, [sys.argv[1]] * 4, jobs=2, budget=executor.Budget(600, 1 << 30))
"""


def record_and_sleep(folder: str) -> None:
    Path(folder, str(os.getpid())).write_text("", encoding="utf-8")
    time.sleep(600)


def test_workers_die_with_a_killed_build(tmp_path: Path) -> None:
    import subprocess

    proc = subprocess.Popen([sys.executable, "-c", ORPHANS, str(tmp_path)], cwd=Path(__file__).parent.parent)
    deadline = time.monotonic() + 60
    while len(list(tmp_path.iterdir())) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    workers = [int(p.name) for p in tmp_path.iterdir()]
    assert len(workers) == 2
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]


def append_line(item: tuple[str, str]) -> None:
    """A helper's job: one line appended to a file (so the order the helper ran them in shows)."""
    path, line = item
    if line == "bad":
        raise ValueError(f"{path}: a bad line")
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(f"{line} {os.getpid()}\n")


def test_a_helper_runs_the_items_in_order_in_another_process(tmp_path: Path) -> None:
    out = tmp_path / "lines.txt"
    with executor.Beside(append_line, window=64) as helper:  # a small window: sending waits for answers
        for i in range(50):
            helper.send((str(out), f"line {i}"))
        helper.join()
    lines = out.read_text(encoding="utf-8").splitlines()
    assert [line.rsplit(" ", 1)[0] for line in lines] == [f"line {i}" for i in range(50)]
    assert {line.rsplit(" ", 1)[1] for line in lines} - {str(os.getpid())}, "ran in another process"


def test_a_helpers_error_is_raised_in_the_build_and_a_dead_helper_named(tmp_path: Path) -> None:
    out = str(tmp_path / "lines.txt")
    with executor.Beside(append_line) as helper:
        helper.send((out, "bad"))
        with pytest.raises(ValueError, match="a bad line"):
            helper.join()
        helper.send((out, "after"))
        helper.join()  # the helper goes on after an item's error
        assert helper.slot is not None
        helper.slot.process.kill()
        helper.slot.process.join(5)
        with pytest.raises(RuntimeError, match=r"the helper process stopped \(exit code -9\)"):
            helper.send((out, "lost"))
            helper.join()
    assert Path(out).read_text(encoding="utf-8").startswith("after ")
