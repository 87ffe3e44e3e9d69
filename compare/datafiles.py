"""The one reader of YAML data files: parse with line numbers, read typed values, fail with file and line.

Rules and settings (codebook, catalogue, patterns, thresholds, gazetteers, the report's settings,
docs_in/catalogue.yaml) are data; code reads them through this module so that a bad edit fails
loudly with ``compare/data/outline.yaml:41: numbering.styles[2].pattern: …`` (``compare.errors``)
instead of a stack trace deep in a parser.

- ``read_yaml(path)`` parses any file with libyaml's safe loader when present; every mapping, list
  and string it returns remembers its line (``line_of``).
- ``Section`` is one mapping of such a file with typed getters (``integer``, ``number``,
  ``strings``, ``regexes`` …); ``align_section`` is a section of ``compare/data/align.yaml``.
- ``load_yaml(name)`` / ``section`` / ``get_str`` … read the small rule files of ``compare/data/`` by
  name (once per process), and ``DataFileError`` finds the line of the key path it names.
"""

from __future__ import annotations

import math
import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from compare.config import DATA_DIR
from compare.errors import DataError, SettingsError

# yaml.safe_load's loader on libyaml's parser when available: the same data, several times faster
SAFE_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# ---------------------------------------------------------------- YAML with line numbers


class _Str(str):
    """A string read from a data file, with its 1-based line."""

    line: int = 0


class _Map(dict[Any, Any]):
    """A mapping read from a data file: its line and the line of each key."""

    line: int = 0
    key_lines: dict[Any, int]


class _List(list[Any]):
    """A list read from a data file: its line and the line of each item."""

    line: int = 0
    item_lines: list[int]


class LineLoader(SAFE_LOADER):
    """A safe loader (no arbitrary objects) whose mappings, lists and strings remember their line."""


def _construct_str(loader: LineLoader, node: yaml.ScalarNode) -> _Str:
    s = _Str(loader.construct_scalar(node))
    s.line = node.start_mark.line + 1
    return s


def _construct_map(loader: LineLoader, node: yaml.MappingNode) -> _Map:
    loader.flatten_mapping(node)  # merge keys (<<), as the safe loader does
    out = _Map()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
    return out


def _construct_list(loader: LineLoader, node: yaml.SequenceNode) -> _List:
    out = _List([loader.construct_object(child, deep=True) for child in node.value])
    out.line = node.start_mark.line + 1
    out.item_lines = [child.start_mark.line + 1 for child in node.value]
    return out


LineLoader.add_constructor("tag:yaml.org,2002:str", _construct_str)
LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_list)


def line_of(node: Any, key: Any = None) -> int | None:
    """1-based line of ``node[key]`` (of ``node`` itself without a key) in a file read by ``read_yaml``.

    A key a mapping lacks, or an index past a list's end, gives the container's line; a value that
    was not read by ``read_yaml`` (a number on its own, a hand-made dict) gives None.
    """
    if key is not None:
        if isinstance(node, _Map):
            return node.key_lines.get(key, node.line) or None
        if isinstance(node, _List) and isinstance(key, int) and 0 <= key < len(node.item_lines):
            return node.item_lines[key]
    return getattr(node, "line", None) or None


def read_bytes(path: Path | str, error: type[DataError] = DataError) -> bytes:
    """The bytes of a data file; ``error`` names it when it cannot be read."""
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise error(path, "", f"cannot read the file: {exc.strerror or exc}") from None


def parse_yaml(raw: bytes | str, path: Path | str, error: type[DataError] = DataError) -> Any:
    """Parse a UTF-8 YAML text keeping line numbers; ``error`` names ``path`` and the line on bad syntax."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as exc:
        raise error(path, "", f"not UTF-8: {exc}") from None
    try:
        data = yaml.load(text, Loader=LineLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or str(exc)
        raise error(path, "", f"YAML syntax error: {problem}", mark.line + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise error(path, "", f"YAML error: {exc}") from None
    _check_expansion(data, path, error)
    return data


MAX_VALUES = 200_000  # values a data file may hold once its aliases (*name) are expanded


def _check_expansion(data: Any, path: Path | str, error: type[DataError]) -> None:
    """Refuse aliases that refer to themselves or expand to more values than any data file holds (a
    few hundred bytes of nested aliases, a "billion laughs", expand to billions): counted on the
    shared nodes once each, never expanded."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()

    def size(node: Any) -> int:
        if not isinstance(node, dict | list):
            return 1
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in open_nodes:
            raise error(path, "", "an alias refers to itself: a data file is a tree", line_of(node))
        open_nodes.add(key)
        children = [*node.keys(), *node.values()] if isinstance(node, dict) else node
        total = 1
        for child in children:
            total += size(child)
            if total > MAX_VALUES:
                raise error(
                    path, "", f"its aliases expand to more than {MAX_VALUES:,} values: refused", line_of(node)
                )
        open_nodes.discard(key)
        sizes[key] = total
        return total

    size(data)


