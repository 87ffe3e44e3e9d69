"""One build at a time per output directory: an OS file lock on ``<output_dir>/.build.lock``.

The lock is an advisory ``flock`` taken through the ``filelock`` library, so it is released by the
kernel when its holder dies, even by SIGKILL: a crashed build never leaves a stale lock behind. The
holder's pid and start time go to ``.build.lock.owner`` only to make the "locked" message useful.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

from filelock import FileLock, Timeout

LOCK_NAME = ".build.lock"
OWNER_NAME = ".build.lock.owner"


class BuildLocked(RuntimeError):
    """Another build holds the output directory's lock."""


def _holder(output_dir: Path) -> str:
    try:
        info = json.loads((output_dir / OWNER_NAME).read_text(encoding="utf-8"))
        started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(float(info["started"])))
        return f", held by pid {info['pid']} on {info['host']} since {started}"
    except (OSError, ValueError, KeyError, TypeError):
        return ""


@contextlib.contextmanager
def build_lock(output_dir: Path, wait: bool | float = False) -> Iterator[Path]:
    """Hold the build lock of ``output_dir`` for the ``with`` block; yields the lock file's path.

    ``wait``: False → fail at once if another build holds it; True → wait as long as it takes;
    a number → wait up to that many seconds. Failing raises ``BuildLocked``.
    """
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    path = output_dir / LOCK_NAME
    if wait is True:
        timeout = -1.0
    elif wait is False:
        timeout = 0.0
    else:
        timeout = max(0.0, float(wait))
    # thread_local=False: the lock belongs to the build, which may hand work to other threads.
    lock = FileLock(path, timeout=timeout, thread_local=False)
    try:
        lock.acquire()
    except Timeout:
        waited = f" after waiting {timeout:g} s" if timeout > 0 else ""
        raise BuildLocked(
            f"another build is running (lock {path}{_holder(output_dir)}){waited}; wait for it or use --wait"
        ) from None
    try:
        owner = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.time()}
        with contextlib.suppress(OSError):
            (output_dir / OWNER_NAME).write_text(json.dumps(owner), encoding="utf-8")
        yield path
    finally:
        with contextlib.suppress(OSError):
            (output_dir / OWNER_NAME).unlink()
        lock.release()
