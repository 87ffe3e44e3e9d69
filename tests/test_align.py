"""Alignment: the seeds' measures gathered into families, and a catalogue that keeps its rows stable.

Runs the real pipeline (read_document → parse_outline → extract_measures) over the five seeds.
``seed_plans()`` is shared with the other alignment tests (test_reuse, test_gaps, test_gold_pairs).
"""

from __future__ import annotations

import hashlib
import os
import random
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from compare.align import align, catalogue_matches, match_text
from compare.align.catalogue import TOPIC_IDS, load_catalogue
from compare.align.matching import default_matching
from compare.analyse import analyse_file
from compare.errors import CatalogueError
from compare.model import PlanAnalysis

from .conftest import DOCS_IN, SEED_FILES, plan_id, seed_alignment, seed_plans

PROPERTY_SPLIT = "land.property-split"


def families(text: str) -> set[str]:
    """The catalogue families a clause (as rules see it: half-width, no quotes) carries."""
    return {m.family.id for m in catalogue_matches(text, load_catalogue())}


def analyse(paths: list[Path], root: Path) -> list[PlanAnalysis]:
    return [analyse_file(path, root) for path in paths]


# ---------------------------------------------------------------- the catalogue


def test_the_catalogue_covers_every_topic_with_stable_ascii_ids() -> None:
    cat = load_catalogue()
    assert 60 <= len(cat.families) <= 200
    assert {f.topic for f in cat.families} == set(TOPIC_IDS)
    assert len(set(cat.ids)) == len(cat.ids)
    for f in cat.families:
        assert re.fullmatch(r"[a-z_]+\.[a-z0-9-]+", f.id), f.id
        assert f.id.startswith(f.topic + ".")
        assert re.search(r"[\u4e00-\u9fff]", f.name), f.id
        assert re.search(r"[A-Za-z]{3}", f.gloss), f.id  # an English gloss
        # an English name (no Chinese) and a Chinese definition, each its own
        assert re.search(r"[A-Za-z]{3}", f.name_en) and not re.search(r"[\u4e00-\u9fff]", f.name_en), f.id
        assert re.search(r"[\u4e00-\u9fff]{4}", f.definition), f.id
    for attr in ("name_en", "definition"):
        values = [getattr(f, attr) for f in cat.families]
        assert len(set(values)) == len(values), attr  # no family's text copied to another
    assert cat.version == hashlib.sha256(Path(cat.path).read_bytes()).hexdigest()


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "families.yaml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """families:
- id: land.property-split
  topic: land
  name: 工业物业产权分割
  name_en: Splitting industrial property titles
  gloss: Splitting industrial property rights
  definition: 允许工业厂房分割登记和转让。
  synonyms: [产权分割]
"""


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (GOOD + "- id: land.x\n  topic: land\n  name: 分割: 产权\n  gloss: x\n", 11, "YAML syntax"),
        (GOOD.replace("topic: land", "topic: lands"), 3, "unknown topic id 'lands'"),
        (GOOD + GOOD.removeprefix("families:\n"), 9, "duplicate family id 'land.property-split'"),
        (GOOD + "  patterns: ['产权(分割']\n", 9, "bad regex"),
        (GOOD + "  patterns:\n  - near: [[厂房], [分割]]\n", 10, "within"),
        # every catalogue family names itself in both editions: the English name and the Chinese definition
        (GOOD.replace("  name_en: Splitting industrial property titles\n", ""), 2, "English name"),
        (GOOD.replace("  definition: 允许工业厂房分割登记和转让。\n", ""), 2, "Chinese definition"),
        (GOOD.replace("definition: 允许工业厂房分割登记和转让。", "definition: ''"), 7, "Chinese definition"),
        (GOOD + "  form_of: land.paid-use\n", 2, "no family 'land.paid-use'"),
        (GOOD + "  form_of: land.property-split\n", 2, "another family"),
    ],
)
def test_a_bad_edit_of_the_catalogue_names_the_file_and_line(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(CatalogueError) as err:
        load_catalogue(path)
    assert f"{path}:{line}:" in str(err.value)
    assert message in str(err.value)


def test_the_rule_language_any_all_near_also_and_negative(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """families:
- id: talent.part-time
  topic: talent
  name: 兼职兼薪
  name_en: Paid part-time posts
  gloss: Paid part-time posts
  definition: 兼职兼薪的措施。
  patterns:
  - all: [兼职, 兼薪]
