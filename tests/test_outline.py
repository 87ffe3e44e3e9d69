"""The outline of real plans: numbered sections with exact offsets, front matter, preamble and back.

Given the five seed plans and the fourteen State Council documents, the outline finds every
numbered provision where the gold set says it starts, with its heading; it keeps transmittal
notices, titles and signatures apart from the plan; and the sections plus the cleaning's noise
cover every character of the source.
"""

from __future__ import annotations

import itertools
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from opencc import OpenCC

from compare.ingest import clean_text, read_document
from compare.layout.numbering import parse_label
from compare.model import Document, Metadata, Section
from compare.outline import NO_OUTLINE, outline_warnings, parse_outline, render_outline

from .conftest import CORPUS_DIR, DOCS_IN, SEED_FILES

NUMBERED = {
    "chapter",
    "part-section",
    "article",
    "cn-dun",
    "cn-paren",
    "num-dot",
    "num-paren",
    "num-rparen",
    "circled",
    "table-row",
}


@cache
def _read(path: Path) -> tuple[Document, tuple[Section, ...]]:
    doc = read_document(path, path.parent)
    return doc, tuple(parse_outline(doc))


def seed(gold_name: str) -> tuple[Document, tuple[Section, ...]]:
    return _read(DOCS_IN / SEED_FILES[gold_name])


def corpus(stem: str) -> tuple[Document, tuple[Section, ...]]:
    (path,) = CORPUS_DIR.glob(f"{stem}_*.txt")
    return _read(path)


def doc_from_text(text: str, plan_id: str = "synthetic") -> Document:
    clean, noise = clean_text(text)
    return Document(plan_id, f"{plan_id}.txt", "", "txt", "utf-8", text, clean, noise, Metadata())


def numbered(sections: tuple[Section, ...] | list[Section], style: str | None = None) -> list[Section]:
    return [s for s in sections if s.style in NUMBERED and (style is None or s.style == style)]


def label_value(section: Section) -> int:
    label = parse_label(section.label + "x")
    assert label is not None
    return label.value


def assert_sections_partition(doc: Document, sections: tuple[Section, ...] | list[Section]) -> None:
    """Clean spans tile the clean text; raw spans plus noise cover the raw text; no overlaps."""
    assert sections, "no sections"
    assert sections[0].clean_start == 0
    assert sections[-1].clean_end == len(doc.clean.text)
    for a, b in itertools.pairwise(sections):
        assert a.clean_end == b.clean_start, (a.section_id, b.section_id)
        assert a.end <= b.start, (a.section_id, b.section_id)
    covered = bytearray(len(doc.raw_text))
    for s in sections:
        assert s.text == doc.clean.text[s.clean_start : s.clean_end]
        assert s.text.strip(), f"{s.section_id} is empty"
        covered[s.start : s.end] = b"\x01" * (s.end - s.start)
    for n in doc.noise:
        covered[n.start : n.end] = b"\x01" * (n.end - n.start)
        inside = [s for s in sections if s.start < n.end and n.start < s.end]
        # a noise span lies inside one section or between sections, never across a boundary
        assert len(inside) <= 1 and all(s.start <= n.start and n.end <= s.end for s in inside), n
    gaps = [i for i, c in enumerate(covered) if not c]
    assert not gaps, f"raw characters in no section and no noise span: {gaps[:10]}"


# --- the gold provisions of the seeds ----------------------------------------------------------------


@pytest.mark.parametrize("gold_name", sorted(SEED_FILES))
def test_every_gold_provision_opens_a_section_with_its_heading(
    gold_name: str, gold_provisions: list[dict]
) -> None:
    doc, sections = seed(gold_name)
    raw = doc.raw_text
    pos = 0
    for g in (p for p in gold_provisions if p["doc"] == gold_name):
        q = raw.find(g["start_quote"], pos)
        assert q >= 0, g
        pos = q + 1
        holder = next(s for s in sections if s.start <= q < s.end)
        if g["label"] == "preamble":
            assert holder.style == "preamble", (g["seq"], holder)
            continue
        # the section starts with the provision's label, right before the gold start quote
        assert raw[holder.start : q].strip() == holder.label, (g["seq"], g["label"], holder.label)
        assert holder.path.split("/")[-1] == g["label"].rstrip(".、"), (g["path"], holder.path)
        assert holder.heading == g["heading"], (g["seq"], holder.heading, g["heading"])


