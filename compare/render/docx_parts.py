"""The pieces every Word 对照表 of the site is made of (python-docx): an A4 landscape document in the
CJK face, tables of fixed column widths whose header row repeats on every page, links to the site, a
clause written as runs with its decisive words highlighted, and the document's bytes, the same for the
same build.

A topic's matrix (``render.topic_docx``) is built from these; the views a reader chooses on the site (a
topic's plans picked, any two plans) are written in the browser (``templates/static/word.js``) with the
same face, page, colours and widths (``topic_docx.browser_spec``), so they all read alike in Word and WPS.
"""

from __future__ import annotations

import copy
import struct
import zipfile
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from functools import cache
from io import BytesIO
from typing import Any
from weakref import WeakKeyDictionary

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph
from lxml import etree

LINK = RGBColor(0x1F, 0x4E, 0x8C)
FONT = "Noto Sans CJK SC"
PAGE_WIDTH_MM = 297
MARGIN_MM = 15
TEXT_WIDTH_MM = PAGE_WIDTH_MM - 2 * MARGIN_MM  # what a table can span
_ZIP_EPOCH = datetime(1980, 1, 1, tzinfo=UTC)  # the earliest time a zip entry can carry


def landscape_document(size: float = 9.5) -> Any:
    """A new document: A4 landscape, 15 mm margins, the CJK face at ``size`` points."""
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(PAGE_WIDTH_MM), Mm(210)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(MARGIN_MM))
    style = doc.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(size)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    return doc


def header_table(doc: Any, heads: Sequence[str]) -> Any:
    """A bordered table with one bold header row that repeats on every page. Add its rows, then give
    its columns their widths (``set_widths``): a row added to a table with widths gets each cell's
    width written, which costs more than the rest of a cell."""
    table = doc.add_table(rows=0, cols=len(heads))
    table.style = "Table Grid"
    for col in table._tbl.tblGrid.gridCol_lst:
        col.w = None
    head = table.add_row()
    for cell, text in zip(head.cells, heads, strict=True):
        run(cell.paragraphs[0], text, bold=True)
    head._tr.get_or_add_trPr().append(_element("w:tblHeader", {"w:val": "true"}))
    return table


def add_row(table: Any) -> list[Paragraph]:
    """A new row at the end of ``table``: the first paragraph of each of its cells (built with lxml:
    python-docx parses a template for every cell, the larger part of a matrix's time)."""
    tr = _element("w:tr", parent=table._tbl)
    return [
        Paragraph(_element("w:p", parent=_element("w:tc", parent=tr)), table)
        for _ in range(len(table._tbl.tblGrid.gridCol_lst))
    ]


def next_paragraph(p: Paragraph) -> Paragraph:
    """A new paragraph after the last of ``p``'s cell (or other container)."""
    return Paragraph(_element("w:p", parent=p._p.getparent()), p._parent)


def set_widths(table: Any, widths: Sequence[float]) -> None:
    """The columns' widths in mm, kept as given (a fixed layout: Word and WPS read the table's grid)."""
    table.autofit = False
    for col, width in zip(table._tbl.tblGrid.gridCol_lst, widths, strict=True):
        col.w = Mm(width)


@cache
def _clark(tag: str) -> str:
    """``w:t`` as lxml names it (``{namespace}t``)."""
    return str(qn(tag))


def _element(tag: str, attrs: dict[str, str] | None = None, parent: Any = None) -> Any:
    """A plain WordprocessingML element (``w:…``), appended to ``parent`` when given: built with lxml
    directly, as python-docx's own calls cost a parse or a schema lookup per element, and a matrix
    has thousands of runs."""
    attrib = {_clark(k): v for k, v in attrs.items()} if attrs else None
    if parent is None:
        return etree.Element(_clark(tag), attrib)
    return etree.SubElement(parent, _clark(tag), attrib)


@cache
def _run_properties(
    bold: bool, strike: bool, colour: str | None, size: float | None, highlight: bool, underline: bool
) -> Any:
    """A run's properties (``w:rPr``), in the order the schema gives them: built once for each kind of
    run, then copied."""
    props = _element("w:rPr")
    if bold:
        _element("w:b", parent=props)
    if strike:
        _element("w:strike", parent=props)
    if colour is not None:
        _element("w:color", {"w:val": colour}, props)
    if size is not None:
        _element("w:sz", {"w:val": str(round(size * 2))}, props)
    if highlight:
        _element("w:highlight", {"w:val": "yellow"}, props)
    if underline:
        _element("w:u", {"w:val": "single"}, props)
    return props


