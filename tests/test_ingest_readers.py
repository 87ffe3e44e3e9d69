"""Reading plan files: every seed and corpus file reads; bad files fail with a clear, named error."""

from __future__ import annotations

import hashlib
import pickle
import random
import struct
import time
import zipfile
import zlib
from pathlib import Path

import pytest

from compare.ingest import IngestError, clean_text, plan_id_for, read_document
from compare.ingest.errors import (
    BadDocx,
    BadPdf,
    EmptyFile,
    EncryptedPdf,
    NoTextLayer,
    NotText,
    TooLarge,
    UndetectableEncoding,
    UnsupportedFormat,
)
from compare.ingest.readers import read_raw

from .conftest import DOCS_IN

SEED = DOCS_IN / "2021-chongqing-ftz-linked-zones-plan.txt"


def _raises(path: Path, kind: type[IngestError]) -> IngestError:
    with pytest.raises(kind) as info:
        read_document(path, path.parent)
    err = info.value
    assert err.source_file == path.name
    assert path.name in str(err), "the message names the file"
    assert len(err.reason) > 10
    return err


# --- the real documents ------------------------------------------------------------------------


def test_every_seed_reads_as_a_document(seed_paths: dict[str, Path]) -> None:
    ids = set()
    for path in seed_paths.values():
        doc = read_document(path, DOCS_IN)
        data = path.read_bytes()
        assert doc.source_file == path.name
        assert doc.plan_id == path.stem  # readable names stay as they are
        assert doc.format == "txt" and doc.encoding == "utf-8"
        assert doc.sha256 == hashlib.sha256(data).hexdigest()
        assert doc.raw_text == data.decode("utf-8")  # the raw text IS the file's characters
        assert doc.clean.text and len(doc.clean.match) == len(doc.clean.text)
        assert doc.display_name
        ids.add(doc.plan_id)
    assert len(ids) == 5


def test_every_corpus_file_reads(corpus_paths: list[Path]) -> None:
    assert len(corpus_paths) == 14
    for path in corpus_paths:
        doc = read_document(path, path.parent)
        assert doc.clean.text.strip()
        assert "扫一扫在手机打开当前页" not in doc.clean.text


def test_crlf_line_ends_become_lf(tmp_path: Path) -> None:
    p = tmp_path / "crlf.txt"
    p.write_bytes("一、总体要求\r\n（一）指导思想\r以习近平新时代中国特色社会主义思想为指导。\r\n".encode())
    raw = read_raw(p)
    assert raw.text == "一、总体要求\n（一）指导思想\n以习近平新时代中国特色社会主义思想为指导。\n"


def test_plan_ids_are_url_safe_unique_and_readable() -> None:
    names = [
        "2019-lincang-hightech-zone-opinions.txt",
        "关于支持临沧高新区的实施意见.docx",
        "关于支持 临沧（高新区）.txt",
        "sub/plan.txt",
        "sub-plan.txt",
        "a b.txt",
        "a-b.txt",
        "../../etc/passwd.txt",
        "..txt",
    ]
    ids = [plan_id_for(n) for n in names]
    assert ids[0] == "2019-lincang-hightech-zone-opinions"
    assert ids[1] == "关于支持临沧高新区的实施意见"  # CJK kept
    assert ids[2].startswith("关于支持-临沧-高新区")
    assert len(set(ids)) == len(ids)
    for pid in ids:
        assert ".." not in pid and "/" not in pid and "\\" not in pid and " " not in pid
        assert pid and not pid.startswith(("-", "."))
    assert plan_id_for("sub/plan.txt") == plan_id_for("sub/plan.txt")  # stable


# --- bad input -----------------------------------------------------------------------------------


def test_empty_and_whitespace_only_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    _raises(empty, EmptyFile)
    blank = tmp_path / "blank.txt"
    blank.write_bytes(" \n\t\n\u3000\u3000\n\xa0\r\n".encode())
    _raises(blank, EmptyFile)


