"""Regeneration when documents arrive: watch the input directory and rebuild once things settle.

A watchdog observer (inotify on Linux) reports files created, changed, moved or deleted; the
``PollingObserver`` takes over when the native one cannot start (no inotify, watch limit reached,
network file systems) or when asked to. Events are debounced: a rebuild starts only after
``debounce`` seconds without a relevant event, so copying ten files gives one rebuild. Editor swap
files, partial downloads and hidden files are ignored. A rebuild that raises is logged and watching
goes on; changes made while a rebuild runs trigger one more rebuild after it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

logger = logging.getLogger(__name__)

# Names written while a file is still being produced, or by editors and file managers: never a plan.
IGNORED_SUFFIXES = (".swp", ".swo", ".swx", ".tmp", ".temp", ".part", ".partial", ".crdownload", ".download")
IGNORED_PREFIXES = (".", "~$", "#")  # hidden files (.DS_Store, .~lock), Office owner files, emacs autosave
IGNORED_ENDINGS = ("~",)  # editor backups
# How often the polling observer rescans; a fraction of the debounce so it adds little delay.
MAX_POLL_INTERVAL = 1.0


def is_ignored(path: str | Path) -> bool:
    """Whether a changed path is a temporary, hidden or editor file rather than a document."""
    name = Path(path).name
    lower = name.lower()
    return (
        not name
        or name.startswith(IGNORED_PREFIXES)
        or name.endswith(IGNORED_ENDINGS)
        or lower.endswith(IGNORED_SUFFIXES)
    )


class _Debouncer(FileSystemEventHandler):
    """Records when the last relevant event happened."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.cond = threading.Condition()
        self.last_event: float | None = None
        self.events = 0

    def _relevant(self, event: FileSystemEvent) -> bool:
        if event.event_type in ("opened", "closed_no_write"):
            return False  # reads (including our own build's) are not changes
        paths = [event.src_path, getattr(event, "dest_path", "") or ""]
        for raw in paths:
            if not raw:
                continue
            path = Path(raw if isinstance(raw, str) else raw.decode())
            if event.is_directory and event.event_type == "modified":
                continue  # a directory's mtime changes with every file event inside it
            if path == self.root:
                continue
            try:
                rel = path.relative_to(self.root)
            except ValueError:
                rel = path
            if not any(part.startswith(".") for part in rel.parts[:-1]) and not is_ignored(rel):
                return True
        return False

    def on_any_event(self, event: FileSystemEvent) -> None:
        if not self._relevant(event):
            return
        with self.cond:
            self.last_event = time.monotonic()
            self.events += 1
            self.cond.notify_all()

    def take_settled(self, debounce: float, tick: float) -> bool:
        """Wait up to ``tick`` seconds; True (and reset) once events have been quiet for ``debounce``."""
        with self.cond:
            if self.last_event is None:
                self.cond.wait(tick)
                return False
            quiet = time.monotonic() - self.last_event
            if quiet >= debounce:
                self.last_event = None
                return True
            self.cond.wait(min(tick, debounce - quiet))
            return False


def _start_observer(root: Path, handler: _Debouncer, polling: bool | None, interval: float) -> Any:
    if not polling:
        observer = Observer()
        try:
            observer.schedule(handler, str(root), recursive=True)
            observer.start()
            return observer
        except Exception as exc:  # inotify limits, unsupported file system …
            if polling is False:
                raise
            logger.warning("native file watching failed (%s); polling %s every %.1f s", exc, root, interval)
    observer = PollingObserver(timeout=interval)
    observer.schedule(handler, str(root), recursive=True)
    observer.start()
    return observer


def watch(
    input_dir: Path,
    rebuild: Callable[[], object],
    *,
    debounce: float = 2.0,
    polling: bool | None = None,
    stop: threading.Event | None = None,
    log: Callable[[str], None] | None = None,
    on_start: Callable[[], None] | None = None,
) -> None:
    """Call ``rebuild()`` whenever the input directory's documents settle after a change.

    ``polling``: None → native observer with polling fallback; True → polling; False → native only.
    ``stop``: set it (from another thread or a signal handler) to return; without one, runs until
    KeyboardInterrupt (or the caller's SIGTERM exception), which stops the observer and propagates.
    ``log`` receives one line per event of note (default: this module's logger).
    ``on_start`` is called once the observer is running (tests use it to know when to begin).
    """
    say = log or logger.info
    root = Path(input_dir).resolve()
    if not root.is_dir():
        raise FileNotFoundError(f"input directory {input_dir} does not exist")
    stop = stop or threading.Event()
    handler = _Debouncer(root)
    interval = min(MAX_POLL_INTERVAL, max(0.05, debounce / 4))
    observer = _start_observer(root, handler, polling, interval)
    kind = "polling" if isinstance(observer, PollingObserver) else "native"
    say(f"watching {input_dir} ({kind}); rebuilding {debounce:g} s after the last change")
    if on_start is not None:
        on_start()
    tick = min(0.25, max(0.02, debounce / 4))
    try:
        while not stop.is_set():
            if not handler.take_settled(debounce, tick):
                continue
            say("changes settled; rebuilding")
            try:
                rebuild()
            except Exception as exc:
                logger.exception("rebuild failed")
                say(f"rebuild failed: {type(exc).__name__}: {exc}; still watching")
    finally:
        observer.stop()
        observer.join(timeout=5)
