"""Run one function over many documents: in worker processes with a budget each, or on a Dask cluster.

The per-document stages (ingest → outline → measures) depend on one file each, so they map cleanly.
Results come back in the order of the items; an exception raised for one item is returned in that
item's slot instead of being raised, so a build can report the file and go on with the others.

With a ``Budget`` (what a build passes), no file is read in the build process itself: each item runs
in a worker process under a time limit and a memory limit. A worker that overruns is killed and
replaced, and its item's slot holds an ``OverBudget`` naming the limit ("took more than 60 s",
"needed more than 1 GB"). Workers die with their parent (Linux ``PR_SET_PDEATHSIG``), so a build
killed with SIGKILL leaves no orphans. Few items go to ``jobs`` workers *forked* from the build
process: they inherit the loaded dictionaries and cost milliseconds, where a fresh interpreter costs a
second; more items go to ``jobs`` spawned workers. Without a budget, few items run in this process.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import pickle
import queue
import resource
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, NoReturn, TypeVar

log = logging.getLogger("compare")

T = TypeVar("T")
R = TypeVar("R")

# Below this many items spawned workers cost more than they save. A spawned worker needs ~1–2 s
# before its first plan (interpreter, imports, codebook, jieba's dictionary) while one plan takes
# ~0.1–0.6 s in a warm process, so two workers break even near 2 × start-up / per-plan ≈ 10–20 plans.
POOL_MIN_ITEMS = 16
DASK_HINT = "pip install 'compare[dask]'"
_POLL = 0.5  # seconds between looks at the clock while workers are busy


@dataclass(frozen=True)
class Budget:
    """What reading and analysing one file may take: wall-clock seconds and memory (bytes of address
    space beyond what the worker held before the item)."""

    seconds: float = 60.0
    memory: int = 1 << 30

    def memory_text(self) -> str:
        gib = self.memory / (1 << 30)
        return f"{gib:g} GB" if gib >= 1 else f"{self.memory / (1 << 20):g} MB"


class OverBudget(Exception):
    """An item went over its budget; the message says which limit ("took more than 60 s to read")."""


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
    budget: Budget | None = None,
    prepare: Callable[[], object] | None = None,
    meanwhile: Callable[[], object] | None = None,
) -> list[R | Exception]:
    """``[fn(item) for item in items]``, in parallel where it pays; failures returned in their slot.

    ``jobs``: local worker processes (None = number of cores; 1 = one worker). ``scheduler``: a Dask
    scheduler address (``tcp://host:8786``); the workers must be able to import ``compare`` and read
    the items' paths (Dask runs them without a budget). ``progress(done)`` is called after each item
    with the number of items finished so far. ``fn`` must be a module-level function (it is sent to
    other processes by reference). ``budget``: see the module docstring. ``prepare`` loads what
    every item needs (dictionaries, compiled rules): it runs once in this process before workers are
    forked from it, so the workers inherit the result (a module-level function, like ``fn``).
    ``meanwhile`` is this process's own work that no item needs (a dictionary a later stage reads):
    it runs in a thread while local workers are busy (before the items when there are none), and has
    finished when this returns; a worker replaced meanwhile is forked beside it, so it must not hold
    what an item needs.
    """
    items = list(items)
    workers = effective_jobs(jobs, len(items))
    few = workers == 1 or len(items) < POOL_MIN_ITEMS
    if not items or scheduler or (budget is None and few):  # no local workers to wait for
        if meanwhile is not None:
            meanwhile()
        if not items:
            return []
        if scheduler:
            return _map_dask(fn, items, scheduler, progress)
        return _map_inline(fn, items, progress)
    if few and "fork" in multiprocessing.get_all_start_methods():
        if prepare is not None:
            prepare()
        return _Pool(fn, items, workers, budget, "fork", progress, meanwhile).run()
    _check_sendable(fn)
    return _Pool(fn, items, workers, budget, "spawn", progress, meanwhile).run()


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


# --------------------------------------------------------------------------- workers


def _die_with_parent(parent: int) -> None:
    """Ask Linux to kill this process when its parent dies (no orphans after a SIGKILLed build)."""
    with contextlib.suppress(Exception):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before the call above
        os._exit(1)


def _address_space() -> int:
    """This process's virtual size in bytes (what RLIMIT_AS counts)."""
    with open(f"/proc/{os.getpid()}/statm", encoding="ascii") as fh:
        return int(fh.read().split()[0]) * resource.getpagesize()


def _limit_memory(extra: int | None) -> None:
    """Allow ``extra`` bytes of address space beyond the current size (None: no limit)."""
    with contextlib.suppress(OSError, ValueError):
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        soft = hard if extra is None else _address_space() + extra
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _worker(conn: Connection, fn: Callable[[Any], Any], memory: int | None, parent: int) -> None:
    """A worker's life: take (index, item), answer (index, status, value), until told to stop."""
    _die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            break
        if message is None:
            break
        index, item = message
        _answer(conn, fn, index, item, memory)
    conn.close()


def _answer(conn: Connection, fn: Callable[[Any], Any], index: int, item: Any, memory: int | None) -> None:
    """``fn(item)`` within ``memory`` more bytes (None: no limit), answered as (index, status, value)."""
    _limit_memory(memory)
    try:
        answer: tuple[Any, ...] = (index, "ok", fn(item))
    except MemoryError:
        answer = (index, "memory", None)
    except Exception as exc:
        answer = (index, "error", exc)
    finally:
        _limit_memory(None)
    try:
        conn.send(answer)
    except Exception as exc:  # a result or an exception that does not pickle
        conn.send((index, "error", RuntimeError(f"{type(exc).__name__}: {exc}")))


def _serve(conn: Connection, fn: Callable[[Any], Any], _memory: int | None, parent: int) -> None:
    """``Beside``'s worker: ``_worker``'s answers, with a thread that takes the items off the pipe
    as they come, so the sender goes on while the item before is still running here."""
    _die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    inbox: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()

    def read() -> None:
        while True:
            try:
                inbox.put(conn.recv_bytes())
            except (EOFError, OSError):
                inbox.put(None)
                return

    # the reader takes the pipe's next chunk as soon as it is there, not after a 5 ms turn of ``fn``
    sys.setswitchinterval(0.0005)
    threading.Thread(target=read, name="compare-inbox", daemon=True).start()
    while (data := inbox.get()) is not None:
        message = pickle.loads(data)
        if message is None:
            break
        index, item = message
        _answer(conn, fn, index, item, None)
    conn.close()


class _Slot:
    """One worker process and the item it is working on."""

    def __init__(
        self,
        context: Any,
        fn: Callable[[Any], Any],
        budget: Budget | None,
        target: Callable[..., None] = _worker,
    ) -> None:
        self.conn, child = context.Pipe(duplex=True)
        memory = budget.memory if budget is not None else None
        self.process = context.Process(target=target, args=(child, fn, memory, os.getpid()), daemon=True)
        self.process.start()
        child.close()
        self.index: int | None = None
        self.deadline = float("inf")

    def give(self, index: int, item: Any, budget: Budget | None) -> None:
        self.index = index
        self.deadline = time.monotonic() + budget.seconds if budget is not None else float("inf")
        self.conn.send((index, item))

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.process.kill()
        with contextlib.suppress(Exception):
            self.process.join(5)
        with contextlib.suppress(Exception):
            self.conn.close()

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.send(None)
        self.process.join(5)
        if self.process.is_alive():
            self.kill()
        with contextlib.suppress(Exception):
            self.conn.close()


class _Beside:
    """Work run in a thread of this process while its workers are busy; ``join`` raises what it raised."""

    def __init__(self, work: Callable[[], object]) -> None:
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(work,), name="compare-meanwhile", daemon=True)
        self.thread.start()

    def _run(self, work: Callable[[], object]) -> None:
        try:
            work()
        except BaseException as exc:  # raised in the caller's thread by join
            self.error = exc

    def join(self) -> None:
        self.thread.join()
        if self.error is not None:
            raise self.error


