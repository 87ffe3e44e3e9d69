"""What a build is made from, and its id: the input files with their hashes, the versions of the code
and of the data files the analysis reads, the templates and the options. Equal fingerprints give equal
reports, so a build whose id is already published does nothing.

Light on purpose: a no-change rebuild stops after this module, before anything heavy is imported.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
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
from compare.text import shown_name


@dataclass(frozen=True)
class InputFile:
    path: Path
    source_file: str  # relative to the input dir
    sha256: str


def discover(input_dir: Path) -> tuple[list[InputFile], list[FailedInput]]:
    """Plan files in the input directory (sorted), and what in it cannot be used, each with its reason.

    Never blocks and never raises for one entry: only regular files are read (a named pipe or a
    device would block the build), symbolic links to folders are not followed (a loop would never
    end), an unreadable folder or file is named, and a name that is not UTF-8 is shown with its bytes
    escaped (``\\xc1``) and still read.
    """
    if not input_dir.is_dir():
        raise FileNotFoundError(f"input directory not found: {input_dir}")
    found: list[InputFile] = []
    failed: list[FailedInput] = []

    def unreadable(exc: OSError) -> None:
        where = Path(exc.filename or input_dir)
        failed.append(
            FailedInput(_shown(where, input_dir) + "/", f"cannot open the folder: {exc.strerror or exc}")
        )

    for folder, dirs, names in os.walk(input_dir, onerror=unreadable):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for d in list(dirs):
            if (here / d).is_symlink():
                dirs.remove(d)  # not followed: a link to a folder may loop or leave the input
                failed.append(
                    FailedInput(_shown(here / d, input_dir) + "/", "symbolic link to a folder: not followed")
                )
        for name in sorted(names):
            if name.startswith("."):
                continue
            path = here / name
            rel = _shown(path, input_dir)
            suffix = path.suffix.lower()
            if name in PLAN_CATALOGUE_NAMES or suffix in (".md", ".yaml", ".yml"):
                continue
            reason = _unusable(path, input_dir)
            if reason is None and suffix not in SUPPORTED_SUFFIXES:
                reason = f"unsupported file type {path.suffix or '(none)'}: use .txt .html .docx .pdf"
            if reason is None:
                try:
                    found.append(InputFile(path, rel, file_sha256(path)))
                    continue
                except OSError as exc:
                    reason = f"cannot read the file: {exc.strerror or exc}"
            failed.append(FailedInput(rel, reason))
    found.sort(key=lambda f: f.source_file.split("/"))  # folder by folder, as paths sort
    failed.sort(key=lambda f: f.source_file.split("/"))
    return found, failed


_KINDS = {
    stat.S_IFIFO: "a named pipe",
    stat.S_IFCHR: "a device",
    stat.S_IFBLK: "a device",
    stat.S_IFSOCK: "a socket",
}


def _unusable(path: Path, input_dir: Path) -> str | None:
    """Why ``path`` cannot be read as a plan, or None."""
    try:
        if path.is_symlink() and not path.resolve(strict=True).is_relative_to(input_dir.resolve()):
            return "symbolic link pointing outside the input directory: not read"
        mode = path.stat().st_mode
    except RuntimeError:  # Python < 3.13 raises it for a symlink loop
        return "symbolic link loop: not read"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symbolic link loop: not read"
        return f"cannot read the file: {exc.strerror or exc}"
    if not stat.S_ISREG(mode):
        return f"not a regular file ({_KINDS.get(stat.S_IFMT(mode), 'a special file')}): not read"
    return None


def _shown(path: Path, input_dir: Path) -> str:
    """The path relative to the input folder as people see it (see ``compare.text.shown_name``)."""
    return shown_name(path.relative_to(input_dir).as_posix())


def file_sha256(path: Path) -> str:
    """The file's hash, read without ever blocking on something that is not a regular file."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        h = hashlib.sha256()
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


def options_key(
    settings: Settings, names: dict[str, dict[str, Any]], corrections: list[Any] | None = None
) -> dict[str, Any]:
    """The options that change what a build writes (the analyst's corrections among them)."""
    return {
        "corrections": [sorted(vars(c).items()) for c in corrections or []],
        "formats": sorted(settings.formats),
        "lang": settings.lang,
        "topics": list(settings.topics),
        "title": settings.title,
        "site_url": settings.site_url,
        "min_peers": settings.min_peers,
        "min_peer_share": settings.min_peer_share,
        "peers": settings.peers,
        "names": names,
        # a file left out for its budget is read again when the budget changes
        "file_budget": [settings.file_seconds, settings.file_memory_mb],
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
