"""``facts.json``: the few facts of a build the next build compares with to say what changed
(``compare.changes``): per plan its content hash, the families it has and its gaps; the families'
names. Written by every build whatever its formats, beside the manifest.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from compare.config import FACTS_NAME
from compare.render.exports.atomic import write_atomic


def write_facts(record: Mapping[str, Any], data_dir: Path) -> Path:
    """Write ``data_dir/facts.json``: compact (a family id a few bytes, at thousands of plans a few MB),
    one plan a line, Chinese unescaped, sorted keys."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / FACTS_NAME

    def line(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    head = {k: v for k, v in record.items() if k != "plans"}
    plans = record.get("plans", [])
    text = line(head)[:-1] + ',"plans":[\n' + ",\n".join(map(line, plans)) + "\n]}\n"
    write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return path
