"""Text normalisation, the one place for it: simplified script, half-width forms, Chinese numerals, excerpts.

Matching copies. ``match_text`` is what every matcher (outline numbers, topics, families, reuse) runs
on, so that a plan in traditional script or with full-width punctuation matches the same patterns:
simplified script (``to_simplified``, OpenCC t2s) and half-width ASCII (``to_halfwidth``). Both keep
the length, each character mapping to exactly one character, so offsets found in a copy hold for the
printed text; readers always see the original. ``normalise_chars`` is the wider, NFKC-based
character normalisation of the topic, attribute and target rules (see its docstring for the
difference).

Numbers. ``parse_numeral`` reads a number as printed, in one of two modes: ``"label"`` (the strict
numerals of an outline label: 二十六, １７, ①, ⑴) and ``"amount"`` (a number in running text:
两, 1.5, 二〇一九 read digit by digit).

Excerpts. ``collapse`` flattens layout whitespace; ``excerpt`` cuts the start of a text for display.
"""

from __future__ import annotations

import bisect
import itertools
import os
import re
import threading
import unicodedata
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any, Literal, overload

# --- half-width -------------------------------------------------------------------------------------

# Full-width ASCII (U+FF01..U+FF5E) -> ASCII; ideographic space -> space. 、。《》「」〔〕 stay as they are.
_WIDTH_TABLE: dict[int, int] = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_WIDTH_TABLE[0x3000] = 0x20
_FULLWIDTH = re.compile("[\uff01-\uff5e\u3000]+")


def to_halfwidth(text: str) -> str:
    """Full-width ASCII letters, digits and punctuation -> ASCII; U+3000 -> space (same length).

    On every BMP character this equals NFKC restricted to U+FF01..U+FF5E and U+3000.
    """
    # Translating only the full-width runs is about ten times faster than translating everything.
    return _FULLWIDTH.sub(_halfwidth_run, text)


def _halfwidth_run(m: re.Match[str]) -> str:
    return m.group().translate(_WIDTH_TABLE)


class _OneCharNfkc(dict[int, str]):
    """``str.translate`` table: a character's one-character NFKC form, itself otherwise.

    Filled on first sight of each character, so a text is converted at C speed.
    """

    def __missing__(self, code: int) -> str:
        c = chr(code)
        n = unicodedata.normalize("NFKC", c)
        out = n if len(n) == 1 else c
        self[code] = out
        return out


_ONE_CHAR_NFKC = _OneCharNfkc()


def normalise_chars(text: str) -> str:
    """Each character by its NFKC form where that is one character (，→ , （→ ( ２→2); same length.

    Wider than ``to_halfwidth``: besides the full-width forms it maps every compatibility character
    with a one-character NFKC form (① → 1, ² → 2, U+00A0 → space, the compatibility ideograph 欄
    U+F91D → 欄 U+6B04: 1,714 BMP characters more). Characters whose NFKC form is longer than one
    character (…, ㎡) are kept as they are.
    """
    # Most callers pass text that is already normalised (the match copy): a C-speed check says so.
    # Every character this function changes has NFKC_Quick_Check=No, so it is never in such text.
    if text.isascii() or unicodedata.is_normalized("NFKC", text):
        return text
    return text.translate(_ONE_CHAR_NFKC)


# --- simplified script ------------------------------------------------------------------------------

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


def match_text(text: str) -> str:
    """The matching copy of ``text``: simplified script, half-width ASCII; ``len`` unchanged."""
    return to_halfwidth(to_simplified(text))


# --- numerals ---------------------------------------------------------------------------------------

# The characters a Chinese amount is written in (二十家, 两万元, 一百亿); "amount" mode reads them.
AMOUNT_NUMERALS = "零〇一二两三四五六七八九十百千万亿"
_DECIMAL = re.compile(r"\d+(?:\.\d+)?")


def _cn2an() -> Any:
    """cn2an's converter, imported on first use (its import compiles ~0.1 s of regexes, which a
    no-change rebuild, importing this module for file names only, should not pay)."""
    import cn2an

    return cn2an.cn2an


