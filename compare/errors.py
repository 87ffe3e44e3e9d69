"""The one error family of unusable data and configuration files: every message reads
``<file>:<line>: <key path>: <what is wrong>``, so whoever edited the file sees where.

The build refuses to start on such an error and the last good report stays. A subclass names the
file kind where a caller or a test tells them apart (the codebook, the family catalogue, ...).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

# The project's folder (the one holding compare/ and templates/): its files are named relative to it.
_ROOT = Path(__file__).resolve().parent.parent


def shown(path: Path | str) -> str:
    """How a message names a file: relative to the project when inside it, else as given."""
    p = Path(path)
    if p.is_absolute():
        try:
            return p.relative_to(_ROOT).as_posix()
        except ValueError:
            pass
    return str(path)


class DataError(ValueError):
    """A data or configuration file is unusable: ``<file>:<line>: <key path>: <what is wrong>``.

    ``line`` (1-based) and ``where`` (the key path, e.g. ``topics[3].keywords``) are left out of the
    message when unknown; ``path`` is the file as given, ``message`` what is wrong.
    """

    def __init__(self, path: Path | str, where: str, message: str, line: int | None = None) -> None:
        self.path = str(path)
        self.where = where
        self.message = message
        self.line = line or None
        head = f"{shown(path)}:{self.line}" if self.line else shown(path)
        super().__init__(f"{head}: {where}: {message}" if where else f"{head}: {message}")

    def __reduce__(self) -> tuple[Any, ...]:  # picklable across worker processes
        return (type(self), (self.path, self.where, self.message, self.line))


class CodebookError(DataError):
    """The topic codebook (``compare/topics/codebook.yaml``) cannot be used."""


class CatalogueError(DataError):
    """The measure-family catalogue (``compare/data/families.yaml``) cannot be used."""


class SettingsError(DataError):
    """A settings section of ``compare/data/align.yaml`` cannot be used."""


class RulesError(DataError):
    """The attribute rules (``compare/data/attributes.yaml``) cannot be used."""


class NoiseDataError(DataError):
    """The reading limits and noise patterns (``compare/data/noise.yaml``) cannot be used."""


class ReportSettingsError(DataError):
    """The report's settings (``templates/report.yaml``, ``templates/topic_scopes.yaml``) cannot be used."""


class PlanCatalogueError(DataError):
    """The optional short names of the plans (``docs_in/catalogue.yaml``) cannot be used."""


class MessageCatalogueError(DataError):
    """A message catalogue of the report's translations (``compare/locale/*/messages.po``) cannot be read."""


class UsageError(ValueError):
    """The command cannot work as asked (the output folder inside the input folder, an output folder
    holding files of someone else's …): nothing is built, exit code 2."""