class _Pool:
    """Items handed to ``n`` workers one at a time; overrunning or dying workers replaced."""

    def __init__(
        self,
        fn: Callable[[Any], Any],
        items: list[Any],
        n: int,
        budget: Budget | None,
        method: str,
        progress: Callable[[int], None] | None,
        meanwhile: Callable[[], object] | None = None,
    ) -> None:
        self.fn, self.items, self.n, self.budget, self.progress = fn, items, n, budget, progress
        self.meanwhile = meanwhile
        # spawn for many items: the parent may run threads (watchdog, rich progress, Dask) that fork
        # would copy in a locked state; workers forked for few items only run the analysis.
        self.context = multiprocessing.get_context(method)
        self.results: list[Any] = [None] * len(items)
        self.done = 0

    def run(self) -> list[Any]:
        queue = deque(range(len(self.items)))
        slots: list[_Slot] = []
        beside: _Beside | None = None
        try:
            slots = [_Slot(self.context, self.fn, self.budget) for _ in range(min(self.n, len(queue)))]
            if self.meanwhile is not None:  # after the forks: the first workers copy no thread
                beside = _Beside(self.meanwhile)
            while True:
                for i, slot in enumerate(slots):
                    if slot.index is None and queue:
                        if not slot.process.is_alive():
                            slot = slots[i] = self._replace(slot)
                        k = queue.popleft()
                        slot.give(k, self.items[k], self.budget)
                busy = [s for s in slots if s.index is not None]
                if not busy:
                    break
                soonest = min(s.deadline for s in busy) - time.monotonic()
                waiting = [s.conn for s in busy] + [s.process.sentinel for s in busy]
                ready = wait(waiting, max(0.0, min(_POLL, soonest)))
                for i, slot in enumerate(slots):
                    if slot.index is None:
                        continue
                    if slot.conn in ready:
                        try:
                            index, status, value = slot.conn.recv()
                        except (EOFError, OSError):
                            self._finish(slot.index, self._died(slot))
                            slots[i] = self._replace(slot)
                            continue
                        self._finish(index, self._outcome(status, value))
                        slot.index = None
                        if status == "memory":  # what a MemoryError leaves behind is not trusted
                            slots[i] = self._replace(slot)
                    elif slot.process.sentinel in ready:
                        self._finish(slot.index, self._died(slot))
                        slots[i] = self._replace(slot)
                    elif time.monotonic() > slot.deadline:
                        seconds = self.budget.seconds if self.budget else 0
                        self._finish(slot.index, OverBudget(f"took more than {seconds:g} s to read"))
                        slots[i] = self._replace(slot)
        except BaseException:
            for slot in slots:
                slot.kill()
            raise
        for slot in slots:
            slot.stop()
        if beside is not None:
            beside.join()
        return self.results

    def _replace(self, slot: _Slot) -> _Slot:
        slot.kill()
        return _Slot(self.context, self.fn, self.budget)

    def _outcome(self, status: str, value: Any) -> Any:
        if status == "ok":
            return value
        if status == "memory":
            memory = self.budget.memory_text() if self.budget else "the memory available"
            return OverBudget(f"needed more than {memory}")
        return value

    def _died(self, slot: _Slot) -> Exception:
        slot.process.join(1)
        code = slot.process.exitcode
        how = f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"
        return RuntimeError(f"the worker reading it stopped ({how})")

    def _finish(self, index: int, value: Any) -> None:
        self.results[index] = value
        self.done += 1
        if self.progress is not None:
            self.progress(self.done)


