"""`policy-compare inspect FILE`: what the tool reads in one plan, for a user checking a new plan."""

from __future__ import annotations

from collections.abc import Sequence

from compare.corrections import Correction
from compare.model import PlanAnalysis


def format_inspection(
    analysis: PlanAnalysis,
    *,
    show_noise: bool = True,
    show_measures: bool = True,
    corrections: Sequence[Correction] = (),
) -> str:
    from compare.outline import render_outline

    doc = analysis.document
    md = doc.metadata
    lines = [
        f"file         {doc.source_file}  ({doc.format}{', ' + doc.encoding if doc.encoding else ''}, "
        f"{len(doc.raw_text)} chars, sha256 {doc.sha256[:12]})",
        f"plan id      {doc.plan_id}",
        f"display name {doc.display_name}",
        f"title        {md.title}{'   (draft)' if md.draft else ''}",
        f"issuer       {md.issuer}",
        f"文号         {md.doc_number}",
        f"date         {md.date} ({md.date_kind or '-'})   published {md.published}   in force {md.in_force}",
        f"jurisdiction {md.jurisdiction}",
        f"zone type    {md.zone_type}",
        # where each field was read (which line, label or rule)
        *(f"  from       {name}: {where}" for name, where in md.evidence.items()),
    ]
    if analysis.kind is not None:
        kind = analysis.kind
        lines.append(
            f"kind         {kind.kind or '-'} · scope {kind.scope} (by: {kind.evidence or 'default'})"
        )
    for c in md.cited_documents:
        lines.append(f"cites        《{c.title}》{'(' + c.doc_number + ')' if c.doc_number else ''}")
    for w in doc.warnings:
        lines.append(f"warning      {w}")
    if show_noise and doc.noise:
        lines.append("")
        lines.append(f"noise removed ({len(doc.noise)} spans):")
        for n in doc.noise:
            text = n.text.strip().replace("\n", "⏎")
            if text:
                lines.append(f"  [{n.start}:{n.end}] {n.reason:<12} {text[:70]}")
        blank = sum(1 for n in doc.noise if not n.text.strip())
        lines.append(f"  … and {blank} blank/whitespace spans")
    for fix in corrections:
        if fix.file == doc.source_file:
            lines.append(f"corrected    {fix.describe()}: {fix.note}")
    lines.append("")
    lines.append(f"outline ({len(analysis.sections)} sections):")
    lines.append(render_outline(analysis.sections))
    if show_measures:
        lines.append("")
        n_measures = sum(1 for m in analysis.measures if m.kind == "measure")
        lines.append(f"measures ({n_measures} measures, {len(analysis.measures) - n_measures} context):")
        for m in analysis.measures:
            topics = ";".join(t.topic for t in m.topics) or "-"
            tag = "ctx" if m.kind == "context" else (m.bindingness or "")[:4]
            excerpt = m.text.replace("\n", " ")[:50]
            lines.append(f"  {m.measure_id:<28} [{m.start}:{m.end}] {tag:<4} {topics:<28} {excerpt}")
    return "\n".join(lines)
