"""The same plan saved differently (encodings, traditional script, HTML, Word, PDF) reads the same."""

from __future__ import annotations

import functools
import html
import re
from pathlib import Path
from typing import Any

import pytest

from compare.ingest import read_document
from compare.ingest.clean import clean_text
from compare.model import Document
from compare.text import _SEGMENT, _convert_segment, _opencc, match_text, to_simplified

from .conftest import DOCS_IN, SEED_FILES

CHONGQING = DOCS_IN / SEED_FILES["004_1dfda3257b40adf7.txt"]  # encodes cleanly in Big5 once traditional
YUNNAN = DOCS_IN / SEED_FILES["000_0ab2cbae05243f0f.txt"]  # web header, blank and NBSP lines
LINCANG = DOCS_IN / SEED_FILES["001_5b7ad4bae4d750b9.txt"]  # transmittal notice, print marks


def _squeeze(text: str) -> str:
    return re.sub(r"\s", "", text)


def _lines(text: str) -> list[str]:
    return [ln for ln in text.split("\n") if ln.strip()]


def _original(path: Path) -> Document:
    return read_document(path, path.parent)


def _read(tmp_path: Path, name: str, data: bytes) -> Document:
    p = tmp_path / name
    p.write_bytes(data)
    return read_document(p, tmp_path)


@functools.cache
def _s2tw() -> Any:
    from opencc import OpenCC

    return OpenCC("s2tw")  # Taiwan forms: all in Big5 (cp950)


def _traditional(text: str) -> str:
    return str(_s2tw().convert(text))


@pytest.mark.parametrize(
    ("codec", "bom", "expect"),
    [
        ("gb18030", b"", "gb18030"),
        ("utf-16-le", b"\xff\xfe", "utf-16"),
        ("utf-16-be", b"", "utf_16_be"),
        ("utf-8", b"\xef\xbb\xbf", "utf-8"),
    ],
)
def test_every_seed_in_another_encoding_reads_the_same(
    tmp_path: Path, seed_paths: dict[str, Path], codec: str, bom: bytes, expect: str
) -> None:
    for path in seed_paths.values():
        orig = _original(path)
        doc = _read(tmp_path, path.name, bom + orig.raw_text.encode(codec))
        assert doc.encoding == expect
        assert doc.raw_text == orig.raw_text  # never mojibake: the very same characters
        assert doc.clean.text == orig.clean.text
        assert doc.noise == orig.noise


def test_a_traditional_big5_plan_matches_its_simplified_original(tmp_path: Path) -> None:
    orig = _original(CHONGQING)
    trad = _traditional(orig.raw_text)
    assert trad != orig.raw_text
    doc = _read(tmp_path, "chongqing-big5.txt", trad.encode("cp950"))  # strict: every character fits
    assert doc.encoding in ("big5", "cp950")
    assert doc.raw_text == trad  # readers see the traditional original
    assert doc.clean.text == clean_text(trad)[0].text
    assert _lines(doc.clean.text) == [_traditional(ln) for ln in _lines(orig.clean.text)]
    # the matching copy is simplified again, character for character
    a, b = doc.clean.match, orig.clean.match
    assert len(a) == len(b)
    same = sum(x == y for x, y in zip(a, b, strict=True)) / len(a)
    assert same >= 0.99
    assert match_text(trad) != trad and len(match_text(trad)) == len(trad)


def test_a_plan_as_a_web_page_with_navigation_scripts_and_footer(tmp_path: Path) -> None:
    orig = _original(YUNNAN)
    body = "\n".join(f"<p>{html.escape(line)}</p>" for line in orig.raw_text.split("\n"))
    page = f"""<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>云南省商务厅</title><script>var s = "统计脚本"; document.write(s);</script>
<style>.x {{ color: red }}</style></head>
<body>
<header><div class="logo">云南省商务厅门户网站</div></header>
<nav class="main-nav"><ul><li><a href="/">首页</a></li><li>政务公开</li><li>政策文件</li></ul></nav>
<div class="breadcrumb">当前位置：首页 &gt; 信息公开 &gt; 通知公告</div>
<div id="content-main"><div class="article">
{body}
</div>
<div class="share-box">分享到：微信 微博 QQ空间</div></div>
<aside class="sidebar"><h3>热点信息</h3><ul><li>某条新闻</li></ul></aside>
<iframe src="http://example.com/ad.html">广告</iframe>
<footer id="footer">主办单位：云南省商务厅 版权所有 滇ICP备00000000号</footer>
<noscript>您的浏览器不支持脚本</noscript>
</body></html>"""
    doc = _read(tmp_path, "yunnan.html", page.encode("gb18030"))
    assert doc.format == "html" and doc.encoding == "gb18030"
    assert _squeeze(doc.clean.text) == _squeeze(orig.clean.text)
    assert _lines(doc.clean.text) == _lines(orig.clean.text)
    for chrome in ("统计脚本", "门户网站", "热点信息", "分享到", "版权所有", "广告", "浏览器"):
        assert chrome not in doc.raw_text


