"""Golden-output check: does a change of code leave every output the same?

Builds the five plans of docs_in/ (html, pdf, data) and a 50-plan synthetic corpus (html, pdf, data)
with ``SOURCE_DATE_EPOCH`` fixed and one job, then hashes every published file. The build id and the
code, codebook and catalogue versions change with the code, so they are masked first; a PDF is hashed
by its text, links and page sizes per page (its bytes embed the glyphs of the id), an XLSX by its
members, an SQLite file by its dump.

    python benchmarks/golden.py            # compare with benchmarks/golden.json; exit 1 on a difference
    python benchmarks/golden.py --record   # write benchmarks/golden.json (after an intended change)
    python benchmarks/golden.py --show DIR # keep the builds in DIR, to diff them by hand

A refactoring must leave the check green; a change meant to alter the output records a new file in the
same commit, and its message says why.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).with_name("golden.json")
EPOCH = "1714550400"  # 2024-05-01
CORPUS_SIZE = 50
CORPUS_SEED = 0


def build(inp: Path, out: Path, formats: str) -> None:
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "COMPARE_NO_FAST_EXIT": "1"}
    cmd = [sys.executable, "-m", "compare", "build", "--input", str(inp), "--output", str(out)]
    cmd += ["--format", formats, "--jobs", "1", "--quiet"]
    done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode not in (0, 1):
        raise SystemExit(f"build of {inp} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")


def masker(release: Path) -> Callable[[bytes], bytes]:
    """Replace the build id and the analysis versions (they change with the code) by fixed words."""
    manifest = json.loads((release / "data" / "manifest.json").read_text(encoding="utf-8"))
    words = {manifest["build_id"]: b"<build-id>"}
    for name, value in manifest.get("versions", {}).items():
        words[str(value)] = f"<{name}-version>".encode()
    pairs = sorted(((k.encode(), v) for k, v in words.items()), key=lambda kv: -len(kv[0]))

    def mask(data: bytes) -> bytes:
        for old, new in pairs:
            data = data.replace(old, new)
        return data

    return mask


def pdf_digest(data: bytes, mask: Callable[[bytes], bytes]) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    h = hashlib.sha256()
    for page in reader.pages:
        h.update(mask(page.extract_text().encode("utf-8")))
        h.update(repr([float(x) for x in page.mediabox]).encode())
        for annot in page.get("/Annots") or []:
            obj = annot.get_object()
            action = obj.get("/A")
            target = action.get_object().get("/URI") if action is not None else obj.get("/Dest")
            h.update(mask(str(target).encode("utf-8")))
    h.update(str(len(reader.pages)).encode())
    return h.hexdigest()


def xlsx_digest(data: bytes, mask: Callable[[bytes], bytes]) -> str:
    h = hashlib.sha256()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in sorted(z.namelist()):
            h.update(name.encode() + b"\0" + mask(z.read(name)) + b"\0")
    return h.hexdigest()


def sqlite_digest(path: Path, mask: Callable[[bytes], bytes]) -> str:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        text = "\n".join(con.iterdump())
    finally:
        con.close()
    return hashlib.sha256(mask(text.encode("utf-8"))).hexdigest()


def digests(out: Path) -> dict[str, str]:
    """Every published file of the build in ``out`` (its ``current`` release), masked and hashed."""
    release = (out / "current").resolve()
    mask = masker(release)
    result: dict[str, str] = {}
    # dot files are the release's bookkeeping (when it was committed), not output
    for path in sorted(p for p in release.rglob("*") if p.is_file() and not p.name.startswith(".")):
        rel = path.relative_to(release).as_posix()
        data = path.read_bytes()
        if path.suffix == ".pdf":
            result[rel] = pdf_digest(data, mask)
        elif path.suffix == ".xlsx":
            result[rel] = xlsx_digest(data, mask)
        elif path.suffix == ".sqlite":
            result[rel] = sqlite_digest(path, mask)
        else:
            result[rel] = hashlib.sha256(mask(data)).hexdigest()
    return result


def run_all(work: Path) -> dict[str, dict[str, str]]:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from synth import generate_corpus

    results: dict[str, dict[str, str]] = {}
    build(ROOT / "docs_in", work / "five", "html,pdf,data")
    results["five"] = digests(work / "five")
    corpus = work / f"corpus{CORPUS_SIZE}-in"
    generate_corpus(ROOT / "docs_in", corpus, CORPUS_SIZE, seed=CORPUS_SEED)
    build(corpus, work / f"corpus{CORPUS_SIZE}", "html,pdf,data")
    results[f"corpus{CORPUS_SIZE}"] = digests(work / f"corpus{CORPUS_SIZE}")
    return results


def compare(expected: dict[str, dict[str, str]], actual: dict[str, dict[str, str]]) -> list[str]:
    problems = []
    for build_name in sorted(set(expected) | set(actual)):
        want, got = expected.get(build_name, {}), actual.get(build_name, {})
        for rel in sorted(set(want) | set(got)):
            if rel not in got:
                problems.append(f"{build_name}: {rel} is no longer written")
            elif rel not in want:
                problems.append(f"{build_name}: {rel} is new")
            elif want[rel] != got[rel]:
                problems.append(f"{build_name}: {rel} differs")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--record", action="store_true", help="write benchmarks/golden.json")
    parser.add_argument("--show", type=Path, help="build into this directory and keep it")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="golden-") as tmp:
        work = args.show or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        actual = run_all(work)
    n = sum(len(v) for v in actual.values())
    if args.record:
        GOLDEN.write_text(json.dumps(actual, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"golden: recorded {n} outputs in {GOLDEN.relative_to(ROOT)}")
        return 0
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    problems = compare(expected, actual)
    for line in problems:
        print("golden:", line)
    print(f"golden: {n} outputs, {len(problems)} differences")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
