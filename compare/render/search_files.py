"""The search index as files a page loads with <script> tags (a browser will not fetch() a JSON file
from the file system): each assigns its part to ``self.COMPARE_SEARCH``, read by static/search.js.

    search/meta.<hash>.js   the plans (name, page, first passage), the files below, whether words are in
    search/t<k>.<hash>.js   postings of the tokens whose first two characters hash to k (view.search_index)
    search/d<k>.<hash>.js   a run of passages: plan, anchor, outline path, clauses' text

A query loads the meta file, one postings file per distinct bigram, and only the passage files of the
results it shows. The files are about ``search_shard_kb`` (postings) and ``search_passages_kb``
(passages) each, so their number grows with the corpus and a query's load does not.

Posting lists are gaps between ascending passage numbers, which stay small for the common tokens
found in passage after passage, written in base 26 with the last digit of each in lower case and no
separator (3, 1, 1, 27 -> "dbbBb").
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from compare.render.view.search_index import Postings, SearchIndex, shard_of

GLOBAL = "self.COMPARE_SEARCH"


_NUMBERS_AT_ONCE = 1 << 20  # numbers written at once: a dozen arrays of their digits in memory


def _letters(numbers: np.ndarray) -> tuple[str, np.ndarray]:
    """Numbers in base 26 without separators: each number's last digit a lower-case letter, its other
    digits upper-case (12 -> "m", 27 -> "Bb"); computed on the numbers at once. Returns the text and
    where each number ends in it."""
    g = numbers.astype(np.int64)
    width = np.ones(len(g), dtype=np.int64)
    power = 26
    while len(g) and int(g.max()) >= power:
        width += g >= power
        power *= 26
    ends = np.cumsum(width)
    owner = np.repeat(np.arange(len(g)), width)
    from_end = ends[owner] - 1 - np.arange(int(ends[-1]) if len(g) else 0)
    digit = (g[owner] // np.power(26, from_end)) % 26
    text = (digit + np.where(from_end == 0, ord("a"), ord("A"))).astype(np.uint8).tobytes().decode("ascii")
    return text, ends


def _lists(postings: Postings) -> dict[str, str]:
    """token -> its passages as gaps (``_letters``), cut from one text per run of tokens holding about
    ``_NUMBERS_AT_ONCE`` numbers: at 2,000 plans the postings hold tens of millions, and their digits
    all at once (with a Python int for each number's end) took gigabytes."""
    starts, tokens = postings.starts, postings.tokens
    out: dict[str, str] = {}
    k = 0
    while k < len(tokens):
        # tokens k..j-1: at least one, at most as many as keep the run within the bound
        j = int(np.searchsorted(starts, starts[k] + _NUMBERS_AT_ONCE, side="right")) - 1
        j = min(max(j, k + 1), len(tokens))
        a = int(starts[k])
        text, ends = _letters(postings.gaps(k, j))
        # where each token's numbers end in the text (every token has at least one passage)
        bounds = [0, *ends[starts[k + 1 : j + 1] - a - 1].tolist()]
        for i, token in enumerate(tokens[k:j]):
            out[token] = text[bounds[i] : bounds[i + 1]]
        k = j
    return out


def _script(key: str, value: Any) -> bytes:
    body = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return f'({GLOBAL}={GLOBAL}||{{}})["{key}"]={body};\n'.encode()


def _doc_runs(index: SearchIndex, target: int) -> Iterator[tuple[int, list[list[Any]]]]:
    """The passages in runs of about ``target`` bytes: (first passage number, rows)."""
    run: list[list[Any]] = []
    first, size = 0, 0
    for n, d in enumerate(index.docs):
        plan = index.plans[d.plan]
        # the anchor without its plan's id in front (the meta file has it)
        local = d.measure_id.removeprefix(plan.plan_id + "/")
        row = [d.plan, local, d.path, 1 if d.anchored else 0, list(d.clauses)]
        run.append(row)
        size += 3 * sum(map(len, d.clauses)) + len(local) + len(d.path) * 3 + 16
        if size >= target:
            yield first, run
            run, first, size = [], n + 1, 0
    if run or not index.docs:
        yield first, run


def write_search_index(
    index: SearchIndex,
    out_dir: Path,
    *,
    shard_kb: int,
    passages_kb: int,
    name: Callable[[str, bytes], str],
    write: Callable[[Path, bytes], Path],
) -> tuple[str, list[Path]]:
    """Write the index under ``out_dir/search/``; return the meta file (from the site root) and the
    files written. ``name`` gives a file its content-hashed name, ``write`` writes it."""
    target = shard_kb * 1024
    written: list[Path] = []

    def put(stem: str, key: str, value: Any) -> str:
        blob = _script(key, value)
        rel = f"search/{name(stem + '.js', blob)}"
        written.append(write(out_dir / rel, blob))
        return rel

    runs = _doc_runs(index, passages_kb * 1024)
    doc_files = [[first, put(f"d{k}", f"d{k}", rows)] for k, (first, rows) in enumerate(runs)]

    bigram_lists = _lists(index.bigrams)
    word_lists = _lists(index.words) if index.words is not None else {}
    size = sum(len(t) * 3 + len(p) + 6 for lists in (bigram_lists, word_lists) for t, p in lists.items())
    n = max(1, -(-size // target))
    shards: list[dict[str, dict[str, str]]] = [{"b": {}, "w": {}} for _ in range(n)]
    for kind, lists in (("b", bigram_lists), ("w", word_lists)):
        for t, gaps in lists.items():  # tokens sorted (Postings): the same index gives the same bytes
            shards[shard_of(t, n)][kind][t] = gaps
    token_files = [put(f"t{k}", f"t{k}", shard) for k, shard in enumerate(shards)]

    meta = {
        "plans": [[p.plan_id, p.name, p.href, p.first] for p in index.plans],
        "docs": doc_files,
        "n_docs": len(index.docs),
        "tokens": token_files,
        "words": index.words is not None,
    }
    return put("meta", "meta", meta), written
