"""Sections → measures on the five seed plans: every item is a measure or context, the units of a
section cover its body, items bundling several actions are split, context is told from measures.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from compare.measures import SKIP_STYLES, extract_measures
from compare.model import Document, Measure, Section
from compare.topics import load_codebook

Plan = tuple[Document, list[Section], list[Measure]]


@pytest.fixture(scope="module")
def plans(seed_paths: dict[str, Path]) -> dict[str, Plan]:
    """Each seed through the real stages: read_document → parse_outline → extract_measures."""
    read = pytest.importorskip("compare.ingest").read_document
    parse = pytest.importorskip("compare.outline").parse_outline
    cb = load_codebook()
    out = {}
    for gold_name, path in seed_paths.items():
        doc = read(path, path.parent)
        sections = parse(doc)
        out[gold_name[:3]] = (doc, sections, extract_measures(doc, sections, cb))
    return out


def units_of(plan: Plan, heading: str) -> list[Measure]:
    """The units of the item whose heading starts with ``heading``."""
    _, _, measures = plan
    found = [m for m in measures if (m.heading or "").startswith(heading)]
    assert found, heading
    return found


def _body_span(section: Section) -> tuple[int, int]:
    """Clean span of a section's body: after its label, without surrounding whitespace."""
    text = section.text
    i = len(text) - len(text.lstrip())
    if section.label and text[i:].startswith(section.label):
        i += len(section.label)
    j = len(text.rstrip())
    return section.clean_start + i, section.clean_start + j


def test_every_item_of_every_seed_is_a_measure_or_context(plans: dict[str, Plan]) -> None:
    for key, (_, sections, measures) in plans.items():
        by_section: dict[str, list[Measure]] = {}
        for m in measures:
            by_section.setdefault(m.section_id, []).append(m)
        for s in sections:
            if s.style in SKIP_STYLES:
                assert s.section_id not in by_section
                continue
            has_children = any(c.parent_id == s.section_id for c in sections)
            own = re.sub(r"\s", "", s.text)[len(s.label) :]
            if has_children and own == re.sub(r"\s", "", s.heading or ""):
                continue  # a chapter title: its text heads its children
            assert by_section.get(s.section_id), (key, s.path, s.text[:40])


def test_units_cover_each_section_body(plans: dict[str, Plan]) -> None:
    for key, (doc, sections, measures) in plans.items():
        by_section: dict[str, list[Measure]] = {}
        for m in measures:
            by_section.setdefault(m.section_id, []).append(m)
        for s in sections:
            units = sorted(by_section.get(s.section_id, []), key=lambda m: m.clean_start)
            if not units:
                continue
            start, end = _body_span(s)
            assert units[0].clean_start == start, (key, s.path)
            assert units[-1].clean_end == end, (key, s.path)
            for a, b in itertools.pairwise(units):
                gap = doc.clean.text[a.clean_end : b.clean_start]
                assert not gap.strip(), (key, s.path, gap)  # only whitespace between units
                assert a.clean_end <= b.clean_start


def test_measure_ids_paths_and_raw_spans(plans: dict[str, Plan]) -> None:
    for doc, sections, measures in plans.values():
        paths = {s.section_id: s.path for s in sections}
        seen = set()
        for m in measures:
            assert re.fullmatch(re.escape(m.section_id) + r"/m\d+", m.measure_id)
            assert m.measure_id not in seen
            seen.add(m.measure_id)
            assert m.path == paths[m.section_id]
            assert m.text == doc.clean.text[m.clean_start : m.clean_end]
            raw = doc.raw_text[m.start : m.end]
            # cleaning only deletes characters: the text is the raw span with some characters left out
            assert raw[0] == m.text[0] and raw[-1] == m.text[-1]
            chars = iter(raw)
            assert all(c in chars for c in m.text)


def test_an_item_bundling_several_actions_is_split(plans: dict[str, Plan]) -> None:
    # 002 (十) 加大园区招才引智: a talent database, dual posts, school–enterprise training, learning parks
    units = units_of(plans["002"], "加大园区招才引智")
    assert len(units) >= 3
    assert units[0].text.startswith("加大园区招才引智")  # the heading belongs to the first measure
    assert any(u.text.startswith("鼓励支持高校") for u in units)
    assert all(u.kind == "measure" and u.primary_topic == "talent" for u in units)


