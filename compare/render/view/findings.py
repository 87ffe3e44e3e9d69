"""The findings a reader gets before any matrix: what was compared, per mandatory topic who covers it
and how strongly, each plan's distinctive measures and verified gaps, and the caveats.

Facts only (numbers, names, one quoted clause a topic); the sentences are the template's
(``templates/_findings.html.j2``): whole messages of the catalogue with these facts in their
placeholders, so the English edition reads as English. Every number carries where it is shown
(``Link``): the briefing's anchor (the topic's matrix, the plans' appendix) and the site's page.
The briefing and the site's index page show the same ``Findings``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, TypedDict

from compare.config import SITE_DIR_NAME
from compare.model import BINDINGNESS_ORDER, MANDATORY_TOPICS
from compare.render.view.evidence import evidence
from compare.render.view.links import plan_href
from compare.render.view.records import records, split_ids
from compare.text import excerpt_collapsed

if TYPE_CHECKING:
    from compare.render.view.data import ViewData

# anchors of the briefing (templates/briefing/briefing.html.j2) and pages of the site
PDF_PLANS, SITE_PLANS = "#appendix-plans", "index.html#h-plans"
PDF_COUNTS = "#cover"  # the cover's table: each plan's number of measures
PDF_TOPICS = "#topics"
PDF_METHOD, SITE_METHOD = "#appendix-method", "methodology.html"
PDF_COVER, SITE_FAILED = "#cover", "index.html#h-failed"


class Link(TypedDict):
    pdf: str  # an anchor of the briefing: "#t-land", "#appendix-plans"
    site: str  # a page of the site from its root: "topics/land.html"


class Number(TypedDict):
    value: int | str  # a count, or a date
    link: Link


class Names(TypedDict):
    names: list[str]  # the first ones, named
    more: Number | None  # the others, counted


class ComparedPlan(TypedDict):
    name: str
    kind: str  # 意见, 建设方案 … in the edition's words
    date: Number | None
    n_measures: Number


class KindCount(TypedDict):
    kind: str
    n: Number


class Compared(TypedDict):
    n_plans: Number
    plans: list[ComparedPlan]  # each plan, when few enough to name (else ``kinds``)
    kinds: list[KindCount]  # plans per kind, when too many to name
    first: Number | None  # the oldest plan's date
    last: Number | None  # the newest
    n_measures: Number


class Quote(TypedDict):
    plan: str
    text: str  # the deciding clause, in the plan's words (never translated)
    path: str  # where in the plan (三/（四）/17), a link to the matrix cell or the clause; "" in English
    href: str  # the clause in the plan's text on the site
    url: str  # the same on the published site (``--site-url``; the briefing links the quote there), else ""


class TopicFinding(TypedDict):
    topic_id: str
    name: str
    link: Link
    n_covering: Number  # plans with a measure on the topic
    silent: Names  # plans without one
    strongest: str  # the strongest bindingness any plan uses, as its label ("" when none)
    strongest_plans: Names
    quantified: Names  # plans with a quantified target on the topic
    most: str  # the plan with most measures on the topic
    most_n: Number
    n_families: Number  # families of the topic some plan holds
    common: Names  # families every covering plan holds (two plans or more)
    widest: str  # else the family most plans hold …
    widest_n: Number | None  # … and how many
    n_gaps: Number  # verified gaps on the topic, all plans
    gap_plan: str  # the plan with most of them
    gap_plan_n: Number | None
    quote: Quote | None


class GapFact(TypedDict):
    family_id: str
    name: str
    peers_with: Number
    peers_total: Number


class PlanFinding(TypedDict):
    plan_id: str
    name: str
    href: str
    silent_topics: list[str]  # mandatory topics it has no measure on
    n_gaps: Number
    gaps: list[GapFact]  # the widest first
    n_unique: Number
    unique: Names
    alone: bool  # no comparable plan: no gap can be claimed


class PeerGroup(TypedDict):
    kinds: list[str]  # the scopes compared with each other
    plans: Names


class Deferral(TypedDict):
    plan: str
    families: Names


class Caveats(TypedDict):
    groups: list[PeerGroup]  # only when the plans fall in more than one group
    alone: list[str]  # plans without a comparable plan
    deferred: list[Deferral]
    n_mentioned: Number  # families a plan touches without a measure (never a gap)
    n_failed: Number
    failed: list[str]  # files that could not be read


class Findings(TypedDict):
    compared: Compared
    topics: list[TopicFinding]
    plans: list[PlanFinding]  # empty when the plans are too many to take one by one
    plans_site: str  # then: the site's gap list …
    plans_page: str  # … and its file in the release, for the briefing
    caveats: Caveats


def findings(data: ViewData) -> Findings:
    named = len(data.plan_ids) <= data.cfg.findings_plans
    quoted: set[str] = set()
    return {
        "compared": compared(data, named),
        "topics": [topic_finding(data, t, quoted) for t in data.topic_ids if t in MANDATORY_TOPICS],
        "plans": [plan_finding(data, pid) for pid in data.plan_ids] if named else [],
        "plans_site": "gaps.html",
        "plans_page": f"{SITE_DIR_NAME}/gaps.html",
        "caveats": caveats(data),
    }


def number(value: int | str, pdf: str, site: str) -> Number:
    return {"value": value, "link": {"pdf": pdf, "site": site}}


def names(items: Sequence[str], limit: int, link: Link) -> Names:
    """The first ``limit`` names, the rest counted (linked where they are all listed)."""
    rest = len(items) - limit
    return {"names": list(items[:limit]), "more": {"value": rest, "link": link} if rest > 0 else None}


def family_name(data: ViewData, family_id: str) -> str:
    """A family as the prose names it: the row label of the matrices, in the edition's language."""
    return data.family_name(family_id)


