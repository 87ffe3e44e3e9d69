"""The two-plan view as a Word document (对照表), for memos written in Word or WPS: the same cells as
``compare.html`` for one pair of plans (the clauses sharing a passage with deletions struck through and
insertions underlined, the families both have in both wordings, what each has that the other lacks),
each wording linked to its clause on the site.

Any two plans can be chosen on the page, so documents are written for the pairs a plan page offers:
a plan and the plans it cites or that cite it (``view.cited``). Built from the same records the page
reads (``view.pair_data``), so the two never differ.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from docx.shared import Pt, RGBColor
from docx.text.paragraph import Paragraph

from compare.render.docx_parts import (
    clause_runs,
    docx_bytes,
    header_table,
    landscape_document,
    link,
    set_widths,
)
from compare.render.view.pair_data import ClauseEntry, FamilyHead, PairPlan

_DELETED = RGBColor(0x8A, 0x1C, 0x12)
_INSERTED = RGBColor(0x1D, 0x5B, 0x26)


def pair_docx(
    a: PairPlan,
    b: PairPlan,
    heads: Mapping[str, FamilyHead],
    labels: Mapping[str, str],
    *,
    title: str,
    site_root: str,
    created: str = "",
) -> bytes:
    """The 对照表 of plans ``a`` and ``b`` as .docx bytes, dated by the build (``created``, ISO); links
    are ``site_root`` + the site's own."""
    doc = landscape_document()
    doc.add_heading(title, level=1)
    names = {"a": a["name"], "b": b["name"]}
    in_a = {f[0]: f for f in a["families"]}
    in_b = {f[0]: f for f in b["families"]}

    def fill(text: str) -> str:
        return text.replace("%(a)s", names["a"]).replace("%(b)s", names["b"])

    # clauses sharing a passage
    diffs, same = _diffs(a, b)
    doc.add_heading(f"{labels['diffs']} ({len(diffs) + same})", level=2)
    if diffs:
        doc.add_paragraph(fill(labels["diffs_hint"]))
        table = header_table(doc, [labels["passage"], fill(labels["diff_column"])])
        for clause_a, clause_b, ops in diffs:
            cells = table.add_row().cells
            where = cells[0].paragraphs[0]
            link(where, site_root + _place(a, clause_a[1]), f"{a['name']} {clause_a[0] or labels['passage']}")
            where = cells[0].add_paragraph()
            link(where, site_root + _place(b, clause_b[1]), f"{b['name']} {clause_b[0] or labels['passage']}")
            _draw_diff(cells[1].paragraphs[0], clause_a[2], clause_b[2], ops)
        set_widths(table, (45, 222))
    if same:
        doc.add_paragraph(labels["identical_more"].replace("%(n)s", str(same)))
    if not diffs and not same:
        doc.add_paragraph(labels["no_diffs"])

    # families both have
    both = [f for f in a["families"] if f[0] in in_b]
    doc.add_heading(f"{labels['both']} ({len(both)})", level=2)
    if both:
        table = header_table(doc, [labels["family"], a["name"], b["name"]])
        for entry in both:
            cells = table.add_row().cells
            _family(cells[0].paragraphs[0], heads, entry[0], a, site_root)
            _wordings(cells[1], a, entry[1], labels, site_root)
            _wordings(cells[2], b, in_b[entry[0]][1], labels, site_root)
        set_widths(table, (50, 108, 109))
    else:
        doc.add_paragraph(labels["none"])

    # what one has and the other lacks
    for first, second in ((a, b), (b, a)):
        other = in_b if first is a else in_a
        only = [f for f in first["families"] if f[0] not in other]
        heading = labels["only"].replace("%(a)s", first["name"]).replace("%(b)s", second["name"])
        doc.add_heading(f"{heading} ({len(only)})", level=2)
        if not only:
            doc.add_paragraph(labels["none"])
            continue
        table = header_table(doc, [labels["family"], first["name"], second["name"]])
        for f in only:
            cells = table.add_row().cells
            _family(cells[0].paragraphs[0], heads, f[0], first, site_root)
            _wordings(cells[1], first, f[1], labels, site_root)
            cells[2].paragraphs[0].add_run(_status(second, f[0], labels))
        set_widths(table, (50, 170, 47))
    return docx_bytes(doc, title=title, created=created)


def _diffs(a: PairPlan, b: PairPlan) -> tuple[list[tuple[ClauseEntry, ClauseEntry, list[int]]], int]:
    """The clause pairs of a and b with their diffs oriented from a to b, and how many are the same."""
    if b["plan_id"] in a["diffs"] or b["plan_id"] in a["same"]:
        found = [
            (a["clauses"][k0], b["clauses"][k1], list(ops))
            for k0, k1, ops in a["diffs"].get(b["plan_id"], [])
        ]
        return found, a["same"].get(b["plan_id"], 0)
    flipped = []
    for k0, k1, ops in b["diffs"].get(a["plan_id"], []):
        pairs = [[-ops[i], ops[i + 1]] for i in range(0, len(ops), 2)]
        for i in range(len(pairs) - 1):  # deletion first, as the build writes a replacement
            if pairs[i][0] == 1 and pairs[i + 1][0] == -1:
                pairs[i], pairs[i + 1] = pairs[i + 1], pairs[i]
        flipped.append((a["clauses"][k1], b["clauses"][k0], [n for p in pairs for n in p]))
    return flipped, b["same"].get(a["plan_id"], 0)


def _draw_diff(p: Paragraph, first: str, second: str, ops: list[int]) -> None:
    i = j = 0
    for k in range(0, len(ops), 2):
        op, n = ops[k], ops[k + 1]
        if op == 0:
            p.add_run(first[i : i + n])
            i, j = i + n, j + n
        elif op < 0:
            run = p.add_run(first[i : i + n])
            run.font.strike, run.font.color.rgb = True, _DELETED
            i += n
        else:
            run = p.add_run(second[j : j + n])
            run.font.underline, run.font.color.rgb = True, _INSERTED
            j += n


def _place(rec: PairPlan, anchor: str) -> str:
    if not anchor:
        return rec["href"]
    return rec["href"] + (anchor if anchor.startswith("#") else "#" + rec["anchor"] + anchor)


def _family(p: Paragraph, heads: Mapping[str, FamilyHead], fid: str, rec: PairPlan, root: str) -> None:
    head = heads.get(fid)
    if head is None:
        p.add_run(fid)
        return
    _, name, topic, stem, anchor = head
    page = f"-{rec['page'] + 1}" if rec["page"] else ""
    link(p, f"{root}{stem}{page}.html#{anchor}", name)
    p.add_run(f"\n{topic}").font.size = Pt(8)


def _wordings(
    cell: Any, rec: PairPlan, wordings: Sequence[Any], labels: Mapping[str, str], root: str
) -> None:
    p = cell.paragraphs[0]
    for k, (path, anchor, parts) in enumerate(wordings):
        if k:
            p = cell.add_paragraph()
        clause_runs(p, ((part, False) if isinstance(part, str) else (part[0], True) for part in parts))
        p.add_run(" ")
        link(p, root + _place(rec, anchor), f"{labels['source']} {path}", size=8)


def _status(rec: PairPlan, fid: str, labels: Mapping[str, str]) -> str:
    if fid in rec["gaps"]:
        return labels["gap"]
    if fid in rec["mentions"]:
        return labels["mention"]
    return labels["absent"]
