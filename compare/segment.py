"""Chinese word tokens: jieba, kept behind this one module.

jieba is unmaintained, so nothing else imports it. It is loaded once per process, lazily, with the
policy-term user dictionary ``compare/data/userdict.txt`` (证照分离, 批而未供, 兼职兼薪 … kept whole),
its model cache in a directory the project owns (``$COMPARE_CACHE_DIR/jieba`` or
``~/.cache/compare/jieba``) and its DEBUG logging turned down.

Loading jieba's dictionary takes about a second, which a per-plan worker pays for a question about a
dozen characters (does a line break cut a word?). ``dictionary_words`` answers it like jieba without
HMM, reading the word frequencies from an SQLite copy of jieba's final dictionary (its own plus the
user terms) kept next to jieba's cache: built once from jieba itself, then only the substrings of
the text are looked up. The tokenizer itself is restored from a marshalled copy of that final
dictionary, read in one piece (jieba reads its own cache file piecewise, three times slower).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import io
import logging
import marshal
import math
import os
import re
import sqlite3
import tempfile
import threading
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from compare.config import DATA_DIR

USER_DICT = DATA_DIR / "userdict.txt"

_LOCK = threading.Lock()
_TOKENIZER: Any = None  # one per process: loading jieba's dictionary costs about a second


def cache_dir() -> Path:
    """Where jieba keeps its model cache: ``$COMPARE_CACHE_DIR/jieba`` or ``~/.cache/compare/jieba``."""
    base = os.environ.get("COMPARE_CACHE_DIR")
    root = Path(base) if base else Path.home() / ".cache" / "compare"
    path = root / "jieba"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _tokenizer() -> Any:
    """The process-wide jieba tokenizer with the policy-term user dictionary, built on first use."""
    global _TOKENIZER
    if _TOKENIZER is None:
        with _LOCK:
            if _TOKENIZER is None:
                import jieba  # the only import of jieba in the project

                jieba.setLogLevel(logging.WARNING)
                logging.getLogger("jieba").setLevel(logging.WARNING)
                new = jieba.Tokenizer()
                new.tmp_dir = str(cache_dir())
                if not _restore(new):
                    new.initialize()
                    new.load_userdict(io.StringIO("\n".join(user_terms())))
                    _save(new)
                _TOKENIZER = new
    return _TOKENIZER


def _restore(tokenizer: Any) -> bool:
    """Load the final dictionary (jieba's plus the user terms) saved by ``_save``, if there is one.

    jieba's own ``initialize`` unmarshals its cache from the open file, which reads it in small
    pieces: three times slower than unmarshalling the bytes (0.9 s against 0.3 s), and the user
    terms are then added one by one. The saved state is what both leave behind."""
    path = _dictionary_path("tokenizer", ".marshal")
    if path is None or not path.exists():
        return False
    try:
        freq, total = marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return False
    if not isinstance(freq, dict) or not isinstance(total, int):
        return False
    tokenizer.FREQ, tokenizer.total, tokenizer.initialized = freq, total, True
    return True


def _save(tokenizer: Any) -> None:
    """Keep the initialised tokenizer's dictionary for ``_restore`` (atomically; best effort)."""
    path = _dictionary_path("tokenizer", ".marshal")
    if path is None:
        return
    with contextlib.suppress(OSError):
        _write_atomic(path, marshal.dumps((tokenizer.FREQ, tokenizer.total)))


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)  # a parallel process writing the same file is harmless
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    _drop_older(path)


def _drop_older(path: Path) -> None:
    """Delete the copies of the same kind built from an older dictionary."""
    kind = path.name.split("-")[0]
    for old in path.parent.glob(f"{kind}-*{path.suffix}"):
        if old != path:
            old.unlink(missing_ok=True)


# --- jieba's dictionary route without loading jieba (HMM off) ---------------------------------------

