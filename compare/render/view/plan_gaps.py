"""What a plan lacks and what only it proposes, as the gap list, the plan page and the summary list
them: its gaps (most important first, with the peers that have the family and their strongest
measure) and its unique families (with its measures)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypedDict

from compare.render.view.evidence import with_evidence
from compare.render.view.links import plan_href
from compare.render.view.measures import MeasureItem
from compare.render.view.records import plain, split_ids

if TYPE_CHECKING:
    from compare.render.view.data import ViewData


class Peer(TypedDict):
    plan_id: str
    name: str
    href: str


class GapEntry(TypedDict):
    family_id: str
    name: str
    topic: str  # its name
    href: str  # the family's row on the matrix page that shows the plan
    peers_with: int  # of its peers, how many have the family
    peers_total: int  # its peers (plans of a comparable scope)
    peers: list[Peer]  # empty when too many to name (the family's members name them)
    best: MeasureItem | None  # the peers' strongest measure


class UniqueEntry(TypedDict):
    family_id: str
    name: str
    topic: str
    href: str
    measures: list[MeasureItem]


def gap_entries(data: ViewData, plan_id: str, first: int | None = None) -> list[GapEntry]:
    """The plan's gaps in the topics shown, most important first (rank, then most peers); only the
    ``first`` ones when given."""
    entries: list[GapEntry] = []
    rows = [g for g in data.gaps_by_plan.get(plan_id, []) if str(g["topic"]) in data.topic_ids]
    rows.sort(key=lambda g: (plain(g.get("rank")) or 0, -peer_count(g), str(g["family_id"])))
    for g in rows[:first]:
        fid = str(g["family_id"])
        peers = split_ids(g.get("peer_plan_ids"))
        best = g.get("best_peer_measure_id")
        entries.append(
            {
                "family_id": fid,
                "name": data.family_name(fid),
                "topic": data.topic_name(str(g["topic"])),
                "href": data.topic_link(str(g["topic"]), fid, plan_id),
                "peers_with": peer_count(g),
                "peers_total": int(plain(g.get("peers_total")) or 0),
                "peers": [{"plan_id": q, "name": data.names.get(q, q), "href": plan_href(q)} for q in peers],
                "best": with_evidence(data, item, fid)
                if best and (item := data.items.get(str(best)))
                else None,
            }
        )
    return entries


def peer_count(g: Mapping[str, Any]) -> int:
    """How many plans have the family a gap row names."""
    value = g.get("peers_with")
    if isinstance(value, int | float):
        return int(value)
    return len(split_ids(value)) or len(split_ids(g.get("peer_plan_ids")))


def unique_entries(data: ViewData, plan_id: str) -> list[UniqueEntry]:
    """The families only this plan has, in the topics shown, with its measures in them."""
    entries: list[UniqueEntry] = []
    for u in data.unique_by_plan.get(plan_id, []):
        fid = str(u["family_id"])
        fam = data.family_by_id.get(fid, {})
        topic = str(fam.get("topic", ""))
        if topic not in data.topic_ids:
            continue
        entries.append(
            {
                "family_id": fid,
                "name": data.family_name(fid),
                "topic": data.topic_name(topic),
                "href": data.topic_link(topic, fid, plan_id),
                "measures": [
                    with_evidence(data, it, fid)
                    for mid in split_ids(u.get("measure_ids"))
                    if (it := data.items.get(mid))
                ],
            }
        )
    return entries