def test_an_error_sent_back_by_a_worker_process_reads_the_same(tmp_path: Path) -> None:
    # the process pool pickles a failed file's error; the report shows its message as raised
    junk = tmp_path / "junk.txt"
    junk.write_bytes(b"\x00\x01binary\x00")
    err = _raises(junk, NotText)
    back = pickle.loads(pickle.dumps(err))
    assert (type(back), str(back), back.source_file, back.reason) == (
        NotText,
        str(err),
        err.source_file,
        err.reason,
    )
    assert str(pickle.loads(pickle.dumps(EmptyFile("a.txt")))) == "a.txt: empty file (空文件): no text at all"


def test_binary_junk_named_txt(tmp_path: Path) -> None:
    rnd = random.Random(1)
    junk = tmp_path / "junk.txt"
    junk.write_bytes(b"\x7fELF\x02\x01\x01" + bytes(rnd.randrange(256) for _ in range(5000)))
    err = _raises(junk, NotText)
    assert "binary" in err.reason


def test_random_high_bytes_are_not_taken_for_chinese(tmp_path: Path) -> None:
    # No NULs or controls, so it could be text; but no codec gives plausible Chinese.
    rnd = random.Random(2)
    p = tmp_path / "noise.txt"
    p.write_bytes(bytes(rnd.randrange(0x80, 0x100) for _ in range(3000)))
    _raises(p, UndetectableEncoding)


def test_latin1_mojibake_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "latin.txt"
    p.write_bytes(("Café résumé naïve façade – “quotes” ± µ. " * 30).encode("cp1252"))
    _raises(p, UndetectableEncoding)


def test_unsupported_suffix(tmp_path: Path) -> None:
    p = tmp_path / "plan.doc"
    p.write_bytes(b"\xd0\xcf\x11\xe0 old word")
    _raises(p, UnsupportedFormat)


def test_too_large_file_is_refused_before_reading(tmp_path: Path) -> None:
    p = tmp_path / "huge.txt"
    with p.open("wb") as f:  # sparse: no disk used, no time spent
        f.truncate(60 * 1024 * 1024)
    err = _raises(p, TooLarge)
    assert "MB" in err.reason


def test_docx_that_is_not_a_zip(tmp_path: Path) -> None:
    p = tmp_path / "fake.docx"
    p.write_text("这不是一个Word文档", encoding="utf-8")
    err = _raises(p, BadDocx)
    assert "zip" in err.reason


def test_zip_bomb_docx_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "bomb.docx"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("word/document.xml", "w", force_zip64=True) as member:
            block = b" " * (1024 * 1024)
            for _ in range(210):  # 210 MB of spaces, just over the 200 MB limit
                member.write(block)
    assert p.stat().st_size < 1024 * 1024  # small on disk, huge unpacked
    err = _raises(p, BadDocx)
    assert "zip bomb" in err.reason


def test_highly_compressed_docx_member_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "ratio.docx"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b"<w:document>" + b"0" * (20 * 1024 * 1024) + b"</w:document>")
    err = _raises(p, BadDocx)
    assert "compressed" in err.reason


def _text_pdf(path: Path, text: str) -> None:
    from weasyprint import HTML

    body = "".join(f"<p>{line}</p>" for line in text.splitlines())
    HTML(
        string=f"<html><body style='font-family:\"Noto Sans CJK SC\";font-size:10pt'>{body}</body></html>"
    ).write_pdf(path)


def test_encrypted_pdf(tmp_path: Path) -> None:
    from pypdf import PdfWriter

    plain = tmp_path / "plain.pdf"
    _text_pdf(plain, "关于推进开发区创新提升的实施方案\n一、总体要求")
    enc = tmp_path / "locked.pdf"
    w = PdfWriter(clone_from=plain)
    w.encrypt(user_password="secret", owner_password="owner", algorithm="AES-256")
    w.write(enc)
    err = _raises(enc, EncryptedPdf)
    assert "password" in err.reason


