"""Who made a report from what (``BuildInfo``), and that stamp as every footer and the briefing show it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypedDict


@dataclass(frozen=True)
class BuildInfo:
    """The build a report comes from: shown in every footer and in the PDF metadata.

    ``created`` is the ISO date-time of the build, from its manifest (``compare.build.created``:
    SOURCE_DATE_EPOCH when set, for reproducible output).
    """

    build_id: str
    created: str
    inputs: Mapping[str, str] = field(default_factory=dict)  # source file -> sha256
    versions: Mapping[str, str] = field(default_factory=dict)


class InputHash(TypedDict):
    file: str
    sha256: str
    short: str


class Version(TypedDict):
    name: str
    value: str


class BuildBlock(TypedDict):
    build_id: str
    created: str
    date: str  # YYYY-MM-DD
    inputs: list[InputHash]
    n_inputs: int
    inputs_in_footer: bool
    versions: list[Version]


def build_block(b: BuildInfo, paged: bool) -> BuildBlock:
    """The stamp as shown; ``paged`` (a site of many plans) lists the inputs on one page only."""
    return {
        "build_id": b.build_id,
        "created": b.created,
        "date": b.created[:10],
        "inputs": [{"file": f, "sha256": h, "short": h[:12]} for f, h in sorted(b.inputs.items())],
        "n_inputs": len(b.inputs),
        # many plans: every page listing thousands of hashes doubled the site; the methodology
        # page lists them once
        "inputs_in_footer": not paged,
        "versions": [{"name": k, "value": str(v)} for k, v in sorted(b.versions.items())],
    }