@pytest.mark.parametrize("gold_name", sorted(SEED_FILES))
def test_seed_sections_and_noise_cover_the_raw_text(gold_name: str) -> None:
    doc, sections = seed(gold_name)
    assert_sections_partition(doc, sections)
    assert outline_warnings(list(sections)) == []


def test_yunnan_numbers_its_24_measures_across_four_themes() -> None:
    _, sections = seed("000_0ab2cbae05243f0f.txt")
    items = numbered(sections, "num-dot")
    assert [s.label for s in items] == [f"{i}." for i in range(1, 25)]
    assert items[16].path == "三/(四)/17" and items[16].heading == "加大赋权放权力度"
    assert {s.path.rsplit("/", 1)[0] for s in items} == {"三/(一)", "三/(二)", "三/(三)", "三/(四)"}
    by_id = {s.section_id: s for s in sections}
    theme = by_id[items[0].parent_id or ""]
    assert theme.heading == "全面推广自贸试验区改革成果" and theme.level == 2
    # the theme's lead paragraph is its own text, up to its first numbered measure
    assert "积极复制推广云南自贸试验区106项改革试点任务" in theme.text and "1." not in theme.text
    assert [s.path for s in numbered(sections, "cn-paren") if s.path.startswith("四")] == [
        "四/(一)",
        "四/(二)",
        "四/(三)",
    ]


def test_lincang_items_run_on_across_chapters_after_a_transmittal_notice() -> None:
    _, sections = seed("001_5b7ad4bae4d750b9.txt")
    items = numbered(sections, "cn-paren")
    assert [s.label for s in items][:3] == ["(一)", "(二)", "(三)"]
    assert [label_value(s) for s in items] == list(range(1, 25))
    assert [s.level for s in items] == [2] * 24
    assert items[5].path == "三/(六)" and items[5].heading == "培强壮大重点产业"
    front = [s for s in sections if s.style == "front"]
    assert front and sections[0].style == "front"
    notice = "".join(s.text for s in front)
    for part in ("临办发〔2019〕5号", "现印发给你们", "2019年1月26日", "临沧市人民政府办公室"):
        assert part in notice
    (title,) = [s for s in sections if s.style == "title"]
    assert title.heading == "关于支持临沧高新技术产业开发区转型升级创新发展的实施意见"
    assert sections[sections.index(title) + 1].style == "preamble"


def test_kunming_closing_clauses_stay_in_the_last_item() -> None:
    _, sections = seed("002_06345e5d4fc3fac7.txt")
    items = numbered(sections, "cn-paren")
    assert len(items) == 26
    last = items[-1]
    assert last.path == "八/(二十六)" and last.heading == "加强园区考核评价"
    assert "本意见自印发之日起执行至2025年12月31日" in last.text
    assert sections[-1] is last


def test_nantong_restarts_items_per_chapter_and_keeps_responsibility_tails() -> None:
    _, sections = seed("003_2777ea43c985abc2.txt")
    items = numbered(sections, "cn-paren")
    chapters = Counter(s.path.split("/")[0] for s in items)
    assert chapters == {"二": 5, "三": 3, "四": 4, "五": 3, "六": 3, "七": 2}
    assert [s.path for s in items[5:8]] == ["三/(一)", "三/(二)", "三/(三)"]
    assert all("责任单位" in s.text for s in items)
    first = next(s for s in sections if s.path == "一")
    assert first.heading == "总体要求" and "以习近平新时代中国特色社会主义思想为指导" in first.text