def catalogue_families(data: ViewData, family_ids: Iterable[str]) -> list[str]:
    """The catalogue's families among ``family_ids``, in order: the prose names only families with a
    curated name (those formed from the data are counted with the rest on the matrices)."""
    return [f for f in family_ids if data.family_by_id.get(f, {}).get("source") == "catalogue"]


def _date(card_date: str | None) -> str:
    return card_date[:10] if card_date and len(card_date) >= 10 else ""


def compared(data: ViewData, named: bool) -> Compared:
    plans: list[ComparedPlan] = []
    dates: list[str] = []
    kinds: Counter[str] = Counter()
    total = 0
    for p in data.plans:
        pid = p.document.plan_id
        meta = p.document.metadata
        date = _date(meta.date) or _date(meta.published)
        n = sum(m.kind == "measure" for m in p.measures)
        total += n
        kind = data.kind_label(p.kind.kind if p.kind else "")
        kinds[kind] += 1
        if date:
            dates.append(date)
        if named:
            plans.append(
                {
                    "name": data.names[pid],
                    "kind": kind,
                    "date": number(date, PDF_PLANS, SITE_PLANS) if date else None,
                    "n_measures": number(n, PDF_COUNTS, plan_href(pid)),
                }
            )
    return {
        "n_plans": number(len(data.plan_ids), PDF_COUNTS, SITE_PLANS),
        "plans": plans,
        "kinds": []
        if named
        else [{"kind": k, "n": number(n, PDF_PLANS, SITE_PLANS)} for k, n in kinds.most_common()],
        "first": number(min(dates), PDF_PLANS, SITE_PLANS) if dates else None,
        "last": number(max(dates), PDF_PLANS, SITE_PLANS) if dates else None,
        "n_measures": number(total, PDF_COUNTS, SITE_PLANS),
    }


def _strength(level: object) -> int:
    return BINDINGNESS_ORDER.index(level) if level in BINDINGNESS_ORDER else len(BINDINGNESS_ORDER)