# 一 … 九十九 as outline labels and list items write them: read here, since they are nearly every numeral
# a plan has and cn2an's import would cost a small build more than all its numerals (the same values:
# tests/test_text.py compares every such numeral with cn2an in both modes).
_SMALL_NUMERAL = re.compile("(?:([一二三四五六七八九]?)十)?([一二三四五六七八九]?)")
_DIGIT_VALUES = {c: i for i, c in enumerate("一二三四五六七八九", 1)}


def small_numeral(numeral: str) -> int | None:
    """The value of 一 … 九十九 (十二, 二十, 一十二); None for any other text."""
    m = _SMALL_NUMERAL.fullmatch(numeral)
    if m is None or not numeral:
        return None
    tens, units = m.groups()
    value = _DIGIT_VALUES.get(units, 0)
    if m.group(0) != units:  # a 十 was read
        value += 10 * _DIGIT_VALUES.get(tens, 1)
    return value


@overload
def parse_numeral(numeral: str, mode: Literal["label"] = "label") -> int | None: ...


@overload
def parse_numeral(numeral: str, mode: Literal["amount"]) -> float | None: ...


def parse_numeral(numeral: str, mode: Literal["label", "amount"] = "label") -> int | float | None:
    """The value of a number as printed; None if ``numeral`` is not one.

    ``"label"``: the numeral of an outline label or a date's month and day, an integer: 17, １７,
    ①, ⑴, ⒈ and the strict Chinese numerals (二十六, 十二; not 两, not 二六).
    ``"amount"``: a number in running text, a float: 1.5, or Chinese numerals read as people write
    them (两万, 一百二, 二〇一九 digit by digit: on every four-character year this equals reading
    digit by digit).
    """
    if mode == "amount":
        if _DECIMAL.fullmatch(numeral):
            return float(numeral)
        small = small_numeral(numeral)
        if small is not None:
            return float(small)
        try:
            return float(_cn2an()(numeral, "smart"))
        except (ValueError, KeyError, TypeError, IndexError):
            return None
    if not numeral:
        return None
    if numeral.isascii() and numeral.isdigit():
        return int(numeral)
    if len(numeral) == 1:
        try:
            value = unicodedata.numeric(numeral)
        except (TypeError, ValueError):
            return None
        return int(value) if value == int(value) and value > 0 else None
    if all(c.isdigit() for c in numeral):
        return int(unicodedata.normalize("NFKC", numeral))
    small = small_numeral(numeral)
    if small is not None:
        return small
    try:
        value = _cn2an()(numeral, "strict")
    except (ValueError, KeyError, IndexError):
        return None
    return int(value) if value == int(value) else None


# --- excerpts ---------------------------------------------------------------------------------------


_WHITESPACE = re.compile(r"\s+")
_SPACE_IN_CJK = re.compile(r"(?<=[^\x00-\x7f]) (?=[^\x00-\x7f])")


def collapse(text: str) -> str:
    """Whitespace runs → one space, none between CJK characters (line breaks inside a sentence)."""
    return _SPACE_IN_CJK.sub("", _WHITESPACE.sub(" ", text).strip())


_BREAKS = "。；;！？!?，,、）)"


def excerpt(text: str, limit: int) -> str:
    """The start of a measure, at most ``limit`` characters, cut after punctuation when one is near."""
    return excerpt_collapsed(collapse(text), limit)


def excerpt_collapsed(flat: str, limit: int) -> str:
    """``excerpt`` of a text already collapsed."""
    if len(flat) <= limit:
        return flat
    head = flat[:limit]
    cut = max(head.rfind(ch) for ch in _BREAKS)
    if cut >= limit * 0.6:
        head = head[: cut + 1]
    return head.rstrip("，,、 ") + "…"


_INVISIBLE = re.compile("[\\x00-\\x1f\\x7f\\u202a-\\u202e\\u2066-\\u2069]")


def shown_name(name: str) -> str:
    """A file name as people see it: bytes that are not UTF-8 (a GBK name from a Windows zip) and
    control or bidirectional characters (which would reorder a report's text) written as escapes."""
    text = os.fsencode(name).decode("utf-8", "backslashreplace")
    return _INVISIBLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


@lru_cache(maxsize=1 << 15)
def _grams(text: str, n: int) -> frozenset[str]:
    """The ``n``-character pieces of a text; remembered, since the same member texts are compared with
    many clauses."""
    return frozenset(text[i : i + n] for i in range(len(text) - n + 1))


