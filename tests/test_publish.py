"""Publishing: readers see one complete release, a killed build changes nothing, one build at a time."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from compare.lock import BuildLocked, build_lock
from compare.publish import current_manifest, current_release, list_releases, open_release

ROOT = Path(__file__).resolve().parent.parent


def _page(n: int) -> str:
    # Big enough that writing it takes several write() calls: a torn read would show.
    return f"<html><!-- build {n} -->\n" + "<p>开发区 政策 对比</p>\n" * 20_000 + f"<!-- end {n} --></html>\n"


def publish(out: Path, n: int, build_id: str | None = None, keep: int = 3) -> Path:
    release = open_release(out, build_id or f"b{n:04d}", keep=keep)
    (release.path / "site").mkdir()
    (release.path / "data").mkdir()
    (release.path / "site" / "index.html").write_text(_page(n), encoding="utf-8")
    manifest = {"build_id": release.build_id, "n": n}
    (release.path / "data" / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (release.path / "briefing.pdf").write_bytes(b"%PDF-1.7 " + str(n).encode())
    return release.commit()


def test_entry_points_resolve_into_the_current_release(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    assert current_manifest(out) is None
    publish(out, 1)
    assert (out / "site" / "index.html").read_text(encoding="utf-8").startswith("<html><!-- build 1 -->")
    assert (out / "briefing.pdf").read_bytes() == b"%PDF-1.7 1"
    assert current_manifest(out) == {"build_id": "b0001", "n": 1}
    for name in ("site", "data", "briefing.pdf", "current"):
        assert (out / name).is_symlink() and not os.path.isabs(os.readlink(out / name)), name
    publish(out, 2)
    assert current_manifest(out) == {"build_id": "b0002", "n": 2}
    assert current_release(out) == (out / "releases" / "b0002").resolve()


def test_a_reader_never_sees_a_missing_or_partial_page_during_many_publishes(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    publish(out, 0)
    stop = threading.Event()
    problems: list[str] = []
    reads = 0

    def reader() -> None:
        nonlocal reads
        page = out / "site" / "index.html"
        while not stop.is_set():
            try:
                text = page.read_text(encoding="utf-8")
            except OSError as exc:
                problems.append(f"read failed: {exc}")
                continue
            head, tail = text[: text.index("-->")], text[-30:]
            n = head.split()[-1]
            if not tail.endswith(f"<!-- end {n} --></html>\n"):
                problems.append(f"partial page of build {n}: ends with {tail!r}")
            reads += 1

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        for n in range(1, 41):
            publish(out, n)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert problems == []
    assert reads > 40
    assert current_manifest(out) == {"build_id": "b0040", "n": 40}


def test_old_releases_are_pruned_and_the_current_one_kept(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    for n in range(1, 6):
        publish(out, n, keep=3)
    assert [p.name for p in list_releases(out)] == ["b0003", "b0004", "b0005"]
    assert current_manifest(out) == {"build_id": "b0005", "n": 5}


def test_an_aborted_build_leaves_the_published_release_untouched(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    publish(out, 1)
    with pytest.raises(RuntimeError), open_release(out, "b0002") as release:
        (release.path / "site").mkdir()
        (release.path / "site" / "index.html").write_text("<html>half", encoding="utf-8")
        raise RuntimeError("render failed")
    assert not release.path.exists()
    assert (out / "site" / "index.html").read_text(encoding="utf-8").startswith("<html><!-- build 1 -->")
    assert [p.name for p in (out / "releases").iterdir()] == ["b0001"]


def test_the_same_build_id_published_again_gets_a_fresh_directory(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    publish(out, 1, build_id="abc")
    publish(out, 2, build_id="def")
    again = publish(out, 3, build_id="abc")  # inputs reverted to the first build's
    assert again.name == "abc-2"
    assert current_manifest(out) == {"build_id": "abc", "n": 3}


def test_an_old_plain_layout_is_moved_aside_not_deleted(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    (out / "site").mkdir(parents=True)
    (out / "site" / "index.html").write_text("my old report", encoding="utf-8")
    (out / "briefing.pdf").write_bytes(b"%PDF old")
    (out / "notes.txt").write_text("keep me", encoding="utf-8")
    publish(out, 1)
    assert (out / "site").is_symlink()
    (aside,) = out.glob("previous-layout-*")
    assert (aside / "site" / "index.html").read_text(encoding="utf-8") == "my old report"
    assert (aside / "briefing.pdf").read_bytes() == b"%PDF old"
    assert (out / "notes.txt").read_text(encoding="utf-8") == "keep me"


KILLED_BUILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from compare.publish import open_release
    release = open_release(Path(sys.argv[1]), "killed")
    (release.path / "site").mkdir()
    with open(release.path / "site" / "index.html", "w", encoding="utf-8") as fh:
        fh.write("<html><!-- build killed -->")
        fh.flush()
        print("half written", flush=True)
        time.sleep(60)
    """
)


def test_a_build_killed_mid_release_leaves_the_previous_release_intact(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    publish(out, 1)
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED_BUILD, str(out)], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "half written"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert (out / "releases" / "killed.partial").is_dir()
    assert (out / "site" / "index.html").read_text(encoding="utf-8").startswith("<html><!-- build 1 -->")
    assert current_manifest(out) == {"build_id": "b0001", "n": 1}
    publish(out, 2)  # the next build clears the dead one's partial release
    assert not (out / "releases" / "killed.partial").exists()
    assert current_manifest(out) == {"build_id": "b0002", "n": 2}


def test_a_second_build_fails_fast_with_a_clear_message(tmp_path: Path) -> None:
    with build_lock(tmp_path, wait=False):
        locked = r"another build is running \(lock .*\.build\.lock.*use --wait"
        with pytest.raises(BuildLocked, match=locked), build_lock(tmp_path, wait=False):
            pass
        t0 = time.monotonic()
        with pytest.raises(BuildLocked, match=r"after waiting 0\.3 s"), build_lock(tmp_path, wait=0.3):
            pass
        assert time.monotonic() - t0 >= 0.3
    with build_lock(tmp_path, wait=False):  # released: free again
        pass


HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from compare.lock import build_lock
    with build_lock(Path(sys.argv[1]), wait=False):
        print("locked", flush=True)
        time.sleep(float(sys.argv[2]))
    """
)


def test_a_waiting_build_starts_when_the_other_process_finishes(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path), "1.0"], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
    with pytest.raises(BuildLocked, match=f"pid {proc.pid}"), build_lock(tmp_path, wait=False):
        pass
    t0 = time.monotonic()
    with build_lock(tmp_path, wait=True):
        assert proc.poll() is not None or time.monotonic() - t0 > 0.1
    proc.wait(timeout=10)


def test_a_killed_build_does_not_leave_the_lock_held(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path), "60"], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    with build_lock(tmp_path, wait=False):
        pass