def test_context_parts_of_the_plans(plans: dict[str, Plan]) -> None:
    def reasons(key: str, heading: str) -> set[str | None]:
        return {u.context_reason for u in units_of(plans[key], heading)}

    _, _, m000 = plans["000"]
    assert m000[0].kind == "context" and m000[0].context_reason == "前言"  # 为贯彻落实…制定本方案
    assert reasons("000", "指导思想") == {"指导思想"}
    assert reasons("000", "发展目标") == {"发展目标"}
    assert reasons("000", "实施范围") == {"实施范围"}
    assert reasons("001", "功能定位") == {"功能定位"}
    assert reasons("003", "总体要求") == {"总体要求"}
    # 004 二、申报评审: conditions, contents and procedures of applications (items without headings)
    _, _, m004 = plans["004"]
    applying = [m for m in m004 if m.path.startswith("二/")]
    assert len(applying) >= 12 and all(m.kind == "context" for m in applying)
    # … but 四(三)严格申报评审 is a safeguard measure about the evaluation rules
    assert {u.kind for u in units_of(plans["004"], "严格申报评审")} == {"measure"}
    # 002 (一): orientation plus the quantified 2025 targets of the 五高 block
    assert {u.kind for u in units_of(plans["002"], "打造“五高”新型园区")} == {"context"}


def test_validity_clauses_are_context_not_measures(plans: dict[str, Plan]) -> None:
    # 002 ends (二十六) with 本意见自印发之日起执行至2025年12月31日 and precedence clauses
    units = units_of(plans["002"], "加强园区考核评价")
    assert units[0].kind == "measure" and units[0].primary_topic == "governance"
    tail = [u for u in units if "本意见自印发之日起" in u.text]
    assert tail and tail[0].kind == "context" and tail[0].context_reason == "效力条款"
    assert all(u.kind == "context" for u in units[units.index(tail[0]) :])


def test_targets_and_conditions_inside_measures_do_not_make_them_context(plans: dict[str, Plan]) -> None:
    # 000 item 14 closes with 到2025年 targets; item 21 speaks of 有条件的骨干企业: both stay measures
    assert {u.kind for u in units_of(plans["000"], "加强科技创新平台建设")} == {"measure"}
    assert {u.kind for u in units_of(plans["000"], "建设创新人才高地")} == {"measure"}
    targets = [t for u in units_of(plans["000"], "加强科技创新平台建设") for t in u.targets]
    assert any(t.unit == "家" and t.year == 2025 for t in targets)


def test_responsibility_tails_are_given_to_every_measure_of_the_item(plans: dict[str, Plan]) -> None:
    # 003 二(二): 〔责任单位：市商务局、市发改委、市外办，各县（市、区）人民政府〕
    units = units_of(plans["003"], "创新投资促进工作")
    assert len(units) > 1
    expected = ["市商务局", "市发改委", "市外办", "各县(市、区)人民政府"]
    assert all(u.responsible_units == expected for u in units)
    assert units[-1].text.rstrip().endswith("〕")  # the tail stays in the item's last span


def test_measures_carry_topics_and_attributes(plans: dict[str, Plan]) -> None:
    for _, _, measures in plans.values():
        for m in measures:
            if m.kind == "measure":
                assert m.topics and m.bindingness is not None and m.context_reason is None
            else:
                assert not m.topics and m.context_reason
    land = units_of(plans["000"], "创新土地集约利用")
    assert land[0].primary_topic == "land" and land[0].bindingness == "mandatory"  # 不得减少


def test_a_plan_in_traditional_script_reads_like_the_simplified_one(
    seed_paths: dict[str, Path], plans: dict[str, Plan], tmp_path: Path
) -> None:
    """Cues and the classifier read the simplified match text, so script does not change the result."""
    opencc = pytest.importorskip("opencc")
    read = pytest.importorskip("compare.ingest").read_document
    parse = pytest.importorskip("compare.outline").parse_outline
    source = next(p for g, p in seed_paths.items() if g.startswith("003"))
    traditional = opencc.OpenCC("s2t").convert(source.read_text(encoding="utf-8"))
    assert traditional != source.read_text(encoding="utf-8")
    path = tmp_path / "nantong-traditional.txt"
    path.write_text(traditional, encoding="utf-8")
    doc = read(path, tmp_path)
    measures = extract_measures(doc, parse(doc), load_codebook())

    def summary(ms: list[Measure]) -> list[tuple]:
        return [
            (
                m.kind,
                m.context_reason,
                [t.topic for t in m.topics],
                m.bindingness,
                m.instrument_type,
                [(t.value, t.unit) for t in m.targets],
                m.deadline,
                len(m.responsible_units),
            )
            for m in ms
        ]

    assert summary(measures) == summary(plans["003"][2])
    assert any("責任單位" in m.text for m in measures)  # shown as printed, read as simplified


def _measures_of(tmp_path: Path, name: str, text: str) -> list[Measure]:
    read = pytest.importorskip("compare.ingest").read_document
    parse = pytest.importorskip("compare.outline").parse_outline
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    doc = read(path, tmp_path)
    return extract_measures(doc, parse(doc), load_codebook())


