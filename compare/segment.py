"""Chinese text units: word tokens (jieba, kept behind this one module) and matching normalisation.

jieba is unmaintained, so nothing else imports it. It is loaded once per process, lazily, with the
policy-term user dictionary ``compare/data/userdict.txt`` (证照分离, 批而未供, 兼职兼薪 … kept whole),
its model cache in a directory the project owns (``$COMPARE_CACHE_DIR/jieba`` or
``~/.cache/compare/jieba``) and its DEBUG logging turned down.
"""

from __future__ import annotations

import io
import logging
import os
import threading
import unicodedata
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
                new.initialize()
                new.load_userdict(io.StringIO("\n".join(user_terms())))
                _TOKENIZER = new
    return _TOKENIZER


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


@lru_cache(maxsize=4096)
def _char(c: str) -> str:
    n = unicodedata.normalize("NFKC", c)
    return n if len(n) == 1 else c


def normalise_chars(text: str) -> str:
    """Full-width → half-width (，→ , （→ ( ２→2) character by character, so offsets stay aligned.

    Characters whose NFKC form is longer than one character (…, ㎡) are kept as they are.
    """
    if text.isascii():
        return text
    return "".join(_char(c) for c in text)