def test_a_plan_as_a_word_document(tmp_path: Path) -> None:
    import docx

    orig = _original(LINCANG)
    d = docx.Document()
    for line in orig.raw_text.split("\n"):
        d.add_paragraph(line)
    path = tmp_path / "lincang.docx"
    d.save(str(path))
    doc = read_document(path, tmp_path)
    assert doc.format == "docx" and doc.encoding == ""
    assert doc.raw_text.split("\n")[:5] == orig.raw_text.split("\n")[:5]
    assert _squeeze(doc.clean.text) == _squeeze(orig.clean.text)
    assert _lines(doc.clean.text) == _lines(orig.clean.text)


def test_word_tables_give_one_line_per_cell_in_reading_order(tmp_path: Path) -> None:
    import docx

    d = docx.Document()
    d.add_paragraph("附件")
    d.add_paragraph("第二批支持创新相关改革举措推广清单")
    rows = [("序号", "改革举措", "推广范围"), ("1", "知识产权民事、刑事、行政案件“三合一”审判", "全国")]
    table = d.add_table(rows=2, cols=3)
    for i, row in enumerate(rows):
        for j, cell in enumerate(row):
            table.cell(i, j).text = cell
    d.add_paragraph("国务院办公厅")
    path = tmp_path / "table.docx"
    d.save(str(path))
    doc = read_document(path, tmp_path)
    assert _lines(doc.raw_text) == [
        "附件",
        "第二批支持创新相关改革举措推广清单",
        *rows[0],
        *rows[1],
        "国务院办公厅",
    ]


def test_a_plan_as_a_pdf(tmp_path: Path) -> None:
    from weasyprint import HTML

    orig = _original(CHONGQING)
    body = "".join(f"<p>{html.escape(line)}</p>" for line in orig.raw_text.split("\n"))
    path = tmp_path / "chongqing.pdf"
    HTML(
        string=(
            "<html><head><style>@page { size: A4; margin: 2cm }"
            ' body { font-family: "Noto Sans CJK SC"; font-size: 11pt } p { margin: 0 0 4pt 0 }'
            f"</style></head><body>{body}</body></html>"
        )
    ).write_pdf(path)
    doc = read_document(path, tmp_path)
    assert doc.format == "pdf"
    assert "\f" not in doc.raw_text
    # The PDF wraps long paragraphs over several lines; cleaning mends them back.
    assert len(_lines(doc.raw_text)) > len(_lines(orig.raw_text))
    assert _squeeze(doc.clean.text) == _squeeze(orig.clean.text)
    assert _lines(doc.clean.text) == _lines(orig.clean.text)


def test_converter_pinyin_after_traditional_characters_is_removed() -> None:
    orig = _original(CHONGQING)
    para = next(ln for ln in orig.clean.text.split("\n") if ln.startswith("(一)同步推进权限下放"))
    trad = _traditional(para)
    readings = {
        "務": "wù",
        "創": "chuàng ",
        "總": "zǒng",
        "體": "tǐ",
        "區": "qū",
        "業": "ye4",
        "開": "kāi",
        "發": "fā",
    }
    assert sum(trad.count(ch) for ch in readings) >= 8
    garbled = "".join(f"{ch}({readings[ch]})" if ch in readings else ch for ch in trad)
    assert "務(wù)" in garbled or "區(qū)" in garbled
    text = "二、主要任務\n" + garbled + "\n"
    clean, noise = clean_text(text)
    assert clean.text == "二、主要任務\n" + trad + "\n"
    pinyin = [sp for sp in noise if sp.reason == "pinyin"]
    assert len(pinyin) == sum(trad.count(ch) for ch in readings)
    assert all(re.fullmatch(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+[1-5]? ?\)", sp.text) for sp in pinyin)
    # and it still matches the simplified original
    assert match_text(clean.text.split("\n")[1]) == match_text(para)


def test_every_seed_in_traditional_script_loses_the_same_noise(seed_paths: dict[str, Path]) -> None:
    # Web chrome, cards and titles in traditional script (發布時間, 來源, 文章屬性 …) are found too:
    # every rule decides on the simplified matching copy of a line.
    for path in seed_paths.values():
        orig = _original(path)
        trad = _traditional(orig.raw_text)
        clean, noise = clean_text(trad)
        assert clean.text.split("\n") == [_traditional(ln) for ln in orig.clean.text.split("\n")]
        assert [(sp.start, sp.reason) for sp in noise] == [(sp.start, sp.reason) for sp in orig.noise]


def _simplified_segment_by_segment(text: str) -> str:
    """to_simplified the plain way: every segment between separators through _convert_segment."""
    cc, keys = _opencc()
    out, pos = [], 0
    for m in _SEGMENT.finditer(text + "\n"):
        out += [_convert_segment(cc, keys, text[pos : m.start()]), text[m.start() : min(m.end(), len(text))]]
        pos = m.end()
    return "".join(out)


def test_only_segments_with_traditional_characters_are_converted() -> None:
    _, keys = _opencc()
    trigger = sorted(keys)[::97]
    text = CHONGQING.read_text(encoding="utf-8")[:4000]
    for k in range(0, len(text), 211):  # traditional characters sprinkled at segment edges and inside
        piece = text[k : k + 300]
        for variant in (piece, trigger[k % len(trigger)] + piece, piece + trigger[-1], "，" + piece + "\n"):
            assert to_simplified(variant) == _simplified_segment_by_segment(variant)
    assert to_simplified("") == "" and to_simplified("發展") == _simplified_segment_by_segment("發展")
