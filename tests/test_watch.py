"""Watching docs_in/: plans dropped in are picked up once things settle, one rebuild per batch."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import compare.watch as watch_module
from compare.watch import is_ignored, watch

from .conftest import DOCS_IN, SEED_FILES

DEBOUNCE = 0.3
SEEDS = [DOCS_IN / name for name in SEED_FILES.values()]


class Watcher:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.rebuilds: list[float] = []
        self.lines: list[str] = []
        self.fail_next = False

    def rebuild(self) -> None:
        self.rebuilds.append(time.monotonic())
        for path in self.directory.iterdir():  # a build reads every plan: reading is not a change
            if path.is_file():
                path.read_bytes()
        if self.fail_next:
            self.fail_next = False
            raise ValueError("codebook.yaml line 3: bad topic")

    def wait_for(self, n: int, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.rebuilds) < n and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.rebuilds) >= n, f"{len(self.rebuilds)} rebuilds after {timeout} s, expected {n}"

    def settle(self) -> None:
        """Long enough that a second (wrong) rebuild would have happened."""
        time.sleep(DEBOUNCE * 3)


@contextmanager
def watching(directory: Path, polling: bool | None = None, **kw: object) -> Iterator[Watcher]:
    w = Watcher(directory)
    stop, started = threading.Event(), threading.Event()
    thread = threading.Thread(
        target=watch,
        args=(directory, w.rebuild),
        kwargs={"debounce": DEBOUNCE, "polling": polling, "stop": stop, "log": w.lines.append,
                "on_start": started.set, **kw},
    )  # fmt: skip
    thread.start()
    try:
        assert started.wait(10), "the watcher did not start"
        yield w
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive(), "watch() did not return after stop was set"


def copy_plans(directory: Path, count: int, gap: float = 0.02) -> None:
    for i in range(count):
        src = SEEDS[i % len(SEEDS)]
        shutil.copy(src, directory / f"{i:02d}-{src.name}")
        time.sleep(gap)


def test_dropping_a_plan_in_triggers_one_rebuild(tmp_path: Path) -> None:
    with watching(tmp_path) as w:
        copy_plans(tmp_path, 1)
        w.wait_for(1)
        w.settle()
    assert len(w.rebuilds) == 1
    assert any("native" in line for line in w.lines)


def test_copying_ten_plans_quickly_gives_exactly_one_rebuild(tmp_path: Path) -> None:
    with watching(tmp_path) as w:
        t0 = time.monotonic()
        copy_plans(tmp_path, 10)
        last_copy = time.monotonic()
        w.wait_for(1)
        w.settle()
    assert len(w.rebuilds) == 1
    assert last_copy - t0 > 0.1 and w.rebuilds[0] - last_copy >= DEBOUNCE * 0.9  # waited for quiet


def test_a_failing_rebuild_is_logged_and_the_next_change_still_rebuilds(tmp_path: Path) -> None:
    with watching(tmp_path) as w:
        w.fail_next = True
        copy_plans(tmp_path, 1)
        w.wait_for(1)
        (tmp_path / "00-extra.txt").write_text("一、总体要求\n", encoding="utf-8")
        w.wait_for(2)
        w.settle()
    assert len(w.rebuilds) == 2
    assert any("rebuild failed: ValueError: codebook.yaml line 3" in line for line in w.lines)


def test_deleting_and_renaming_plans_rebuild_too(tmp_path: Path) -> None:
    copy_plans(tmp_path, 2)
    first, second = sorted(tmp_path.iterdir())
    with watching(tmp_path) as w:
        first.unlink()
        w.wait_for(1)
        second.rename(tmp_path / "renamed.txt")
        w.wait_for(2)
        w.settle()
    assert len(w.rebuilds) == 2


def test_partial_downloads_editor_and_hidden_files_are_ignored(tmp_path: Path) -> None:
    with watching(tmp_path) as w:
        for name in (
            "plan.txt.crdownload",
            "plan.txt.part",
            ".plan.txt.swp",
            "plan.txt~",
            ".DS_Store",
            "~$plan.docx",
        ):
            (tmp_path / name).write_text("…", encoding="utf-8")
        (tmp_path / ".git").mkdir()
        (tmp_path / ".git" / "index").write_text("x", encoding="utf-8")
        w.settle()
        assert w.rebuilds == []
        # the download finishes: renamed to its real name, which is a plan
        (tmp_path / "plan.txt.part").rename(tmp_path / "plan.txt")
        w.wait_for(1)
        w.settle()
    assert len(w.rebuilds) == 1


@pytest.mark.parametrize(
    "name, ignored", [("a.txt", False), ("规划.pdf", False), ("a.swp", True), ("a~", True)]
)
def test_is_ignored(name: str, ignored: bool) -> None:
    assert is_ignored(name) is ignored


def test_polling_when_asked(tmp_path: Path) -> None:
    with watching(tmp_path, polling=True) as w:
        copy_plans(tmp_path, 3)
        w.wait_for(1)
        w.settle()
    assert len(w.rebuilds) == 1
    assert any("polling" in line for line in w.lines)


def test_polling_takes_over_when_native_watching_cannot_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real: Callable[[], object] = watch_module.Observer

    class Broken(real):  # type: ignore[valid-type,misc]
        def start(self) -> None:
            raise OSError(28, "inotify watch limit reached")

    monkeypatch.setattr(watch_module, "Observer", Broken)
    with watching(tmp_path) as w:
        copy_plans(tmp_path, 1)
        w.wait_for(1)
        w.settle()
    assert len(w.rebuilds) == 1
    assert any("polling" in line for line in w.lines)
