"""The matching copy of a text: simplified script, half-width ASCII, same length as the input.

``match_text`` is what every matcher (outline numbers, topics, families, reuse) runs on, so that a
plan in traditional script or with full-width punctuation matches the same patterns; offsets stay
valid because each character maps to exactly one character. Readers always see the original.
"""

from __future__ import annotations

import bisect
import itertools
import re
import threading
from typing import Any

# Full-width ASCII (U+FF01..U+FF5E) -> ASCII; ideographic space -> space. 、。《》「」〔〕 stay as they are.
_WIDTH_TABLE: dict[int, int] = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_WIDTH_TABLE[0x3000] = 0x20
_FULLWIDTH = re.compile("[\uff01-\uff5e\u3000]+")

# OpenCC splits on these before converting; converting the same segments keeps the fallback local.
_SEGMENT = re.compile(r"[\s\-,.?!*　，。、；：？！…“”‘’『』「」—－（）《》〈〉～．／＼【】\[\]{}()]+")
_SEGMENT_SPLIT = re.compile(f"({_SEGMENT.pattern})")

_lock = threading.Lock()
_converter: Any = None
_keys: frozenset[str] = frozenset()


def _opencc() -> tuple[Any, frozenset[str]]:
    """The t2s converter and the set of characters that can start a conversion (loaded once)."""
    global _converter, _keys
    if _converter is None:
        with _lock:
            if _converter is None:
                from opencc import OpenCC

                cc = OpenCC("t2s")
                cc.convert("體")  # loads the dictionaries
                # Characters that trigger a conversion: the traditional characters, plus those of the
                # few phrases made only of other characters (沈默 -> 沉默). Simplified text has none,
                # so it is returned without running OpenCC.
                keys: set[str] = set()
                for group in cc._dict_chain_data:
                    for _max_len, _min_len, mapping in group:
                        if _max_len == 1:
                            keys.update(k for k, v in mapping.items() if k != v)
                for group in cc._dict_chain_data:
                    for _max_len, _min_len, mapping in group:
                        if _max_len > 1:
                            for k, v in mapping.items():
                                if k != v and keys.isdisjoint(k):
                                    keys.update(k)
                _keys = frozenset(keys)
                _converter = cc
    return _converter, _keys


def to_simplified(text: str) -> str:
    """Traditional -> simplified through OpenCC t2s, same length as ``text``.

    Phrase conversion is kept where it preserves a segment's length; otherwise the segment is
    converted character by character (a character whose conversion is not one character stays).
    """
    cc, keys = _opencc()
    found = keys.intersection(text)
    if not found:
        return text
    # segments (even positions) and the separators between them; the "\n" closes the last segment
    pieces = _SEGMENT_SPLIT.split(text + "\n")
    ends = list(itertools.accumulate(map(len, pieces)))
    todo: set[int] = set()
    for ch in found:  # only the few segments holding a trigger character are converted
        pos = text.find(ch)
        while pos >= 0:
            k = bisect.bisect_right(ends, pos)
            if k % 2 == 0:
                todo.add(k)
            pos = text.find(ch, pos + 1)
    for k in todo:
        pieces[k] = _convert_segment(cc, keys, pieces[k])
    result = "".join(pieces)[:-1]
    assert len(result) == len(text)
    return result


def _convert_segment(cc: Any, keys: frozenset[str], seg: str) -> str:
    if not seg or keys.isdisjoint(seg):
        return seg
    conv = cc.convert(seg)
    if len(conv) == len(seg):
        return str(conv)
    chars = []
    for ch in seg:
        c = cc.convert(ch) if ch in keys else ch
        chars.append(c if len(c) == 1 else ch)
    return "".join(chars)


def to_halfwidth(text: str) -> str:
    """Full-width ASCII letters, digits and punctuation -> ASCII; U+3000 -> space (same length)."""
    # Translating only the full-width runs is several times faster than translating everything.
    return _FULLWIDTH.sub(_halfwidth_run, text)


def _halfwidth_run(m: re.Match[str]) -> str:
    return m.group().translate(_WIDTH_TABLE)


def match_text(text: str) -> str:
    """The matching copy of ``text``: simplified script, half-width ASCII; ``len`` unchanged."""
    return to_halfwidth(to_simplified(text))