def test_chongqing_application_conditions_are_numbered_clauses_without_headings() -> None:
    _, sections = seed("004_1dfda3257b40adf7.txt")
    clauses = numbered(sections, "num-dot")
    assert [s.path for s in clauses[:5]] == [f"二/(一)/{i}" for i in range(1, 6)]
    assert [s.path for s in clauses[5:9]] == [f"二/(二)/{i}" for i in range(1, 5)]
    assert all(s.heading is None and s.level == 3 for s in clauses)
    assert next(s for s in sections if s.path == "二/(一)").heading == "申报条件"
    assert sections[0].style == "front" and "渝自贸办〔2021〕3号" in sections[0].text
    assert (
        sections[1].style == "title" and sections[1].heading == "中国(重庆)自由贸易试验区联动创新区建设方案"
    )


def test_traditional_script_gives_the_same_outline(tmp_path: Path) -> None:
    src = DOCS_IN / SEED_FILES["000_0ab2cbae05243f0f.txt"]
    trad = tmp_path / src.name
    trad.write_text(OpenCC("s2t").convert(src.read_text(encoding="utf-8")), encoding="utf-8")
    doc = read_document(trad, tmp_path)
    ours = [(s.style, s.path) for s in numbered(parse_outline(doc))]
    assert ours == [(s.style, s.path) for s in numbered(seed("000_0ab2cbae05243f0f.txt")[1])]


# --- the corpus ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(CORPUS_DIR.glob("*.txt")), ids=lambda p: p.name.split("_")[0])
def test_corpus_sections_and_noise_cover_the_raw_text(path: Path) -> None:
    doc, sections = _read(path)
    assert_sections_partition(doc, sections)


# expected numbered sections per style, read from the documents (see tests/data/corpus/SOURCES.md)
CORPUS_SHAPES = {
    "guofa-2019-05": {"cn-dun": 4, "cn-paren": 10},
    "guobanfa-2019-06": {"cn-dun": 8, "cn-paren": 27},
    "guofa-2019-04": {"cn-dun": 7, "cn-paren": 20},
    # the attached 推广清单 after the signature: its 一、–五、 and its table's rows 1–14, 21–23 (15–20 cut)
    "guobanfa-2018-126": {"cn-dun": 8, "cn-paren": 5, "table-row": 17},
    "guobanfa-2018-127": {"cn-dun": 5, "cn-paren": 11},
    "guohan-2018-159": {"cn-dun": 14},
    "guofa-2018-42": {"cn-dun": 8, "cn-paren": 20},
    "guofa-2018-43": {},
    "guobanfa-2018-124": {"cn-dun": 13, "cn-paren": 51},
    "guobanfa-2018-117": {"cn-dun": 30},
    "guofa-2018-39": {"cn-dun": 5, "cn-paren": 15},
    "guohan-2006-132": {"cn-dun": 2},
    "guobanfa-2018-108": {"num-dot": 130},
    "guobanhan-2018-71": {"cn-dun": 5, "cn-paren": 14, "num-dot": 4},
}


@pytest.mark.parametrize("stem", sorted(CORPUS_SHAPES))
def test_corpus_outline_has_the_printed_numbering(stem: str) -> None:
    _, sections = corpus(stem)
    assert Counter(s.style for s in numbered(sections)) == CORPUS_SHAPES[stem]


def test_numbering_continues_across_sections_when_the_document_does() -> None:
    _, sections = corpus("guobanfa-2019-06")
    items = numbered(sections, "cn-paren")
    assert [s.path.split("/")[-1] for s in items][-1] == "(二十七)"
    assert items[2].path == "二/(三)" and items[2].heading == "明确支持范围"
    # a bare heading line followed by unnumbered lead-sentence paragraphs keeps them as its text
    principles = items[1]
    assert principles.heading == "基本原则" and "坚持保本微利运行" in principles.text


