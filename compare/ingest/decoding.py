"""Decoding a file's bytes into text: byte-order marks, a declared charset (only a text encoding, and
only if the result reads as Chinese), strict UTF-8, then detection (charset-normalizer's candidates,
the most plausible Chinese one); binary data, mojibake and undetectable encodings refused by name.

Plausibility is judged from the codecs themselves: real Chinese text is almost all common characters
(GB2312 level 1, Big5 level 1); bytes decoded with the wrong codec are not.
"""

from __future__ import annotations

import codecs
import contextlib
import functools
import re

from compare.ingest.errors import NotText, UndetectableEncoding
from compare.ingest.patterns import NoiseData

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]")
_LETTER = re.compile(r"[^\W\d_]")
_C0_CONTROLS = [b for b in range(32) if b not in (9, 10, 12, 13)]
# Declared names that must be read with a superset codec.
_SUPERSET = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "big5": "cp950"}


def normalize_newlines(text: str) -> str:
    """CRLF and lone CR -> LF; a leading BOM character dropped."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


@functools.cache
def _common_hanzi() -> frozenset[str]:
    """Common characters: GB2312 level 1 (3755, simplified) and Big5 level 1 (5401, traditional).

    Derived from the codecs themselves, so no word list is needed: real Chinese text is almost
    entirely made of these, text decoded with the wrong codec is not.
    """
    chars: set[str] = set()
    for hi in range(0xB0, 0xD8):
        for lo in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):
                chars.add(bytes([hi, lo]).decode("gb2312"))
    for hi in range(0xA4, 0xC7):
        for lo in [*range(0x40, 0x7F), *range(0xA1, 0xFF)]:
            if (hi, lo) > (0xC6, 0x7E):
                break
            with contextlib.suppress(UnicodeDecodeError):
                chars.add(bytes([hi, lo]).decode("cp950"))
    return frozenset(c for c in chars if len(c) == 1)


def chinese_score(text: str, nd: NoiseData) -> float:
    """How plausible ``text`` is as Chinese: 0 if implausible, else the share of common characters.

    Implausible: too few Han characters among the letters (mojibake in Latin/Korean/Cyrillic), or
    Han characters that are mostly rare ones (bytes decoded with the wrong CJK codec).
    """
    sample = text[: nd.text_checks.sample_chars]
    han = HAN.findall(sample)
    letters = len(_LETTER.findall(sample))
    if not han or letters == 0 or len(han) / letters < nd.text_checks.min_cjk_share:
        return 0.0
    common = _common_hanzi()
    share = sum(1 for c in han if c in common) / len(han)
    return share if share >= nd.text_checks.min_common_share else 0.0


def _printable_ratio(text: str) -> float:
    sample = text[:200000]
    if not sample:
        return 0.0
    if "".join(sample.split()).isprintable():  # the usual case, decided in C: nothing to count
        return 1.0
    bad = sum(1 for c in sample if not (c.isprintable() or c.isspace()))
    return 1 - bad / len(sample)


def decode_bytes(data: bytes, source: str, nd: NoiseData, declared: str | None = None) -> tuple[str, str]:
    """Decode ``data`` to (text, encoding name); raises NotText / UndetectableEncoding.

    Order: a BOM; the declared charset (HTML) if it decodes strictly; strict UTF-8; then
    charset-normalizer's candidates, keeping the most plausible Chinese one; last, UTF-8 with a
    few undecodable bytes replaced by U+FFFD (the reader warns about them).
    """
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(enc), enc.replace("-sig", "")
            except UnicodeDecodeError as e:
                raise UndetectableEncoding(source, f"broken {enc} text after a byte-order mark: {e}") from e
    if declared:
        enc = _SUPERSET.get(declared.lower(), declared.lower())
        try:
            allowed = codecs.lookup(enc).name in nd.text_checks.declared_charsets
            text = data.decode(enc) if allowed else ""
        except (LookupError, UnicodeDecodeError):
            text = ""
        # A page may declare a charset its bytes are not in: what does not read as Chinese loses to
        # detection (iso-8859-1 declared on UTF-8 bytes decodes without error, into mojibake).
        if text and chinese_score(text, nd) > 0:
            return text, enc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if "\x00" in text:
            # Valid UTF-8 with NULs: UTF-16 without a BOM, or binary.
            pass
        elif _printable_ratio(text) < nd.text_checks.min_printable_ratio:
            raise NotText(source, "binary data, not text (非文本文件): too many control characters")
        else:
            _refuse_mojibake(text, source, nd)
            return text, "utf-8"

    from charset_normalizer import from_bytes

    tc = nd.text_checks
    scored: list[tuple[float, str, str]] = []
    for match in from_bytes(data):
        enc = match.encoding
        try:
            text = data.decode(enc)
        except (LookupError, UnicodeDecodeError):
            continue
        if _printable_ratio(text) < tc.min_printable_ratio:
            continue
        score = chinese_score(text, nd)
        if score > 0:
            scored.append((score, enc, text))
    if scored:
        top = max(s for s, _, _ in scored)
        near = [x for x in scored if x[0] >= top - tc.score_tie]
        prefs = tc.encoding_preference

        def rank(x: tuple[float, str, str]) -> int:
            return prefs.index(x[1]) if x[1] in prefs else len(prefs)

        best = min(near, key=rank) if any(rank(x) < len(prefs) for x in near) else max(near)
        return best[2], best[1]
    # Mostly UTF-8 with a few broken bytes (a truncated download): keep it, mark the damage.
    text = data.decode("utf-8", errors="replace")
    damaged = text.count("\ufffd")
    if damaged <= max(1, tc.max_control_ratio * len(text)) and chinese_score(text, nd) > 0:
        return text, "utf-8"
    if data.count(0) > tc.max_nul_ratio * len(data):
        raise NotText(source, "binary data, not text (非文本文件): it contains NUL bytes")
    controls = sum(data.count(b) for b in _C0_CONTROLS)
    if controls > tc.max_control_ratio * len(data):
        raise NotText(source, "binary data, not text (非文本文件): it contains control bytes")
    raise UndetectableEncoding(source)


_LATIN1_LETTER = re.compile("[\u00c0-\u00ff]")


def _refuse_mojibake(text: str, source: str, nd: NoiseData) -> None:
    """Text without Chinese whose letters are largely Latin-1 (æ³¨ for 注) was UTF-8 read with the wrong
    encoding and saved again: refused, rather than compared as gibberish."""
    sample = text[: nd.text_checks.sample_chars]
    if chinese_score(sample, nd) > 0:
        return
    letters = len(_LETTER.findall(sample))
    if letters and len(_LATIN1_LETTER.findall(sample)) > nd.text_checks.max_mojibake_share * letters:
        raise NotText(
            source, "the text is mojibake (乱码): Chinese read with the wrong encoding and saved again"
        )


def damage(text: str) -> list[str]:
    n = text.count("\ufffd")
    return [f"{n} undecodable byte sequence(s) replaced by U+FFFD"] if n else []
