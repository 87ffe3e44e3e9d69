"""Readers: a plan file's bytes -> its raw text (.txt, .html/.htm, .docx, .pdf).

The raw text is the string every offset in the pipeline refers to. For .txt it is the decoded
file with line ends normalised to "\\n" (CRLF and lone CR become LF; a BOM is dropped); for the
other formats it is the reader's extracted text, one paragraph / block / table cell per line.
Nothing is fetched: HTML is parsed offline and never follows links, images or frames.
"""

from __future__ import annotations

import contextlib
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compare.ingest.decoding import HAN, damage, decode_bytes, normalize_newlines
from compare.ingest.errors import (
    BadDocx,
    BadHtml,
    BadPdf,
    EmptyFile,
    EncryptedPdf,
    NoTextLayer,
    NotText,
    TooLarge,
    UnreadableFile,
    UnsupportedFormat,
)
from compare.ingest.patterns import NoiseData, noise_data

FORMATS = {".txt": "txt", ".html": "html", ".htm": "html", ".docx": "docx", ".pdf": "pdf"}

_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{2,40})""", re.I)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]{0,100}?encoding\s*=\s*["']([A-Za-z0-9_.:-]{2,40})""", re.I)
_MB = 1024 * 1024
_CID = re.compile(r"\(cid:\d+\)")


@dataclass
class RawText:
    """A file's text as read: ``format`` txt|html|docx|pdf, ``encoding`` for txt/html, else ""."""

    text: str
    format: str
    encoding: str
    warnings: list[str] = field(default_factory=list)


def read_raw(path: Path) -> RawText:
    """Read ``path`` into its raw text; raises an ``IngestError`` naming the file."""
    nd = noise_data()
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise UnsupportedFormat(str(path), f"unsupported file type {path.suffix or '(none)'!r}")
    try:
        size = path.stat().st_size
    except OSError as e:
        raise UnreadableFile(str(path), f"the file cannot be opened: {e.strerror or e}") from e
    if size > nd.limits.max_file_bytes:
        raise TooLarge(
            str(path),
            f"file too large ({size / _MB:.1f} MB; the limit is {nd.limits.max_file_bytes / _MB:.0f} MB)",
        )
    if size == 0:
        raise EmptyFile(str(path))
    if fmt == "docx":
        raw = _read_docx(path, nd)
    elif fmt == "pdf":
        raw = _read_pdf(path, nd)
    else:
        try:
            data = path.read_bytes()
        except OSError as e:
            raise UnreadableFile(str(path), f"the file cannot be read: {e.strerror or e}") from e
        raw = _read_html(data, str(path), nd) if fmt == "html" else _read_txt(data, str(path), nd)
    if not raw.text.strip():
        raise EmptyFile(str(path), "no text (空文件): the file holds only whitespace")
    if len(HAN.findall(raw.text, 0, 200_000)) < nd.text_checks.min_han_chars:
        raise NotText(str(path), "no Chinese text (非中文文本): not a plan")
    return raw


def _read_txt(data: bytes, source: str, nd: NoiseData) -> RawText:
    text, enc = decode_bytes(data, source, nd)
    return RawText(normalize_newlines(text), "txt", enc, damage(text))


# --- html ----------------------------------------------------------------------------------------


def _read_html(data: bytes, source: str, nd: NoiseData) -> RawText:
    from bs4 import BeautifulSoup, Comment, Doctype, NavigableString, ProcessingInstruction, Tag

    m = _META_CHARSET.search(data[:8192]) or _XML_ENCODING.search(data[:512])
    declared = m.group(1).decode("ascii", "replace") if m else None
    html, enc = decode_bytes(data, source, nd, declared=declared)
    _check_depth(html, source)
    try:
        soup = BeautifulSoup(html, "lxml")
    except Exception as e:  # lxml refuses some inputs outright
        raise BadHtml(source, f"the HTML cannot be parsed: {e}") from e

    rules = nd.html
    for el in soup.find_all(lambda t: isinstance(t, Tag) and t.name in rules.drop_tags):
        if not el.decomposed:
            el.decompose()
    total = len(soup.get_text())
    for el in list(soup.find_all(True)):
        if el.decomposed:
            continue
        attrs = [el.get("id") or "", *(el.get("class") or [])]
        names = [a for a in attrs if isinstance(a, str)]
        if any(rules.drop_attr.search(a) for a in names):
            # A wrapper holding most of the page's text is not chrome.
            if total and len(el.get_text()) >= rules.wrapper_text_share * total:
                continue
            el.decompose()

    out: list[str] = []

    def walk(node: Any, pre: bool) -> None:
        for child in node.children:
            if isinstance(child, Comment | Doctype | ProcessingInstruction):
                continue
            if isinstance(child, NavigableString):
                text = str(child).replace(_BLOCK, "")
                # in <pre> every source line is a line
                out.append(normalize_newlines(text).replace("\n", _BLOCK) if pre else text)
            elif isinstance(child, Tag):
                block = child.name in rules.block_tags
                if block:
                    out.append(_BLOCK)
                walk(child, pre or child.name in ("pre", "textarea", "listing", "plaintext"))
                if block:
                    out.append(_BLOCK)

    walk(soup, False)
    text = _join_blocks("".join(out))
    if not text.strip():
        raise BadHtml(source, "the HTML page has no readable text (no body text left)")
    return RawText(text, "html", enc, damage(html))


