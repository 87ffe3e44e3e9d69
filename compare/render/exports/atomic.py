"""Write a file whole or not at all: to a temporary name beside it, then renamed into place."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def write_atomic(path: Path, write: Callable[[Path], object]) -> None:
    """Run ``write`` on a temp file beside ``path``, then rename it into place (a reader never sees half
    a file; a failed write leaves the old file, if any, and no temp file)."""
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        tmp.unlink()  # writers create the file themselves (sqlite wants a fresh one)
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
