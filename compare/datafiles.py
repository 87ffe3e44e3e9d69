"""Read the YAML data files under ``compare/data/`` with errors that name the file and the place.

Rules (patterns, keyword lists, thresholds, gazetteers) are data; code reads them through
these helpers so that a bad edit fails loudly with ``outline.yaml: numbering.styles[2].pattern:
…`` instead of a stack trace deep in a parser.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from compare.config import DATA_DIR
from compare.errors import DataError

# yaml.safe_load's loader on libyaml's parser when available: the same data, several times faster
SAFE_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class DataFileError(DataError):
    """A data file that cannot be used: names the file, the key path and what is wrong."""

    def __init__(self, path: Path | str, where: str, message: str) -> None:
        self.path = str(path)
        self.where = where
        super().__init__(f"{Path(self.path).name}: {where}: {message}" if where else f"{path}: {message}")


@cache
def load_yaml(name: str) -> dict[str, Any]:
    """The parsed mapping of ``compare/data/<name>`` (cached; raise DataFileError on a bad file)."""
    path = DATA_DIR / name
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataFileError(path, "", f"cannot read: {exc}") from exc
    try:
        data = yaml.load(text, Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        raise DataFileError(path, where, f"not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise DataFileError(path, "", "the top level must be a mapping")
    return data


def section(name: str, key: str) -> dict[str, Any]:
    """The mapping under ``key`` at the top of data file ``name``."""
    data = load_yaml(name)
    value = data.get(key)
    if not isinstance(value, dict):
        raise DataFileError(DATA_DIR / name, key, "missing or not a mapping")
    return value


def get_str(name: str, where: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise DataFileError(DATA_DIR / name, where, f"expected a non-empty string, got {value!r}")
    return value


def get_int(name: str, where: str, value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise DataFileError(DATA_DIR / name, where, f"expected an integer, got {value!r}")
    return value


def get_str_list(name: str, where: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise DataFileError(DATA_DIR / name, where, "expected a list of non-empty strings")
    return list(value)


def compile_pattern(name: str, where: str, pattern: Any, **macros: str) -> re.Pattern[str]:
    """Compile a regular expression from a data file, after expanding ``{MACRO}`` placeholders."""
    text = get_str(name, where, pattern)
    for macro, expansion in macros.items():
        text = text.replace("{" + macro + "}", expansion)
    try:
        return re.compile(text)
    except re.error as exc:
        raise DataFileError(DATA_DIR / name, where, f"bad regular expression {text!r}: {exc}") from exc


def alternation(words: list[str]) -> str:
    """A regex alternation of literal words, longest first (so 实施方案 wins over 方案)."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))