_HTML_MAX_DEPTH = 256  # libxml2's own limit; real pages nest a few dozen elements


def _check_depth(html: str, source: str) -> None:
    """Refuse HTML nested deeper than real pages ever are, before building a tree of it: libxml2's
    parser stops at its depth limit in milliseconds (a tree 10,000 levels deep costs minutes)."""
    import lxml.etree

    parser = lxml.etree.HTMLParser(recover=True, no_network=True)
    with contextlib.suppress(Exception):  # only the depth matters here; the real parse comes next
        lxml.etree.fromstring(html.encode("utf-8", "surrogatepass"), parser)
    if any("depth" in e.message.lower() for e in parser.error_log):
        raise BadHtml(
            source,
            f"the HTML is nested more than {_HTML_MAX_DEPTH} levels deep: refused (pages nest a few dozen)",
        )


_BLOCK = "\x00"  # marks a block boundary while the text is assembled
_WS_RUN = re.compile(r"[ \t\r\n\f]+")


def _join_blocks(marked: str) -> str:
    """HTML whitespace rules: inside a block, a whitespace run becomes one space (or nothing when it
    holds a source line break between two CJK characters); each non-empty block is one line."""
    parts = []
    for seg in marked.split(_BLOCK):
        seg = _WS_RUN.sub(_space_for, seg).strip(" ")
        if seg:
            parts.append(seg)
    return "\n".join(parts) + "\n" if parts else ""


def _space_for(m: re.Match[str]) -> str:
    s, text = m.group(0), m.string
    before = text[m.start() - 1] if m.start() > 0 else " "
    after = text[m.end()] if m.end() < len(text) else " "
    if ("\n" in s or "\r" in s) and HAN.match(before) and HAN.match(after):
        return ""
    return " "


# --- docx ----------------------------------------------------------------------------------------


def _check_zip(path: Path, nd: NoiseData) -> None:
    """Refuse what is no Word document, or would unpack to more than a plan can be (a zip bomb).

    The sizes are measured by unpacking each member as a stream and counting, never read from the
    zip's headers: a header may lie about the size (python-docx would then unpack gigabytes)."""
    source = str(path)
    if not zipfile.is_zipfile(path):
        raise BadDocx(source, "not a .docx file: it is not a zip archive (旧版 .doc? save it as .docx)")
    lim = nd.limits
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if "word/document.xml" not in {i.filename for i in infos}:
                raise BadDocx(source, "not a Word document: the zip has no word/document.xml")
            total = xml = 0
            for info in infos:
                size = 0
                with zf.open(info) as member:
                    while chunk := member.read(1 << 20):
                        size += len(chunk)
                        if total + size > lim.docx_max_uncompressed_bytes:
                            raise BadDocx(
                                source,
                                f"refused: unpacks to more than"
                                f" {lim.docx_max_uncompressed_bytes / _MB:.0f} MB; possibly a zip bomb",
                            )
                        if size > 1_000_000 and size > lim.docx_max_ratio * max(info.compress_size, 1):
                            raise BadDocx(
                                source,
                                f"refused: member {info.filename} is compressed more than"
                                f" {lim.docx_max_ratio:.0f}:1; possibly a zip bomb",
                            )
                total += size
                if info.filename.lower().endswith(".xml"):
                    xml += size
                    if xml > lim.docx_max_xml_bytes:
                        raise BadDocx(
                            source,
                            f"refused: more than {lim.docx_max_xml_bytes / _MB:.0f} MB of document XML"
                            " (a long plan has a few MB)",
                        )
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError) as e:
        raise BadDocx(source, f"broken zip archive: {e}") from e
    except RuntimeError as e:  # an encrypted member
        raise BadDocx(source, f"the zip archive cannot be unpacked: {e}") from e
    packed = path.stat().st_size
    if total > 1_000_000 and total > lim.docx_max_ratio * max(packed, 1):
        raise BadDocx(source, "refused: compression ratio too high; possibly a zip bomb")


