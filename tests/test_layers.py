"""The house rules of the package, held by walking its imports (see README, Layout).

Layers, lowest first; a module imports only from lower layers and from its own package:

0. ``model``, ``errors``, ``config``: the data that passes between stages, the one error family, settings
1. ``datafiles``, ``text``, ``literals``, ``segment``, ``vectors``: the one YAML reader, the one
   normalisation module, regex prefilters, jieba behind one door, TF-IDF vectors of texts
2. ``layout``: the parts of an official document (numbering grammar, front matter, signature);
   ``places``: the gazetteer (metadata names a jurisdiction with it, alignment strips place names)
3. the stages: ``ingest``, ``outline``, ``topics``, ``measures``, ``kinds``, ``align``, ``corrections``,
   ``gaps``, ``changes``, ``tables``, ``render``;
   they never import each other, except ``measures`` -> ``topics`` and ``render`` -> ``tables``
4. running a build: ``fingerprint``, ``analyse``, ``plans``, ``build``, ``cli``, ``cache``, ``executor``,
   ``lock``, ``publish``, ``watch``, ``inspect``, ``console``, ``heap`` (and the ``__main__`` entry)

Every import counts, also those inside functions (a deferred import is still a dependency).
"""

from __future__ import annotations

import ast
from pathlib import Path

from .seeds import ROOT

PACKAGE = ROOT / "compare"

LAYERS: dict[str, int] = {
    "model": 0,
    "errors": 0,
    "config": 0,
    "datafiles": 1,
    "text": 1,
    "literals": 1,
    "segment": 1,
    "vectors": 1,
    "layout": 2,
    "places": 2,
    **dict.fromkeys(
        (
            "ingest",
            "outline",
            "topics",
            "measures",
            "kinds",
            "align",
            "corrections",
            "gaps",
            "changes",
            "tables",
            "render",
        ),
        3,
    ),
    **dict.fromkeys(
        (
            "fingerprint",
            "analyse",
            "plans",
            "build",
            "cli",
            "cache",
            "executor",
            "lock",
            "publish",
            "watch",
            "inspect",
            "console",
            "heap",
            "__main__",
        ),
        4,
    ),
}
STAGE_EXCEPTIONS = {("measures", "topics"), ("render", "tables")}
LARGEST_MODULE = 600  # lines: "none far over 500"


def _unit(module: str) -> str:
    """The top-level unit of ``compare.x.y``: ``x`` (a module or a package); "" for ``compare`` itself."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] != "__init__" else ""


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("compare.")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against this module's package
                base = package.split(".")[: -node.level]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            if name == "compare":  # from compare import align, gaps … (modules, not __version__)
                found += [
                    (node.lineno, f"compare.{a.name}")
                    for a in node.names
                    if (PACKAGE / f"{a.name}.py").exists() or (PACKAGE / a.name).is_dir()
                ]
            elif name.startswith("compare."):
                found.append((node.lineno, name))
    return found


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def test_every_module_belongs_to_a_layer() -> None:
    units = {_unit(".".join(p.relative_to(ROOT).with_suffix("").parts)) for p in _modules()}
    units.discard("")  # compare/__init__.py
    assert sorted(units - set(LAYERS)) == []


def test_imports_go_down_the_layers_and_stages_stay_apart() -> None:
    problems = []
    for path in _modules():
        here = _unit(".".join(path.relative_to(ROOT).with_suffix("").parts))
        if not here:
            continue
        for line, name in _imports(path):
            there = _unit(name)
            if not there or there == here:
                continue
            rel = f"{path.relative_to(ROOT)}:{line}"
            if LAYERS[there] > LAYERS[here]:
                problems.append(
                    f"{rel}: {here} (layer {LAYERS[here]}) imports {name} (layer {LAYERS[there]})"
                )
            elif LAYERS[here] == LAYERS[there] == 3 and (here, there) not in STAGE_EXCEPTIONS:
                problems.append(f"{rel}: stage {here} imports stage {name}")
            elif LAYERS[here] == LAYERS[there] < 3:
                problems.append(f"{rel}: {here} imports {name} of its own layer {LAYERS[here]}")
    assert problems == []


def test_no_module_is_far_over_five_hundred_lines() -> None:
    sizes = {
        p.relative_to(ROOT).as_posix(): len(p.read_text(encoding="utf-8").splitlines()) for p in _modules()
    }
    assert {k: n for k, n in sizes.items() if n > LARGEST_MODULE} == {}