def test_three_levels_and_restarts_in_a_pilot_work_plan() -> None:
    _, sections = corpus("guobanhan-2018-71")
    assert [s.path for s in numbered(sections, "num-dot")] == [f"一/(二)/{i}" for i in range(1, 5)]
    assert next(s for s in sections if s.path == "一/(二)/1").heading == "问题导向"
    # the transmittal notice and its signature come before the attached plan
    assert sections[0].style == "front" and "国办函〔2018〕71号" in sections[0].text
    title = next(s for s in sections if s.style == "title")
    assert title.heading == "政府网站集约化试点工作方案"


def test_two_attached_regulations_each_get_a_title_and_restart_their_numbering() -> None:
    _, sections = corpus("guobanfa-2018-124")
    titles = [s.heading for s in sections if s.style == "title"]
    assert titles == ["文化体制改革中经营性文化事业单位转制为企业的规定", "进一步支持文化企业发展的规定"]
    second = [s for s in sections if s.seq > next(t.seq for t in sections if t.heading == titles[1])]
    assert second[0].style == "preamble"
    assert [s.path for s in numbered(second, "cn-dun")] == ["一", "二", "三", "四"]
    assert next(s.path for s in numbered(second, "cn-paren")) == "一/(一)"


def test_a_decision_without_outline_is_one_body_with_a_warning() -> None:
    _, sections = corpus("guofa-2018-43")
    assert [s.style for s in sections] == ["title", "front", "body", "back"]
    body = sections[2]
    assert body.level == 1 and "博鳌乐城国际医疗旅游先行区" in body.text
    assert sections[3].text.startswith("国务院\n2018年12月21日")
    assert outline_warnings(list(sections)) == [NO_OUTLINE]


def test_flattened_coordinate_tables_after_the_signature_stay_in_the_back() -> None:
    _, sections = corpus("guohan-2006-132")
    back = sections[-1]
    assert back.style == "back" and back.text.startswith("附件")
    assert len(sections) < 25  # the tables' hundreds of cells (编号 / X / Y) did not become sections
    assert not numbered(sections, "num-dot") and not numbered(sections, "table-row")


def test_an_attached_list_of_measures_after_the_signature_is_read_as_its_own_document() -> None:
    """附件 / 第二批…推广清单 / 序号 改革举措 主要内容 … / 一、知识产权保护方面 / 1 / its cells: the notice's
    attachment is the measures it promotes, a table flattened one cell per line under its 序号 header."""
    _, sections = corpus("guobanfa-2018-126")
    back = next(s for s in sections if s.style == "back")
    assert back.text.startswith("附件：第二批支持创新相关改革举措推广清单") and "国务院办公厅" in back.text
    title = sections[sections.index(back) + 1]
    assert title.style == "title" and title.heading == "第二批支持创新相关改革举措推广清单"
    rows = numbered(sections, "table-row")
    assert [int(s.label) for s in rows] == [*range(1, 15), 21, 22, 23]  # rows 15–20 cut by the page
    assert rows[0].path == "一/1" and rows[5].path == "二/6"
    assert "知识产权民事、刑事、行政案件“三合一”审判" in rows[0].text
    assert rows[0].text.rstrip().endswith("全国")  # the row's last cell (推广范围)


def test_signature_and_date_close_the_plan() -> None:
    _, sections = corpus("guofa-2019-05")
    assert sections[-1].style == "back" and sections[-1].text.startswith("国务院\n2019年1月27日")
    assert [s.style for s in sections[:3]] == ["title", "front", "preamble"]


# --- the grammar -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "style", "value", "display"),
    [
        ("一、总体要求", "cn-dun", 1, "一"),
        ("三十、对落实有关重大政策", "cn-dun", 30, "三十"),
        ("一百三十、某项", "cn-dun", 130, "一百三十"),
        ("（二十六）加强园区考核评价。", "cn-paren", 26, "(二十六)"),
        ("(六)培强壮大重点产业。", "cn-paren", 6, "(六)"),
        ("【三】某项", "cn-paren", 3, "(三)"),
        ("17.加大赋权放权力度。", "num-dot", 17, "17"),
        ("１．全角编号", "num-dot", 1, "1"),
        ("2、第二项", "num-dot", 2, "2"),
        ("（1）第一小项", "num-paren", 1, "(1)"),
        ("③第三项", "circled", 3, "③"),
        ("第二章 发展目标", "chapter", 2, "第二章"),
        ("　　（三）缩进的条目", "cn-paren", 3, "(三)"),
    ],
)
def test_label_grammar(line: str, style: str, value: int, display: str) -> None:
    label = parse_label(line)
    assert label is not None and (label.style, label.value, label.display) == (style, value, display)


