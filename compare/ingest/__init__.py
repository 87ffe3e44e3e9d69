"""Ingestion: one file of docs_in/ -> a ``Document`` (raw text, clean text with offsets, noise, metadata).

``read_document`` is the stage's entry point; ``read_document_and_layout`` also returns the layout
the metadata was read from, for the outline to use the same one. ``plan_id_for`` names a plan from its
file name.
Errors are ``IngestError`` subclasses naming the file (see ``compare.ingest.errors``).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path, PurePosixPath, PureWindowsPath

from compare.ingest.clean import clean_text
from compare.ingest.display import derive_display_name
from compare.ingest.errors import IngestError, TooLarge, UnreadableFile
from compare.ingest.metadata import extract_metadata
from compare.ingest.patterns import noise_data
from compare.ingest.readers import RawText, read_raw
from compare.layout.parts import Layout, lay_out
from compare.model import Document
from compare.text import shown_name

__all__ = [
    "IngestError",
    "RawText",
    "clean_text",
    "plan_id_for",
    "read_document",
    "read_document_and_layout",
    "read_raw",
]

_MAX_ID_CHARS = 80
# Kept as is in a plan id: ASCII letters/digits, "_", "-", and CJK ideographs.
_UNSAFE = re.compile(r"[^A-Za-z0-9_\-\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def plan_id_for(source_file: str) -> str:
    """A stable, URL-safe id from a file name (relative path) without its suffix.

    ASCII letters, digits, "_" and "-" and CJK characters are kept; anything else (spaces, dots,
    path separators, brackets) becomes "-", so ".." can never occur. When that changed the name,
    a short hash of the original is appended so that two different files never share an id.
    """
    parts = PureWindowsPath(source_file).parts if "\\" in source_file else PurePosixPath(source_file).parts
    parts = tuple(p for p in parts if p not in ("", ".", "..", "/"))
    if not parts:
        parts = ("plan",)
    stem = "/".join([*parts[:-1], _strip_suffix(parts[-1])])
    norm = unicodedata.normalize("NFKC", stem)
    slug = _UNSAFE.sub("-", norm).strip("-_")
    slug = re.sub(r"-{2,}", "-", slug)
    lossless = slug == stem and len(slug) <= _MAX_ID_CHARS
    if lossless:
        return slug
    digest = hashlib.sha1(source_file.encode("utf-8")).hexdigest()[:6]
    slug = slug[:_MAX_ID_CHARS].strip("-_")
    return f"{slug}-{digest}" if slug else f"plan-{digest}"


def _strip_suffix(name: str) -> str:
    stem, dot, suffix = name.rpartition(".")
    return stem if dot and stem and 1 <= len(suffix) <= 5 else name


def read_document(path: Path, root: Path) -> Document:
    """Read, decode, clean and describe one plan file; ``source_file`` is ``path`` relative to ``root``."""
    return read_document_and_layout(path, root)[0]


def read_document_and_layout(path: Path, root: Path) -> tuple[Document, Layout]:
    """``read_document``, with the layout of the clean text (laid out once, for the metadata)."""
    try:
        rel = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        rel = path.name
    rel = shown_name(rel)
    try:
        raw = read_raw(path)
        data = path.read_bytes()
    except IngestError as e:
        raise e.with_source(rel) from e
    except OSError as e:
        raise UnreadableFile(rel, f"the file cannot be read: {e.strerror or e}") from e

    limit = noise_data().limits.max_plan_chars
    if len(raw.text) > limit:
        # Readable, but no plan is this long: comparing it would swamp every report (and the build).
        raise TooLarge(
            rel, f"{len(raw.text):,} characters: too long for one plan (limit {limit:,}, max_plan_chars)"
        )
    clean, noise = clean_text(raw.text)
    lay = lay_out(clean)
    notes = list(raw.warnings)
    metadata = extract_metadata(raw.text, clean, noise, lay)
    display_name = derive_display_name(metadata, shown_name(path.stem))
    doc = Document(
        plan_id=plan_id_for(rel),
        source_file=rel,
        sha256=hashlib.sha256(data).hexdigest(),
        format=raw.format,
        encoding=raw.encoding,
        raw_text=raw.text,
        clean=clean,
        noise=noise,
        metadata=metadata,
        display_name=display_name,
        warnings=notes,
    )
    return doc, lay
