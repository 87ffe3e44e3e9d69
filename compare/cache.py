"""The cache of per-document results: one embedded SQLite database of ``PlanAnalysis`` values.

A row is keyed by the sha256 of a file's bytes and a hash of the versions that shaped the analysis
(codebook, catalogue, code), so editing a plan, a data file or the code makes its old rows unreachable.
Values are the ``PlanAnalysis`` as JSON (msgspec: it writes and reads the dataclasses directly, about
ten times faster than building them from dicts, which dominated warm builds of thousands of plans),
zlib-compressed, with their own sha256 checksum: a row that
fails any check is deleted and reported as a miss, never trusted. A database file SQLite cannot read is
moved aside (``<name>.corrupt-<time>``) and recreated with a warning, and so is one holding another
schema, or a cache directory that is not a directory. WAL mode lets several processes
read while one writes; every write is one transaction, so a crash leaves the last committed state.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import sqlite3
import threading
import time
import warnings
import zlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

import msgspec

from compare.model import PlanAnalysis

log = logging.getLogger(__name__)

DB_NAME = "analyses.sqlite3"
# Bump when the row layout or the payload envelope changes: old rows then read as misses.
SCHEMA_VERSION = 1
# Long enough to ride out another process's write transaction (a put is milliseconds; a prune of
# thousands of rows well under a second), short enough that a wedged holder surfaces as an error.
BUSY_TIMEOUT_MS = 30_000
# Level 1: JSON of a plan (~300 KB) shrinks ~3.5x in ~3 ms; level 6 gains 15% for three times the work,
# and the workers encode every plan of a corpus.
ZLIB_LEVEL = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS analyses (
    sha256   TEXT NOT NULL,
    versions TEXT NOT NULL,
    schema   INTEGER NOT NULL,
    payload  BLOB NOT NULL,
    checksum TEXT NOT NULL,
    created  REAL NOT NULL,
    PRIMARY KEY (sha256, versions)
);
"""


_COLUMNS = ["sha256", "versions", "schema", "payload", "checksum", "created"]


