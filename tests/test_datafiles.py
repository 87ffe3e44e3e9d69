"""A bad edit of any data file is reported the same way: ``<file>:<line>: <key path>: <what is wrong>``.

Whoever edits the codebook, the family catalogue, align.yaml, noise.yaml, attributes.yaml, the
report's settings or docs_in/catalogue.yaml sees which file, which line and which key, and the
build refuses to start (every such error is a ``DataError``).
"""

from __future__ import annotations

import pickle
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from compare.align import AlignSettings
from compare.align.catalogue import load_catalogue
from compare.build import load_plan_catalogue
from compare.config import CODEBOOK_PATH, DATA_DIR, DEFAULT_CATALOGUE, TEMPLATES_DIR
from compare.datafiles import DataFileError, Section, compile_pattern, line_of, read_yaml
from compare.errors import (
    CatalogueError,
    CodebookError,
    DataError,
    NoiseDataError,
    PlanCatalogueError,
    ReportSettingsError,
    RulesError,
    SettingsError,
)
from compare.ingest.patterns import NOISE_FILE, load_noise_data
from compare.measures.attributes import RULES_PATH, load_rules
from compare.render.view import default_topic_descriptions, load_report_settings
from compare.topics import load_codebook


def _edited(source: Path, old: str, new: str, tmp_path: Path) -> tuple[Path, int]:
    """A copy of ``source`` with its first ``old`` replaced, and the line where the edit is."""
    text = source.read_text(encoding="utf-8")
    assert old in text, old
    edited = text.replace(old, new, 1)
    path = tmp_path / source.name
    path.write_text(edited, encoding="utf-8")
    start = edited.index(new) + len(new) - len(new.lstrip("\n"))  # where the edited line begins
    return path, edited[:start].count("\n") + 1


def _load_align(path: Path) -> Any:
    return AlignSettings.load(path)


def _load_report(path: Path) -> Any:
    return load_report_settings(path)


CASES = [
    # (data file, loader, error, text replaced, bad text, key path named)
    (CODEBOOK_PATH, load_codebook, CodebookError, "      下放: 3\n", "      下放: three\n", "keywords.下放"),
    (DEFAULT_CATALOGUE, load_catalogue, CatalogueError, "  topic: land\n", "  topic: lands\n", ".topic"),
    (
        DATA_DIR / "align.yaml",
        _load_align,
        SettingsError,
        "  threshold: 0.25",
        "  threshold: 7 #",
        "similarity.threshold",
    ),
    (
        NOISE_FILE,
        load_noise_data,
        NoiseDataError,
        "  max_plan_chars: ",
        "  max_plan_chars: -",
        "limits.max_plan_chars",
    ),
    (
        RULES_PATH,
        load_rules,
        RulesError,
        "  min_unit_chars: ",
        "  min_unit_chars: x",
        "segmentation.min_unit_chars",
    ),
    (
        TEMPLATES_DIR / "report.yaml",
        _load_report,
        ReportSettingsError,
        "  pdf_chars: ",
        "  pdf_chars: x",
        "excerpt.pdf_chars",
    ),
]


@pytest.mark.parametrize(
    ("source", "load", "error", "old", "new", "where"), CASES, ids=[c[0].name for c in CASES]
)
def test_a_bad_value_names_the_file_the_line_and_the_key(
    tmp_path: Path,
    source: Path,
    load: Callable[[Path], Any],
    error: type[DataError],
    old: str,
    new: str,
    where: str,
) -> None:
    path, line = _edited(source, old, new, tmp_path)
    with pytest.raises(error) as err:
        load(path)
    assert isinstance(err.value, DataError) and isinstance(err.value, ValueError)
    assert str(err.value).startswith(f"{path}:{line}: ")
    assert where in err.value.where and err.value.line == line
    # the error crosses process boundaries (worker processes) unchanged
    again = pickle.loads(pickle.dumps(err.value))
    assert type(again) is error and str(again) == str(err.value)


