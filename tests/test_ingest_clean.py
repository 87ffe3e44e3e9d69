"""Cleaning the seeds and the corpus: noise is reported line by line, nothing is lost, offsets map back."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from compare.errors import NoiseDataError
from compare.ingest.clean import WHITESPACE, clean_text
from compare.ingest.patterns import NOISE_FILE, parse_noise_data
from compare.model import CleanText, NoiseSpan

from .conftest import DOCS_IN, SEED_FILES

# The transmittal notice printed before some plans (文号, notice title, addressees, the notice's
# sentence, signature, date). The gold lists these among a reader's ignored lines, but they carry the
# metadata: cleaning keeps them and metadata/outline decide about them.
TRANSMITTAL = {
    "001_5b7ad4bae4d750b9.txt": {
        "临办发〔2019〕5号",
        "中共临沧市委办公室\xa0 临沧市人民政府办公室印发《关于支持临沧高新技术产业开发区",
        "转型升级创新发展的实施意见》的通知",
        "各县、自治县、区党委和人民政府,市委各部委,市直国家机关各委办局,各人民团体、大中专院校、"
        "企事业单位,中央、省属驻临单位,驻临军警部队:",
        "《关于支持临沧高新技术产业开发区转型升级创新发展的实施意见》已经市委、市政府研究同意,现印发给你们,",
        "请认真抓好贯彻落实。",
        "中共临沧市委办公室",
        "临沧市人民政府办公室",
        "2019年1月26日",
    },
    "004_1dfda3257b40adf7.txt": {
        "渝自贸办〔2021〕3号",
        "各区县(自治县)人民政府,领导小组成员单位,有关单位:",
        "《中国(重庆)自由贸易试验区联动创新区建设方案》已经市政府同意,现印发给你们,请认真贯彻执行。",
        "中国(重庆)自由贸易试验区领导小组办公室(代)",
        "2021年4月13日",
    },
}


def _raw_lines(raw: str) -> list[tuple[int, int, str]]:
    """(start, end, stripped text) of every line of ``raw``."""
    out, pos = [], 0
    for line in raw.split("\n"):
        out.append((pos, pos + len(line), line.strip(WHITESPACE)))
        pos += len(line) + 1
    return out


def _covered(noise: list[NoiseSpan]) -> set[int]:
    return {k for sp in noise for k in range(sp.start, sp.end)}


def _clean_seed(gold_name: str) -> tuple[str, CleanText, list[NoiseSpan]]:
    raw = (DOCS_IN / SEED_FILES[gold_name]).read_text(encoding="utf-8")
    clean, noise = clean_text(raw)
    return raw, clean, noise


def _check_partition(raw: str, clean: CleanText, noise: list[NoiseSpan]) -> None:
    """Every raw character is either kept (exactly once) or inside exactly one noise span."""
    pieces = [(r0, r0 + n, "kept") for _c0, r0, n in clean.runs] + [(s.start, s.end, s.reason) for s in noise]
    pieces.sort()
    pos = 0
    for a, b, _what in pieces:
        assert a == pos, f"gap or overlap at raw offset {pos}: {raw[max(0, pos - 10) : pos + 10]!r}"
        assert b > a
        pos = b
    assert pos == len(raw)
    for sp in noise:
        assert raw[sp.start : sp.end] == sp.text and sp.reason
    assert "".join(raw[r0 : r0 + n] for _c0, r0, n in clean.runs) == clean.text
    assert len(clean.match) == len(clean.text)


def test_web_and_print_noise_of_the_seeds_is_reported(gold_documents: list[dict]) -> None:
    for gold in gold_documents:
        raw, _clean, noise = _clean_seed(gold["doc"])
        covered = _covered(noise)
        lines = _raw_lines(raw)
        expected = [ln for ln in gold["noise_lines"] if ln not in TRANSMITTAL.get(gold["doc"], set())]
        for want in expected:
            spans = [(a, b) for a, b, text in lines if text == want.strip(WHITESPACE)]
            assert spans, f"{gold['doc']}: gold line not found: {want!r}"
            assert any(all(k in covered for k in range(a, b)) for a, b in spans), (
                f"{gold['doc']}: not reported as noise: {want!r}"
            )


def test_transmittal_notices_are_kept_for_metadata(gold_documents: list[dict]) -> None:
    for doc, lines in TRANSMITTAL.items():
        _raw, clean, _noise = _clean_seed(doc)
        flat = re.sub(r"\s", "", clean.text)
        for line in lines:
            assert re.sub(r"\s", "", line) in flat, f"{doc}: transmittal line removed: {line!r}"


def test_blank_lines_are_counted_as_the_gold_counts_them(gold_documents: list[dict]) -> None:
    for gold in gold_documents:
        _raw, clean, noise = _clean_seed(gold["doc"])
        assert sum(1 for sp in noise if sp.reason == "blank") == gold["blank_lines_ignored"], gold["doc"]
        assert "\n\n" not in clean.text  # at most one newline between paragraphs
        for line in clean.text.split("\n"):
            assert line == line.strip(WHITESPACE)  # no edge whitespace left


def test_every_raw_character_is_kept_or_noise(corpus_paths: list[Path]) -> None:
    paths = [DOCS_IN / f for f in SEED_FILES.values()] + corpus_paths
    for path in paths:
        raw = path.read_text(encoding="utf-8")
        clean, noise = clean_text(raw)
        _check_partition(raw, clean, noise)


def test_clean_offsets_map_back_to_the_raw_text(corpus_paths: list[Path]) -> None:
    for path in [DOCS_IN / f for f in SEED_FILES.values()] + corpus_paths[:4]:
        raw = path.read_text(encoding="utf-8")
        clean, _noise = clean_text(raw)
        for i, ch in enumerate(clean.text):
            assert raw[clean.to_raw(i)] == ch
        # a clean span maps to the raw span of the same text when it lies inside one line
        m = re.search(r"[^\n]{20,}", clean.text)
        assert m is not None
        a, b = clean.raw_span(m.start(), m.end())
        assert raw[a:b].replace("\n", "") == m.group(0) or raw[a:b] == m.group(0)


def test_gov_cn_metadata_table_and_footer_are_noise(corpus_paths: list[Path]) -> None:
    for path in corpus_paths:
        raw = path.read_text(encoding="utf-8")
        clean, noise = clean_text(raw)
        lines = raw.split("\n")
        # 8 labels, 7 values (主 题 词 has none): the first 15 lines are the table.
        assert lines[14].replace(" ", "") == "主题词："
        table_end = sum(len(x) + 1 for x in lines[:15])
        gov = [sp for sp in noise if sp.reason == "gov-meta"]
        assert len(gov) == 15 and gov[-1].end == table_end, path.name
        assert all(sp.start < table_end for sp in gov)
        footer = [sp for sp in noise if sp.text.strip() == "扫一扫在手机打开当前页"]
        assert footer and footer[0].reason == "web-footer"
        # The document title right after the table is kept (joined into one line).
        first = clean.text.split("\n", 1)[0]
        assert first.startswith("国务院") and re.search(
            r"(通知|意见|决定|批复|通报)$", first.replace(" ", "")
        )
        for label in ("索引号", "发文机关", "成文日期", "发布日期", "主题分类"):
            assert label not in re.sub(r"\s", "", clean.text[:200])


def test_titles_split_by_the_page_are_joined(corpus_paths: list[Path]) -> None:
    by_name = {p.name.split("_")[0]: p for p in corpus_paths}
    expected = {
        "guofa-2019-04": "国务院关于印发国家职业教育改革实施方案的通知",
        "guobanfa-2019-06": "国务院办公厅关于有效发挥政府性融资担保基金作用"
        "切实支持小微企业和“三农”发展的指导意见",
        "guohan-2018-159": "国务院关于河北雄安新区总体规划（2018—2035年）的批复",
        "guohan-2006-132": "国务院关于授权香港特别行政区实施管辖的深圳湾口岸港方口岸区范围和"
        "土 地 使 用 期 限 的 批 复",
    }
    for key, title in expected.items():
        clean, _ = clean_text(by_name[key].read_text(encoding="utf-8"))
        assert clean.text.split("\n", 1)[0] == title
    # a plan title split over two lines by a blank line, and one under a transmittal notice
    _raw, clean, _ = _clean_seed("001_5b7ad4bae4d750b9.txt")
    assert "\n关于支持临沧高新技术产业开发区转型升级创新发展的实施意见\n" in clean.text
    _raw, clean, _ = _clean_seed("004_1dfda3257b40adf7.txt")
    assert "\n中国(重庆)自由贸易试验区联动创新区建设方案\n" in clean.text


def test_words_broken_across_lines_are_mended() -> None:
    raw, clean, noise = _clean_seed("002_06345e5d4fc3fac7.txt")
    assert "环境影响评\n价" in raw
    assert "环境影响评价、节能评价" in clean.text
    assert "未来产业先导区建设" in clean.text
    assert (
        "《中共昆明市委、昆明市人民政府关于印发〈昆明市各类开发区优化提升工作实施方案〉的通知》" in clean.text
    )
    assert "\n中共昆明市委昆明市人民政府关于加快开发区及产业园区高质量发展的意见\n" in "\n" + clean.text
    breaks = [sp for sp in noise if sp.reason == "line-break"]
    assert breaks and all(sp.text == "\n" for sp in breaks)


def test_real_paragraphs_and_table_cells_are_not_joined(corpus_paths: list[Path]) -> None:
    _raw, clean, _ = _clean_seed("004_1dfda3257b40adf7.txt")
    lines = clean.text.split("\n")
    for heading in ("一、总体要求", "(一)指导思想", "(二)发展目标", "(一)申报条件", "三、主要任务"):
        assert heading in lines
    assert "1.依托市级及以上开放平台(含各类经济功能区)建设;" in lines
    _raw, clean, _ = _clean_seed("002_06345e5d4fc3fac7.txt")
    lines = clean.text.split("\n")
    for heading in ("(一)打造“五高”新型园区。", "发展高能级。", "产业高集聚。", "(二十六)加强园区考核评价。"):
        assert heading in lines
    by_name = {p.name.split("_")[0]: p for p in corpus_paths}
    clean, _ = clean_text(by_name["guobanfa-2018-126"].read_text(encoding="utf-8"))
    lines = clean.text.split("\n")
    for cell in (
        "序号",
        "改革举措",
        "主 要 内 容",
        "指导部门",
        "推广范围",
        "省级行政区内专利等专业技术性较强的知识产权案件跨市（区）审理",
    ):
        assert cell in lines
    clean, _ = clean_text(by_name["guohan-2006-132"].read_text(encoding="utf-8"))
    lines = clean.text.split("\n")
    assert "行车方向左侧挢面边缘线" in lines and "行车方向右侧桥面边缘线" in lines
    assert "国务院" in lines and "二〇〇六年十二月三十日" in lines


def test_page_and_card_titles_before_the_plan_are_noise() -> None:
    _raw, clean, noise = _clean_seed("003_2777ea43c985abc2.txt")
    assert clean.text.startswith("关于推进全市经济开发区创新提升打造改革开放新高地的实施方案\n")
    assert [sp.reason for sp in noise[:2]] == ["page-title", "web-meta"]
    _raw, clean, noise = _clean_seed("002_06345e5d4fc3fac7.txt")
    assert clean.text.startswith(
        "中共昆明市委昆明市人民政府关于加快开发区及产业园区高质量发展的意见\n为深入贯彻"
    )
    assert sum(1 for sp in noise if sp.reason == "duplicate-title") == 3
    _raw, clean, noise = _clean_seed("000_0ab2cbae05243f0f.txt")
    # A title printed once above the page's date line is the plan's title: kept.
    assert clean.text.startswith("中国(云南)自由贸易试验区联动创新区 (经济技术开发区)申建方案\n")


def test_print_noise_inserted_into_a_plan_is_removed() -> None:
    raw, clean0, _ = _clean_seed("002_06345e5d4fc3fac7.txt")
    printed = [
        "— 3 —",
        "- 12 -",
        "－7－",
        "第3页",
        "第 2 页 共 9 页",
        "3/12",
        "此件主动公开",
        "（此件公开发布）",
        "秘密★1年",
        "密级：内部",
        "【字体：大 中 小】 【打印本页】 【关闭窗口】",
        "打印本页",
        "分享到：",
        "扫一扫在手机打开当前页",
        "版权所有：昆明市人民政府办公室 滇ICP备05000001号",
        "咨询电话：0871-12345678",
        "标签：开发区 园区",
        "当前位置：首页 > 政务公开 > 政策文件",
        "昆明市人民政府办公室      2021年9月15日印发",
        "抄送：市委各部门，市人大常委会办公室。",
    ]
    lines = raw.split("\n")
    # spread the print noise through the body, including between two halves of a wrapped sentence
    at = next(i for i, ln in enumerate(lines) if ln.endswith("环境影响评"))
    mixed = [*lines[: at + 1], "— 9 —", *lines[at + 1 :]]
    step = len(mixed) // len(printed)
    for k, noise_line in enumerate(printed):
        mixed.insert(10 + k * step, noise_line)
    clean, noise = clean_text("\n".join(mixed))
    assert clean.text == clean0.text
    reasons = {sp.text.strip(): sp.reason for sp in noise}
    for noise_line in printed:
        assert noise_line in reasons, noise_line
    assert reasons["— 3 —"] == "page-number" and reasons["3/12"] == "page-number"
    assert reasons["昆明市人民政府办公室      2021年9月15日印发"] == "print-mark"


def test_fractions_and_ordinary_parentheses_are_not_noise() -> None:
    raw = (
        "（三）资金安排。\n市级资金承担2/3，区级承担1/3。\n12/5\n"
        "支持人工智能(AI)和国内生产总值(GDP)(2021)类项目(a)。\n"
    )
    clean, noise = clean_text(raw)
    assert clean.text == raw  # "12/5" is no page number: page 12 of 5 does not exist
    assert noise == []


def test_matching_copy_has_the_same_length_and_is_normalised() -> None:
    _raw, clean, _ = _clean_seed("003_2777ea43c985abc2.txt")
    assert len(clean.match) == len(clean.text)
    assert "（" not in clean.match and "：" not in clean.match


def test_a_bad_edit_of_the_noise_file_is_named() -> None:
    doc = yaml.safe_load(NOISE_FILE.read_text(encoding="utf-8"))
    doc["line_noise"][0]["patterns"][0] = "(unclosed"
    with pytest.raises(NoiseDataError) as info:
        parse_noise_data(doc, "compare/data/noise.yaml")
    assert "noise.yaml" in str(info.value) and "line_noise[0].patterns[0]" in str(info.value)
    doc = yaml.safe_load(NOISE_FILE.read_text(encoding="utf-8"))
    del doc["limits"]["max_file_mb"]
    with pytest.raises(NoiseDataError, match=r"limits\.max_file_mb"):
        parse_noise_data(doc, "compare/data/noise.yaml")


# --- markdown exports of regulations (laws databases) ------------------------------------------------

MARKDOWN_REGULATION = (
    "---\n"
    'id: "abc123"\n'
    'title: "某某省开发区条例"\n'
    'url: "https://example.org/detail?id=abc123"\n'
    "---\n\n"
    "# 某某省开发区条例\n\n"
    "某某省开发区条例\n\n"
    "> （2020年1月1日某某省人民代表大会常务委员会第九次会议通过）\n\n"
    "目　　录\n\n"
    "　　第一章　总　　则\n\n"
    "　　第二章　管理体制\n\n"
    "　　第三章　附　　则\n\n"
    "<!-- INFO END -->\n\n"
    "## 第一章　总　　则\n\n"
    "**第一条**　为了促进开发区发展，制定本条例。\n\n"
    "第二条 本条例适用于本省开发区。\n\n"
    "## 第二章 管理体制\n\n"
    "### 第一节 管理机构\n\n"
    "[第三条]{.smallcaps}　开发区管理机构行使下列职权：\n\n"
    "（一）编制发展规划；\n\n"
    "第二节　服务\n\n"
    "第四条 开发区应当建立企业服务制度。\n\n"
    "##　第三章　附　　则\n\n"
    "第五条 本条例自2020年3月1日起施行。\n"
)


def test_markdown_marks_front_matter_and_contents_are_noise() -> None:
    clean, noise = clean_text(MARKDOWN_REGULATION)
    reasons = [
        (sp.reason, sp.text.strip(WHITESPACE + "\n"))
        for sp in noise
        if sp.reason not in ("blank", "whitespace")
    ]
    assert [t for r, t in reasons if r == "front-matter"][:2] == ["---", 'id: "abc123"']
    assert sum(r == "front-matter" for r, _ in reasons) == 5
    assert ("markdown-heading", "##") in reasons and ("markdown-emphasis", "**") in reasons
    assert ("markdown-quote", ">") in reasons and ("markup", "<!-- INFO END -->") in reasons
    assert ("markdown-attributes", "]{.smallcaps}") in reasons
    assert [t for r, t in reasons if r == "table-of-contents"] == [
        "目　　录",
        "第一章　总　　则",
        "第二章　管理体制",
        "第三章　附　　则",
    ]
    lines = clean.text.split("\n")
    assert lines[:2] == ["某某省开发区条例", "（2020年1月1日某某省人民代表大会常务委员会第九次会议通过）"]
    for line in (
        "第一章　总　　则",
        "第一条　为了促进开发区发展，制定本条例。",
        "第三条　开发区管理机构行使下列职权：",
        "第一节 管理机构",
        "第二节　服务",
        "第三章　附　　则",
    ):
        assert line in lines, line
    # nothing else of the text is lost
    kept = "".join(clean.text.split())
    assert "本条例自2020年3月1日起施行。" in kept and "#" not in kept and "*" not in kept


def test_markup_characters_in_ordinary_text_stay() -> None:
    raw = "一、总体要求\n到2025年，营业收入>100亿元的企业达到5家，“#1厂房”建成。\n---\n二、主要任务\n"
    clean, noise = clean_text(raw)
    assert clean.text == raw and noise == []
