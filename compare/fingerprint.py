"""What a build is made from, and its id: the input files with their hashes, the versions of the code
and of the data files the analysis reads, the templates and the options. Equal fingerprints give equal
reports, so a build whose id is already published does nothing.

Light on purpose: a no-change rebuild stops after this module, before anything heavy is imported.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compare import __version__
from compare.config import (
    CODEBOOK_PATH,
    DEFAULT_CATALOGUE,
    PLAN_CATALOGUE_NAMES,
    SUPPORTED_SUFFIXES,
    TEMPLATES_DIR,
    Settings,
    code_version,
)
from compare.model import FailedInput


@dataclass(frozen=True)
class InputFile:
    path: Path
    source_file: str  # relative to the input dir
    sha256: str


def discover(input_dir: Path) -> tuple[list[InputFile], list[FailedInput]]:
    """Plan files in the input directory (sorted), and files it cannot use at all."""
    if not input_dir.is_dir():
        raise FileNotFoundError(f"input directory not found: {input_dir}")
    found: list[InputFile] = []
    failed: list[FailedInput] = []
    for path in sorted(input_dir.rglob("*")):
        rel = path.relative_to(input_dir).as_posix()
        if path.is_dir() or any(part.startswith(".") for part in path.relative_to(input_dir).parts):
            continue
        if path.name in PLAN_CATALOGUE_NAMES or path.suffix.lower() in (".md", ".yaml", ".yml"):
            continue
        if path.is_symlink() and not path.resolve().is_relative_to(input_dir.resolve()):
            failed.append(FailedInput(rel, "symbolic link pointing outside the input directory: not read"))
            continue
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            failed.append(
                FailedInput(
                    rel, f"unsupported file type {path.suffix or '(none)'}: use .txt .html .docx .pdf"
                )
            )
            continue
        try:
            digest = file_sha256(path)
        except OSError as exc:
            failed.append(FailedInput(rel, f"cannot read the file: {exc.strerror or exc}"))
            continue
        found.append(InputFile(path, rel, digest))
    return found, failed


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def analysis_versions() -> dict[str, str]:
    """What per-plan results depend on besides the file: the code and its data files."""
    return {
        "code": code_version(),
        "codebook": _file_digest(CODEBOOK_PATH),
        "catalogue": _file_digest(DEFAULT_CATALOGUE),
    }


def templates_version() -> str:
    """Hash of templates/ (layout changes re-render, but never re-analyse)."""
    h = hashlib.sha256()
    for path in sorted(TEMPLATES_DIR.rglob("*")):
        if path.is_file():
            h.update(path.relative_to(TEMPLATES_DIR).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:16]


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def options_key(settings: Settings, names: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The options that change what a build writes."""
    return {
        "formats": sorted(settings.formats),
        "lang": settings.lang,
        "topics": list(settings.topics),
        "title": settings.title,
        "min_peers": settings.min_peers,
        "min_peer_share": settings.min_peer_share,
        "names": names,
        "source_date_epoch": os.environ.get("SOURCE_DATE_EPOCH"),
    }


def build_id(files: list[InputFile], versions: dict[str, str], options: dict[str, Any]) -> str:
    """Deterministic: the same inputs, versions and options give the same id (and skip the build)."""
    payload = {
        "inputs": [[f.source_file, f.sha256] for f in files],
        "versions": versions,
        "options": options,
        "tool": __version__,
    }
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return digest[:12]