def read_yaml(path: Path | str, error: type[DataError] = DataError) -> Any:
    """The parsed YAML file at ``path`` (any file: compare/data/, templates/, docs_in/), lines kept."""
    return parse_yaml(read_bytes(path, error), path, error)


def kind_of(value: Any) -> str:
    """What a value read from YAML is, in the file's terms (for messages): string, list, mapping …"""
    for kind, name in ((bool, "true/false"), (str, "string"), (int, "integer"), (float, "number")):
        if isinstance(value, kind):
            return name
    if isinstance(value, dict):
        return "mapping"
    if isinstance(value, list):
        return "list"
    return "nothing" if value is None else type(value).__name__


def plain(node: Any) -> Any:
    """The same data as plain dicts, lists and strings (for data that leaves its reader as it was read)."""
    if isinstance(node, dict):
        return {plain(k): plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    return str(node) if isinstance(node, str) else node


def _key_path(where: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{where}[{key}]"
    return f"{where}.{key}" if where else str(key)


# ---------------------------------------------------------------- a mapping with typed getters


class Section:
    """One mapping of a data file with typed getters; a bad value raises ``error`` with file and line.

    ``where`` is the mapping's key path in the file (``""`` for the top level); messages name
    ``<where>.<key>``.
    """

    def __init__(
        self, path: Path | str, data: Any, where: str = "", error: type[DataError] = DataError
    ) -> None:
        if not isinstance(data, dict):
            raise error(path, where, "expected a mapping", line_of(data))
        self.path = path
        self.data: dict[Any, Any] = data
        self.where = where
        self.error_type = error

    @classmethod
    def read(cls, path: Path | str, name: str | None = None, error: type[DataError] = DataError) -> Section:
        """The top-level mapping of the YAML file at ``path``, or its section ``name``."""
        top = cls(path, read_yaml(path, error), "", error)
        return top if name is None else top.section(name)

    def fail(self, key: Any, message: str, node: Any = None) -> DataError:
        """The error for ``key`` (None: the mapping itself), at the line of ``node`` or else of ``key``."""
        where = self.where if key is None else _key_path(self.where, key)
        line = (line_of(node) if node is not None else None) or line_of(self.data, key)
        return self.error_type(self.path, where, message, line)

    def error(self, key: Any, what: str) -> DataError:
        """The error for a bad value of ``key``: it ``must be <what>``."""
        return self.fail(key, f"must be {what}")

    def __contains__(self, key: str) -> bool:
        return key in self.data

    def get(self, key: str) -> Any:
        """The value of a required key."""
        if key not in self.data:
            raise self.fail(key, "missing")
        return self.data[key]

    def section(self, key: str) -> Section:
        """The mapping under ``key``."""
        value = self.get(key)
        if not isinstance(value, dict):
            raise self.error(key, "a mapping")
        return Section(self.path, value, _key_path(self.where, key), self.error_type)

    def sections(self, key: str) -> list[Section]:
        """The list of mappings under ``key``."""
        value = self.get(key)
        if not isinstance(value, list):
            raise self.error(key, "a list of mappings")
        where = _key_path(self.where, key)
        out = []
        for i, item in enumerate(value):
            if not isinstance(item, dict):
                raise self.error_type(self.path, f"{where}[{i}]", "must be a mapping", line_of(value, i))
            out.append(Section(self.path, item, f"{where}[{i}]", self.error_type))
        return out

    def number(self, key: str, lo: float = 0.0, hi: float = math.inf) -> float:
        v = self.get(key)
        if isinstance(v, bool) or not isinstance(v, int | float) or not lo <= v <= hi:
            bounds = f">= {lo:g}" if hi == math.inf else f"in [{lo:g}, {hi:g}]"
            raise self.error(key, f"a number {bounds}, got {v!r}")
        return float(v)

    def integer(self, key: str, lo: int = 0) -> int:
        v = self.get(key)
        if isinstance(v, bool) or not isinstance(v, int) or v < lo:
            raise self.error(key, f"an integer >= {lo}, got {v!r}")
        return int(v)

    def int_pair(self, key: str) -> tuple[int, int]:
        v = self.get(key)
        ok = (
            isinstance(v, list)
            and len(v) == 2
            and all(isinstance(x, int) and not isinstance(x, bool) for x in v)
        )
        if not ok or not 1 <= v[0] <= v[1]:
            raise self.error(key, "a pair [low, high] of integers with 1 <= low <= high")
        return int(v[0]), int(v[1])

    def boolean(self, key: str) -> bool:
        v = self.get(key)
        if not isinstance(v, bool):
            raise self.error(key, "true or false")
        return v

    def string(self, key: str) -> str:
        v = self.get(key)
        if not isinstance(v, str) or not v:
            raise self.error(key, f"a non-empty string, got {v!r}")
        return str(v)

    def strings(self, key: str, allow_empty: bool = False) -> tuple[str, ...]:
        """A list of strings (non-empty ones unless ``allow_empty``)."""
        v = self.get(key)
        if not isinstance(v, list) or not all(isinstance(s, str) and (s or allow_empty) for s in v):
            raise self.error(key, "a list of non-empty strings" if not allow_empty else "a list of strings")
        return tuple(str(s) for s in v)

    def regex(self, key: str, flags: int = 0) -> re.Pattern[str]:
        """A regular expression (a non-empty string that compiles)."""
        return self.compile(key, self.string(key), flags)

    def regexes(self, key: str) -> tuple[re.Pattern[str], ...]:
        """A list of regular expressions."""
        patterns, nodes = self.strings(key), self.data[key]
        return tuple(self.compile(f"{key}[{i}]", s, node=nodes[i]) for i, s in enumerate(patterns))

    def compile(self, key: Any, pattern: str, flags: int = 0, node: Any = None) -> re.Pattern[str]:
        """Compile ``pattern`` read at ``key`` (a key path below this mapping)."""
        try:
            return re.compile(pattern, flags)
        except re.error as exc:
            raise self.fail(
                key, f"bad regular expression {pattern!r}: {exc}", node if node is not None else pattern
            ) from None

    def mapping(self, key: str, value_type: type = str) -> dict[str, Any]:
        """A mapping of names to values of ``value_type`` (an int is a float too)."""
        v = self.get(key)
        if not isinstance(v, dict) or not all(
            isinstance(k, str)
            and not isinstance(x, bool)
            and (isinstance(x, value_type) or (value_type is float and isinstance(x, int)))
            for k, x in v.items()
        ):
            raise self.error(key, f"a mapping of names to {value_type.__name__}")
        return {str(k): x for k, x in v.items()}


ALIGN_SETTINGS = DATA_DIR / "align.yaml"


def align_section(name: str, path: Path | None = None) -> Section:
    """One top-level section of ``compare/data/align.yaml`` (or of the file at ``path``)."""
    return Section.read(path if path is not None else ALIGN_SETTINGS, name, SettingsError)


# ---------------------------------------------------------------- the rule files of compare/data/ by name


class DataFileError(DataError):
    """A rule file of ``compare/data/`` (outline, metadata, jurisdictions, exports) cannot be used.

    ``path`` may be a bare file name (taken in compare/data/); without a ``line``, the line of the
    key path ``where`` in that file is looked up.
    """

    def __init__(self, path: Path | str, where: str, message: str, line: int | None = None) -> None:
        if isinstance(path, str) and Path(path).name == path:
            path = DATA_DIR / path
        if line is None and where and Path(path).parent == DATA_DIR:
            line = _line_at(Path(path).name, where)
        super().__init__(path, where, message, line)


_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _line_at(name: str, where: str) -> int | None:
    """The line of key path ``where`` (``a.b[2].c``) in data file ``name``: of its deepest part found."""
    try:
        node: Any = load_yaml(name)
    except DataError:
        return None
    line = None
    for m in _STEP.finditer(where):
        key: Any = m.group(1) if m.group(1) is not None else int(m.group(2))
        if isinstance(node, dict):
            found = key in node
        else:
            found = isinstance(node, list) and isinstance(key, int) and key < len(node)
        if not found:
            break
        line = line_of(node, key) or line
        node = node[key]
    return line


@cache
def load_yaml(name: str) -> dict[str, Any]:
    """The parsed mapping of ``compare/data/<name>`` (cached; raise DataFileError on a bad file)."""
    data = read_yaml(DATA_DIR / name, DataFileError)
    if not isinstance(data, dict):
        raise DataFileError(DATA_DIR / name, "", "the top level must be a mapping", 1)
    return data


def section(name: str, key: str) -> dict[str, Any]:
    """The mapping under ``key`` at the top of data file ``name``."""
    data = load_yaml(name)
    value = data.get(key)
    if not isinstance(value, dict):
        raise DataFileError(name, key, "missing or not a mapping")
    return value


def get_str(name: str, where: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise DataFileError(name, where, f"expected a non-empty string, got {value!r}", line_of(value))
    return str(value)


def get_int(name: str, where: str, value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise DataFileError(name, where, f"expected an integer, got {value!r}", line_of(value))
    return value


def get_str_list(name: str, where: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise DataFileError(name, where, "expected a list of non-empty strings", line_of(value))
    return [str(v) for v in value]


def compile_pattern(name: str, where: str, pattern: Any, **macros: str) -> re.Pattern[str]:
    """Compile a regular expression from a data file, after expanding ``{MACRO}`` placeholders."""
    text = get_str(name, where, pattern)
    for macro, expansion in macros.items():
        text = text.replace("{" + macro + "}", expansion)
    try:
        return re.compile(text)
    except re.error as exc:
        raise DataFileError(name, where, f"bad regular expression {text!r}: {exc}", line_of(pattern)) from exc


def alternation(words: list[str]) -> str:
    """A regex alternation of literal words, longest first (so 实施方案 wins over 方案)."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))
