"""Two measured shortcuts around Python's memory management, kept here so the build reads without them.

- ``long_lived()``: a build's analyses live to its end, and so does the view of the reports once
  built; ``gc.freeze()`` moves them out of the cyclic collector's sight, which otherwise walks their
  millions of objects at every full collection (the gaps stage of 2,000 plans took 40% longer, the
  site's topic pages a third longer). Unfrozen on the way out, so a long-running ``watch`` process
  still collects them. Within it, the young generation is collected after ``YOUNG_THRESHOLD`` new
  objects rather than 700: a page's context is hundreds of thousands of short-lived dicts and lists,
  which were collected again and again while it was built, and promoted only to die (the html stage
  of 2,000 plans: 133 -> 106 s CPU). Cyclic garbage is still collected, later.
- ``release_freed()``: gives the C heap's free pages back to the system. A thread gets a malloc arena
  of its own (glibc), which keeps what the thread freed: after the SQLite file was written in a thread,
  the build of 2,000 plans peaked ~270 MB higher in its later stages (4.20 against 3.93 GB).
- ``exit_now(code)``: once every file, database, lock and worker pool is closed, the command exits
  without tearing the heap down object by object (jieba's dictionary and the analyses: 0.2–0.3 s, a
  tenth of a five-plan build).

Either is switched off by setting ``COMPARE_PLAIN_HEAP=1`` (for debugging, leak hunting or profilers
that want a normal interpreter exit).
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import os
import sys
from collections.abc import Iterator

OPT_OUT = "COMPARE_PLAIN_HEAP"


def _enabled() -> bool:
    return not os.environ.get(OPT_OUT)


class LongLived:
    """The build's handle on frozen objects: ``freeze()`` once the long-lived objects exist."""

    def freeze(self) -> None:
        if _enabled():
            gc.freeze()


YOUNG_THRESHOLD = 50_000  # new container objects between young collections, during a build


@contextlib.contextmanager
def long_lived() -> Iterator[LongLived]:
    thresholds = gc.get_threshold()
    if _enabled():
        gc.set_threshold(YOUNG_THRESHOLD, *thresholds[1:])
    try:
        yield LongLived()
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def release_freed() -> None:
    """Return the C heap's free memory, in every malloc arena, to the system (glibc's malloc_trim; a
    no-op elsewhere)."""
    if not _enabled():
        return
    # the process's own symbols, libc's among them (ctypes.util.find_library would fork a helper
    # process off a heap of gigabytes)
    try:
        trim = getattr(ctypes.CDLL(None), "malloc_trim", None)
    except OSError:
        return
    if trim is not None:
        trim(0)


def exit_now(code: int) -> None:
    """Flush the log and the standard streams, then end the process with ``code``."""
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe (| head) is not an error here
            stream.flush()
    if _enabled():
        os._exit(code)
    sys.exit(code)