# jieba's own block patterns (jieba/__init__.py): runs it segments, whitespace, single ASCII letters
_JIEBA_HAN = re.compile("([\u4e00-\u9fd5a-zA-Z0-9+#&\\._%\\-]+)")
_JIEBA_SKIP = re.compile("(\r\n|\\s)")
_JIEBA_ENG = re.compile("[a-zA-Z0-9]")
_LEXICON_FORMAT = "1"
_LEXICON: Any = None  # (process id, sqlite3 connection, total, longest word), or False
_LEXICON_LOCK = threading.Lock()  # not _LOCK: building the lexicon loads the tokenizer under _LOCK


def _dictionary_path(kind: str, suffix: str) -> Path | None:
    """Where a copy of jieba's final dictionary lives; its name changes with what it is built from
    (jieba's dictionary and code as installed, the user terms), so a stale copy is never read.

    jieba's files count by their content, not their times: every new environment (a fresh clone's
    nox sessions) installs the same jieba with new file times, and its first build rebuilt both
    copies (a second in each worker) and dropped those of the other environments."""
    spec = importlib.util.find_spec("jieba")
    if spec is None or not spec.submodule_search_locations:
        return None
    package = Path(next(iter(spec.submodule_search_locations)))
    try:
        digests = [_content_digest(package / name) for name in ("dict.txt", "__init__.py")]
    except OSError:
        return None
    parts = [_LEXICON_FORMAT, *digests, *user_terms()]
    key = hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]
    return cache_dir() / f"{kind}-{key}{suffix}"


def _content_digest(path: Path) -> str:
    """sha256 of a file's bytes, read once per process while its size and time stay the same."""
    st = path.stat()
    return _digest(str(path), st.st_size, st.st_mtime_ns)


@lru_cache(maxsize=8)
def _digest(path: str, _size: int, _mtime_ns: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _lexicon_path() -> Path | None:
    """The SQLite copy of the dictionary that ``dictionary_words`` reads."""
    return _dictionary_path("lexicon", ".sqlite")


def _build_lexicon(path: Path) -> None:
    """Write jieba's final word frequencies (its dictionary and the user terms) to ``path``."""
    tk = _tokenizer()
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".lexicon-", suffix=".tmp")
    os.close(fd)
    try:
        con = sqlite3.connect(tmp)
        with con:
            con.execute("CREATE TABLE freq (word TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID")
            con.execute("CREATE TABLE meta (total INTEGER NOT NULL, longest INTEGER NOT NULL)")
            con.executemany("INSERT INTO freq VALUES (?, ?)", tk.FREQ.items())
            con.execute("INSERT INTO meta VALUES (?, ?)", (tk.total, max(map(len, tk.FREQ), default=1)))
        con.close()
        os.replace(tmp, path)  # atomic: a parallel worker building the same file is harmless
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    _drop_older(path)


def prepare_workers() -> None:
    """Before workers are forked: when the cache has no copy of the dictionary for ``dictionary_words``
    (a new environment's first build), jieba's own is loaded here, and the workers inherit it and
    read it (each built the copy, jieba's dictionary first, at the same time as the others and as
    the build loading its tokenizer). ``prepare_lexicon`` writes the copy while they work."""
    path = _lexicon_path()
    if path is not None and not path.exists():
        _tokenizer()


def prepare_lexicon() -> None:
    """Have the SQLite copy of the dictionary that ``dictionary_words`` reads (built when missing)."""
    _lexicon()


def _lexicon() -> Any:
    global _LEXICON
    if _LEXICON is None or (_LEXICON and _LEXICON[0] != os.getpid()):  # never share it across a fork
        with _LEXICON_LOCK:
            if _LEXICON is None or (_LEXICON and _LEXICON[0] != os.getpid()):
                _LEXICON = _open_lexicon()
    return _LEXICON


def _open_lexicon() -> Any:
    try:
        path = _lexicon_path()
        if path is None:
            return False
        if not path.exists():
            _build_lexicon(path)
        con = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, check_same_thread=False)
        total, longest = con.execute("SELECT total, longest FROM meta").fetchone()
        return os.getpid(), con, int(total), int(longest)
    except (OSError, sqlite3.Error):
        return False  # no writable cache: dictionary_words falls back to jieba itself