def versions_key(versions: Mapping[str, str]) -> str:
    """Stable hash of a versions mapping (order of keys does not matter)."""
    text = json.dumps({str(k): str(v) for k, v in versions.items()}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(f"schema={SCHEMA_VERSION}\n{text}".encode()).hexdigest()[:32]


def _is_corruption(exc: BaseException) -> bool:
    # OperationalError ("database is locked", disk full) and IntegrityError are not corruption; plain
    # DatabaseError is what SQLite raises for "file is not a database" / "disk image is malformed".
    return isinstance(exc, sqlite3.DatabaseError) and not isinstance(
        exc, sqlite3.OperationalError | sqlite3.IntegrityError | sqlite3.ProgrammingError
    )


class _Envelope(msgspec.Struct):
    schema: int
    value: PlanAnalysis


def _plain(obj: Any) -> Any:
    """msgspec's hook for types it does not know: ``str`` subclasses (strings of data files that carry
    their line number) are written as strings."""
    if isinstance(obj, str):
        return str(obj)
    raise NotImplementedError(f"cannot store {type(obj).__name__}")


_ENCODER = msgspec.json.Encoder(enc_hook=_plain)
_DECODER = msgspec.json.Decoder(_Envelope)


def encode_analysis(analysis: PlanAnalysis) -> tuple[bytes, str]:
    """The stored form of an analysis (payload, checksum). A pure function: the per-plan workers call
    it, so the build process does not serialise thousands of analyses one after the other."""
    payload = zlib.compress(_ENCODER.encode(_Envelope(SCHEMA_VERSION, analysis)), ZLIB_LEVEL)
    return payload, hashlib.sha256(payload).hexdigest()


def decode_analysis(payload: bytes, checksum: str) -> PlanAnalysis:
    """The stored analysis; raises ValueError (or msgspec's ValidationError) on any inconsistency."""
    if not isinstance(payload, bytes) or hashlib.sha256(payload).hexdigest() != checksum:
        raise ValueError("checksum mismatch")
    envelope = _DECODER.decode(zlib.decompress(payload))
    if envelope.schema != SCHEMA_VERSION:
        raise ValueError("schema version mismatch")
    return envelope.value


class AnalysisCache:
    """Per-document analyses keyed by (file sha256, versions); see the module docstring.

    ``path`` is the cache directory (created if missing; the database is ``path/analyses.sqlite3``)
    or, when it has a suffix such as ``.sqlite``, the database file itself.
    One instance may be shared by the threads of a process; each process opens its own.
    """

    def __init__(self, path: Path, versions: Mapping[str, str]) -> None:
        path = Path(path)
        # A directory (the usual ``.cache/``), or the database file itself when a file name is given.
        if path.suffix and not path.is_dir():
            self.directory, self.db_path = path.parent, path
        else:
            self.directory, self.db_path = path, path / DB_NAME
        self.versions = dict(versions)
        self.key = versions_key(versions)
        self._lock = threading.RLock()
        for where in (self.directory, self.db_path):
            if where.exists() and where.is_dir() != (where == self.directory):
                self._set_aside(where, "is not a " + ("folder" if where == self.directory else "file"))
        self.directory.mkdir(parents=True, exist_ok=True)
        self._conn = self._open()

    # -- connection -------------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.db_path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode: committed transactions survive a process crash; only an OS crash may
        # lose the last ones, which for a cache costs a recomputation, not correctness.
        conn.execute("PRAGMA synchronous=NORMAL")
        with conn:
            conn.executescript(_SCHEMA)
        columns = [row[1] for row in conn.execute("PRAGMA table_info(analyses)")]
        if columns != _COLUMNS:
            conn.close()
            raise sqlite3.DatabaseError(f"another schema (columns {', '.join(columns)})")
        conn.execute("SELECT count(*) FROM analyses").fetchone()
        return conn

    def _open(self) -> sqlite3.Connection:
        try:
            return self._connect()
        except sqlite3.DatabaseError as exc:
            if not _is_corruption(exc):
                raise
            self._move_aside(exc)
            return self._connect()

    def _set_aside(self, path: Path, why: str) -> Path:
        """Rename an unusable cache file or folder out of the way (never deleted: it may be the user's)."""
        stamp = time.strftime("%Y%m%dT%H%M%S")
        aside = path.with_name(f"{path.name}.corrupt-{stamp}-{os.getpid()}")
        message = f"cache {path} {why}; moved it to {aside.name}, starting afresh"
        warnings.warn(message, RuntimeWarning, stacklevel=3)
        log.warning(message)
        os.replace(path, aside)
        return aside

    def _move_aside(self, exc: BaseException) -> None:
        if self.db_path.exists():
            aside = self._set_aside(self.db_path, f"is unreadable ({exc})")
        else:
            aside = self.db_path.with_name(f"{self.db_path.name}.corrupt-{os.getpid()}")
        for suffix in ("-wal", "-shm"):
            side = self.db_path.with_name(self.db_path.name + suffix)
            if side.exists():
                os.replace(side, aside.with_name(aside.name + suffix))

    def _recover(self, exc: BaseException) -> None:
        """The database went bad while open: move it aside and reconnect to a fresh one."""
        with contextlib.suppress(sqlite3.Error):
            self._conn.close()
        self._move_aside(exc)
        self._conn = self._connect()

    # -- analyses ---------------------------------------------------------------------------
    def get(self, sha256: str) -> PlanAnalysis | None:
        """The cached analysis of a file with these bytes under the current versions, else None."""
        row = self._fetch_sql(
            "SELECT payload, checksum FROM analyses WHERE sha256=? AND versions=?", (sha256, self.key)
        )
        if row is None:
            return None
        try:
            analysis = decode_analysis(row[0], row[1])
            if analysis.document.sha256 not in ("", sha256):
                raise ValueError("row holds another file's analysis")
            return analysis
        except Exception as exc:  # any bad row is a miss: bad zlib, JSON, schema, or dataclass shape
            log.warning("cache row for %s discarded: %s", sha256[:12], exc)
            self._execute_sql("DELETE FROM analyses WHERE sha256=? AND versions=?", (sha256, self.key))
            return None

    def put(self, sha256: str, analysis: PlanAnalysis) -> None:
        """Store (or replace) the analysis of a file with these bytes under the current versions."""
        self.put_encoded(sha256, encode_analysis(analysis))

    def put_encoded(self, sha256: str, encoded: tuple[bytes, str]) -> None:
        """``put`` for an analysis already encoded (by ``encode_analysis``, e.g. in a worker process)."""
        payload, checksum = encoded
        self._execute_sql(
            "INSERT OR REPLACE INTO analyses (sha256, versions, schema, payload, checksum, created) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (sha256, self.key, SCHEMA_VERSION, payload, checksum, time.time()),
        )

    def prune(self, keep_sha256s: Iterable[str]) -> int:
        """Delete rows of files not in ``keep_sha256s`` and rows of other versions; return how many."""
        keep = sorted(set(keep_sha256s))
        with self._lock:
            try:
                with self._conn:
                    self._conn.execute("BEGIN IMMEDIATE")
                    self._conn.execute("CREATE TEMP TABLE IF NOT EXISTS keep (sha256 TEXT PRIMARY KEY)")
                    self._conn.execute("DELETE FROM keep")
                    self._conn.executemany("INSERT OR IGNORE INTO keep VALUES (?)", [(k,) for k in keep])
                    cur = self._conn.execute(
                        "DELETE FROM analyses WHERE versions<>? OR sha256 NOT IN (SELECT sha256 FROM keep)",
                        (self.key,),
                    )
                    removed = cur.rowcount
                    return removed
            except sqlite3.DatabaseError as exc:
                if not _is_corruption(exc):
                    raise
                self._recover(exc)
                return 0

    def __contains__(self, sha256: object) -> bool:
        if not isinstance(sha256, str):
            return False
        row = self._fetch_sql("SELECT 1 FROM analyses WHERE sha256=? AND versions=?", (sha256, self.key))
        return row is not None

    def __len__(self) -> int:
        row = self._fetch_sql("SELECT count(*) FROM analyses WHERE versions=?", (self.key,))
        return int(row[0]) if row else 0

    # -- plumbing ---------------------------------------------------------------------------
    def _fetch_sql(self, sql: str, params: tuple[Any, ...]) -> tuple[Any, ...] | None:
        with self._lock:
            try:
                row: tuple[Any, ...] | None = self._conn.execute(sql, params).fetchone()
                return row
            except sqlite3.DatabaseError as exc:
                if not _is_corruption(exc):
                    raise
                self._recover(exc)
                return None

    def _execute_sql(self, sql: str, params: tuple[Any, ...]) -> None:
        with self._lock:
            try:
                with self._conn:
                    self._conn.execute("BEGIN IMMEDIATE")
                    self._conn.execute(sql, params)
            except sqlite3.DatabaseError as exc:
                if not _is_corruption(exc):
                    raise
                self._recover(exc)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> AnalysisCache:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
