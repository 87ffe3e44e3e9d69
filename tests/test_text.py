"""The one normalisation module: half-width and NFKC forms, numerals, excerpts."""

from __future__ import annotations

import itertools
import unicodedata

import cn2an

from compare.segment import tokenize
from compare.text import (
    collapse,
    common_phrase,
    excerpt,
    excerpt_collapsed,
    normalise_chars,
    parse_numeral,
    small_numeral,
    to_halfwidth,
)

BMP = [chr(cp) for cp in range(0x10000) if not 0xD800 <= cp <= 0xDFFF]


def test_halfwidth_is_nfkc_of_the_full_width_forms_on_every_bmp_character() -> None:
    # the run-based conversion equals a per-character NFKC table of U+FF01..U+FF5E and U+3000
    table = {cp: unicodedata.normalize("NFKC", chr(cp)) for cp in [*range(0xFF01, 0xFF5F), 0x3000]}
    everything = "".join(BMP)
    assert to_halfwidth(everything) == everything.translate(table)
    assert all(to_halfwidth(c) == c.translate(table) for c in BMP)
    assert to_halfwidth("（１．）　ＡＢ，中") == "(1.) AB,中"


def test_normalise_chars_is_wider_than_halfwidth() -> None:
    # it agrees wherever to_halfwidth changes a character, and also maps other compatibility forms
    changed = [c for c in BMP if to_halfwidth(c) != c]
    assert all(normalise_chars(c) == to_halfwidth(c) for c in changed)
    assert normalise_chars("①²\xa0\uf91d") == "12 欄" and to_halfwidth("①²\xa0") == "①²\xa0"
    assert normalise_chars("…㎡") == "…㎡"  # NFKC forms longer than one character are kept


def test_label_numerals() -> None:
    cases = {"17": 17, "１７": 17, "①": 1, "⑴": 1, "⒈": 1, "一": 1, "十": 10, "二十六": 26, "一百零一": 101}
    for numeral, value in cases.items():
        assert parse_numeral(numeral) == value, numeral
    for not_a_label in ("", "两十", "二六", "半", "½", "abc"):
        assert parse_numeral(not_a_label) is None, not_a_label


def test_amounts() -> None:
    assert parse_numeral("1.5", "amount") == 1.5
    assert parse_numeral("两", "amount") == 2.0
    assert parse_numeral("二十", "amount") == 20.0
    assert parse_numeral("三千万", "amount") == 30_000_000.0
    assert parse_numeral("万万万x", "amount") is None


def test_small_numerals_read_as_cn2an_reads_them() -> None:
    # parse_numeral reads 一 … 九十九 itself: every text of up to three of these characters that it
    # reads has cn2an's value in both modes, and it reads every value from 1 to 99
    read: set[int] = set()
    for n in range(1, 4):
        for chars in itertools.product("一二三四五六七八九十零两百", repeat=n):
            numeral = "".join(chars)
            value = small_numeral(numeral)
            if value is not None:
                assert cn2an.cn2an(numeral, "strict") == cn2an.cn2an(numeral, "smart") == value, numeral
                read.add(value)
    assert sorted(read) == list(range(1, 100))


def test_a_year_in_chinese_reads_digit_by_digit() -> None:
    # what parse_date relies on: every four-character year of 〇零一…九 reads as its digits
    digits = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")} | {"零": "0"}
    for chars in itertools.product(digits, repeat=4):
        year = "".join(chars)
        assert parse_numeral(year, "amount") == int("".join(digits[c] for c in year)), year


def test_month_and_day_numerals() -> None:
    # the month and day of a date (一 … 三十一) are label numerals
    expected = {"一": 1, "九": 9, "十": 10, "十一": 11, "十二": 12, "二十": 20, "二十九": 29, "三十一": 31}
    for numeral, value in expected.items():
        assert parse_numeral(numeral) == value


def test_collapse_and_excerpt() -> None:
    assert collapse("  支持\n企业 \t创新  ") == "支持企业创新"
    assert collapse("PDF  report\n文本") == "PDF report 文本"  # only CJK joins CJK
    text = "支持企业开展技术创新，鼓励建设研发机构；对认定的给予奖励。" * 3
    assert excerpt(text, 1000) == collapse(text)
    assert excerpt(text, 25) == "支持企业开展技术创新，鼓励建设研发机构；…"
    assert excerpt(text, 12) == "支持企业开展技术创新…"
    assert excerpt_collapsed("一二三四五六七八九十", 5) == "一二三四五…"


def test_common_phrase_is_the_wording_every_text_shares_cut_between_words() -> None:
    # two regulations' liability articles (江西, 山西 开发区条例), as match text
    texts = [
        "违反本条例规定,开发区管理机构工作人员滥用职权、玩忽职守、徇私舞弊的,依法给予处分;构成犯罪的,依法追究刑事责任。",
        "开发区管理机构及其工作人员在开发区管理工作中滥用职权、徇私舞弊、玩忽职守的,由有关机关依法给予处分;构成犯罪的,依法追究刑事责任。",
    ]
    assert common_phrase(texts, 6, 24, tokenize) == "构成犯罪的,依法追究刑事责任"
    # within one sentence, never across 。; and never shorter than asked
    assert common_phrase(["甲乙丙。丁戊己", "丙。丁"], 2, 24) is None
    # a phrase does not end on a word that joins it to what follows
    assert (
        common_phrase(["按照城市总体规划和土地利用规划", "符合城市总体规划和产业规划"], 4, 24, tokenize)
        == "城市总体规划"
    )