@pytest.mark.parametrize(
    ("source", "load", "error"), [(c[0], c[1], c[2]) for c in CASES], ids=[c[0].name for c in CASES]
)
def test_a_yaml_syntax_error_names_the_file_and_the_line(
    tmp_path: Path, source: Path, load: Callable[[Path], Any], error: type[DataError]
) -> None:
    text = source.read_text(encoding="utf-8").splitlines(keepends=True)
    number = re.compile(r"(\s+[a-z_]+: [0-9.]+)(\s*(#.*)?)\n")  # e.g. "  threshold: 0.25  # …"
    at = next(i for i, ln in enumerate(text) if number.fullmatch(ln))
    text[at] = number.sub(r"\1: 2\2\n", text[at])  # "mapping values are not allowed here"
    path = tmp_path / source.name
    path.write_text("".join(text), encoding="utf-8")
    with pytest.raises(error) as err:
        load(path)
    assert str(err.value).startswith(f"{path}:{err.value.line}: YAML syntax error")
    assert err.value.line is not None and abs(err.value.line - (at + 1)) <= 2


def test_a_bad_plan_catalogue_in_docs_in(tmp_path: Path) -> None:
    catalogue = tmp_path / "catalogue.yaml"
    catalogue.write_text("plans:\n  a.txt: {name: 甲}\n  b.txt: {name: [乙\n", encoding="utf-8")
    with pytest.raises(PlanCatalogueError) as err:
        load_plan_catalogue(tmp_path)
    assert str(err.value).startswith(f"{catalogue}:") and err.value.line in (3, 4)
    catalogue.write_text("# short names\nplans:\n  - a.txt\n", encoding="utf-8")
    with pytest.raises(PlanCatalogueError, match=r"catalogue\.yaml:2: plans: must be a mapping"):
        load_plan_catalogue(tmp_path)
    catalogue.write_text("plans:\n  a.txt: {name: 甲}\n  b.txt: 乙\n", encoding="utf-8")
    names = load_plan_catalogue(tmp_path)
    assert names == {"a.txt": {"name": "甲"}, "b.txt": {"name": "乙"}}
    assert all(type(v["name"]) is str for v in names.values())  # plain data, as the build id hashes it


def test_topic_scopes_name_the_topic_line(tmp_path: Path) -> None:
    path, line = _edited(TEMPLATES_DIR / "topic_scopes.yaml", "\nland: ", "\nland: [1]\n#", tmp_path)
    with pytest.raises(ReportSettingsError) as err:
        default_topic_descriptions(path)
    assert str(err.value).startswith(f"{path}:{line}: land: ")


def test_a_missing_file_is_named() -> None:
    with pytest.raises(CodebookError, match=r"nope\.yaml: cannot read the file"):
        load_codebook(Path("nope.yaml"))


def test_files_of_the_project_are_named_from_its_folder() -> None:
    with pytest.raises(DataFileError) as err:
        compile_pattern("outline.yaml", "parts.date_line", "(unclosed")
    data = read_yaml(DATA_DIR / "outline.yaml")
    line = line_of(data["parts"], "date_line")
    assert str(err.value).startswith(
        f"compare/data/outline.yaml:{line}: parts.date_line: bad regular expression"
    )
    # a rule module names a key path only: its line is looked up in the file
    styles = data["numbering"]["styles"]
    err2 = DataFileError("outline.yaml", "numbering.styles[1].display", "must contain {num}")
    assert err2.line == line_of(styles[1], "display") and err2.line is not None


def test_the_reader_keeps_the_line_of_every_mapping_list_and_string(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("a:\n  b: 1\n  c:\n    - x\n    - {d: y}\nz: text\n", encoding="utf-8")
    data = read_yaml(path)
    assert data == {"a": {"b": 1, "c": ["x", {"d": "y"}]}, "z": "text"}
    assert line_of(data) == 1 and line_of(data, "z") == 6 and line_of(data["z"]) == 6
    assert line_of(data["a"], "b") == 2 and line_of(data["a"]["c"], 1) == 5
    assert line_of(data["a"]["c"][0]) == 4 and line_of(data["a"]["c"][1], "d") == 5
    assert line_of({"plain": 1}, "plain") is None
    section = Section(path, data).section("a")
    with pytest.raises(DataError, match=r"x\.yaml:2: a\.b: must be true or false"):
        section.boolean("b")
    with pytest.raises(DataError, match=r"x\.yaml:2: a\.missing: missing"):  # where "a" begins
        section.integer("missing")
