"""Run settings: paths and options. Defaults work with no config at all."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = PACKAGE_DIR / "data"
# the data files per-plan results depend on (named here so a no-change rebuild can hash them without
# importing the modules that read them)
CODEBOOK_PATH = PACKAGE_DIR / "topics" / "codebook.yaml"
DEFAULT_CATALOGUE = DATA_DIR / "families.yaml"
# Templates live beside the package in the repository (design card layout).
TEMPLATES_DIR = PACKAGE_DIR.parent / "templates"

ALL_FORMATS = ("html", "pdf", "data")
SUPPORTED_SUFFIXES = (".txt", ".html", ".htm", ".docx", ".pdf")
PLAN_CATALOGUE_NAMES = ("catalogue.yaml", "catalogue.yml")  # optional short names per plan in docs_in/
CORRECTIONS_NAMES = ("corrections.yaml", "corrections.yml")  # an analyst's reviewed decisions in docs_in/

# Output names: what a release holds, named once. ``publish`` links the entry points into the output
# directory; the data exports and the manifest (which tells the next build what is published) are files
# of the data folder.
SITE_DIR_NAME = "site"
DATA_DIR_NAME = "data"
BRIEFING_NAME = "briefing.pdf"
ENTRY_POINTS = (SITE_DIR_NAME, DATA_DIR_NAME, BRIEFING_NAME)
JSON_NAME = "comparison.json"
XLSX_NAME = "comparison.xlsx"
SQLITE_NAME = "comparison.sqlite"
MANIFEST_NAME = "manifest.json"
FACTS_NAME = "facts.json"  # what the next build compares with to say what changed (compare.changes)


# Files whose content shapes an analysis: code and the data it reads (codebook, catalogue, patterns).
_CODE_SUFFIXES = frozenset({".py", ".yaml", ".yml", ".txt", ".json", ".csv", ".tsv", ".toml"})


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """Hash of the package's source and data files (computed once per process: a few ms)."""
    package_dir = PACKAGE_DIR
    digest = hashlib.sha256()
    for path in sorted(package_dir.rglob("*")):
        if not path.is_file() or path.suffix not in _CODE_SUFFIXES or "__pycache__" in path.parts:
            continue
        digest.update(path.relative_to(package_dir).as_posix().encode("utf-8"))
        digest.update(b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


@dataclass
class Settings:
    input_dir: Path = Path("docs_in")
    output_dir: Path = Path("reports")
    cache_dir: Path | None = None  # default: <output_dir>/.cache
    formats: tuple[str, ...] = ALL_FORMATS
    lang: str = "zh"
    topics: tuple[str, ...] = ()  # restrict the report to these topic ids; () = all
    title: str | None = None
    site_url: str | None = None  # where the site is published: the briefing links its pages there
    min_peers: int = 2  # a gap: a family at least this many peers have
    min_peer_share: float | None = None  # …and this share of the peers; None = align.yaml's
    peers: str = "comparable"  # a plan's peers: plans of a comparable scope, or "all"
    jobs: int | None = None  # local worker processes; None = number of cores
    file_seconds: float = 60.0  # reading and analysing one file may take this long …
    file_memory_mb: int = 1024  # … and this much memory, else it is named and left out
    scheduler: str | None = None  # Dask scheduler address, e.g. tcp://host:8786
    wait: bool = False  # another build holds the lock: wait for it (True) or stop with a message
    verbose: bool = False
    quiet: bool = False
    progress: bool | None = None  # None = only on a TTY
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def cache_path(self) -> Path:
        return self.cache_dir if self.cache_dir is not None else self.output_dir / ".cache"