- id: land.split
  topic: land
  name: 产权分割
  name_en: Property splitting
  gloss: Property splitting
  definition: 产权分割的措施。
  patterns:
  - near: [['厂房|物业'], [分割]]
    within: 6
  negative: [不得分割]
- id: fiscal_tax.sharing
  topic: fiscal_tax
  name: 税收分成
  name_en: Sharing taxes
  gloss: Sharing taxes
  definition: 税收分成的措施。
  patterns:
  - any: [分成, 分享]
    also: [[共建, 飞地]]
""",
    )
    cat = load_catalogue(path)

    def families(text: str) -> list[str]:
        return [m.family.id for m in catalogue_matches(text, cat)]

    assert families("允许科研人员兼职并依规兼薪") == ["talent.part-time"]
    assert families("允许标准厂房按层分割转让") == ["land.split"]
    assert families("允许厂房在不改变用途的前提下按幢、跨、层分割") == []  # too far apart
    assert families("工业物业不得分割") == []  # vetoed
    assert families("按比例分享税收") == []  # sharing, but not between partners
    assert families("合作共建园区按比例分享税收") == ["fiscal_tax.sharing"]


# ---------------------------------------------------------------- aligning the seeds


def test_measures_join_catalogue_families_with_the_words_as_evidence() -> None:
    plans = seed_plans()
    alignment = seed_alignment()
    by_id = {m.measure_id: (p, m) for p in plans for m in p.measures}
    catalogue_members = [(f, m) for f in alignment.families if f.source == "catalogue" for m in f.members]
    assert len({m.measure_id for _, m in catalogue_members}) >= 0.7 * sum(
        m.kind == "measure" for p in plans for m in p.measures
    )
    for family, member in catalogue_members:
        plan, measure = by_id[member.measure_id]
        assert measure.kind == "measure", "context never joins a family"
        assert member.clause in measure.clauses, "a membership is decided on one of the measure's clauses"
        if member.basis != "rule":  # joined by words like the members' elsewhere, or a verbatim passage
            assert member.basis in ("similar", "reuse") and 0 < member.similarity <= 1.0
            continue
        assert member.similarity == 1.0
        text = match_text(plan, measure)
        for words in member.evidence.split("; "):
            assert all(w in text for w in words.split("+")), (family.family_id, member.evidence)


def test_the_verbatim_property_split_clause_is_one_family_across_plans() -> None:
    family = next(f for f in seed_alignment().families if f.family_id == PROPERTY_SPLIT)
    assert family.name == "工业物业产权分割"
    assert {plan_id("000_0ab2cbae05243f0f.txt"), plan_id("002_06345e5d4fc3fac7.txt")} <= set(family.plan_ids)


def test_one_stretch_of_text_carries_one_family() -> None:
    cat = load_catalogue()
    per_measure = []
    for plan in seed_plans():
        for m in plan.measures:
            if m.kind != "measure":
                continue
            found = catalogue_matches(match_text(plan, m), cat, m)
            spans = [s for cm in found for h in cm.hits for s in h.spans]
            for i, (s1, e1) in enumerate(spans):
                assert all(e1 <= s2 or e2 <= s1 for s2, e2 in spans[i + 1 :]), m.measure_id
            per_measure.append(len(found))
    # most measures carry one or two families; bundles of many are the exception
    assert sum(n <= 2 for n in per_measure) >= 0.75 * len(per_measure)


def test_alignment_is_deterministic_and_ordered_by_topic_then_reach() -> None:
    plans = seed_plans()
    first, again = align(plans, load_catalogue()), align(list(reversed(plans)), load_catalogue())
    assert [(f.family_id, sorted(m.measure_id for m in f.members)) for f in first.families] == [
        (f.family_id, sorted(m.measure_id for m in f.members)) for f in again.families
    ]
    rank = {t: i for i, t in enumerate(TOPIC_IDS)}
    keys = [(rank.get(f.topic, 99), -len(f.plan_ids)) for f in first.families]
    assert keys == sorted(keys)


# ---------------------------------------------------------------- a sixth plan arrives

REWORDING = {"临沧高新区": "本高新区", "临沧": "本市", "进一步": "持续", "大力": "着力", "积极": "主动"}
ITEM = re.compile(r"^\(([一二三四五六七八九十]+)\)")
CHAPTER = re.compile(r"^[一二三四五六七八九十]+、")
CN = "一二三四五六七八九十"


def cn_number(n: int) -> str:
    """1 → 一, 12 → 十二, 24 → 二十四 (item labels of a plan)."""
    tens, ones = divmod(n, 10)
    return (CN[tens - 1] if tens > 1 else "") + ("十" if tens else "") + (CN[ones - 1] if ones else "")


def shuffled_and_reworded(text: str, seed: int = 6) -> str:
    """The plan with its numbered items shuffled within each chapter (renumbered), a few words changed."""
    lines = text.split("\n")
    out: list[str] = []
    chapter: list[list[str]] = []  # the current chapter's items, each a block of lines
    rng = random.Random(seed)
    label = 0

    def flush() -> None:
        nonlocal label
        rng.shuffle(chapter)
        for block in chapter:
            label += 1
            out.append(f"({cn_number(label)}){ITEM.sub('', block[0])}")
            out.extend(block[1:])
        chapter.clear()

    for line in lines:
        if ITEM.match(line):
            chapter.append([line])
        elif CHAPTER.match(line):
            flush()
            out.append(line)
        elif chapter:
            chapter[-1].append(line)
        else:
            out.append(line)
    flush()
    text = "\n".join(out)
    for old, new in REWORDING.items():
        text = text.replace(old, new)
    return text


def test_a_sixth_plan_joins_the_catalogue_families_and_their_ids_stay(tmp_path: Path) -> None:
    source = "001_5b7ad4bae4d750b9.txt"
    for name in SEED_FILES.values():
        shutil.copy(DOCS_IN / name, tmp_path / name)
    new_text = shuffled_and_reworded((DOCS_IN / SEED_FILES[source]).read_text(encoding="utf-8"))
    (tmp_path / "2024-sixth-plan.txt").write_text(new_text, encoding="utf-8")
    sixth = analyse([tmp_path / "2024-sixth-plan.txt"], tmp_path)[0]
    new_id = sixth.document.plan_id

    before = seed_alignment()
    after = align([*seed_plans(), sixth], load_catalogue())
    members = {f.family_id: {m.measure_id for m in f.members} for f in after.families}
    for f in before.families:
        if f.source == "catalogue":
            # the same rows, with the same members from the five seeds
            assert {m.measure_id for m in f.members} <= members[f.family_id], f.family_id
    source_families = {
        f.family_id for f in before.families if f.source == "catalogue" and plan_id(source) in f.plan_ids
    }
    joined = {f.family_id for f in after.families if new_id in f.plan_ids}
    assert len(source_families & joined) >= 0.9 * len(source_families), sorted(source_families - joined)
    # what the catalogue lacks, similarity proposes: the reworded items pair with their originals
    proposed = [f for f in after.families if f.source == "proposed" and new_id in f.plan_ids]
    assert proposed, "the new plan's untaken measures pair with the source plan's"
    for f in proposed:
        assert re.fullmatch(r"proposed\.[a-z_]+\.[0-9a-f]{10}", f.family_id)
        assert f.name and len(f.plan_ids) >= 2
    assert Counter(f.family_id for f in after.families).most_common(1)[0][1] == 1


def test_a_plan_in_traditional_script_joins_the_same_families(tmp_path: Path) -> None:
    from opencc import OpenCC

    source = DOCS_IN / SEED_FILES["002_06345e5d4fc3fac7.txt"]
    traditional = OpenCC("s2t").convert(source.read_text(encoding="utf-8"))
    (tmp_path / "traditional.txt").write_text(traditional, encoding="utf-8")
    plan = analyse([tmp_path / "traditional.txt"], tmp_path)[0]
    assert "產權分割" in plan.document.raw_text
    families = {f.family_id for f in align([plan], load_catalogue()).families}
    simplified = {
        f.family_id
        for f in seed_alignment().families
        if f.source == "catalogue" and plan_id("002_06345e5d4fc3fac7.txt") in f.plan_ids
    }
    assert PROPERTY_SPLIT in families
    assert len(families & simplified) >= 0.9 * len(simplified), sorted(simplified - families)


def test_proposed_families_sharing_key_terms_still_get_distinct_ids() -> None:
    from compare.align.similarity import _unique_ids
    from compare.model import Family, FamilyMember

    def fam(measure: str) -> Family:
        fid = "proposed.industry.abc"
        return Family(fid, "industry", "知名品牌", "", "proposed", [FamilyMember(fid, "p", measure, 0.5, "")])

    out = _unique_ids([fam("m1"), fam("m2"), fam("m3")])
    assert [f.family_id for f in out] == [
        "proposed.industry.abc",
        "proposed.industry.abc-2",
        "proposed.industry.abc-3",
    ]
    assert all(m.family_id == f.family_id for f in out for m in f.members)


def test_family_ids_are_unique_on_the_seeds() -> None:
    ids = [f.family_id for f in seed_alignment().families]
    assert len(ids) == len(set(ids))


def test_prefiltered_rules_hit_what_every_rule_hits() -> None:
    # a rule is left out only when a word its patterns need is missing from the text
    cat = load_catalogue()
    checked = 0
    for plan in seed_plans():
        for m in plan.measures:
            text = match_text(plan, m)
            maybe = {f.id: (rules, negative) for f, rules, negative in cat.prefiltered(text)}
            for f in cat.families:
                rules, negative = maybe.get(f.id, ([], []))
                assert list(f.all_hits(text, rules, negative)) == list(f.all_hits(text)), (f.id, text)
                assert f.match(text, rules, negative) == f.match(text)
                checked += 1
    assert checked > 10000


def test_a_long_list_closed_by_a_generic_head_is_the_scope_not_the_measure() -> None:
    # sentences of the Kunming and Yunnan plans, and of the Jiangsu regulation: the items name what
    # the action covers (services of a platform, projects to speed up, aspects of support)
    services = (
        "开展品牌咨询、工业设计、技术研发、检验检测、技术评价、技术交易、质量认证、人才培训、创业孵化"
        + "等专业化服务"
    )
    assert families(services) == {"innovation.tech-services"}  # the head is this family's own
    projects = (
        "加快推动网信产业园建设项目、人工智能科技成果示范中心、人工智能实习实训基地、"
        "数字经开监管平台、北斗服务平台等项目建设进度"
    )
    assert "talent.skills-training" not in families(projects)
    support = (
        "应当在规划编制、要素供给、项目安排、招商引资、科技创新、基础设施建设、体制创新等方面支持开发区的发展"
    )
    assert not families(support) & {"planning.infrastructure", "planning.master-plan"}
    # a head that names the items' kind keeps them: the items are the measure
    assert "planning.infrastructure" in families("港口、码头、仓储、桥梁、道路、供水、排水、供电等基础设施")
    assert "opening.cross-border-ecommerce" in families(
        "鼓励开展转口贸易、保税展示交易、保税维修、跨境电子商务、市场采购贸易等新业态"
    )


def test_the_deciding_words_do_not_depend_on_the_process_hash_seed() -> None:
    # several equally placed hits of one rule (有权 … 自主决策 … 自行): the words shown must be the
    # same in every build, whatever order a process's string hashes give a set
    script = (
        "from compare.align import catalogue_matches\n"
        "from compare.align.catalogue import load_catalogue\n"
        "t = '开发区高新技术企业有权依法独立经营、自主决策，自行制定生产经营计划，筹措、运用资金'\n"
        "print([(m.family.id, m.evidence) for m in catalogue_matches(t, load_catalogue())])\n"
    )
    outs = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in range(6)
    }
    assert len(outs) == 1, outs


def test_regulation_wordings_that_name_a_family_without_its_action() -> None:
    # withdrawal of a treatment, the catch-all closing a list of powers, cooperation with multinationals
    assert "fiscal_tax.preferential-treatment" not in families("经考核不符合规定条件的，不再享受有关优惠待遇")
    assert "fiscal_tax.preferential-treatment" in families("开发区内企业享受国家规定的优惠待遇")
    assert "delegation.economic-powers" not in families("市人民政府授予的其他职权")
    assert "delegation.economic-powers" in families("市人民政府依法授予开发区管理委员会相应的经济管理权限")
    cooperation = families("鼓励开发区与其他国家（地区）、跨国公司开展国际合作")
    assert "opening.intl-cooperation-parks" in cooperation and "opening.foreign-investment" not in cooperation
    assert "opening.foreign-investment" in families("重点招引跨国公司、世界500强企业地区总部")


def test_a_family_named_as_the_object_or_agent_of_another_action() -> None:
    # wordings of the Yunnan, Lincang, Nantong and Chongqing plans: the family's word stands for whom
    # the action treats, where it goes or who carries it out
    assert "innovation.tech-services" not in families("给予内外资检验检测机构申请强制性认证指定机构同等待遇")
    assert "industry.producer-services" not in families(
        "促进新一代信息技术与现代制造业、生产性服务业和生活性服务业融合"
    )
    assert "industry.producer-services" in families(
        "推动先进制造业和现代服务业深度融合，大力发展生产性服务业"
    )
    attracted = families("引进各类股权投资、创业投资和其他私募基金")
    assert "finance.industry-fund" not in attracted and "finance.venture-capital" in attracted
    assert "finance.industry-fund" in families("市政府设立开发区产业投资基金")
    assert "industry.digital-economy" not in families("着力夯实数字化转型基础，助推企业星级上云")
    assert "governance.leadership-group" not in families(
        "自由贸易试验区工作领导小组办公室负责组织对联动创新区建设情况进行综合评估"
    )
    assert "governance.leadership-group" in families("充分发挥领导小组办公室统筹协调作用")


def test_the_uses_of_a_fund_listed_are_its_scope() -> None:
    # Kunming: a yearly fund and what it may pay for; Lincang: a fund for one named purpose
    uses = families("统筹安排园区高质量发展扶持资金，专项用于园区基础设施建设、工业标准厂房建设、产业培育")
    assert not uses & {"planning.infrastructure", "planning.standard-factories"}
    assert "fiscal_tax.special-funds" in uses
    assert "innovation.incubators" in families(
        "在市级产业发展资金中安排一定比例的资金，重点用于建设专业孵化器"
    )


def test_a_managing_body_s_remit_over_land_is_not_the_land_regime() -> None:
    # the Wuhan and Henan regulations: who administers land, and expropriated land developed
    remit = families("负责园区内土地征用、开发和土地使用权的有偿出让、转让和建设项目的审批与管理工作")
    assert not remit & {"land.paid-use", "land.expropriation"}
    assert "land.expropriation" not in families("征用的土地可以由开发区组织开发后，再按项目转让给用地单位")
    assert "land.expropriation" in families("开发区建设需要征用集体土地的，应当依法办理，妥善安置被征地农民")
    assert "land.paid-use" in families("开发区内的土地使用权可以依法转让、出租、抵押")


def test_a_membership_is_shown_on_the_item_s_text_before_its_heading() -> None:
    # Yunnan 3.提升贸易便利化水平。积极参与中国(云南)国际贸易“单一窗口”建设。…: both name trade
    # facilitation; the reader checks the sentence that does it, not the heading
    plans = {p.document.plan_id: p for p in seed_plans()}
    alignment = seed_alignment()
    family = next(f for f in alignment.families if f.family_id == "opening.trade-facilitation")
    yunnan = next(pid for pid in plans if "yunnan" in pid)
    clean = plans[yunnan].document.clean.text
    shown = [clean[m.clause[0] : m.clause[1]] for m in family.members if m.plan_id == yunnan]
    assert any("单一窗口" in c for c in shown), shown
    assert not any(c.strip().startswith("提升贸易便利化水平") for c in shown), shown
    # a heading that alone names the family still makes the membership (发展数字经济。着力夯实…)
    digital = next(f for f in alignment.families if f.family_id == "industry.digital-economy")
    assert any("nantong" in m.plan_id for m in digital.members)


def test_a_heading_repeating_a_sentence_of_its_item_is_no_second_member() -> None:
    # Kunming (十)加大园区招才引智。建立园区人才需求信息库…: the heading names high-level recruitment, the
    # item's next measure does it (支持园区事业单位特设岗位引进优秀高层次人才); the reader checks that one
    plans = {p.document.plan_id: p for p in seed_plans()}
    alignment = seed_alignment()
    kunming = next(pid for pid in plans if "kunming" in pid)
    clean = plans[kunming].document.clean.text
    family = next(f for f in alignment.families if f.family_id == "talent.high-level-recruitment")
    shown = [clean[m.clause[0] : m.clause[1]].strip() for m in family.members if m.plan_id == kunming]
    assert shown == ["支持园区事业单位特设岗位引进优秀高层次人才。"], shown


def test_a_defined_term_and_a_capacity_target_are_not_measures_of_their_words() -> None:
    # Lincang's spatial layout, Yunnan's capacity target (as rules see them: half-width, no quotes)
    assert "planning.city-industry" not in families(
        "一核,指以现有规划区及东拓片区为主体的城市功能核心区，集创新研发、企业孵化等服务功能于一体"
    )
    assert "planning.co-built-parks" in families(
        "四园,指将云县新材料光伏产业园、凤庆滇红生态产业园作为临沧高新区飞地共建区"
    )
    assert "industry.clusters" not in families(
        "形成50万吨磷酸铁锂、10GWh储能电池、5GW动力电池等新能源新材料产业集群,预计可实现产值约560亿元"
    )
    assert "industry.clusters" in families("培育壮大新能源新材料产业集群")


def test_siting_works_by_their_safety_risk_is_safety_not_infrastructure() -> None:
    # the provincial regulations' safety article (Jiangsu's, as rules see it)
    sited = (
        "开发区应当建立安全风险评估论证机制，确定重点危险区域安全风险等级和风险容量，"
        "合理规划企业选址和基础设施建设、生活空间布局"
    )
    assert "planning.infrastructure" not in families(sited)
    assert "green_safety.risk-assessment" in families(sited)
    assert "planning.infrastructure" in families("加快园区基础设施建设")


def test_a_utility_named_alone_is_its_supply_or_price_not_infrastructure() -> None:
    # the issue's example (Yunnan): a cost-reduction measure on gas supply, not zone infrastructure
    reform = families("支持联动创新区(经开区)开展电力市场化交易、燃气直供气试点、供排水第三方服务等改革")
    assert "planning.infrastructure" not in reform and "industry.cost-reduction" in reform
    assert "planning.infrastructure" not in families("减少或取消直接供气区域内省、市级管网输配服务加价")
    # built or listed as the zone's infrastructure (Ningbo's regulation; a Lingang measure)
    assert "planning.infrastructure" in families(
        "港口、码头、仓储、桥梁、道路、供水、排水、供电、供气、通讯等基础设施"
    )
    assert "planning.infrastructure" in families("开发区应当配套建设供水、供电、供气管网等设施")


def test_the_issue_s_single_word_memberships_of_the_five() -> None:
    # a bank branch's higher approval authority is no delegation to the zone
    assert "delegation.economic-powers" not in families("升级园区部分现有网点或分支机构,并赋予更高的审批权限")
    # vocational training as the sector a foreign-ownership opening names: sector opening, not training
    opened = families("支持外商独资设立经营性教育培训和职业技能培训机构")
    assert "talent.skills-training" not in opened and "opening.sector-opening" in opened
    # one-window handling that builds a talent service platform is the talent platform's
    one_window = families("加快实行政策咨询、行政审批、项目申报等一网通办,打造符合国际通行规则的人才服务平台")
    assert "admin_reform.online-services" not in one_window and "talent.platforms" in one_window
    # a residence procedure for talent already recruited is entry and exit, not recruiting
    residence = families("对重点企业引进人才、外籍高层次人才在通停居留的,进一步优化人才工作居留办理流程")
    assert "talent.high-level-recruitment" not in residence and "talent.entry-exit" in residence


def test_a_plan_that_defers_its_institutional_matters_is_not_silent_on_them() -> None:
    # Kunming: 涉及国家级开发区及省级产业园区的体制机制问题以《…》(昆通〔2020〕2号)规定为准
    kunming = next(p for p in seed_plans() if "kunming" in p.document.plan_id)
    deferred = {m.family_id: m for m in kunming.mentions or [] if m.how == "deferred"}
    assert {"governance.institutions", "governance.hiring", "governance.pay-reform"} <= set(deferred)
    clean = kunming.document.clean.text
    mention = deferred["governance.institutions"]
    assert "规定为准" in clean[mention.sentence[0] : mention.sentence[1]]
    assert [clean[a:b] for a, b in mention.marks] == ["体制机制"]
    # supervision and assessment are not how the zone is run: the deferral does not cover them
    assert "governance.supervision" not in deferred


def test_the_families_a_deferred_domain_names_are_in_the_catalogue() -> None:
    ids = set(load_catalogue().ids)
    for _, families in default_matching().deferred_domains:
        assert set(families) <= ids, set(families) - ids


def test_the_fourth_sample_s_single_word_memberships() -> None:
    # a port named alone is the port (its economy, its opening), not trade facilitation
    assert "opening.trade-facilitation" not in families("鼓励发展直接或者间接依托口岸的经济业态")
    assert "opening.trade-facilitation" in families("完善跨境贸易便利化措施,缩减口岸整体通关时间")
    # ports and inspection sites designated for an import are their own family
    assert "opening.designated-sites" in families("积极申报进口肉类、冰鲜、水产品、药品、果蔬等指定查验场地")
    assert "opening.designated-sites" in families("支持在自贸试验区设立首次进口药品和生物制品等口岸")
    # filing export rebates online is a single-window function, not a tax incentive
    assert "fiscal_tax.tax-incentives" not in families("完善在线收付汇、出口退税申报等功能")
    # a link with the city's brand parks is no FTZ linkage; universities running schools is education
    assert "opening.ftz-linkage" not in families("建立临港地区与本市品牌园区联动发展机制")
    assert "innovation.industry-university" not in families("吸引国内外高水平大学到临港地区开展合作办学")
    # (a university's innovation centre set up in the zone is a platform and technology transfer; the
    # cooperation with universities is mentioned there, so no gap is claimed)
    assert {"innovation.platforms", "innovation.tech-transfer"} <= families(
        "支持国内外大学在临港地区设立科技创新和成果转化中心"
    )
    # investment institutions are venture capital's; foreign debt funding an expansion is no cross-border
    # facilitation; a water-saving retrofit is green, not upgrading traditional industry
    assert "investment.encouraged-investment" not in families("鼓励境内外各种投资主体在开发区设立投资机构")
    assert "finance.cross-border" not in families(
        "对利用利润、外债增资扩产的现有企业,按实际到账外资金额给予支持"
    )
    assert "industry.traditional-upgrade" not in families("加大高耗水工业企业节水技术改造力度")
    # the base an action stands on is its vehicle
    assert "talent.platforms" not in families("依托博士后科研工作站引进一批高端人才和团队")


def test_industries_named_by_their_core_and_a_venture_fund() -> None:
    # Lincang names its leading industries by what each centres on
    assert "industry.leading-industries" in families(
        "大力发展以锗的深加工为主的新材料产业、以生物资源深加工为主的生物医药产业"
    )
    # a venture fund is the fund's row; the plan is not silent on venture capital (the rule hits)
    venture = next(f for f in load_catalogue().families if f.id == "finance.venture-capital")
    assert list(venture.all_hits("鼓励经济开发区设立科技创新发展基金、创业投资基金、产业投资基金"))
    assert "finance.industry-fund" in families(
        "鼓励经济开发区设立科技创新发展基金、创业投资基金、产业投资基金"
    )


def test_firms_r_and_d_bodies_and_talent_brought_in_and_trained() -> None:
    cat = load_catalogue()
    rd = next(f for f in cat.families if f.id == "innovation.rd-investment")
    # Nantong: the words stay the innovation platform's row; the plan is not silent on firms' R&D bodies
    text = "支持符合条件的企业申报创建国家级、省级企业研发平台"
    assert list(rd.all_hits(text))
    assert {m.family.id for m in catalogue_matches(text, cat)} == {"innovation.platforms"}
    recruit = {m.family.id for m in catalogue_matches("在人才引进培养、科技成果转化等方面先行先试", cat)}
    assert "talent.high-level-recruitment" in recruit


def test_modern_services_named_as_a_sector_are_not_producer_services() -> None:
    listed = families(
        "聚焦高端装备制造、生物医药等先进制造业,软件与信息技术服务、现代物流、金融、文化旅游等现代服务业"
    )
    assert "industry.producer-services" not in listed
    assert "industry.producer-services" in families("推动先进制造业和现代服务业深度融合")
    office = "自由贸易试验区工作领导小组办公室应本着客观、公正的原则,牵头制定联动创新区评审工作实施细则"
    assert "governance.leadership-group" not in families(office)


def test_case_by_case_terms_and_regional_plans() -> None:
    # a major project applying for special funds case by case is the fund's, not investment promotion
    assert "investment.promotion-policy" not in families(
        "对特别重大的项目,管委会可采用一事一议的方式,申请各专项资金支持"
    )
    assert "investment.promotion-policy" in families("对重大招商引资项目实行一事一议")
    # a regional development plan implemented is not the zone's master plan
    assert "planning.master-plan" not in families("组织实施管辖区域发展规划")


def test_a_clause_naming_where_the_action_concentrates_is_its_focus() -> None:
    # Lincang: the fields named (…产业技术创新战略联盟建设,) are where the talent teams of the next clause
    # are to be formed
    # (the clause as the plan's text is cut: 力争到2020年, is a clause of its own)
    text = "重点围绕战略性新兴产业培育和高新技术产业化基地建设、关键技术攻关及产业技术创新战略联盟建设,"
    assert not families(text) & {"innovation.industry-university", "industry.emerging"}