def _kind_by_path(measures: list[Measure]) -> dict[str, tuple[str, str | None]]:
    """The kind (and context reason) of each section's first unit."""
    out: dict[str, tuple[str, str | None]] = {}
    for m in measures:
        out.setdefault(m.path, (m.kind, m.context_reason))
    return out


REGULATION = (
    "# 某某省开发区条例\n\n"
    "## 第一章　总则\n\n"
    "第一条　为了促进开发区高质量发展，根据有关法律、行政法规，结合本省实际，制定本条例。\n\n"
    "第二条　本条例适用于本省行政区域内经批准设立的开发区（以下简称开发区）。\n\n"
    "本条例所称开发区，是指经国务院和省人民政府批准设立的经济技术开发区和高新技术产业开发区。\n\n"
    "第三条　开发区应当坚持创新发展的理念，成为培育发展新动能的引领区、深化改革开放的先行区。\n\n"
    "第四条　县级以上地方人民政府领导开发区工作，建立议事协调机制，解决开发区发展中的重大问题。\n\n"
    "第五条　开发区内投资者的合法权益受法律保护。\n\n"
    "第六条　国务院批准某某岛成片开发，实行经济技术开发区的政策。\n\n"
    "第七条　经省人民政府批准，开发区可以设立海关特殊监管区域。\n\n"
    "## 第二章　附则\n\n"
    "第八条　香港、澳门特别行政区和台湾地区的投资者在开发区投资兴办的企业，参照本条例执行。\n\n"
    "第九条　本条例下列用语的含义：\n\n"
    "（一）区域评估：是指在开发区内由政府统一组织对区域内的环境影响等事项进行的评估。\n\n"
    "第十条　法律、行政法规另有规定的，从其规定。\n\n"
    "第十一条　本条例自2020年3月1日起施行。2000年1月1日公布的《某某省开发区管理办法》同时废止。\n"
)


def test_a_regulations_articles_about_itself_are_context_its_other_articles_measures(tmp_path: Path) -> None:
    kinds = _kind_by_path(_measures_of(tmp_path, "regulation.md.txt", REGULATION))
    assert kinds["第一章/第一条"][0] == "context"  # purpose
    assert kinds["第一章/第二条"] == ("context", "适用范围")  # scope
    assert kinds["第一章/第三条"] == ("context", "功能定位")  # positioning, no instrument
    # a chapter 总则 does not make its other articles context
    assert kinds["第一章/第四条"][0] == "measure" and kinds["第一章/第五条"][0] == "measure"
    # the approval the regulation rests on is context, a rule about what is approved is not
    assert kinds["第一章/第六条"] == ("context", "批准事项") and kinds["第一章/第七条"][0] == "measure"
    assert kinds["第二章/第八条"] == ("context", "适用范围")  # scope extension
    assert kinds["第二章/第九条/(一)"] == ("context", "定义")  # definitions listed under their article
    assert kinds["第二章/第十条"][0] == "context"  # precedence
    assert kinds["第二章/第十一条"][0] == "context"  # commencement and repeal


REPLY = (
    "某某省人民政府关于同意设立某某经济开发区的批复\n"
    "某政函〔2020〕1号\n"
    "某某市人民政府：\n"
    "你市关于设立某某经济开发区的请示收悉。现批复如下：\n"
    "一、同意设立省级某某经济开发区，实行省级经济开发区的政策。\n"
    "二、某某经济开发区位于某某市东部，规划面积10平方公里，四至范围东至某路，西至某河。\n"
    "三、同意将某某工业园区并入某某经济开发区。某某市要加强领导，抓紧完善开发区规划。\n"
    "四、某某市要切实加强对开发区建设的组织领导，加大投入，促进开发区健康发展。\n"
    "某某省人民政府\n"
    "2020年5月11日\n"
)


def test_a_reply_paragraph_that_only_approves_is_context(tmp_path: Path) -> None:
    kinds = _kind_by_path(_measures_of(tmp_path, "reply.txt", REPLY))
    assert kinds["一"] == ("context", "批准事项")
    assert kinds["二"] == ("context", "区域范围")  # where the approved zone lies
    assert kinds["三"][0] == "measure"  # approves, then orders something
    assert kinds["四"][0] == "measure"


def test_a_decision_on_its_own_initiative_is_a_measure(tmp_path: Path) -> None:
    text = (
        "某某省人民政府关于某某工业园区更名的通知\n各市人民政府：\n"
        "为更好地发挥开发区的功能优势，现将某某工业园区等3家工业园区统一更名为经济开发区。\n"
        "某某省人民政府\n2019年1月3日\n"
    )
    measures = _measures_of(tmp_path, "notice.txt", text)
    assert [m.kind for m in measures] == ["measure"]
