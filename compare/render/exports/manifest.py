"""``manifest.json``: the build manifest, written the one way whether or not the data exports are on.

The next build reads it (``compare.publish.current_manifest``) to know what is published, and the golden
check reads the build id from it, so its bytes must not depend on which formats were built.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from compare.config import MANIFEST_NAME
from compare.render.exports.atomic import write_atomic
from compare.render.exports.columns import plain
from compare.render.exports.json_file import dumps


def write_manifest(manifest: Mapping[str, Any], data_dir: Path) -> Path:
    """Write ``data_dir/manifest.json`` (sorted keys, one-space indent, Chinese unescaped); return it."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / MANIFEST_NAME
    text = dumps(plain(dict(manifest)))
    write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return path