def _read_docx(path: Path, nd: NoiseData) -> RawText:
    _check_zip(path, nd)
    try:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        document = docx.Document(str(path))
    except Exception as e:  # python-docx raises many kinds on a damaged package
        raise BadDocx(str(path), f"the Word document cannot be opened: {e}") from e

    lines: list[str] = []
    # Merged cells repeat the same cell element: one line each. The elements are kept alive here so
    # that their ids cannot be reused by other proxies.
    seen_cells: dict[int, Any] = {}

    def blocks(parent: Any, element: Any) -> None:
        for child in element.iterchildren():
            tag = child.tag.rsplit("}", 1)[-1]
            if tag == "p":
                lines.append(Paragraph(child, parent).text)
            elif tag == "tbl":
                table = Table(child, parent)
                for row in table.rows:
                    for cell in row.cells:
                        if id(cell._tc) in seen_cells:
                            continue
                        seen_cells[id(cell._tc)] = cell._tc
                        blocks(cell, cell._tc)
            elif tag == "sdt":  # content controls wrap paragraphs and tables
                content = child.find(
                    "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}sdtContent"
                )
                if content is not None:
                    blocks(parent, content)

    try:
        blocks(document, document.element.body)
    except Exception as e:
        raise BadDocx(str(path), f"the Word document cannot be read: {e}") from e
    # A soft line break inside a paragraph stays a line break: cleaning mends it if it cuts a sentence.
    text = "\n".join(normalize_newlines(ln) for ln in lines)
    return RawText(text + "\n" if text else "", "docx", "")


# --- pdf -----------------------------------------------------------------------------------------


def _read_pdf(path: Path, nd: NoiseData) -> RawText:
    source = str(path)
    with path.open("rb") as f:
        head = f.read(1024)
    if b"%PDF-" not in head:
        raise BadPdf(source, "not a PDF file (no %PDF header)")
    try:
        from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

        text = _pdf_text(path, nd)
    except (PDFPasswordIncorrect, PDFEncryptionError) as e:
        raise EncryptedPdf(source) from e
    except (TooLarge, BadPdf):
        raise
    except Exception as e:  # pdfminer raises parser errors of many types
        if "encrypt" in type(e).__name__.lower() or "password" in type(e).__name__.lower():
            raise EncryptedPdf(source) from e
        raise BadPdf(source, f"the PDF cannot be read: {type(e).__name__}: {e}") from e
    # Form feeds mark page ends: a page break is a line break.
    text = normalize_newlines(text).replace("\f", "\n")
    visible = re.sub(r"\s+", "", text)
    if len(visible) < nd.limits.pdf_min_text_chars:
        raise NoTextLayer(source)
    cid = sum(len(m) for m in _CID.findall(visible))
    if cid > nd.limits.pdf_max_cid_share * len(visible):
        raise NoTextLayer(
            source, "the PDF's text layer has no usable character codes (cid): OCR it or export it again"
        )
    return RawText(text, "pdf", "")


def _pdf_text(path: Path, nd: NoiseData) -> str:
    """The text layer, page by page, as pdfminer's ``extract_text`` gives it, with two guards: an
    object that refers to itself (pdfminer would follow it forever) is refused before extraction,
    and a page holding more characters than any page of a plan stops the reading at once (a few
    kilobytes of compressed "glyph bomb" expand to millions of characters, each a layout object)."""
    import io

    from pdfminer.converter import TextConverter
    from pdfminer.layout import LAParams
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser
    from pdfminer.pdftypes import PDFObjRef

    source = str(path)
    per_page = nd.limits.pdf_max_page_chars

    class Counted(TextConverter):
        page_chars = 0

        def begin_page(self, page: Any, ctm: Any) -> None:
            self.page_chars = 0
            super().begin_page(page, ctm)

        def render_char(self, *args: Any, **kwargs: Any) -> Any:
            self.page_chars += 1
            if self.page_chars > per_page:
                raise TooLarge(
                    source,
                    f"a page holds more than {per_page:,} characters: no page of a plan does (refused)",
                )
            return super().render_char(*args, **kwargs)

    with path.open("rb") as fh:
        document = PDFDocument(PDFParser(fh))
        for xref in document.xrefs:
            for objid in xref.get_objids():
                seen: set[int] = set()
                target: Any = objid
                while isinstance(target, int) and target not in seen:
                    seen.add(target)
                    try:
                        obj = document.getobj(target)
                    except Exception:
                        break
                    target = obj.objid if isinstance(obj, PDFObjRef) else None
                if isinstance(target, int):
                    raise BadPdf(source, f"object {objid} of the PDF refers to itself in a loop: refused")
        fh.seek(0)
        out = io.StringIO()
        resources = PDFResourceManager(caching=True)
        device = Counted(resources, out, codec="utf-8", laparams=LAParams())
        interpreter = PDFPageInterpreter(resources, device)
        for page in PDFPage.get_pages(fh, caching=True):
            interpreter.process_page(page)
        device.close()
    return out.getvalue()
