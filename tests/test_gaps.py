"""Coverage and gaps: given the five seeds, what each plan covers and what its peers have that it lacks."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from compare.align import load_catalogue
from compare.align.matching import find_mentions, match_plan
from compare.analyse import analyse_file
from compare.gaps import MANDATORY_TOPICS, compare_plans
from compare.gaps.silence import form_mentions
from compare.model import Alignment, Comparison, FailedInput, Family, FamilyMember
from compare.render.exports.names import edition_names, with_names
from compare.tables import comparison_tables
from compare.topics import load_codebook

from .conftest import seed_alignment, seed_plans
from .test_align import PROPERTY_SPLIT

TOPICS = [t.id for t in load_codebook().topics]


def comparison(min_peers: int = 2, peers: str = "all") -> Comparison:
    """The seeds compared with every plan a peer of every other (the mechanics of gaps); the default
    of a build, comparable peers only, has its own tests below."""
    return compare_plans(seed_plans(), seed_alignment(), [], TOPICS, min_peers=min_peers, peers=peers)


def test_a_plan_lacking_property_splitting_sees_it_as_a_gap_its_peers_fill() -> None:
    comp = comparison()
    holders = next(f for f in seed_alignment().families if f.family_id == PROPERTY_SPLIT).plan_ids
    assert len(holders) >= 2
    gaps = comp.gaps[comp.gaps["family_id"] == PROPERTY_SPLIT]
    lacking = [p.document.plan_id for p in seed_plans() if p.document.plan_id not in holders]
    assert sorted(gaps["plan_id"]) == sorted(lacking)
    for _, row in gaps.iterrows():
        assert row["peers_with"] == len(holders) and row["peers_total"] == len(seed_plans()) - 1
        assert sorted(row["peer_plan_ids"]) == holders
        assert row["best_peer_measure_id"].split("/")[0] in holders
        assert row["name"] == "工业物业产权分割"
        assert row["topic"] == "land"
    # a family only two plans have is no gap when three peers are required
    assert PROPERTY_SPLIT not in set(comparison(min_peers=3).gaps["family_id"])


def test_gaps_are_ranked_per_plan_by_how_many_peers_have_them() -> None:
    gaps = comparison().gaps
    assert list(gaps.columns[:9]) == [
        "plan_id",
        "family_id",
        "topic",
        "name",
        "peers_with",
        "peers_total",
        "peer_plan_ids",
        "best_peer_measure_id",
        "peer_bindingness",
    ]
    for _, plan_gaps in gaps.groupby("plan_id", sort=False):
        assert list(plan_gaps["rank"]) == list(range(1, len(plan_gaps) + 1))
        assert list(plan_gaps["peers_with"]) == sorted(plan_gaps["peers_with"], reverse=True)
        assert (plan_gaps["peers_with"] >= 2).all()
        assert not plan_gaps["family_id"].duplicated().any()


def test_mandatory_topics_have_a_coverage_row_for_every_plan_even_when_silent() -> None:
    comp = comparison()
    cov = comp.coverage
    plan_ids = [p.document.plan_id for p in seed_plans()]
    assert len(cov) == len(TOPICS) * len(plan_ids)
    assert list(dict.fromkeys(cov["topic"]))[:4] == list(MANDATORY_TOPICS)
    for topic in MANDATORY_TOPICS:
        assert sorted(cov[cov["topic"] == topic]["plan_id"]) == sorted(plan_ids)
    silent = cov[cov["n_measures"] == 0]
    assert not silent.empty, "some plan says nothing on some topic, and still has its row"
    assert (silent["max_bindingness"].isna()).all() and (~silent["quantified"]).all()
    assert cov["score"].between(0, 1).all()
    assert (cov[cov["n_families"] == 0]["score"] == 0).all()
    # the score is the plan's bindingness-weighted share of the families the topic has anywhere
    weights = {"mandatory": 1.0, "directive": 0.85, "supportive": 0.7, "exploratory": 0.5, None: 0.6}
    fm = comp.family_matrix
    for topic in MANDATORY_TOPICS:
        cells = fm[fm["topic"] == topic]
        held = cells[cells["n_measures"] > 0]
        n_families = held["family_id"].nunique()
        for pid in plan_ids:
            mine = held[held["plan_id"] == pid]
            expected = sum(weights[b] for b in mine["max_bindingness"]) / n_families if n_families else 0.0
            row = cov[(cov["topic"] == topic) & (cov["plan_id"] == pid)].iloc[0]
            assert abs(row["score"] - expected) < 1e-3, (topic, pid)
            assert row["n_families"] == len(mine)


def test_the_family_matrix_has_every_family_and_plan_with_zero_for_silence() -> None:
    comp = comparison()
    fm = comp.family_matrix
    plan_ids = [p.document.plan_id for p in seed_plans()]
    assert len(fm) == len(seed_alignment().families) * len(plan_ids)
    assert (fm["n_measures"] == fm["measure_ids"].map(len)).all()
    split = fm[fm["family_id"] == PROPERTY_SPLIT].set_index("plan_id")
    assert (split["n_measures"] == 0).sum() == len(comp.gaps[comp.gaps["family_id"] == PROPERTY_SPLIT])
    unique = comp.unique
    for _, row in unique.iterrows():
        holders = fm[(fm["family_id"] == row["family_id"]) & (fm["n_measures"] > 0)]
        assert list(holders["plan_id"]) == [row["plan_id"]]
        assert list(holders["measure_ids"].iloc[0]) == list(row["measure_ids"])


def test_context_never_counts_as_coverage() -> None:
    plans = seed_plans()
    context = next(m for p in plans for m in p.measures if m.kind == "context")
    # a family whose only member is a context unit (as a careless aligner might produce)
    member = FamilyMember("land.bogus", context.plan_id, context.measure_id, 1.0, "x")
    bogus = Family("land.bogus", "land", "伪造", "Bogus", "catalogue", [member])
    alignment = dataclasses.replace(seed_alignment(), families=[*seed_alignment().families, bogus])
    comp = compare_plans(plans, alignment, [FailedInput("x.doc", "unsupported")], TOPICS)
    row = comp.family_matrix[(comp.family_matrix["family_id"] == "land.bogus")]
    assert (row["n_measures"] == 0).all()
    assert "land.bogus" not in set(comp.unique["family_id"])
    assert comp.failed == [FailedInput("x.doc", "unsupported")]
    base = comparison().coverage
    assert base["n_measures"].sum() == comp.coverage["n_measures"].sum()


def test_an_empty_alignment_still_gives_full_grids() -> None:
    comp = compare_plans(seed_plans(), Alignment([], []), [], TOPICS)
    assert len(comp.coverage) == len(TOPICS) * len(seed_plans())
    assert comp.family_matrix.empty and comp.gaps.empty and comp.unique.empty
    assert (comp.coverage["score"] == 0).all()


def test_a_gap_also_needs_a_share_of_the_other_plans() -> None:
    # five plans: a share of 0.75 of the four peers asks for three of them, like --min-peers 3
    by_share = compare_plans(
        seed_plans(), seed_alignment(), [], TOPICS, min_peers=1, min_peer_share=0.75, peers="all"
    )
    assert by_share.gaps.equals(comparison(min_peers=3).gaps)
    # without a share, --min-peers alone decides: one peer is enough
    any_peer = compare_plans(
        seed_plans(), seed_alignment(), [], TOPICS, min_peers=1, min_peer_share=0.0, peers="all"
    )
    assert (any_peer.gaps["peers_with"] == 1).any()
    assert set(comparison().gaps["family_id"]) <= set(any_peer.gaps["family_id"])


def test_a_plan_of_application_rules_is_not_measured_against_broad_zone_policies() -> None:
    """The Chongqing plan is mostly the conditions and procedures to apply for a linked zone: by
    default it is compared only with plans of its kind (none here), and it is no peer of the others."""
    plans = {p.document.plan_id: p for p in seed_plans()}
    chongqing = "2021-chongqing-ftz-linked-zones-plan"
    assert plans[chongqing].kind is not None and plans[chongqing].kind.scope == "application"
    broad = [pid for pid, p in plans.items() if p.kind is not None and p.kind.scope != "application"]
    assert len(broad) == 4
    comp = comparison(peers="comparable")
    assert chongqing not in set(comp.gaps["plan_id"])
    assert (comp.gaps["peers_total"] == len(broad) - 1).all()
    assert (comp.gaps["peers_with"] >= 2).all()  # a majority of the three comparable peers
    for peers in comp.gaps["peer_plan_ids"]:
        assert chongqing not in peers
    everyone = comparison(peers="all")
    assert chongqing in set(everyone.gaps["plan_id"])
    assert len(comp.gaps) < len(everyone.gaps)


def test_a_family_a_plan_mentions_in_passing_is_not_its_gap_and_the_words_are_shown() -> None:
    """Chongqing's plan uses the advantages of 各类海关特殊监管区域 inside a measure about multimodal
    transport: it touches the bonded areas without a measure of them, so it is not silent on them; its
    sentence is kept with the words marked."""
    plans = {p.document.plan_id: p for p in seed_plans()}
    chongqing = "2021-chongqing-ftz-linked-zones-plan"
    comp = comparison(peers="all")
    row = comp.mentions[
        (comp.mentions["plan_id"] == chongqing) & (comp.mentions["family_id"] == "opening.bonded-areas")
    ]
    assert len(row) == 1 and row.iloc[0]["how"] in ("passing", "list", "context")
    text = plans[chongqing].document.clean.text
    assert any("海关特殊监管" in text[a:b] for a, b in row.iloc[0]["marks"])
    gaps = set(zip(comp.gaps["plan_id"], comp.gaps["family_id"], strict=True))
    assert not gaps & set(zip(comp.mentions["plan_id"], comp.mentions["family_id"], strict=True))
    alone = set(zip(comp.unique["plan_id"], comp.unique["family_id"], strict=True))
    for pid, fid in alone:
        assert not ((comp.mentions["family_id"] == fid) & (comp.mentions["plan_id"] != pid)).any()


def test_the_gaps_a_reader_downloads_keep_their_columns_and_gain_the_names() -> None:
    """gaps.csv: the table's columns, spelled out, then the plan's and the topic's names (the family's is
    ``name``)."""
    codebook = load_codebook().topics
    tables = comparison_tables(comparison(), {t.id: (t.zh, t.en) for t in codebook})
    gaps = with_names("gaps", tables["gaps"], edition_names(tables, "zh"), beside=False)
    assert list(gaps.columns) == [
        "plan_id",
        "family_id",
        "topic",
        "peers_with",
        "best_peer_measure_id",
        "rank",
        "peer_plan_ids",
        "name",
        "peers_total",
        "peer_bindingness",
        "plan_name",
        "topic_name",
    ]
    names = {p.document.plan_id: p.document.display_name for p in seed_plans()}
    assert list(gaps["plan_name"]) == [names[p] for p in gaps["plan_id"]]
    land = next(t.zh for t in codebook if t.id == "land")
    assert set(gaps.loc[gaps["topic"] == "land", "topic_name"]) == {land}


def test_a_plan_with_a_form_of_a_family_is_not_silent_on_it() -> None:
    """标准地出让 is paid land use: a plan that sells 标准地 is not shown lacking 土地有偿使用 (form_of in the
    catalogue); its deciding clause is the mention, and the plan's own words come first."""
    plans = seed_plans()
    alignment = seed_alignment()
    catalogue = load_catalogue()
    forms = {f.id: f.form_of for f in catalogue.families if f.form_of}
    assert forms["land.standard-land"] == "land.paid-use"
    assert all(f.form_of == forms.get(f.family_id, "") for f in alignment.families if f.source == "catalogue")
    comparison = compare_plans(plans, alignment, [], [t.id for t in load_codebook().topics])
    gaps = set(zip(comparison.gaps["plan_id"], comparison.gaps["family_id"], strict=True))
    found = form_mentions(alignment.families)
    assert found  # the five hold some narrower family
    for (plan_id, broad), mention in found.items():
        assert (plan_id, broad) not in gaps
        narrow = [f for f in alignment.families if f.form_of == broad and plan_id in f.plan_ids]
        assert any(m.clause == mention.sentence for f in narrow for m in f.members if m.plan_id == plan_id)
    shown = comparison.mentions
    assert shown is not None
    rows = shown[(shown["how"] == "form")]
    assert {(p, f) for p, f in zip(rows["plan_id"], rows["family_id"], strict=True)} <= set(found)


def test_silence_is_searched_with_the_rules_relaxed(tmp_path: Path) -> None:
    """A plan whose verb stands further from the object than a membership rule allows (建设 … 基础设施,
    15 characters apart) does not carry the family, but it is not silent on it either: the search for
    silence widens ``near`` rules (align.yaml ``silence_slack``) and finds it mentioned."""
    path = tmp_path / "某开发区建设方案.txt"
    path.write_text(
        "某开发区高质量发展实施方案\n一、主要任务\n（一）加快建设园区内外连接的交通和公共服务等基础设施，"
        "提升承载能力。\n（二）支持企业开展技术改造。\n",
        encoding="utf-8",
    )
    plan = analyse_file(path, tmp_path)
    catalogue = load_catalogue()
    members = match_plan(plan, catalogue)
    assert "planning.infrastructure" not in {m.family_id for m in members}
    mentions = {m.family_id: m for m in find_mentions(plan, catalogue, members)}
    assert mentions["planning.infrastructure"].how in ("passing", "context")
    marked = [plan.document.clean.text[a:b] for a, b in mentions["planning.infrastructure"].marks]
    assert "基础设施" in marked