def _frequencies(con: sqlite3.Connection, sentence: str, longest: int) -> dict[str, int]:
    """The dictionary entries among the substrings of ``sentence`` (all jieba's route can look up)."""
    subs = list(
        {
            sentence[i:j]
            for i in range(len(sentence))
            for j in range(i + 1, min(len(sentence), i + longest) + 1)
        }
    )
    out: dict[str, int] = {}
    with _LEXICON_LOCK:
        for k in range(0, len(subs), 500):
            chunk = subs[k : k + 500]
            rows = con.execute(
                f"SELECT word, n FROM freq WHERE word IN ({','.join('?' * len(chunk))})", chunk
            )
            out.update(rows)
    return out


def _route_words(sentence: str, freq: dict[str, int], total: int) -> Iterator[str]:
    """jieba's ``__cut_DAG_NO_HMM`` for one block: the most probable route through dictionary words."""
    n = len(sentence)
    dag: dict[int, list[int]] = {}
    for k in range(n):
        ends = []
        i, frag = k, sentence[k]
        while i < n and frag in freq:
            if freq[frag]:
                ends.append(i)
            i += 1
            frag = sentence[k : i + 1]
        dag[k] = ends or [k]
    route: dict[int, tuple[float, int]] = {n: (0, 0)}
    logtotal = math.log(total)
    for idx in range(n - 1, -1, -1):
        route[idx] = max(
            (math.log(freq.get(sentence[idx : x + 1]) or 1) - logtotal + route[x + 1][0], x) for x in dag[idx]
        )
    x, buf = 0, ""
    while x < n:
        y = route[x][1] + 1
        word = sentence[x:y]
        if _JIEBA_ENG.match(word) and len(word) == 1:
            buf += word  # single letters and digits run together, as jieba does
        else:
            if buf:
                yield buf
                buf = ""
            yield word
        x = y
    if buf:
        yield buf


def dictionary_words(text: str) -> list[str]:
    """``tokenize(text, hmm=False)``, without loading jieba's dictionary (see the module docstring).

    Meant for short texts: every substring up to the longest word is looked up (in jieba's own
    dictionary instead when it is loaded already: the same frequencies).
    """
    loaded = _TOKENIZER  # jieba's dictionary in memory (``prepare_workers``): what the copy holds
    lex = _lexicon() if loaded is None else None
    if loaded is None and not lex:
        return tokenize(text, hmm=False)
    words: list[str] = []
    for block in _JIEBA_HAN.split(text):
        if not block:
            continue
        if _JIEBA_HAN.match(block):
            if lex:
                _, con, total, longest = lex
                words.extend(_route_words(block, _frequencies(con, block, longest), total))
            else:
                words.extend(_route_words(block, loaded.FREQ, loaded.total))
            continue
        for piece in _JIEBA_SKIP.split(block):
            if _JIEBA_SKIP.match(piece):
                words.append(piece)
            else:
                words.extend(piece)
    return [w for w in words if w.strip()]


def user_terms(path: Path = USER_DICT) -> list[str]:
    """The policy terms of the user dictionary (comments and blank lines skipped)."""
    if not path.exists():
        return []
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def tokenize(text: str, *, hmm: bool = True) -> list[str]:
    """Word tokens of ``text`` (whitespace dropped); policy terms of the user dictionary stay whole.

    ``hmm=False`` finds no new words (what a check for a word cut by a line break wants).
    """
    return [t for t in _tokenizer().lcut(text, HMM=hmm) if t.strip()]


def search_words(text: str) -> list[str]:
    """Word tokens of ``text`` as a search index wants them: jieba's search mode, which adds the
    dictionary words inside a longer word (市场 and 监管 besides 市场监管)."""
    return [t for t in _tokenizer().lcut_for_search(text) if t.strip()]
