"""What a reader learns about each plan before reading it: title, issuer, 文号, dates, place, zone, citations.

Given the five seed plans, the metadata matches the gold set; given the fourteen gov.cn pages, the
title and 文号 match the corpus description and the dates come from the page's metadata table.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from opencc import OpenCC

from compare.datafiles import DataFileError, compile_pattern
from compare.ingest import clean_text, read_document
from compare.ingest.display import derive_display_name
from compare.ingest.metadata import extract_metadata, split_orgs
from compare.layout.frontmatter import normalise_doc_number, parse_date
from compare.layout.parts import lay_out
from compare.model import Document, Metadata
from compare.places import gazetteer, place_in

from .conftest import CORPUS_DIR, DOCS_IN, SEED_FILES


@cache
def _read(path: Path) -> Document:
    return read_document(path, path.parent)


def seed(gold_name: str) -> Document:
    return _read(DOCS_IN / SEED_FILES[gold_name])


def corpus(stem: str) -> Document:
    (path,) = CORPUS_DIR.glob(f"{stem}_*.txt")
    return _read(path)


def corpus_sources() -> dict[str, dict[str, str]]:
    """The file table of tests/data/corpus/SOURCES.md: file -> title, issuer, 文号, date, published."""
    rows = {}
    for line in (CORPUS_DIR / "SOURCES.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 7 and cells[0].endswith(".txt"):
            date, published = (d.strip() for d in cells[4].split("/"))
            rows[cells[0]] = {
                "title": cells[1],
                "issuer": cells[2],
                "doc_number": cells[3],
                "date": date,
                "published": published,
            }
    return rows


SOURCES = corpus_sources()
# Transmittal notices whose plan is attached below them: the metadata names the plan, not the notice.
ATTACHED_PLAN_TITLES = {
    "guofa-2019-04_vocational-education-reform-plan.txt": "国家职业教育改革实施方案",
    "guobanhan-2018-71_gov-website-consolidation-pilot.txt": "政府网站集约化试点工作方案",
}
# State Council documents apply nationwide, except those whose title names the one place they are about
# (a reply on one port area or one new area, a pilot zone's exemption): they govern that place, as the
# labelled national replies of tests/data/plans do ("the territory the document governs",
# tests/gold/plans/README.md).
ONE_PLACE = {
    "guofa-2018-43_boao-lecheng-pilot-zone-decision.txt": "海南省",
    "guohan-2006-132_shenzhen-bay-port-area-land-reply.txt": "广东省深圳市",
    "guohan-2018-159_xiongan-master-plan-reply.txt": "河北省",
}


# --- the seeds against the gold -----------------------------------------------------------------------


@pytest.mark.parametrize("gold_name", sorted(SEED_FILES))
def test_seed_metadata_matches_the_gold(gold_name: str, gold_documents: list[dict]) -> None:
    (gold,) = [g for g in gold_documents if g["doc"] == gold_name]
    md = seed(gold_name).metadata
    for key in ("title", "issuer", "doc_number", "date", "jurisdiction"):
        assert getattr(md, key) == gold[key], (key, md.evidence.get(key))
    assert md.zone_type and md.zone_type in gold["zone_type"]
    assert "title" in md.evidence and "date" in md.evidence


def test_evidence_says_where_each_field_was_read() -> None:
    lincang = seed("001_5b7ad4bae4d750b9.txt").metadata
    assert lincang.evidence["doc_number"].startswith("文号 line")
    assert lincang.evidence["date"] == "transmittal notice signature date"
    assert lincang.published == "2021-09-02"  # the page's 更新时间, kept apart from the signing date
    yunnan = seed("000_0ab2cbae05243f0f.txt").metadata
    assert yunnan.published == yunnan.date == "2021-03-30"
    assert "page date" in yunnan.evidence["date"]
    assert yunnan.doc_number is None and yunnan.issuer is None  # the page's 文号 and 来源 fields are empty
    kunming = seed("002_06345e5d4fc3fac7.txt").metadata
    assert kunming.doc_number is None  # an empty 【字号】 is no number
    assert kunming.evidence["issuer"].startswith("title prefix")
    nantong = seed("003_2777ea43c985abc2.txt").metadata
    assert nantong.issuer == "南通市人民政府"  # 南通市政府印发… in the page title, the official name


def test_display_names_are_short_place_and_zone_kind() -> None:
    names = {g: seed(g).display_name for g in SEED_FILES}
    assert names == {
        "000_0ab2cbae05243f0f.txt": "云南自贸联动·经开区",
        "001_5b7ad4bae4d750b9.txt": "临沧高新区",
        "002_06345e5d4fc3fac7.txt": "昆明市园区",
        "003_2777ea43c985abc2.txt": "南通市开发区",
        "004_1dfda3257b40adf7.txt": "重庆自贸联动",
    }
    assert all(len(n) <= 10 for n in names.values())


def test_cited_documents_with_their_numbers() -> None:
    cited = {c.title: c for c in seed("000_0ab2cbae05243f0f.txt").metadata.cited_documents}
    assert cited["中国(云南)自由贸易试验区总体方案"].doc_number == "国发〔2019〕16号"
    doc = seed("000_0ab2cbae05243f0f.txt")
    c = cited["中国(云南)自由贸易试验区总体方案"]
    assert doc.raw_text[c.start : c.end] == "《中国(云南)自由贸易试验区总体方案》(国发〔2019〕16号)"
    assert cited["云南省财政税收增收留用及以奖代补暂行办法"].doc_number is None  # a document by its kind
    # a title broken over two lines by the page is read whole
    kunming = {c.doc_number: c.title for c in seed("002_06345e5d4fc3fac7.txt").metadata.cited_documents}
    assert (
        kunming["昆通〔2020〕2号"]
        == "中共昆明市委、昆明市人民政府关于印发〈昆明市各类开发区优化提升工作实施方案〉的通知"
    )
    # the plan's own title in its transmittal notice is not a citation
    lincang = seed("001_5b7ad4bae4d750b9.txt").metadata
    assert lincang.title not in {c.title for c in lincang.cited_documents}
    # a short name the plan gives itself (以下简称《总体规划》) is not either
    xiongan = corpus("guohan-2018-159").metadata
    assert [c.title for c in xiongan.cited_documents] == ["河北雄安新区总体规划（2018—2035年）"]


def test_traditional_script_plan_gives_the_same_metadata(tmp_path: Path) -> None:
    src = DOCS_IN / SEED_FILES["001_5b7ad4bae4d750b9.txt"]
    trad = tmp_path / src.name
    trad.write_text(OpenCC("s2t").convert(src.read_text(encoding="utf-8")), encoding="utf-8")
    md = read_document(trad, tmp_path).metadata
    assert md.doc_number == "臨辦發〔2019〕5號"  # as printed, brackets normalised
    assert (md.date, md.jurisdiction, md.zone_type) == ("2019-01-26", "云南省临沧市", "高新技术产业开发区")
    assert md.title == "關於支持臨滄高新技術產業開發區轉型升級創新發展的實施意見"


# --- the corpus against its description ---------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_corpus_title_number_and_dates_match_the_page(name: str) -> None:
    expected = SOURCES[name]
    md = _read(CORPUS_DIR / name).metadata
    assert md.title == ATTACHED_PLAN_TITLES.get(name, expected["title"])
    assert md.doc_number == expected["doc_number"]
    assert md.issuer == expected["issuer"]
    assert (md.date, md.published) == (expected["date"], expected["published"])
    assert md.evidence["date"] == "gov.cn table 成文日期"
    assert md.jurisdiction == ONE_PLACE.get(name, "全国")


def test_national_plans_without_a_zone_are_named_by_their_number() -> None:
    assert corpus("guofa-2019-05").display_name == "国发〔2019〕5号"
    assert corpus("guofa-2018-43").display_name == "海南先行区"  # the title names a place and a zone


# --- the pieces ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "printed",
    [
        "临办发〔2019〕5号",
        "临办发[2019]5号",
        "临办发【2019】5号",
        "临办发［2019］5号",
        "临办发(2019)5号",
        "临办发（2019）5号",
        "临办发 〔 2019 〕 5 号",
    ],
)
def test_doc_numbers_in_any_brackets_read_the_same(printed: str) -> None:
    assert normalise_doc_number(printed) == "临办发〔2019〕5号"


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2019年1月26日", "2019-01-26"),
        ("二〇〇六年十二月三十日", "2006-12-30"),
        ("2021.09.13", "2021-09-13"),
        ("发布时间:2021-03-30 17:16:02", "2021-03-30"),
        ("二〇二一年四月十三日", "2021-04-13"),
    ],
)
def test_dates_in_any_writing(text: str, iso: str) -> None:
    assert parse_date(text) == iso


def test_signature_date_in_chinese_numerals() -> None:
    doc = corpus("guohan-2006-132")
    (signature,) = lay_out(doc.clean).signatures
    assert (signature.where, signature.date) == ("back", "2006-12-30")  # 二〇〇六年十二月三十日
    assert doc.metadata.date == "2006-12-30"


def test_issuers_printed_without_separator_are_split() -> None:
    assert split_orgs("中共昆明市委昆明市人民政府") == ["中共昆明市委", "昆明市人民政府"]
    assert split_orgs("中共临沧市委办公室  临沧市人民政府办公室") == [
        "中共临沧市委办公室",
        "临沧市人民政府办公室",
    ]
    assert split_orgs("南通市政府") == ["南通市人民政府"]
    assert split_orgs("为加快发展") is None


def test_gazetteer_has_every_province_and_prefecture() -> None:
    g = gazetteer()
    provinces = {p for p in g.full.values() if not p.is_city}
    cities = {p for p in g.full.values() if p.is_city}
    assert len(provinces) == 34 and len(cities) == 333
    assert place_in("中共临沧市委办公室") is not None
    places = [
        place_in(t)
        for t in ("临沧高新区", "江苏省南通市", "广西壮族自治区", "重庆两江新区", "西双版纳傣族自治州")
    ]
    assert [p.jurisdiction if p else None for p in places] == [
        "云南省临沧市",
        "江苏省南通市",
        "广西壮族自治区",
        "重庆市",
        "云南省西双版纳傣族自治州",
    ]
    assert place_in("吉林省") == place_in("吉林") != place_in("吉林市")  # the province wins the short name


def test_a_municipality_s_district_names_the_jurisdiction_only_where_it_is_unambiguous() -> None:
    """The districts of the four municipalities are the level below them, as a prefecture's cities are:
    a reply about 重庆永川高新区 governs 重庆市永川区. A short name counts only beside its municipality,
    a full one only where no other place is named (南通市通州区 is Nantong's; 辽宁朝阳 is the city)."""

    def where(text: str) -> str | None:
        place = place_in(text)
        return place.jurisdiction if place else None

    assert (
        where("国务院关于同意重庆永川高新技术产业开发区升级为国家高新技术产业开发区的批复") == "重庆市永川区"
    )
    assert where("关于支持浦东新区高水平改革开放的意见") == "上海市浦东新区"
    assert where("北京市朝阳区人民政府") == "北京市朝阳区"
    # Nantong's own 通州区, not Beijing's: since the prefectures' counties are in the gazetteer, the district
    assert where("南通市通州区人民政府") == "江苏省南通市通州区"
    assert where("辽宁朝阳经济开发区") == "辽宁省朝阳市"
    assert where("永川工业园区") is None  # a district's short name alone is no place
    # a prefecture's county: by its full name, by a short name before a zone's kind, never by a short name
    # alone or one two counties share unless the text names its city or province
    assert where("国务院关于同意设立张家港保税港区的批复") == "江苏省苏州市张家港市"
    assert where("伊宁市边境经济合作区管理条例") == "新疆维吾尔自治区伊犁哈萨克自治州伊宁市"
    assert where("中共柳河县委 柳河县人民政府") == "吉林省通化市柳河县"
    assert where("东方红") is None and where("鼓楼区人民政府") is None
    assert where("福州市鼓楼区人民政府") == "福建省福州市鼓楼区"
    # districts never enter running text's counts or the places similarity strips
    assert "永川区" not in gazetteer().full and "永川" not in gazetteer().short


def test_display_name_rules() -> None:
    md = Metadata(
        title="关于支持曲靖经济技术开发区高质量发展的若干措施",
        jurisdiction="云南省曲靖市",
        zone_type="经济技术开发区",
    )
    assert derive_display_name(md, "fallback") == "曲靖经开区"
    md = Metadata(title="关于推进全省开发区整合提升的实施意见", jurisdiction="贵州省", zone_type="开发区")
    assert derive_display_name(md, "fallback") == "贵州省开发区"
    assert derive_display_name(Metadata(), "plan-7") == "plan-7"


def test_a_bad_pattern_in_a_data_file_names_the_file_and_place() -> None:
    with pytest.raises(
        DataFileError, match=r"compare/data/outline\.yaml:\d+: parts\.date_line: bad regular expression"
    ):
        compile_pattern("outline.yaml", "parts.date_line", "(unclosed")


def test_attached_plan_title_issuer_number_and_date_from_the_notice() -> None:
    text = (
        "苏州市人民政府办公室关于印发苏州市开发区高质量发展行动方案的通知\n苏府办〔2022〕12号\n"
        "各市、区人民政府，市各委办局：\n《苏州市开发区高质量发展行动方案》已经市政府同意，现印发给你们，请认真贯彻执行。\n"
        "苏州市人民政府办公室\n2022年3月1日\n附件\n苏州市开发区高质量发展行动方案\n"
        "为推动开发区高质量发展，制定本方案。\n一、总体要求\n（一）指导思想。坚持新发展理念。\n"
    )
    clean, noise = clean_text(text)
    md = extract_metadata(text, clean, noise)
    assert (md.title, md.issuer, md.doc_number, md.date, md.jurisdiction, md.zone_type) == (
        "苏州市开发区高质量发展行动方案",
        "苏州市人民政府办公室",
        "苏府办〔2022〕12号",
        "2022-03-01",
        "江苏省苏州市",
        "开发区",
    )


def test_a_date_printed_under_the_title_is_the_plans_date() -> None:
    text = (
        "曲靖经济技术开发区高质量发展三年行动方案\n2022年5月6日\n"
        "为推动经开区高质量发展，制定本方案。\n一、总体要求\n"
    )
    clean, noise = clean_text(text)
    md = extract_metadata(text, clean, noise)
    assert (md.date, md.jurisdiction, md.issuer) == ("2022-05-06", "云南省曲靖市", None)
    assert derive_display_name(md, "x") == "曲靖经开区"


def test_a_doc_number_glued_to_the_title_and_a_traditional_reply() -> None:
    text = (
        "某某省人民政府关于同意设立某某经济技术开发区的批复(某政函〔2020〕43号)\n"
        "某某市人民政府：\n你市关于设立某某经济技术开发区的请示收悉。现批复如下：\n"
        "一、同意设立某某经济技术开发区。\n某某省人民政府\n2020年5月11日\n"
    )
    clean, noise = clean_text(text)
    md = extract_metadata(text, clean, noise)
    assert md.title == "某某省人民政府关于同意设立某某经济技术开发区的批复"
    assert md.doc_number == "某政函〔2020〕43号"
    traditional = OpenCC("s2t").convert(text).replace("批復", "批覆")
    clean, noise = clean_text(traditional)
    md = extract_metadata(traditional, clean, noise)
    assert md.title == "某某省人民政府關於同意設立某某經濟技術開發區的批覆"


# --- metadata printed elsewhere (issue 18) -------------------------------------------------------------


def _md(text: str) -> Metadata:
    clean, noise = clean_text(text)
    return extract_metadata(text, clean, noise)


def test_a_regulations_adoption_line_gives_issuer_date_and_in_force() -> None:
    text = (
        "# 某某省开发区条例\n\n"
        "> （2001年3月2日某某省第九届人民代表大会常务委员会\n> 第二十一次会议通过　"
        "2001年5月6日某某省第九届人民代表大会常务委员会第二十三次会议批准）\n\n"
        "2009年6月1日 某某省第十一届人民代表大会常务委员会第十次会议通过的"
        "《关于修改〈某某省开发区条例〉的决定》修正\n\n"
        "## 第一章 总则\n\n"
        "第一条 为了规范开发区管理，根据中华人民共和国宪法和有关法律、法规，制定本条例。\n\n"
        "第二条 本条例自2001年7月1日起施行。\n"
    )
    md = _md(text)
    # the session ordinals are no part of the body's name; the first adoption is the date, not the
    # approval or the amendment; the amending decision is no document the regulation relies on
    assert (md.issuer, md.date, md.date_kind, md.in_force) == (
        "某某省人民代表大会常务委员会",
        "2001-03-02",
        "adopted",
        "2001-07-01",
    )
    assert md.evidence["issuer"].startswith("adoption line")
    assert [c.title for c in md.cited_documents] == ["中华人民共和国宪法"]


def test_a_page_date_is_posted_never_signed() -> None:
    md = _md("某某开发区建设方案\n发布时间:2021-03-30 17:16:02\n一、总体要求\n加快建设开发区。\n")
    assert (md.date, md.date_kind, md.published) == ("2021-03-30", "posted", "2021-03-30")
    signed = _md("某某开发区建设方案\n一、总体要求\n加快建设开发区。\n某某市人民政府\n二○二一年三月二日\n")
    assert (signed.date, signed.date_kind) == ("2021-03-02", "signed")


@pytest.mark.parametrize(
    "line", ["文　　号：某政发〔2021〕3号", "发文字号某政发〔2021〕3号", "  • 发文字号:某政发〔2021〕3号"]
)
def test_a_doc_number_after_its_label(line: str) -> None:
    md = _md(f"某某市人民政府关于加快开发区发展的意见\n{line}\n各县（市、区）人民政府：\n一、加快发展。\n")
    assert md.doc_number == "某政发〔2021〕3号"


def test_a_draft_for_comment_keeps_its_title_and_is_flagged() -> None:
    md = _md("某某市开发区管理办法（征求意见稿）\n第一条 为了规范开发区管理，制定本办法。\n")
    assert (md.title, md.draft) == ("某某市开发区管理办法（征求意见稿）", True)
    assert _md("某某省开发区条例（草案）\n第一条 为了规范开发区管理，制定本条例。\n").draft
    assert not _md("某某市开发区管理办法\n第一条 为了规范开发区管理，制定本办法。\n").draft


def test_cited_documents_are_those_the_plan_relies_on() -> None:
    md = _md(
        "某某市开发区高质量发展实施方案\n"
        "为贯彻落实《某某省人民政府关于推进开发区创新提升的实施意见》（某政发〔2020〕79号）精神，制定本方案。\n"
        "一、深化区域评估改革，编制《区域评估成果应用指南》，指导建设项目运用评估成果。\n"
        "二、抢抓《区域全面经济伙伴关系协定》生效机遇，扩大开放。\n"
        "三、符合《某某市人才引进办法》条件的人才，给予支持。\n"
        "四、自本方案印发之日起，《某某市开发区管理办法》同时废止。\n"
        "五、转制后财务制度应执行《企业财务通则》。\n"
        "六、请财政部按照有关规定，提出对《国有资产评估管理办法》的修订建议。\n"
    )
    assert [c.title for c in md.cited_documents] == [
        "某某省人民政府关于推进开发区创新提升的实施意见",
        "某某市人才引进办法",
        "企业财务通则",  # a 通则 is a document (准则, 目录 too)
    ]  # a document to be revised is none the plan relies on


def test_rename_notice_zone_and_a_provinces_reply_about_one_city() -> None:
    md = _md(
        "某某省人民政府关于某某工业园区等5家工业园区更名的通知\n各市人民政府：\n"
        "现将某某工业园区等5家工业园区统一更名为经济开发区。\n某某省人民政府\n2019年1月3日\n"
    )
    assert md.zone_type == "经济开发区"
    reply = _md(
        "广西壮族自治区人民政府关于同意设立桂林经济技术开发区的批复\n桂林市人民政府：\n"
        "你市的请示收悉。现批复如下：\n一、同意设立。\n广西壮族自治区人民政府\n2020年5月11日\n"
    )
    assert reply.jurisdiction == "广西壮族自治区桂林市"


@pytest.mark.parametrize(
    "head",
    [
        "当前位置：首页 > 政务公开 > 政策文件 > 某某市人民政府关于加快开发区发展的意见\n",
        "您当前的位置：首页>>政策文件>>某某市人民政府关于加快开发区发展的意见\n",
        "某某市人民政府门户网站\n某某市人民政府关于加快开发区发展的意见\n",
    ],
)
def test_a_portals_breadcrumb_and_site_name_are_no_part_of_the_title(head: str) -> None:
    md = _md(head + "各县（市、区）人民政府：\n一、加快发展。\n某某市人民政府\n2021年5月1日\n")
    assert (md.title, md.issuer) == ("某某市人民政府关于加快开发区发展的意见", "某某市人民政府")


def test_zones_named_in_passing_make_no_zone_type() -> None:
    """A national notice rewarding localities, one of whose thirty items names high-tech zones three
    times, is about no kind of zone; a short reply about one zone names it throughout."""
    assert corpus("guobanfa-2018-117").metadata.zone_type is None
    assert corpus("guobanfa-2018-108").metadata.zone_type is None
