"""A character-level diff of two wordings, as a law diff shows it: what both say, what only the first
says (deleted) and what only the second says (inserted). Chinese has no spaces, so characters are
the unit; computed at build time for near-identical passages only, the browser just draws it."""

from __future__ import annotations

from difflib import SequenceMatcher

EQUAL, DELETED, INSERTED = 0, -1, 1
Op = tuple[int, str]  # (EQUAL | DELETED | INSERTED, text)


def char_diff(first: str, second: str) -> list[Op]:
    """The runs that turn ``first`` into ``second``: equal text, text deleted from ``first``, text
    inserted from ``second`` (a replacement is its deletion, then its insertion). Joining the equal
    and deleted runs gives ``first``; the equal and inserted ones give ``second``."""
    # Near-identical wordings differ in a few places: the common start and end are taken off first
    # (SequenceMatcher's time grows with the product of the lengths it compares).
    n = min(len(first), len(second))
    head = 0
    while head < n and first[head] == second[head]:
        head += 1
    tail = 0
    while tail < n - head and first[-1 - tail] == second[-1 - tail]:
        tail += 1
    ops: list[Op] = []
    _add(ops, EQUAL, first[:head])
    a, b = first[head : len(first) - tail], second[head : len(second) - tail]
    # autojunk off: in a short clause a frequent character (的, 和) is content, not noise
    for tag, i0, i1, j0, j1 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            _add(ops, EQUAL, a[i0:i1])
            continue
        _add(ops, DELETED, a[i0:i1])
        _add(ops, INSERTED, b[j0:j1])
    _add(ops, EQUAL, first[len(first) - tail :])
    return ops


def _add(ops: list[Op], op: int, text: str) -> None:
    if not text:
        return
    if ops and ops[-1][0] == op:
        ops[-1] = (op, ops[-1][1] + text)
    else:
        ops.append((op, text))


def same_share(ops: list[Op]) -> float:
    """The share of the longer wording that both have (1.0: identical)."""
    same = sum(len(t) for op, t in ops if op == EQUAL)
    first = same + sum(len(t) for op, t in ops if op == DELETED)
    second = same + sum(len(t) for op, t in ops if op == INSERTED)
    return same / max(first, second) if max(first, second) else 1.0
