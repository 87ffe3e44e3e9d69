"""A topic page's family × plan matrix as a Word document (对照表), for memos written in Word or WPS.

Built from the page's own context (``view.topic_page``), so it has the page's cells: for each family
and plan the deciding clause of each measure with its decisive words highlighted and its place linked
to the clause on the site, or the gap, the mention or the absence the page shows; then the topic's
measures in no family. The page's plans are split into tables of ``docx.plan_columns`` plans so each
fits an A4 landscape page; the plan names head every page.
"""

from __future__ import annotations

from collections.abc import Sequence

from docx.shared import RGBColor
from docx.text.paragraph import Paragraph

from compare.render.docx_parts import (
    FONT,
    LINK,
    TEXT_WIDTH_MM,
    add_row,
    clause_runs,
    docx_bytes,
    header_table,
    landscape_document,
    link,
    next_paragraph,
    run,
    set_widths,
)
from compare.render.view.matrix import Cell, MatrixRow
from compare.render.view.measures import MeasureItem
from compare.render.view.topic_page import DocxLabels, TopicPage

_GAP = RGBColor(0xB3, 0x26, 0x1E)
_QUIET = RGBColor(0x5B, 0x66, 0x70)
_DELETED = RGBColor(0x8A, 0x1C, 0x12)  # a two-plan diff: only in the first plan, struck through
_INSERTED = RGBColor(0x1D, 0x5B, 0x26)  # only in the second, underlined
_FAMILY_MM = 42  # the family column; the plans share the rest of the width
_SIZE = 9  # points: a matrix's cells are dense


def browser_spec(labels: DocxLabels, *, plan_columns: int, created: str) -> dict[str, object]:
    """What the site's scripts need to write the reader's own view as a 对照表 in the browser
    (``templates/static/word.js``): a topic's matrix with the plans picked and the rows filtered, as
    this module writes the whole one (its words, face, colours and widths), and any two plans side by
    side (``compare.html``; the build writes no file for a pair: any two can be chosen there)."""
    return {
        "labels": labels,
        "font": FONT,
        "size": _SIZE,
        "link": str(LINK),
        "gap": str(_GAP),
        "quiet": str(_QUIET),
        "deleted": str(_DELETED),
        "inserted": str(_INSERTED),
        "family_mm": _FAMILY_MM,
        "text_mm": TEXT_WIDTH_MM,
        "plan_columns": plan_columns,
        "created": created,
    }


def topic_docx(page: TopicPage, labels: DocxLabels, *, site_root: str, plan_columns: int) -> bytes:
    """The 对照表 of one topic page as .docx bytes; links are ``site_root`` + the site's own."""
    view, topic, part = page["view"], page["topic"], page["part"]
    title = labels["title"] % {"topic": topic["name"]}
    doc = landscape_document(_SIZE)
    doc.add_heading(title, level=1)
    intro = doc.add_paragraph()
    if part["parts"] > 1:
        run(
            intro, labels["plans_part"] % {"first": part["first"], "last": part["last"], "n": view["n_plans"]}
        )
    if topic["description"]:
        run(intro, topic["description"])
    run(doc.add_paragraph(), labels["legend"], size=8)
    stamp = doc.add_paragraph()
    generated = labels["generated"] % {"date": view["build"]["date"]}
    run(stamp, f"{view['title']} · {generated} · {labels['online']}", size=8, colour=_QUIET)
    link(stamp, site_root + part["href"], site_root + part["href"], size=8)

    plans = part["plans"]
    chunks = [range(i, min(i + plan_columns, len(plans))) for i in range(0, len(plans), plan_columns)]
    rows: list[MatrixRow] = [r for g in part["groups"] for r in g["rows"]]
    for n, cols in enumerate(chunks):
        if len(chunks) > 1:
            part_of = labels["table_part"] % {"part": n + 1, "parts": len(chunks)}
            run(doc.add_paragraph(), title + part_of, bold=True)
        width = (TEXT_WIDTH_MM - _FAMILY_MM) / max(len(cols), 1)
        table = header_table(doc, [labels["family"], *(plans[i]["name"] for i in cols)])
        for row in rows:
            cells = add_row(table)
            _family(cells[0], row, labels, site_root + part["href"], view["n_plans"])
            for cell, i in zip(cells[1:], cols, strict=True):
                _cell(cell, row["cells"][i], labels, site_root)
        other = part["other"]
        if other is not None:
            cells = add_row(table)
            run(cells[0], labels["other"], bold=True)
            run(cells[0], "\n" + labels["other_meta"], size=7.5, colour=_QUIET)
            for cell, i in zip(cells[1:], cols, strict=True):
                _measures(cell, other["cells"][i]["measures"], labels, site_root, quiet="—")
        set_widths(table, [_FAMILY_MM, *(width for _ in cols)])
    return docx_bytes(doc, title=title, created=view["build"]["created"])


def _family(p: Paragraph, row: MatrixRow, labels: DocxLabels, page_url: str, n_plans: int) -> None:
    """The row's head: the family's name, linked to its row on the page, and how many plans have it."""
    link(p, f"{page_url}#{row['anchor']}", row["name"])
    meta = f"{row['source_label']} · {labels['n_plans'] % {'n': row['n_plans'], 'total': n_plans}}"
    if row["gloss"]:  # the English edition's definition, as the page shows it
        meta = f"{row['gloss']}\n{meta}"
    run(p, "\n" + meta, size=7.5, colour=_QUIET)


def _cell(p: Paragraph, c: Cell, labels: DocxLabels, root: str) -> None:
    """A family's cell for one plan (``p``: its first paragraph): its measures, or what the page says
    instead of them."""
    if not c["gap"]:
        _measures(p, c["measures"], labels, root)
        return
    found = c["mention"]
    if found is not None:
        run(p, labels["mention"] + " ", bold=True, colour=_QUIET)
        clause_runs(p, ((part["text"], part["mark"]) for part in found["parts"]))
        run(p, " ")
        link(p, root + found["href"], labels["source"], size=7.5)
    elif c["peer_gap"]:
        run(p, labels["gap"], bold=True, colour=_GAP)
    else:
        run(p, labels["absent"], colour=_QUIET)


def _measures(
    p: Paragraph, items: Sequence[MeasureItem], labels: DocxLabels, root: str, quiet: str = ""
) -> None:
    """Each measure's deciding clause (its text when it has none), its bindingness and its place, linked,
    a paragraph each from ``p`` (the cell's first)."""
    if not items and quiet:
        run(p, quiet, colour=_QUIET)
    for k, m in enumerate(items):
        p = p if k == 0 else next_paragraph(p)
        if m["bindingness_label"]:
            run(p, m["bindingness_label"] + " ", size=7, colour=_QUIET)
        found = m["evidence"]
        if found is not None:
            clause_runs(p, ((part["text"], part["mark"]) for part in found["parts"]))
        else:
            run(p, m["text"])
        run(p, " ")
        link(p, root + (found["href"] if found else m["href"]), f"〔{m['path']}〕", size=7.5)
