"""Attributes of measures read from real sentences: responsible units (责任单位), quantified targets,
deadlines, bindingness and policy instruments; a bad edit of attributes.yaml is reported with its line.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from compare.errors import RulesError
from compare.measures.attributes import (
    RULES_PATH,
    binding_evidence,
    bindingness,
    deadline,
    instrument,
    item_bindingness,
    lead_in,
    load_rules,
    responsible_tail,
    split_unit_names,
)
from compare.measures.targets import find_targets
from compare.text import normalise_chars

from .seeds import DOCS_IN


def tail_units(text: str) -> list[str]:
    tail = responsible_tail(text)
    assert tail is not None, text[-60:]
    return tail.units


def seed_text(seed_paths: dict[str, Path], prefix: str) -> str:
    path = next(p for g, p in seed_paths.items() if g.startswith(prefix))
    return path.read_text(encoding="utf-8")


def corpus_text(corpus_paths: list[Path], stem: str) -> str:
    return next(p for p in corpus_paths if p.stem.startswith(stem)).read_text(encoding="utf-8")


def item(text: str, start: str) -> str:
    """The line of ``text`` that starts with ``start`` (a whole numbered item)."""
    for line in text.splitlines():
        if line.startswith(start):
            return line
    raise AssertionError(start)


# --- responsible units (责任单位) -----------------------------------------------------------------


def test_nantong_tails_split_into_lists(seed_paths: dict[str, Path]) -> None:
    text = seed_text(seed_paths, "003")
    first = item(text, "(一)优化提升利用外资质态")
    assert tail_units(first) == ["市商务局", "各县(市、区)人民政府"]
    customs = item(text, "(四)提升海关特殊监管区域开放水平")  # a tail in round brackets
    assert tail_units(customs) == [
        "市商务局",
        "南通海关",
        "南通市税务局",
        "南通银保监分局",
        "南通经济技术开发区",
    ]
    tail = responsible_tail(first)
    assert tail is not None and first[tail.start :].startswith("〔责任单位")


def test_state_council_tails(corpus_paths: list[Path]) -> None:
    agri = corpus_text(corpus_paths, "guofa-2018-42")
    units = tail_units(item(agri, "（三）完善农机装备创新体系"))
    assert units[:2] == ["工业和信息化部", "农业农村部"] or "工业和信息化部" in units
    assert all("负责" not in u and not u.endswith("等") for u in units)
    jobs = corpus_text(corpus_paths, "guofa-2018-39")
    line = next(ln for ln in jobs.splitlines() if "按职责分工负责）" in ln)
    units = tail_units(line)
    assert units[-1] == "各省级人民政府" and all("按职责分工" not in u for u in units)


def test_a_mid_sentence_parenthesis_with_fuze_is_no_tail(corpus_paths: list[Path]) -> None:
    vocational = corpus_text(corpus_paths, "guofa-2019-04")
    line = next(ln for ln in vocational.splitlines() if "（技工院校内由人力资源社会保障行政部门负责）" in ln)
    tail = responsible_tail(line)
    assert tail is None or "技工院校" not in "".join(tail.units)


def test_split_units_keeps_names_clean() -> None:
    assert split_unit_names("国家发展改革委会同有关部门") == ["国家发展改革委"]
    assert split_unit_names("省商务厅、省财政厅牵头") == ["省财政厅", "省商务厅"]  # the lead unit first
    assert split_unit_names("人力资源社会保障部等有关部门和单位") == ["人力资源社会保障部"]


# --- targets ---------------------------------------------------------------------------------------


def quantities(text: str) -> list[tuple[float, str]]:
    return [(t.value, t.unit) for t in find_targets(text)]


def test_money_area_and_ratios_of_the_seeds(seed_paths: dict[str, Path]) -> None:
    kunming = seed_text(seed_paths, "002")
    rewards = item(kunming, "对成功创建为国家级、省级新型工业化产业示范基地")
    assert quantities(rewards) == [(2e6, "元"), (1e6, "元")]  # 200万元、100万元
    density = item(kunming, "国家级开发区地均投资350万元/亩以上")
    assert (3.5e6, "元/亩") in quantities(density)
    assert (2e5, "元/亩") in quantities(density)  # 20万元/亩
    assert (2e6, "平方米") in quantities(item(kunming, "累计投入基础设施建设资金"))  # 200万平方米
    nantong = item(seed_text(seed_paths, "003"), "(一)优化提升利用外资质态")
    assert (1.5e8, "美元") in quantities(nantong)
    lincang = seed_text(seed_paths, "001")
    incubators = next(t for t in find_targets(item(lincang, "(十四)")) if t.unit == "平方米")
    assert (incubators.value, incubators.year, incubators.text) == (2e5, 2020, "20万平方米")
    goals = find_targets(item(lincang, "(二)发展目标"))
    assert [(t.value, t.unit) for t in goals][:1] == [(15.0, "%")] and goals[-1].unit == "家"
    assert all(t.year == 2020 for t in goals)


def test_chinese_numerals_ranges_and_offsets() -> None:
    assert quantities("培育二十家龙头企业,建设一百个项目") == [(20.0, "家"), (100.0, "个")]
    assert quantities("经过3—5年的改革探索,建成1—2家国家级创新中心") == [(3.0, "年"), (1.0, "家")]
    text = "新建工业标准厂房200万平方米以上"
    t = find_targets(text)[0]
    assert text[t.start : t.end] == t.text == "200万平方米"
    shifted = find_targets(text, to_raw=lambda s, e: (s + 100, e + 100))[0]
    assert (shifted.start, shifted.end) == (t.start + 100, t.end + 100)


def test_dates_doc_numbers_articles_and_years_are_not_quantities(corpus_paths: list[Path]) -> None:
    assert quantities("《国务院关于印发…的通知》(国发〔2019〕16号)") == []
    assert quantities("2021年3月30日 17:16:02 发布,自2025年起执行") == []
    assert quantities("实施《条例》第三十六条的规定,二〇〇六年十二月三十日") == []
    assert quantities("贯彻落实服务企业“三项制度”,坚持“四个全面”,实施三年行动") == []
    assert quantities("推动IPv6、5G和“9610”“1210”模式") == []
    boao = corpus_text(corpus_paths, "guofa-2018-43")
    assert all(t.unit != "条" for t in find_targets(boao))


# --- deadlines -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021—2024年,对超2017年基数的增量部分留存", "2021-2024"),
        ("到2025年,争取设立1家国际科技孵化加速平台", "2025"),
        ("2022年年底前,13个省级以上经济开发区全部完成安全风险评估", "2022"),
        ("于2018年12月31日前报送国务院办公厅", "2018"),
        ("力争3年内建成", "3年内"),
        ("本意见自印发之日起执行至2025年12月31日", "2025"),
        ("加快推进综合保税区建设", None),
    ],
)
def test_deadlines(text: str, expected: str | None) -> None:
    assert deadline(text) == expected


# --- bindingness ---------------------------------------------------------------------------------


def test_bindingness_of_real_sentences(seed_paths: dict[str, Path]) -> None:
    yunnan = seed_text(seed_paths, "000")
    land = item(yunnan, "22.创新土地集约利用")
    assert bindingness(land) == "mandatory"  # 工业用地总量不得减少
    assert ("mandatory", "不得") in binding_evidence(land)
    assert bindingness("各有关县(市)区、开发区要高度重视园区统计工作") == "directive"
    assert bindingness("支持联动创新区(经开区)国家新型工业化产业示范基地建设") == "supportive"
    assert bindingness("探索建立外商投资信息报告制度") == "exploratory"
    assert bindingness("实施“证照分离”") == "directive"  # no cue: a bare imperative instructs


def test_bindingness_ignores_false_hits() -> None:
    # 要 in 重要/主要/需要/要素, 应 in 应用/供应/相应/适应/对应 are no modal verbs
    assert bindingness("把复制推广改革经验作为发展的重要举措,满足主要需要和要素需求") == "directive"
    assert binding_evidence("推进应用场景,保障供应链,建立相适应的对应机制") == []
    assert bindingness("推进5G应用,加强供应链建设,探索相应机制") == "exploratory"
    assert bindingness("必须入园选址发展,原则上不再安排工业项目") == "mandatory"


def test_permissions_and_cues_used_in_another_sense() -> None:
    # 允许, 有权 and a grant of autonomy are permissions; 不允许 is none
    assert bindingness("开发区允许境内外投资者以资金、机器设备投资或作价入股,兴办企业。") == "supportive"
    assert bindingness("外商投资企业有权在批准的合同范围内,自行制定生产经营计划") == "supportive"
    assert bindingness("企业依法自主经营,自行确定机构设置、人员编制") == "supportive"
    assert ("supportive", "允许") not in binding_evidence("中华人民共和国法律、行政法规不允许的。")
    assert bindingness("开发区内的企业，享受国家规定的税收优惠待遇。") == "supportive"
    assert binding_evidence("经考核不符合规定条件的，不再享受有关优惠待遇。") == []
    # 禁止 naming what the state prohibits, 试点 naming tasks carried out
    assert bindingness("应当优化海关监管方式,强化对国家禁止和限制入境货物、物品的监管。") == "directive"
    assert bindingness("组织落实管辖区域的改革试点任务,复制推广改革创新经验") == "directive"


def test_an_enumerated_item_reads_its_lead_in() -> None:
    def level(lead_text: str, item: str) -> str:
        return item_bindingness(item, lead_in(lead_text))

    assert lead_in("第八条 禁止在开发区建设下列项目:") == "第八条 禁止在开发区建设下列项目:"
    assert lead_in("区域管理机构负责落实具体事务。\n区域管理机构履行下列职责:") == "区域管理机构履行下列职责:"
    assert lead_in("开发区应当加强领导。") is None
    assert level("禁止在开发区建设下列项目:", "采用国家和省明令淘汰的落后工艺技术、装备的;") == "mandatory"
    assert level("开发区高新技术企业可以采取下列方式经营:", "中外合资经营;") == "supportive"
    assert level("自贸试验区探索下列跨境投融资便利化措施:", "允许融资租赁业务收取外币租金;") == "exploratory"
    assert level("自贸试验区应当在以下方面实现协同发展:", "支持西部陆海新通道建设;") == "directive"
    # a lead-in without a cue leaves the item its own level; an item's own 必须 is kept
    assert level("自贸试验区增强下列跨境金融服务功能:", "支持基金产品参与互认;") == "supportive"
    assert level("申请资格应当具备下列条件:", "在开发区的经营期必须10年以上。") == "mandatory"


def test_small_chinese_counts_bound_by_a_limit_word_are_quantities() -> None:
    assert quantities("从投产年度起,二年内免征所得税;二年后减半征收") == [(2.0, "年"), (2.0, "年")]
    assert quantities("经营期不少于五年的,退还已缴纳所得税的40%税款") == [(5.0, "年"), (40.0, "%")]
    assert quantities("实施三年行动计划,建立三项制度,推行一个窗口受理") == []
    # time limits in 日, points of a points scheme; fractions are no points
    assert quantities("应自受理申请之日起10日内决定") == [(10.0, "天")]
    assert quantities("每满1年积2分,最高分值为20分") == [(1.0, "年"), (2.0, "分"), (20.0, "分")]
    assert quantities("占三分之一以上,1月15日前申报") == []


# --- instruments ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("落实企业研发费用加计扣除、高新技术企业所得税减免等政策", ("environment", "tax_relief")),
        ("按不超过200元/平方米给予最高不超过2000万元一次性奖补", ("supply", "subsidy")),
        ("在联动创新区(经开区)同步下放省级经济管理权限", ("environment", "delegation")),
        ("允许对具备土地独立分宗条件的工业物业产权进行分割", ("environment", "land_rule")),
        ("推行政府采购首购订购,支持创新产品推广", ("demand", "procurement")),
        ("建立联席会议制度,涉及园区重大招商引资项目由领导小组会议研究", ("environment", "organisation")),
        ("加快建设5G、工业互联网等数字经济公共技术服务平台", ("supply", "infrastructure")),
    ],
)
def test_instruments(text: str, expected: tuple[str, str]) -> None:
    assert instrument(text) == expected


# --- the rules file --------------------------------------------------------------------------------


def test_rules_load_once_and_name_their_version() -> None:
    a, b = load_rules(), load_rules()
    assert a is b and len(a.version) == 64


def test_bad_rules_file_names_file_and_line(tmp_path: Path) -> None:
    text = RULES_PATH.read_text(encoding="utf-8")
    bad = text.replace("    mandatory: [必须,", "    mandatory: [必须", 1).replace(
        "吊销, 没收]", "吊销, 没收", 1
    )
    path = tmp_path / "attributes.yaml"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(RulesError) as err:
        load_rules(path)
    assert err.value.line is not None and str(err.value).startswith(f"{path}:{err.value.line}: ")
    broken = text.replace('instrument: supply, pattern: "补助', 'instrument: supplies, pattern: "补助', 1)
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(RulesError, match=r"supply\|environment\|demand") as err:
        load_rules(path)
    assert err.value.line == next(i for i, ln in enumerate(broken.splitlines(), 1) if "supplies" in ln)
    bad_regex = text.replace('"^对[^。;]{2,80}', '"^对[^。;{2,80}', 1)
    path.write_text(bad_regex, encoding="utf-8")
    with pytest.raises(RulesError, match=re.escape("lead_patterns[0]")):
        load_rules(path)


def test_prefiltered_deadlines_and_instruments_match_the_plain_scan() -> None:
    # the prefilter skips only patterns whose words are absent: same first match, same answer
    rules = load_rules()
    for path in sorted(DOCS_IN.glob("*.txt")):
        for sentence in re.split(r"(?<=[。;\n])", path.read_text(encoding="utf-8")):
            norm = normalise_chars(sentence)
            first = next((m for rx in rules.deadline_patterns for m in [rx.search(norm)] if m), None)
            assert (deadline(sentence, rules) is None) == (first is None)
            live = rules.prefilter.instruments.live(norm)
            assert [i for i, r in enumerate(rules.instruments) if r.regex.search(norm)] == [
                i for i, r in enumerate(rules.instruments) if i in live and r.regex.search(norm)
            ]
