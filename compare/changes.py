"""What changed since the previously published build: plans added, removed or changed, the families
each gained or lost, and the gaps that opened or closed for the plans in both builds.

A dict diff of two builds' facts (``Facts``), never a re-analysis: this build's facts are read off
its tables (``facts_of``), the published build's from the ``data/facts.json`` it wrote
(``facts_from_record``; the build reads the file, this module only parses what it holds). A plan is
the same plan by its id; changed when its content hash differs. Gaps are compared per (plan, family):
opened = a gap now and not before, closed = a gap before and not now. A family formed from the data
(``proposed``) is named by its members' words and re-forms under a new id when a plan joins it (or
splits, or merges): a new one of the same topic held by mostly the same plans continues it
(``_reformed``), and is not a change; for a plan whose text is the same, families formed from the data
that it joined or left are not reported at all (its measures only re-clustered around the newcomer),
only catalogue families (which move when the catalogue is edited) and its gaps.

``facts.json`` holds only these facts (a few bytes per family a plan has or lacks), written by every
build whatever its formats, so the next build — or a cron run days later — reads a small file rather
than ``comparison.json``, which holds every text and, at thousands of plans, leaves the family grid
and the gaps out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from compare.model import (
    ChangeBasis,
    Changes,
    Facts,
    FamilyName,
    PlanChange,
    PlanFacts,
    PlanStatus,
)

FACTS_VERSION = 1  # the layout of facts.json; a file of another version is not read
STATUS_ORDER: tuple[PlanStatus, ...] = ("added", "removed", "changed", "same")

# the columns of the ``changes`` table (changes.csv, comparison.json's "changes", a sheet, a table)
CHANGE_COLUMNS = ("change", "plan_id", "plan_name", "family_id", "family_name", "topic", "since_build")


def facts_of(tables: Mapping[str, pd.DataFrame], build_id: str, created: str) -> Facts:
    """This build's facts from its tables: ``documents`` (id, name, hash), ``families`` (names),
    ``family_matrix`` (the families a plan has: rows that count measures) and ``gaps``."""
    docs = tables["documents"]
    held = _sets(tables["family_matrix"], lambda f: f["n_measures"].fillna(0) > 0)
    gaps = _sets(tables["gaps"], None)
    names_en = docs["display_name_en"].tolist() if "display_name_en" in docs else [""] * len(docs)
    plans = tuple(
        PlanFacts(
            str(pid),
            str(name or pid),
            str(sha),
            frozenset(held.get(pid, ())),
            frozenset(gaps.get(pid, ())),
            _text(name_en),
        )
        for pid, name, sha, name_en in zip(
            docs["plan_id"].tolist(),
            docs["display_name"].tolist(),
            docs["sha256"].tolist(),
            names_en,
            strict=True,
        )
    )
    fams = tables["families"]
    families = tuple(
        FamilyName(
            str(fid), str(topic), str(name), _text(gloss), _text(source) or "catalogue", _text(name_en)
        )
        for fid, topic, name, gloss, source, name_en in zip(
            *(fams[c].tolist() for c in ("family_id", "topic", "name", "gloss", "source", "name_en")),
            strict=True,
        )
    )
    return Facts(build_id, created, plans, families)


def _text(value: Any) -> str:
    return "" if value is None or value != value else str(value)  # NaN is not equal to itself


def _sets(frame: pd.DataFrame, keep: Any) -> dict[str, set[str]]:
    """plan id -> the family ids of its rows (those ``keep`` selects): two columns, no row objects."""
    if keep is not None and not frame.empty:
        frame = frame[keep(frame)]
    out: dict[str, set[str]] = {}
    for pid, fid in zip(frame["plan_id"].tolist(), frame["family_id"].tolist(), strict=True):
        out.setdefault(str(pid), set()).add(str(fid))
    return out


def facts_record(facts: Facts) -> dict[str, Any]:
    """The facts as ``facts.json`` holds them (id lists sorted, so the same build writes the same
    bytes; plain string order: millions of gap ids at thousands of plans)."""
    return {
        "version": FACTS_VERSION,
        "build_id": facts.build_id,
        "created": facts.created,
        "families": [
            {
                "family_id": f.family_id,
                "topic": f.topic,
                "name": f.name,
                "name_en": f.name_en,
                "gloss": f.gloss,
                "source": f.source,
            }
            for f in facts.families
        ],
        "plans": [
            {
                "plan_id": p.plan_id,
                "name": p.name,
                "name_en": p.name_en,
                "sha256": p.sha256,
                "families": sorted(p.families),
                "gaps": sorted(p.gaps),
            }
            for p in facts.plans
        ],
    }


def facts_from_record(record: Any) -> Facts:
    """Facts from what ``facts.json`` held; ``ValueError`` when it is not such a record (another
    version, a hand edit, a cut file): the caller then says it cannot tell what changed."""
    try:
        if record.get("version") != FACTS_VERSION:
            raise ValueError(f"facts of version {record.get('version')!r}, not {FACTS_VERSION}")
        families = tuple(
            FamilyName(
                str(f["family_id"]),
                str(f["topic"]),
                str(f["name"]),
                str(f.get("gloss") or ""),
                str(f.get("source") or "catalogue"),
                str(f.get("name_en") or ""),  # absent in the facts of older builds
            )
            for f in record["families"]
        )
        plans = tuple(
            PlanFacts(
                str(p["plan_id"]),
                str(p["name"]),
                str(p["sha256"]),
                frozenset(map(str, p["families"])),
                frozenset(map(str, p["gaps"])),
                str(p.get("name_en") or ""),  # absent in the facts of older builds
            )
            for p in record["plans"]
        )
        return Facts(str(record["build_id"]), str(record.get("created") or ""), plans, families)
    except (AttributeError, KeyError, TypeError) as exc:
        raise ValueError(f"not a record of facts: {type(exc).__name__}: {exc}") from exc


def what_changed(previous: Facts | None, current: Facts, *, basis: ChangeBasis | None = None) -> Changes:
    """The difference between the published build's facts and this build's.

    ``previous`` None: ``basis`` says why (``first_build`` by default, or ``no_record``)."""
    if previous is None:
        return Changes(basis or "first_build")
    before = {p.plan_id: p for p in previous.plans}
    now = {p.plan_id: p for p in current.plans}
    names = {f.family_id: f for f in previous.families} | {f.family_id: f for f in current.families}
    rank = {fid: i for i, fid in enumerate([*(f.family_id for f in current.families), *names])}

    def ordered(ids: Iterable[str]) -> tuple[str, ...]:
        return tuple(sorted(ids, key=lambda f: (rank.get(f, len(rank)), f)))

    alias = _reformed(previous, current, names)

    def moved(now_ids: frozenset[str], old_ids: frozenset[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(gained, lost): a family formed from the data that re-formed under new ids is the same."""
        was = old_ids.union(*(alias[f] for f in old_ids if f in alias))
        return (
            ordered(now_ids - was),
            ordered(f for f in old_ids if f not in now_ids and not alias.get(f, set()) & now_ids),
        )

    found: list[PlanChange] = []
    for p in current.plans:
        old = before.get(p.plan_id)
        if old is None:
            found.append(PlanChange(p.plan_id, p.name, "added", ordered(p.families), (), (), (), p.name_en))
            continue
        status: PlanStatus = "same" if old.sha256 == p.sha256 else "changed"
        gained, lost = moved(p.families, old.families)
        if status == "same":  # its text is the same: families formed from the data only re-clustered
            gained, lost = _catalogued(gained, names), _catalogued(lost, names)
        opened, closed = moved(p.gaps, old.gaps)
        change = PlanChange(p.plan_id, p.name, status, gained, lost, opened, closed, p.name_en)
        if status == "changed" or gained or lost or opened or closed:
            found.append(change)
    for p in previous.plans:
        if p.plan_id not in now:
            found.append(PlanChange(p.plan_id, p.name, "removed", (), ordered(p.families), (), (), p.name_en))
    found.sort(key=lambda c: STATUS_ORDER.index(c.status))  # stable: plan order within a status
    held_before = {f for p in previous.plans for f in p.families}
    held_before.update(*(alias[f] for f in held_before if f in alias))
    held_now = {f for p in current.plans for f in p.families}
    named = {f for c in found for f in (*c.gained, *c.lost, *c.opened, *c.closed)}
    return Changes(
        basis="compared",
        previous_build=previous.build_id,
        previous_created=previous.created or None,
        plans=tuple(found),
        families={f: names[f] for f in ordered(named) if f in names},
        new_families=frozenset(held_now - held_before),
    )