def topic_finding(data: ViewData, topic_id: str, quoted: set[str]) -> TopicFinding:
    k = data.cfg.summary_items
    few = data.cfg.findings_plans
    site = data.topic_link(topic_id)
    link: Link = {"pdf": f"#t-{topic_id}", "site": site}
    rows = [(pid, data.coverage.get((topic_id, pid), {})) for pid in data.plan_ids]
    covering = [(pid, r) for pid, r in rows if int(r.get("n_measures") or 0)]
    silent = [data.names[pid] for pid, r in rows if not int(r.get("n_measures") or 0)]
    weakest = len(BINDINGNESS_ORDER)
    strongest = min((_strength(r.get("max_bindingness")) for _, r in covering), default=weakest)
    level = BINDINGNESS_ORDER[strongest] if strongest < weakest else None
    at_level = [data.names[pid] for pid, r in covering if level and r.get("max_bindingness") == level]
    quantified = [data.names[pid] for pid, r in covering if r.get("quantified")]
    most_pid, most_row = max(covering, key=lambda c: int(c[1].get("n_measures") or 0), default=("", {}))
    families = data.family_rows[topic_id]
    held = [r for r in families if r["n_plans"]]
    common = [r["family_id"] for r in held if len(covering) >= 2 and r["n_plans"] >= len(covering)]
    named_common = catalogue_families(data, common)
    widest = next((r for r in held if r["source"] == "catalogue"), None)
    gaps = [g for g in data.gaps if str(g["topic"]) == topic_id]
    by_plan = Counter(str(g["plan_id"]) for g in gaps)
    # the plan with most gaps on the topic; the first in plan order among equals
    gap_pid, gap_n = max(
        by_plan.items(), key=lambda kv: (kv[1], -data.plan_index.get(kv[0], 0)), default=("", 0)
    )
    return {
        "topic_id": topic_id,
        "name": data.topic_name(topic_id),
        "link": link,
        "n_covering": {"value": len(covering), "link": link},
        "silent": names(silent, few, link),
        "strongest": data.bindingness_label(level),
        "strongest_plans": names(at_level, few, link),
        "quantified": names(quantified, few, link),
        "most": data.names.get(most_pid, ""),
        "most_n": {"value": int(most_row.get("n_measures") or 0), "link": link},
        "n_families": {"value": len(held), "link": link},
        "common": names([family_name(data, f) for f in named_common], k, link)
        if named_common
        else {"names": [], "more": None},
        "widest": family_name(data, widest["family_id"]) if widest and not named_common else "",
        "widest_n": {"value": widest["n_plans"], "link": link} if widest and not named_common else None,
        "n_gaps": {"value": len(gaps), "link": link},
        "gap_plan": data.names.get(gap_pid, ""),
        "gap_plan_n": {"value": gap_n, "link": link} if gap_n else None,
        "quote": topic_quote(data, topic_id, quoted),
    }


def topic_quote(data: ViewData, topic_id: str, quoted: set[str]) -> Quote | None:
    """One deciding clause that shows what the topic's plans commit to, in a catalogue family: one
    that states a quantified target first, then the most binding, then one long enough to say
    something (a third of ``quote_chars``), then the one whose membership rests on most words (an
    action and its object rather than one word: 引进…领军人才 before 招才引智), then the shortest."""
    short = data.cfg.quote_chars // 3
    best: tuple[bool, int, bool, int, int, str, str] | None = None
    for row in data.family_rows[topic_id]:
        if row["source"] != "catalogue":
            continue
        fid = row["family_id"]
        for cell in data.cells.get(fid, {}).values():
            for mid in split_ids(cell.get("measure_ids")):
                measure = data.measures.get(mid)
                if measure is None or mid in quoted:
                    continue
                member = data.decided.get((fid, mid))
                a, b = member.clause if member and member.clause[1] > member.clause[0] else (0, 0)
                clause = data.texts[measure.plan_id][a:b] if b else measure.text
                n = len(clause.strip())
                # a target counts when the quoted words show it (the clause fits the quote)
                quantified = n <= data.cfg.quote_chars and any(t.text in clause for t in measure.targets)
                words = -len(member.marks) if member else 0
                key = (not quantified, _strength(measure.bindingness), n < short, words, n, mid, fid)
                if best is None or key < best:
                    best = key
    if best is None:
        return None
    mid, fid = best[5], best[6]
    quoted.add(mid)  # a measure of two topics is quoted once
    measure = data.measures[mid]
    member = data.decided.get((fid, mid))
    found = evidence(data, member) if member is not None else None
    text = "".join(p["text"] for p in found["parts"]) if found else measure.text
    href = found["href"] if found else plan_href(measure.plan_id, mid)
    return {
        "plan": data.names[measure.plan_id],
        "text": excerpt_collapsed(text.strip(), data.cfg.quote_chars),
        "path": measure.path if data.lang != "en" else "",  # its numerals are Chinese
        "href": href,
        "url": data.published(href),
    }