class Beside:
    """One spawned worker that runs ``fn`` on the items sent to it, in the order sent, while this
    process goes on with its own work (the build's data files and pages written while it makes the
    next pages).

    ``send`` returns once the item is pickled and on its way; at most ``window`` bytes of pickled
    items are in flight. ``join`` waits for all and raises the first error ``fn`` raised, or a
    RuntimeError when the worker died. Start it while this process is small: a process started from
    a heap of gigabytes counts as that large until it has replaced itself."""

    def __init__(self, fn: Callable[[Any], Any], window: int = 64 << 20) -> None:
        self.fn, self.window = fn, window
        self.slot: _Slot | None = _Slot(multiprocessing.get_context("spawn"), fn, None, target=_serve)
        self.in_flight: deque[tuple[int, int]] = deque()  # (item, its pickled size)
        self.bytes_in_flight = 0
        self.sent = 0

    def send(self, item: Any) -> None:
        data = pickle.dumps((self.sent, item), pickle.HIGHEST_PROTOCOL)
        while self.in_flight and self.bytes_in_flight + len(data) > self.window:
            self._receive()
        try:
            self._live().conn.send_bytes(data)
        except OSError:
            self._died()
        self.in_flight.append((self.sent, len(data)))
        self.bytes_in_flight += len(data)
        self.sent += 1

    def join(self) -> None:
        while self.in_flight:
            self._receive()

    def close(self) -> None:
        if self.slot is not None:
            self.slot.stop()
            self.slot = None

    def __enter__(self) -> Beside:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.slot is not None and exc[0] is not None:
            self.slot.kill()
            self.slot = None
        self.close()

    def _live(self) -> _Slot:
        if self.slot is None:
            raise RuntimeError("the helper process is closed")
        return self.slot

    def _receive(self) -> None:
        try:
            index, status, value = self._live().conn.recv()
        except (EOFError, OSError):
            self._died()
        sent, size = self.in_flight.popleft()
        self.bytes_in_flight -= size
        if index != sent:
            raise RuntimeError(f"the helper process answered item {index} for item {sent}")
        if status == "memory":
            raise MemoryError("the helper process ran out of memory")
        if status != "ok":
            raise value

    def _died(self) -> NoReturn:
        slot = self._live()
        slot.kill()
        self.slot = None
        raise RuntimeError(f"the helper process stopped (exit code {slot.process.exitcode})")


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