@pytest.mark.parametrize(
    "line",
    [
        "2021年，全市园区实现",
        "1.5亿元用于园区建设",
        "1",
        "15172.500",
        "（2019年）",
        "一是加强领导",
        "　　注：1、坐标系统",
    ],
)
def test_not_a_label(line: str) -> None:
    assert parse_label(line) is None


def test_numbers_that_break_the_sequence_are_body_text() -> None:
    text = (
        "关于加快园区发展的实施意见\n为加快园区发展，制定本意见。\n一、总体要求\n（一）指导思想。坚持新发展理念。\n"
        "2021年，全市园区实现产值增长。\n3.其中三项指标提前完成。\n（二）发展目标。到2025年园区产值翻番。\n"
        "二、主要措施\n（三）支持园区建设。安排专项资金。\n1\n2\n（五）跳号的条目不是新条目。\n"
    )
    doc = doc_from_text(text)
    sections = parse_outline(doc)
    assert [s.path for s in numbered(sections)] == ["一", "一/(一)", "一/(二)", "二", "二/(三)"]
    item = next(s for s in sections if s.path == "二/(三)")
    assert "（五）跳号的条目" in item.text and item.heading == "支持园区建设"
    assert_sections_partition(doc, sections)


def test_render_outline_shows_labels_headings_and_spans() -> None:
    _, sections = seed("002_06345e5d4fc3fac7.txt")
    tree = render_outline(list(sections))
    last = numbered(sections)[-1]
    assert f"{last.label} 加强园区考核评价  (八/(二十六)) [{last.start}:{last.end}]" in tree
    assert tree.splitlines()[0].startswith("[title]")


def test_a_list_in_the_preamble_does_not_swallow_the_chapters() -> None:
    text = (
        "为加快发展，提出以下要求：\n1.提高认识。各地要高度重视。\n2.加强协调。各部门要密切配合。\n"
        "一、总体要求\n（一）指导思想。坚持新发展理念。\n二、主要任务\n（二）推进改革。深化放管服改革。\n"
    )
    sections = parse_outline(doc_from_text(text))
    assert [(s.path, s.level) for s in numbered(sections)] == [
        ("1", 1),
        ("2", 1),
        ("一", 1),
        ("一/(一)", 2),
        ("二", 1),
        ("二/(二)", 2),
    ]


def test_regulation_with_chapters_and_articles() -> None:
    text = (
        "高新技术产业开发区管理办法\n第一章 总则\n第一条 为加强高新区管理，制定本办法。\n"
        "第二条 本办法适用于高新区。\n第二章 管理体制\n第三条 管委会行使下列职权：\n（一）制定发展规划；\n"
        "（二）管理区内土地。\n第四条 本办法自发布之日起施行。\n"
    )
    sections = parse_outline(doc_from_text(text))
    assert [s.path for s in numbered(sections)] == [
        "第一章",
        "第一章/第一条",
        "第一章/第二条",
        "第二章",
        "第二章/第三条",
        "第二章/第三条/(一)",
        "第二章/第三条/(二)",
        "第二章/第四条",
    ]
    assert next(s for s in sections if s.path == "第二章/第三条").heading == "管委会行使下列职权"


