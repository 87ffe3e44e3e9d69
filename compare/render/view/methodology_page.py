"""The methodology page: the written method (Markdown), the codebook, and the catalogue's families the
report shows, each named and defined in the edition's language (a glossary of the matrices' rows)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, TypedDict

if TYPE_CHECKING:
    from compare.render.view.data import ViewData
    from compare.render.view.site import SiteContext


class GlossaryEntry(TypedDict):
    name: str
    definition: str
    href: str  # its row on the topic page
    n_plans: int


class GlossaryTopic(TypedDict):
    topic_id: str
    name: str
    families: list[GlossaryEntry]


class MethodologyPage(TypedDict):
    view: SiteContext
    page: Literal["methodology"]
    glossary: list[GlossaryTopic]


def methodology_page(data: ViewData, site: SiteContext) -> MethodologyPage:
    return {"view": site, "page": "methodology", "glossary": glossary(data)}


def glossary(data: ViewData) -> list[GlossaryTopic]:
    """Per topic (in report order), its catalogue families that some plan holds, as the matrix orders
    them; families formed from the data are left out (they have no definition but their members)."""
    out: list[GlossaryTopic] = []
    for topic_id in data.topic_ids:
        entries: list[GlossaryEntry] = [
            {
                "name": r["name"],
                "definition": r["definition"],
                "href": row_link(data, topic_id, r["family_id"]),
                "n_plans": r["n_plans"],
            }
            for r in data.family_rows[topic_id]
            if r["source"] == "catalogue"
        ]
        if entries:
            out.append({"topic_id": topic_id, "name": data.topic_name(topic_id), "families": entries})
    return out


def row_link(data: ViewData, topic_id: str, family_id: str) -> str:
    """The family's row on the topic page of the first plan that holds it (with many plans a topic has
    pages of plan columns, and a page shows the rows of its plans only)."""
    held = data.cells.get(family_id, {})
    first = min(held, key=lambda p: data.plan_index.get(p, 0)) if held else None
    return data.topic_link(topic_id, family_id, first)