def shared_runs(text: str, others: Sequence[str], n: int = 3) -> list[tuple[int, int]]:
    """Runs of ``text`` (index spans) whose every ``n``-character piece also stands in one of
    ``others``: the wording ``text`` shares with them (runs shorter than ``n + 1`` left out)."""
    sets = [_grams(o, n) for o in dict.fromkeys(others)]
    covered = [False] * len(text)
    for i in range(len(text) - n + 1):
        piece = text[i : i + n]
        if not piece.isspace() and any(piece in g for g in sets):
            for k in range(i, i + n):
                covered[k] = True
    runs: list[tuple[int, int]] = []
    start: int | None = None
    for i, c in enumerate([*covered, False]):
        if c and start is None:
            start = i
        elif not c and start is not None:
            if i - start >= n + 1:
                runs.append((start, i))
            start = None
    return runs


# where a sentence (or a ;-clause) ends, in either width
SENTENCE_END = re.compile(r"[。;；!?！？\n]+")
_PHRASE_EDGE = ",.;:!?、，。；：！？（）()《》“”\"' "
_PHRASE_TAIL = "和与及或的等不并对为在由将"  # words that join what follows: a phrase does not end on them
_PHRASE_BREAKS = (",", "、", "，", ":", "：")
_PHRASE_HEAD = "的和与及或等并至个0123456789."  # ... nor begin on what joins it to what went before (nor
# on the rest of a number: 1至2个 differs from plan to plan)


def common_phrase(
    texts: Sequence[str], least: int, most: int, words: Callable[[str], list[str]] | None = None
) -> str | None:
    """The longest stretch of wording every text holds, within one sentence, starting and ending between
    words when ``words`` cuts text into them (a phrase cut mid-word reads as noise); longer than ``most``
    characters, it is cut at its last comma or 、 within them (copied clauses share whole sentences);
    trimmed of punctuation at its ends. None when shorter than ``least`` or when it cannot be cut."""
    if not texts:
        return None
    base = min(texts, key=len)
    best = ""
    for piece in SENTENCE_END.split(base):
        cuts = _word_cuts(piece, words)
        for a in cuts:
            ends = [c for c in cuts if a + len(best) < c]
            # a stretch every text holds stays so when cut shorter: the longest is found by halving
            lo, hi = 0, len(ends)
            while lo < hi:
                mid = (lo + hi) // 2
                if all(piece[a : ends[mid]] in t for t in texts):
                    lo = mid + 1
                else:
                    hi = mid
            if lo:
                best = piece[a : ends[lo - 1]]
    best = best.strip(_PHRASE_EDGE).lstrip(_PHRASE_HEAD)
    if len(best) > most:
        cut = max(best.rfind(p, 0, most) for p in _PHRASE_BREAKS)
        best = best[:cut] if cut > 0 else ""
    best = best.strip(_PHRASE_EDGE).rstrip(_PHRASE_TAIL).strip(_PHRASE_EDGE)
    return best if len(best) >= least else None


def _word_cuts(text: str, words: Callable[[str], list[str]] | None) -> list[int]:
    """Offsets between the words of ``text`` (every offset when no segmenter is given)."""
    if words is None:
        return list(range(len(text) + 1))
    cuts, at = [0], 0
    for w in words(text):
        found = text.find(w, at)
        if found < 0:
            continue
        at = found + len(w)
        cuts += [found, at]
    return sorted(set(cuts) | {len(text)})


def literal_alternation(words: Sequence[str]) -> str:
    """A regex matching any of ``words``, the longest at each position (as an alternation sorted
    longest first would), written as a prefix tree: the engine tries one branch per character instead
    of every word in turn (hundreds of place names and stop terms are stripped from every clause)."""
    trie: dict[str, Any] = {}
    for w in words:
        if not w:
            continue
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}  # a word ends here
    return _trie_pattern(trie)


def _trie_pattern(node: dict[str, Any]) -> str:
    branches = [re.escape(ch) + _trie_pattern(child) for ch, child in sorted(node.items()) if ch]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    # a word ending here is the fallback once every longer word has failed (greedy, backtracks)
    return f"(?:{body})?" if "" in node else body
