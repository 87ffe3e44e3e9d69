"""Run one function over many documents: in-process, on a local process pool, or on a Dask cluster.

The per-document stages (ingest → outline → measures) depend on one file each, so they map cleanly.
Results come back in the order of the items; an exception raised for one item is returned in that
item's slot instead of being raised, so a build can report the file and go on with the others.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Below this many items a pool costs more than it saves. A spawned worker needs ~1–2 s before its
# first plan (interpreter, imports, codebook, jieba's dictionary) while one plan takes ~0.1–0.6 s in a
# warm process, so two workers break even near 2 × start-up / per-plan ≈ 10–20 plans. Measured on the
# 2-core machine: the five seed plans took 3.1 s in-process and 7.3 s on a pool of two.
POOL_MIN_ITEMS = 16
# Futures in flight per worker: enough to keep workers busy, few enough that a 2,000-file corpus
# does not hold every pending argument and result in the parent at once.
IN_FLIGHT_PER_WORKER = 4
DASK_HINT = "pip install 'compare[dask]'"


def effective_jobs(jobs: int | None, n_items: int) -> int:
    """Worker processes to use: ``jobs`` (None = all cores), never more than there are items."""
    wanted = jobs if jobs is not None and jobs > 0 else (os.cpu_count() or 1)
    return max(1, min(wanted, n_items))


def map_per_document(
    fn: Callable[[T], R],
    items: Sequence[T],
    *,
    jobs: int | None,
    scheduler: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[R | Exception]:
    """``[fn(item) for item in items]``, in parallel where it pays; failures returned in their slot.

    ``jobs``: local worker processes (None = number of cores; 1 = in this process). With fewer
    than ``POOL_MIN_ITEMS`` items the work runs in this process whatever ``jobs`` says.
    ``scheduler``: a Dask scheduler address (``tcp://host:8786``); the workers must be able to
    import ``compare`` and read the items' paths. ``progress(done)`` is called after each item
    with the number of items finished so far. ``fn`` must be a module-level function (it is sent
    to other processes by reference).
    """
    items = list(items)
    if not items:
        return []
    if scheduler:
        return _map_dask(fn, items, scheduler, progress)
    workers = effective_jobs(jobs, len(items))
    if workers == 1 or len(items) < POOL_MIN_ITEMS:
        return _map_inline(fn, items, progress)
    return _map_pool(fn, items, workers, progress)


def _map_inline(
    fn: Callable[[T], R], items: list[T], progress: Callable[[int], None] | None
) -> list[R | Exception]:
    results: list[R | Exception] = []
    for done, item in enumerate(items, 1):
        try:
            results.append(fn(item))
        except Exception as exc:
            results.append(exc)
        if progress is not None:
            progress(done)
    return results


def _check_sendable(fn: Callable[..., Any]) -> None:
    try:
        pickle.dumps(fn)
    except Exception as exc:
        name = getattr(fn, "__qualname__", repr(fn))
        raise TypeError(
            f"{name} cannot be sent to worker processes ({exc}); pass a module-level function"
        ) from exc


def _map_pool(
    fn: Callable[[T], R], items: list[T], workers: int, progress: Callable[[int], None] | None
) -> list[R | Exception]:
    _check_sendable(fn)
    results: list[R | Exception | None] = [None] * len(items)
    # spawn, not fork: the parent may run threads (watchdog, rich progress, Dask) that fork would copy
    # in a locked state; spawned workers start clean on every platform.
    context = multiprocessing.get_context("spawn")
    done = 0
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending: dict[Future[R], int] = {}
        next_index = 0
        limit = workers * IN_FLIGHT_PER_WORKER
        try:
            while next_index < len(items) or pending:
                while next_index < len(items) and len(pending) < limit:
                    pending[pool.submit(fn, items[next_index])] = next_index
                    next_index += 1
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    index = pending.pop(future)
                    exc = future.exception()
                    # A worker that died (BrokenProcessPool) fails its items here too, one slot each.
                    results[index] = exc if isinstance(exc, Exception) else future.result()
                    done += 1
                    if progress is not None:
                        progress(done)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    return results  # type: ignore[return-value]  # every slot is filled by the loop above


def _map_dask(
    fn: Callable[[T], R], items: list[T], scheduler: str, progress: Callable[[int], None] | None
) -> list[R | Exception]:
    try:
        from dask.distributed import Client, as_completed
    except ImportError as exc:
        raise RuntimeError(f"a Dask scheduler was given but Dask is not installed: {DASK_HINT}") from exc
    _check_sendable(fn)
    results: list[R | Exception | None] = [None] * len(items)
    with Client(scheduler, set_as_default=False) as client:
        # pure=False: two items may be equal (the same path twice) yet must each run.
        futures = client.map(fn, items, pure=False)
        index = {future.key: i for i, future in enumerate(futures)}
        for done, future in enumerate(as_completed(futures, loop=client.loop), 1):
            i = index[future.key]
            try:
                results[i] = future.result()
            except Exception as exc:  # the item's own error, or KilledWorker
                results[i] = exc
            except BaseException as exc:  # a cancelled future raises a BaseException subclass
                if isinstance(exc, KeyboardInterrupt | SystemExit):
                    raise
                results[i] = RuntimeError(f"{type(exc).__name__}: {exc}")
            if progress is not None:
                progress(done)
    return results  # type: ignore[return-value]