def _catalogued(ids: tuple[str, ...], names: Mapping[str, FamilyName]) -> tuple[str, ...]:
    return tuple(f for f in ids if f not in names or names[f].source != "proposed")


# a family formed from the data continues in the next build as one of the same topic that it shares
# most of its plans with, or they most of theirs with it (a family splits or merges as plans arrive)
REFORMED_SHARE = 0.5


def _reformed(previous: Facts, current: Facts, names: Mapping[str, FamilyName]) -> dict[str, set[str]]:
    """Families formed from the data (``proposed``) that re-formed under other ids: old id -> new ids.

    Their id hashes their members' words, so it changes when a plan joins or leaves, and a family can
    split or merge. A new family continues an old one when they are of the same topic and either
    holds at least half of the other's plans among the plans both have, or when they bear the same
    name. Only ids that exist in one build alone are compared, pair by pair where one plan holds
    both: a few at a time."""
    old_ids = {f.family_id for f in previous.families}
    new_ids = {f.family_id for f in current.families}
    gone = {f.family_id for f in previous.families if f.source == "proposed" and f.family_id not in new_ids}
    came = {f.family_id for f in current.families if f.source == "proposed" and f.family_id not in old_ids}
    if not gone or not came:
        return {}
    held_old: dict[str, int] = {}
    for p in previous.plans:
        for f in p.families & gone:
            held_old[f] = held_old.get(f, 0) + 1
    after = {p.plan_id: p.families & came for p in current.plans}
    held_new: dict[str, int] = {}
    for fams in after.values():
        for f in fams:
            held_new[f] = held_new.get(f, 0) + 1
    shared: dict[tuple[str, str], int] = {}
    for p in previous.plans:
        for o in p.families & gone:
            for n in after.get(p.plan_id, ()):
                if names[o].topic == names[n].topic:
                    shared[(o, n)] = shared.get((o, n), 0) + 1
    alias: dict[str, set[str]] = {}
    for (o, n), k in shared.items():
        if k >= REFORMED_SHARE * min(held_old[o], held_new[n]) or names[o].name == names[n].name:
            alias.setdefault(o, set()).add(n)
    return alias


def changes_table(changes: Changes) -> pd.DataFrame:
    """The changes one a row, for the data exports: ``change`` is plan_added / plan_removed /
    plan_changed (one row per plan) or family_gained / family_lost / gap_opened / gap_closed (one
    row per plan and family). No rows on a first build or when nothing changed."""
    since = changes.previous_build or ""
    rows: list[tuple[str, ...]] = []
    kinds: Sequence[tuple[str, str]] = (
        ("gained", "family_gained"),
        ("lost", "family_lost"),
        ("opened", "gap_opened"),
        ("closed", "gap_closed"),
    )
    for c in changes.plans:
        if c.status != "same":
            rows.append((f"plan_{c.status}", c.plan_id, c.name, "", "", "", since))
        for attr, kind in kinds:
            for fid in getattr(c, attr):
                f = changes.families.get(fid)
                rows.append((kind, c.plan_id, c.name, fid, f.name if f else fid, f.topic if f else "", since))
    return pd.DataFrame(rows, columns=list(CHANGE_COLUMNS), dtype=object)