def test_a_plan_attached_after_the_notice_signature_and_a_bare_attachment_label() -> None:
    text = (
        "苏州市人民政府办公室关于印发苏州市开发区高质量发展行动方案的通知\n苏府办〔2022〕12号\n"
        "各市、区人民政府，市各委办局：\n《苏州市开发区高质量发展行动方案》已经市政府同意，现印发给你们，请认真贯彻执行。\n"
        "附件：苏州市开发区高质量发展行动方案\n苏州市人民政府办公室\n2022年3月1日\n附件\n苏州市开发区高质量发展行动方案\n"
        "为推动开发区高质量发展，制定本方案。\n一、总体要求\n（一）指导思想。坚持新发展理念。\n"
    )
    sections = parse_outline(doc_from_text(text))
    assert [s.style for s in sections] == ["front", "title", "preamble", "cn-dun", "cn-paren"]
    assert sections[0].text.endswith("2022年3月1日\n附件\n")
    assert sections[1].heading == "苏州市开发区高质量发展行动方案"


def test_the_outline_uses_the_layout_ingest_read_the_metadata_from() -> None:
    # one plan is laid out once: ingest hands its layout over, and the outline is the same either way
    from compare.ingest import read_document_and_layout

    path = DOCS_IN / next(iter(SEED_FILES.values()))
    doc, layout = read_document_and_layout(path, path.parent)
    assert parse_outline(doc, layout) == parse_outline(doc) == list(_read(path)[1])


def test_ingest_and_outline_meet_only_in_the_layout() -> None:
    # stages do not import each other; the parts of a document (layer 2) import no stage
    import ast

    import compare

    root = Path(compare.__file__).parent
    stages = ("compare.ingest", "compare.outline", "compare.measures", "compare.align", "compare.render")

    def imports(path: Path) -> set[str]:
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found.update(a.name for a in node.names)
        return found

    def under(names: set[str], prefix: str) -> set[str]:
        return {n for n in names if n == prefix or n.startswith(prefix + ".")}

    for path in (root / "ingest").glob("*.py"):
        assert not under(imports(path), "compare.outline"), path
    assert not under(imports(root / "outline.py"), "compare.ingest")
    for path in [*(root / "layout").glob("*.py"), root / "text.py"]:
        assert not set().union(*(under(imports(path), s) for s in stages)), path


def test_a_regulation_saved_as_markdown_has_its_title_chapters_sections_and_articles(tmp_path: Path) -> None:
    from .test_ingest_clean import MARKDOWN_REGULATION

    path = tmp_path / "regulation.md.txt"
    path.write_text(MARKDOWN_REGULATION, encoding="utf-8")
    doc = read_document(path, tmp_path)
    sections = parse_outline(doc)
    assert doc.metadata.title == "某某省开发区条例"
    assert [s.path for s in numbered(sections)] == [
        "第一章",
        "第一章/第一条",
        "第一章/第二条",
        "第二章",
        "第二章/第一节",
        "第二章/第一节/第三条",
        "第二章/第一节/第三条/(一)",
        "第二章/第二节",
        "第二章/第二节/第四条",
        "第三章",
        "第三章/第五条",
    ]
    assert [s.heading for s in numbered(sections, "chapter")] == ["总　　则", "管理体制", "附　　则"]
    assert next(s for s in sections if s.style == "title").heading == "某某省开发区条例"


def test_items_numbered_across_sections_with_and_without_markers() -> None:
    themes = ["一、", "二、", "三、", "四、"]
    plain, marked, k = [], [], 1
    for theme in themes:
        plain.append(f"{theme}重点任务\n")
        marked.append(f"## {theme}重点任务\n")
        for _ in range(6):
            line = f"{k}、支持开发区建设第{k}项重点工程，给予资金补助。\n"
            plain.append(line)
            marked.append(line)
            k += 1
    for lines in (plain, marked):
        sections = parse_outline(
            doc_from_text("某某开发区建设方案\n为推动开发区发展，制定本方案。\n" + "".join(lines))
        )
        items = numbered(sections, "num-dot")
        assert [label_value(s) for s in items] == list(range(1, 25))
        assert items[6].path == "二/7" and items[-1].path == "四/24"
        assert [s.path for s in numbered(sections, "cn-dun")] == ["一", "二", "三", "四"]