def _png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes([90, 90, 90]) * width for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def test_pdf_without_text_layer(tmp_path: Path) -> None:
    from pypdf import PdfWriter
    from weasyprint import HTML

    blank = tmp_path / "blank.pdf"
    w = PdfWriter()
    w.add_blank_page(width=595, height=842)
    w.write(blank)
    err = _raises(blank, NoTextLayer)
    assert "OCR" in err.reason

    (tmp_path / "scan.png").write_bytes(_png(60, 80))
    scanned = tmp_path / "scanned.pdf"
    HTML(string="<img src='scan.png' style='width:400px'>", base_url=str(tmp_path)).write_pdf(scanned)
    _raises(scanned, NoTextLayer)


def test_file_that_is_not_a_pdf(tmp_path: Path) -> None:
    p = tmp_path / "fake.pdf"
    p.write_text("关于推进开发区创新提升的实施方案", encoding="utf-8")
    _raises(p, BadPdf)


def test_hostile_html_is_read_safely(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("机密内容不可出现", encoding="utf-8")
    page = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>标题</title>
<script>var leak = "脚本文字不可出现"; document.write(leak);</script>
<style>body {{ background: url("http://example.com/track.png") }}</style></head>
<body onload="alert('x')">
<iframe src="file://{secret}">框架文字不可出现</iframe>
<img src="file://{secret}" alt=""><img src="http://198.51.100.1/beacon.gif">
<object data="file://{secret}"></object>
<p>关于推进开发区创新提升的实施方案</p>
<p>一、总体要求<script>document.write("行内脚本")</script></p>
<noscript>请启用脚本</noscript>
</body></html>"""
    p = tmp_path / "hostile.html"
    p.write_text(page, encoding="utf-8")
    doc = read_document(p, tmp_path)
    assert doc.format == "html"
    assert doc.raw_text.split() == ["关于推进开发区创新提升的实施方案", "一、总体要求"]
    for leaked in ("脚本文字", "行内脚本", "机密内容", "框架文字", "请启用脚本", "alert"):
        assert leaked not in doc.raw_text


def test_a_20_mb_text_reads_quickly(tmp_path: Path) -> None:
    text = SEED.read_text(encoding="utf-8") + "\n"
    p = tmp_path / "big.txt"
    copies = 20 * 1024 * 1024 // len(text.encode("utf-8")) + 1
    p.write_text(text * copies, encoding="utf-8")
    assert p.stat().st_size >= 20 * 1024 * 1024
    t0 = time.perf_counter()
    raw = read_raw(p)
    assert time.perf_counter() - t0 < 3
    assert raw.encoding == "utf-8" and len(raw.text) == len(text) * copies


@pytest.mark.slow
def test_a_20_mb_gb18030_text_reads_and_cleans(tmp_path: Path) -> None:
    text = SEED.read_text(encoding="utf-8") + "\n"
    p = tmp_path / "big-gb.txt"
    copies = 20 * 1024 * 1024 // len(text.encode("gb18030")) + 1
    p.write_bytes((text * copies).encode("gb18030"))
    t0 = time.perf_counter()
    raw = read_raw(p)
    clean, _noise = clean_text(raw.text)
    assert time.perf_counter() - t0 < 20  # a guard against quadratic behaviour, not a benchmark
    assert raw.encoding == "gb18030"
    assert raw.text == text * copies
    assert len(clean.text) > 0.95 * len(raw.text)


def test_a_utf8_plan_with_one_broken_byte_is_read_with_a_warning(tmp_path: Path) -> None:
    data = SEED.read_bytes()
    cut = data.index("总体要求".encode()) + 1  # inside the first character's three bytes
    p = tmp_path / "damaged.txt"
    p.write_bytes(data[:cut] + data[cut + 2 :])
    doc = read_document(p, tmp_path)
    assert doc.encoding == "utf-8"
    assert doc.raw_text.count("\ufffd") == 1
    assert any("U+FFFD" in w for w in doc.warnings)