def plan_finding(data: ViewData, plan_id: str) -> PlanFinding:
    k = data.cfg.summary_items
    href = plan_href(plan_id)
    silent = [
        data.topic_name(t)
        for t in data.topic_ids
        if t in MANDATORY_TOPICS and not int(data.coverage.get((t, plan_id), {}).get("n_measures") or 0)
    ]
    rows = [g for g in data.gaps_by_plan.get(plan_id, []) if str(g["topic"]) in data.topic_ids]
    # widest first: most peers hold it; the gap list's order (rank) among equals
    rows.sort(key=lambda g: (-int(g.get("peers_with") or 0), int(g.get("rank") or 0)))
    named = set(catalogue_families(data, (str(g["family_id"]) for g in rows)))
    named_gaps = [g for g in rows if str(g["family_id"]) in named]
    gaps: list[GapFact] = []
    for g in named_gaps[:k]:
        topic_link: Link = {
            "pdf": f"#t-{g['topic']}",
            "site": data.topic_link(str(g["topic"]), str(g["family_id"]), plan_id),
        }
        gaps.append(
            {
                "family_id": str(g["family_id"]),
                "name": family_name(data, str(g["family_id"])),
                "peers_with": {"value": int(g.get("peers_with") or 0), "link": topic_link},
                "peers_total": {"value": int(g.get("peers_total") or 0), "link": topic_link},
            }
        )
    unique = [
        str(u["family_id"])
        for u in data.unique_by_plan.get(plan_id, [])
        if str(data.family_by_id.get(str(u["family_id"]), {}).get("topic", "")) in data.topic_ids
    ]
    named_unique = [family_name(data, f) for f in catalogue_families(data, unique)]
    group = data.peer_groups.get(plan_id)
    alone = group is not None and sum(1 for g in data.peer_groups.values() if g == group) < 2
    unique_link: Link = {"pdf": PDF_TOPICS, "site": f"{href}#h-unique"}
    shown = named_unique[:k]
    return {
        "plan_id": plan_id,
        "name": data.names[plan_id],
        "href": href,
        "silent_topics": silent,
        "n_gaps": number(len(rows), PDF_TOPICS, f"{href}#h-gaps"),
        "gaps": gaps,
        "n_unique": {"value": len(unique), "link": unique_link},
        "unique": {
            "names": shown,
            "more": {"value": len(unique) - len(shown), "link": unique_link}
            if len(unique) > len(shown)
            else None,
        },
        "alone": alone,
    }


def caveats(data: ViewData) -> Caveats:
    few = data.cfg.findings_plans
    plans_link: Link = {"pdf": PDF_PLANS, "site": SITE_PLANS}
    members: dict[str, list[str]] = {}
    scopes: dict[str, list[str]] = {}
    for p in data.plans:
        pid = p.document.plan_id
        group = data.peer_groups.get(pid, "")
        members.setdefault(group, []).append(data.names[pid])
        label = data.scope_label(p.kind.scope if p.kind else "")
        if label not in scopes.setdefault(group, []):
            scopes[group].append(label)
    groups: list[PeerGroup] = (
        [{"kinds": scopes[g], "plans": names(ms, few, plans_link)} for g, ms in members.items()]
        if len(members) > 1
        else []
    )
    alone = [ms[0] for ms in members.values() if len(ms) == 1] if len(members) > 1 else []
    deferred: dict[str, list[str]] = {}
    n_mentioned = 0
    for (pid, fid), mention in data.mentions.items():
        if str(data.family_by_id.get(fid, {}).get("topic", "")) not in data.topic_ids:
            continue
        if mention.how == "deferred":
            deferred.setdefault(pid, []).append(fid)
        else:
            n_mentioned += 1
    k = data.cfg.summary_items
    failed = [str(r["source_file"]) for r in records(data.tables, "failed")]
    return {
        "groups": groups,
        "alone": alone,
        "deferred": [
            {
                "plan": data.names[pid],
                "families": names(
                    [family_name(data, f) for f in fids], k, {"pdf": PDF_TOPICS, "site": plan_href(pid)}
                ),
            }
            for pid in data.plan_ids
            if (fids := deferred.get(pid))
        ],
        "n_mentioned": number(n_mentioned, PDF_METHOD, SITE_METHOD),  # where mentions are explained
        "n_failed": number(len(failed), PDF_COVER, SITE_FAILED),
        "failed": failed,
    }
