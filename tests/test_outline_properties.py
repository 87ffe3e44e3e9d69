"""Generated plans: whatever the numbering, headings, blank lines and page noise, the outline is exact.

Hypothesis writes plans with random outlines (一、 / （一） / 1. / （1） / ①, numbering that restarts
under each parent or runs on across parents, levels skipped), headings inline or on their own line,
bodies over several paragraphs, blank and whitespace-only lines and web-page noise lines, then reads
them through the real cleaning. The outline must find exactly the generated items, with their paths
and headings, and its sections plus the noise must cover the raw text.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field

import cn2an
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compare.outline import parse_outline

from .test_outline import assert_sections_partition, doc_from_text, numbered

# Han characters with no numeral among them, so body text never looks like a label.
HAN = "发展产业园区建设推进改革创新支持企业完善机制加强服务优化环境培育集群提升能力开放合作人才用地金融招商"
STYLES = ("cn-dun", "cn-paren", "num-dot", "num-paren", "circled")
NOISE_LINES = ("扫一扫在手机打开当前页", "— 3 —", "　　", " ", "\u00a0")
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def token(style: str, value: int) -> tuple[str, str]:
    """(label as printed, display form in a path)."""
    cn = cn2an.an2cn(value)
    return {
        "cn-dun": (f"{cn}、", cn),
        "cn-paren": (f"（{cn}）", f"({cn})"),
        "num-dot": (f"{value}.", str(value)),
        "num-paren": (f"（{value}）", f"({value})"),
        "circled": (CIRCLED[value - 1], CIRCLED[value - 1]),
    }[style]


@dataclass
class Node:
    style: str
    heading_mode: str  # inline | line | none
    heading: str
    body: list[str]
    children: list[Node] = field(default_factory=list)


def sentence(draw: st.DrawFn, serial: Iterator[int]) -> str:
    """A body paragraph. Lengths vary by position, never by chance alike: many lines of one length
    would look like fixed-width text to the cleaning, which then mends its line breaks."""
    n = 20 + (next(serial) * 37) % 97
    return draw(st.text(alphabet=HAN, min_size=n, max_size=n)) + "。"


@st.composite
def nodes(draw: st.DrawFn, level: int, max_children: int, serial: Iterator[int]) -> Node:
    style = STYLES[level]
    mode = draw(st.sampled_from(["inline", "line", "none"]))
    heading = draw(st.text(alphabet=HAN, min_size=2, max_size=7))
    body = [sentence(draw, serial) for _ in range(draw(st.integers(0 if mode == "inline" else 1, 2)))]
    if mode == "none":  # a first sentence too long to be a heading
        body = [draw(st.text(alphabet=HAN, min_size=45, max_size=45)) + sentence(draw, serial), *body[1:]]
    children: list[Node] = []
    deeper = [lv for lv in range(level + 1, len(STYLES))]
    if deeper and max_children:
        child_level = draw(st.sampled_from(deeper[:2]))  # the next level, or one skipped
        n = draw(st.integers(0, max_children))
        children = [draw(nodes(child_level, max(0, max_children - 2), serial)) for _ in range(n)]
    return Node(style, mode, heading, body, children)


@st.composite
def plans(draw: st.DrawFn) -> tuple[str, list[tuple[str, str, str | None]]]:
    """Raw text of a plan and the expected (style, path, heading) of its numbered sections."""
    serial = itertools.count()
    tops = [draw(nodes(0, 4, serial)) for _ in range(draw(st.integers(1, 5)))]
    # numbering continues across parents (not for ①, which documents restart in every item)
    runs_on = {s: draw(st.booleans()) and s != "circled" for s in STYLES[1:]}
    lines: list[str] = []
    expected: list[tuple[str, str, str | None]] = []
    counters: dict[str, int] = {}
    inline_headings: list[str | None] = []  # the heading an inline item gets once text follows it

    def emit(text: str) -> None:
        lines.append(text)
        for _ in range(draw(st.integers(0, 2))):
            lines.append(draw(st.sampled_from(("", "", *NOISE_LINES))))

    if draw(st.booleans()):
        emit("发布时间：2021-03-30 17:16:02")
    if draw(st.booleans()):
        emit("关于" + draw(st.text(alphabet=HAN, min_size=4, max_size=16)) + "的实施意见")
    if draw(st.booleans()):
        emit("为" + draw(st.text(alphabet=HAN, min_size=4, max_size=20)) + "，制定本意见。")

    def walk(node: Node, path: list[str], first_under_parent: bool) -> None:
        if first_under_parent and not (node.style != "cn-dun" and runs_on[node.style]):
            counters[node.style] = 0
        counters[node.style] = counters.get(node.style, 0) + 1
        printed, display = token(node.style, counters[node.style])
        has_body = bool(node.body) or bool(node.children)
        if node.heading_mode == "inline":
            emit(f"{printed}{node.heading}。{node.body[0] if node.body else ''}")
            rest = node.body[1:]
            heading: str | None = node.heading if (node.body or has_body) else None
        elif node.heading_mode == "line":
            emit(f"{printed}{node.heading}")
            rest = node.body
            heading = node.heading if has_body else None
        else:
            emit(f"{printed}{node.body[0]}")
            rest = node.body[1:]
            heading = None
        expected.append((node.style, "/".join([*path, display]), heading))
        inline_headings.append(node.heading if node.heading_mode == "inline" else None)
        for para in rest:
            emit(para)
        for i, child in enumerate(node.children):
            # a child style reused under a different parent style restarts (it is a new list)
            walk(child, [*path, display], i == 0)

    for i, top in enumerate(tops):
        walk(top, [], i == 0)
    if draw(st.booleans()):
        emit(sentence(draw, serial))  # unnumbered closing text stays in the last item …
        style, path, heading = expected[-1]
        expected[-1] = (style, path, heading or inline_headings[-1])  # … and gives it a body
    if draw(st.booleans()):
        lines.extend(["某某市人民政府", "2021年4月13日"])
    return "\n".join(lines) + "\n", expected


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans())
def test_generated_outlines_are_found_exactly(plan: tuple[str, list[tuple[str, str, str | None]]]) -> None:
    raw, expected = plan
    doc = doc_from_text(raw)
    sections = parse_outline(doc)
    found = [(s.style, s.path, s.heading) for s in numbered(sections)]
    assert found == expected
    assert_sections_partition(doc, sections)
    if raw.endswith("2021年4月13日\n"):
        assert sections[-1].style == "back"
