"""Atomic publishing of a build's outputs: readers always see one complete release, never half of one.

Layout under the output directory::

    releases/<build_id>.partial/   being written by a running build (``.owner`` names its process)
    releases/<build_id>/           finished releases, the newest ``keep`` of them (a recurring id
                                   gets a suffix: ``<build_id>-2``)
    current -> releases/<build_id> swapped with a rename(2) of a fresh symlink: atomic
    site -> current/site, data -> current/data, briefing.pdf -> current/briefing.pdf

The stable entry points are relative symlinks made once, so ``reports/site/index.html`` always resolves
through ``current`` into a single finished release; an entry the current release lacks (no PDF built)
has no link. A build killed mid-way leaves only a ``.partial`` directory, removed by a later build
once its owner is gone.

Only what the tool marked as its own is ever deleted: a finished release holds ``.release.json``, a
partial one ``.owner``. An output folder whose ``releases/`` holds anything else is refused
(``ForeignOutput``) before anything is written. An output directory holding an older plain
layout (a real ``site/`` directory …) has those entries moved aside into ``previous-layout-<time>/``.
POSIX only (symlinks and rename semantics); Windows is not a target.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import socket
import time
from pathlib import Path
from types import TracebackType
from typing import Any

# ENTRY_POINTS: the symlinks readers use, each into ``current`` (the output names live in config)
from compare.config import DATA_DIR_NAME, ENTRY_POINTS, FACTS_NAME, MANIFEST_NAME
from compare.errors import UsageError

RELEASES = "releases"
CURRENT = "current"
PARTIAL_SUFFIX = ".partial"
OWNER_FILE = ".owner"
RELEASE_FILE = ".release.json"
MANIFEST = Path(DATA_DIR_NAME) / MANIFEST_NAME
FACTS = Path(DATA_DIR_NAME) / FACTS_NAME
# Two finished releases behind the current one: a reader that resolved the previous ``current`` an
# instant before a swap still finds its files, and the last good report is one step back.
DEFAULT_KEEP = 3


class PublishError(RuntimeError):
    """A release could not be opened or committed (the reason names the path)."""


class ForeignOutput(UsageError):
    """The output folder holds files the tool did not write where its releases go: nothing is built."""


def _ours(entry: Path) -> bool:
    """Whether ``entry`` of ``releases/`` is a release this tool made (finished or being written)."""
    if entry.is_symlink() or not entry.is_dir():
        return False
    if entry.name.endswith(PARTIAL_SUFFIX):
        return (entry / OWNER_FILE).is_file() or (entry / RELEASE_FILE).is_file() or not any(entry.iterdir())
    return (entry / RELEASE_FILE).is_file()


def check_output_dir(output_dir: Path) -> None:
    """Refuse an output folder whose ``releases/`` holds anything the tool did not make (it would be
    pruned as an old release): raise ``ForeignOutput`` naming what is there."""
    releases_dir = Path(output_dir) / RELEASES
    if releases_dir.is_symlink() or (releases_dir.exists() and not releases_dir.is_dir()):
        raise ForeignOutput(f"{releases_dir} is not a folder of releases: choose another --output")
    if not releases_dir.is_dir():
        return
    foreign = sorted(p.name for p in releases_dir.iterdir() if not _ours(p))
    if foreign:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise ForeignOutput(
            f"{releases_dir} holds {shown}, not written by policy-compare; nothing was built or "
            "deleted. Move them away or choose another --output"
        )


def new_build_id() -> str:
    """A fresh, time-sortable build id, e.g. ``20250101T120000Z-3fa9c2``."""
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + secrets.token_hex(3)


def _fsync_dir(path: Path) -> None:
    # Make a rename durable; best effort (some filesystems refuse fsync on directories).
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def _owner_alive(partial: Path) -> bool:
    """Whether the build that owns a ``.partial`` directory may still be running."""
    try:
        owner = json.loads((partial / OWNER_FILE).read_text(encoding="utf-8"))
        pid, host = int(owner["pid"]), str(owner["host"])
    except (OSError, ValueError, KeyError, TypeError):
        # No readable owner: it died before writing it, or it was written by hand. Treat it as stale
        # only once it is old enough that no live build could still be starting up in it.
        try:
            return time.time() - partial.stat().st_mtime < 3600
        except OSError:
            return False
    if host != socket.gethostname():
        return True  # another machine's build on a shared disk: not ours to judge
    return _pid_alive(pid)


class Release:
    """One build's release being written; ``commit()`` publishes it, ``abort()`` throws it away.

    Write the outputs under ``release.path`` (``site/``, ``data/``, ``briefing.pdf``). Used as a
    context manager it commits on normal exit and aborts when the block raises.
    """

    def __init__(self, output_dir: Path, build_id: str, *, keep: int = DEFAULT_KEEP) -> None:
        if not build_id or "/" in build_id or build_id.startswith(".") or build_id.endswith(PARTIAL_SUFFIX):
            raise PublishError(f"bad build id {build_id!r}")
        self.output_dir = Path(output_dir)
        self.build_id = build_id
        self.keep = max(1, keep)
        self.releases_dir = self.output_dir / RELEASES
        self.releases_dir.mkdir(parents=True, exist_ok=True)
        self.path = self.releases_dir / f"{build_id}{PARTIAL_SUFFIX}"
        if self.path.exists() and not _owner_alive(self.path):
            shutil.rmtree(self.path, ignore_errors=True)  # left by a killed build with the same id
        if self.path.exists():
            self.path = self.releases_dir / f"{build_id}-{os.getpid()}{PARTIAL_SUFFIX}"
        self.final_path = self.releases_dir / build_id  # may gain a suffix at commit, see _free_name
        self.state = "open"
        self.path.mkdir()
        owner = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.time()}
        (self.path / OWNER_FILE).write_text(json.dumps(owner), encoding="utf-8")

    def commit(self) -> Path:
        """Publish: rename the partial directory into place, swap ``current``, prune old releases."""
        if self.state != "open":
            raise PublishError(f"release {self.build_id!r} is already {self.state}")
        (self.path / OWNER_FILE).unlink(missing_ok=True)
        info = {"build_id": self.build_id, "committed": time.time()}
        (self.path / RELEASE_FILE).write_text(json.dumps(info), encoding="utf-8")
        # Deterministic build ids recur (inputs A, then B, then A again): an older release of the same
        # id may still be kept, perhaps as ``current``, so the new one takes a fresh name beside it.
        self.final_path = _free_name(self.releases_dir, self.build_id)
        os.rename(self.path, self.final_path)
        _fsync_dir(self.releases_dir)
        self.state = "committed"
        _move_old_layout_aside(self.output_dir)
        _swap_current(self.output_dir, self.final_path)
        _ensure_entry_points(self.output_dir, self.final_path)
        prune_releases(self.output_dir, keep=self.keep)
        return self.final_path

    def abort(self) -> None:
        """Remove the partial directory; the published release stays as it was."""
        if self.state != "open":
            return
        shutil.rmtree(self.path, ignore_errors=True)
        self.state = "aborted"

    def __enter__(self) -> Release:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is not None:
            self.abort()
        elif self.state == "open":
            self.commit()


def _free_name(releases_dir: Path, build_id: str) -> Path:
    path = releases_dir / build_id
    n = 1
    while path.exists() or path.is_symlink():
        n += 1
        path = releases_dir / f"{build_id}-{n}"
    return path


def open_release(output_dir: Path, build_id: str | None = None, *, keep: int = DEFAULT_KEEP) -> Release:
    """A new release directory ``output_dir/releases/<build_id>.partial/`` to write a build into."""
    return Release(output_dir, build_id or new_build_id(), keep=keep)


def _swap_current(output_dir: Path, release: Path) -> None:
    current = output_dir / CURRENT
    if current.exists() and not current.is_symlink():
        _move_aside(output_dir, [current])
    tmp = output_dir / f"{CURRENT}.tmp-{os.getpid()}"
    tmp.unlink(missing_ok=True)
    os.symlink(os.path.relpath(release, output_dir), tmp)
    os.replace(tmp, current)  # rename(2) over the old link: readers see the old or the new, never none
    _fsync_dir(output_dir)


def _ensure_entry_points(output_dir: Path, release: Path) -> None:
    for name in ENTRY_POINTS:
        link = output_dir / name
        target = os.path.join(CURRENT, name)
        if not (release / name).exists():  # not built this time: no link that leads nowhere
            if link.is_symlink():
                link.unlink()
            continue
        if link.is_symlink() and os.readlink(link) == target:
            continue
        tmp = output_dir / f"{name}.tmp-{os.getpid()}"
        tmp.unlink(missing_ok=True)
        os.symlink(target, tmp)
        os.replace(tmp, link)


def _move_old_layout_aside(output_dir: Path) -> Path | None:
    """Move real files/directories that stand where entry points go into ``previous-layout-<time>/``."""
    in_the_way = [
        output_dir / name
        for name in (*ENTRY_POINTS, CURRENT)
        if (output_dir / name).exists() and not (output_dir / name).is_symlink()
    ]
    return _move_aside(output_dir, in_the_way) if in_the_way else None


def _move_aside(output_dir: Path, paths: list[Path]) -> Path:
    aside = output_dir / f"previous-layout-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}"
    aside.mkdir(parents=True, exist_ok=True)
    for path in paths:
        os.rename(path, aside / path.name)
    return aside


def _committed_at(release: Path) -> float:
    try:
        return float(json.loads((release / RELEASE_FILE).read_text(encoding="utf-8"))["committed"])
    except (OSError, ValueError, KeyError, TypeError):
        return release.stat().st_mtime


def list_releases(output_dir: Path) -> list[Path]:
    """Finished releases, oldest first."""
    releases_dir = Path(output_dir) / RELEASES
    if not releases_dir.is_dir():
        return []
    found = [p for p in releases_dir.iterdir() if not p.name.endswith(PARTIAL_SUFFIX) and _ours(p)]
    return sorted(found, key=lambda p: (_committed_at(p), p.name))


def current_release(output_dir: Path) -> Path | None:
    """The release ``current`` points to, if any."""
    current = Path(output_dir) / CURRENT
    if not current.is_symlink():
        return None
    target = (current.parent / os.readlink(current)).resolve()
    return target if target.is_dir() else None


def prune_releases(output_dir: Path, keep: int = DEFAULT_KEEP) -> list[Path]:
    """Delete all but the newest ``keep`` releases (never the current one) and stale partial dirs."""
    output_dir = Path(output_dir)
    removed: list[Path] = []
    current = current_release(output_dir)
    releases = list_releases(output_dir)
    for old in releases[: max(0, len(releases) - max(1, keep))]:
        if current is not None and old.resolve() == current:
            continue
        shutil.rmtree(old, ignore_errors=True)
        removed.append(old)
    releases_dir = output_dir / RELEASES
    if releases_dir.is_dir():
        for partial in releases_dir.glob(f"*{PARTIAL_SUFFIX}"):
            if _ours(partial) and not _owner_alive(partial):
                shutil.rmtree(partial, ignore_errors=True)
                removed.append(partial)
    for tmp in output_dir.glob("*.tmp-*"):
        # Leftover link of a build killed between symlink() and replace().
        pid = tmp.name.rsplit("-", 1)[-1]
        if tmp.is_symlink() and pid.isdigit() and not _pid_alive(int(pid)):
            tmp.unlink(missing_ok=True)
    return removed


def current_manifest(output_dir: Path) -> dict[str, Any] | None:
    """The published release's ``data/manifest.json``, or None if there is none or it is unreadable."""
    try:
        value = json.loads((Path(output_dir) / CURRENT / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def current_facts(output_dir: Path) -> Any:
    """The published release's ``data/facts.json`` as parsed JSON (``compare.changes`` reads it), or
    None if there is none or it cannot be read."""
    try:
        return json.loads((Path(output_dir) / CURRENT / FACTS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