_PRESERVE = {"{http://www.w3.org/XML/1998/namespace}space": "preserve"}


def run(
    p: Any,
    text: str,
    *,
    bold: bool = False,
    strike: bool = False,
    colour: RGBColor | None = None,
    size: float | None = None,
    highlight: bool = False,
    underline: bool = False,
) -> Any:
    """A run of ``text`` at the end of paragraph ``p`` (or of a hyperlink element), a line break for
    each newline."""
    r = etree.SubElement(p._p if isinstance(p, Paragraph) else p, _clark("w:r"))
    if bold or strike or colour is not None or size is not None or highlight or underline:
        r.append(
            copy.deepcopy(
                _run_properties(
                    bold, strike, None if colour is None else str(colour), size, highlight, underline
                )
            )
        )
    for k, line in enumerate(text.split("\n")):
        if k:
            etree.SubElement(r, _clark("w:br"))
        if line:
            etree.SubElement(r, _clark("w:t"), _PRESERVE).text = line
    return r


def clause_runs(p: Paragraph, runs: Iterable[tuple[str, bool]]) -> None:
    """Text as runs, the decisive words (``True``) highlighted as the site marks them."""
    for text, mark in runs:
        run(p, text, highlight=mark)


def link(p: Paragraph, url: str, text: str, size: float | None = None) -> None:
    """A hyperlink (python-docx has no call for one: the relationship and the element by hand)."""
    element = _element("w:hyperlink", {"r:id": _relationship(p.part, url)}, p._p)
    run(element, text, colour=LINK, size=size, underline=True)


# part -> url -> the id of its hyperlink relationship: python-docx looks for an existing one by reading
# them all, each time, which made a matrix of thousands of links quadratic
_LINK_IDS: WeakKeyDictionary[Any, dict[str, str]] = WeakKeyDictionary()


def _relationship(part: Any, url: str) -> str:
    """The id of the part's hyperlink relationship to ``url``, added the first time (ids of our own,
    ``rIdL<n>``, beside python-docx's ``rId<n>``)."""
    known = _LINK_IDS.setdefault(part, {})
    rid = known.get(url)
    if rid is None:
        rid = known[url] = f"rIdL{len(known) + 1}"
        part.rels.add_relationship(RELATIONSHIP_TYPE.HYPERLINK, url, rid, is_external=True)
    return rid


def build_time(created: str) -> datetime:
    """The build's time (ISO, ``BuildInfo.created``) in UTC, not before 1980 (a zip's earliest); 1980 when
    it cannot be read."""
    try:
        when = datetime.fromisoformat(created.replace("Z", "+00:00")) if created else _ZIP_EPOCH
    except ValueError:
        when = _ZIP_EPOCH
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    return max(when, _ZIP_EPOCH).replace(microsecond=0)


def docx_bytes(doc: Any, *, title: str, created: str) -> bytes:
    """The document as .docx bytes, dated by the build (``created``) and titled: the same build gives
    the same bytes (python-docx dates every zip entry by the clock; the dates are set to the build's)."""
    when = build_time(created)
    props = doc.core_properties
    props.title, props.author, props.comments = title, "compare", ""
    props.last_modified_by, props.revision = "compare", 1
    props.created = props.modified = when.replace(tzinfo=None)
    out = BytesIO()
    doc.save(out)
    return _dated_zip(out.getvalue(), when)


def _dated_zip(data: bytes, when: datetime) -> bytes:
    """The zip ``data`` with every entry's time set to ``when``, in its local and its central header (the
    bytes rewritten in place, nothing recompressed, as strip-nondeterminism does)."""
    time = (when.hour << 11) | (when.minute << 5) | (when.second // 2)
    date = ((when.year - 1980) << 9) | (when.month << 5) | when.day
    stamp = struct.pack("<HH", time, date)
    out = bytearray(data)
    with zipfile.ZipFile(BytesIO(data)) as z:
        entries = z.infolist()
        for info in entries:  # a local header: signature, version, flags, method, then time and date
            at = info.header_offset
            assert out[at : at + 4] == b"PK\x03\x04", "a zip entry's local header"
            out[at + 10 : at + 14] = stamp
        at = out.rfind(b"PK\x05\x06")  # the end of the central directory: where it starts
        at = struct.unpack_from("<I", out, at + 16)[0]
        for _ in entries:  # a central header: signature, two versions, flags, method, then time and date
            assert out[at : at + 4] == b"PK\x01\x02", "a zip entry's central header"
            out[at + 12 : at + 16] = stamp
            name, extra, comment = struct.unpack_from("<HHH", out, at + 28)
            at += 46 + name + extra + comment
    return bytes(out)
