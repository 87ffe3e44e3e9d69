"""Verbatim reuse: the long passages one plan shares word for word with another."""

from __future__ import annotations

import random
import re
import time
from pathlib import Path

from compare.align.reuse import find_reuse, normalise
from compare.model import CleanText, Document, Metadata

from .conftest import DOCS_IN, SEED_FILES, plan_id, seed_plans

SPLIT_CLAUSE = "允许对具备土地独立分宗条件的工业物业产权进行分割"


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_the_property_split_clause_copied_between_two_plans_is_found_with_raw_spans() -> None:
    plans = seed_plans()
    docs = {p.document.plan_id: p.document for p in plans}
    a, b = sorted([plan_id("000_0ab2cbae05243f0f.txt"), plan_id("002_06345e5d4fc3fac7.txt")])
    hits = [r for r in find_reuse(list(docs.values())) if (r.plan_a, r.plan_b) == (a, b)]
    hit = next(r for r in hits if SPLIT_CLAUSE in _squeeze(r.text))
    assert hit.length >= 15
    for pid, start, end in ((a, hit.start_a, hit.end_a), (b, hit.start_b, hit.end_b)):
        raw = docs[pid].raw_text
        assert SPLIT_CLAUSE in _squeeze(raw[start:end]), pid
        assert start == raw.find(raw[start:end])  # the span is where the passage is printed
    assert _squeeze(hit.text) == _squeeze(docs[a].raw_text[hit.start_a : hit.end_a])


def test_boilerplate_every_plan_repeats_is_not_reuse() -> None:
    reuse = find_reuse([p.document for p in seed_plans()])
    assert reuse, "the seeds do copy each other"
    for r in reuse:
        assert "习近平新时代中国特色社会主义思想" not in _squeeze(r.text)
        assert r.plan_a < r.plan_b
        assert r.end_a > r.start_a and r.end_b > r.start_b


def _doc(plan_id: str, text: str, jurisdiction: str | None = None) -> Document:
    """A plan whose clean text is its raw text (enough to test matching and offsets)."""
    return Document(
        plan_id=plan_id,
        source_file=f"{plan_id}.txt",
        sha256="",
        format="txt",
        encoding="utf-8",
        raw_text=text,
        clean=CleanText(text, [(0, 0, len(text))], text),
        noise=[],
        metadata=Metadata(jurisdiction=jurisdiction),
    )


def test_place_names_bracketed_insertions_and_long_forms_do_not_hide_a_copy() -> None:
    a = _doc("a", "一、总则\n强化云南自贸试验区与联动创新区(经开区)的联动试验,形成成果。", "云南省曲靖市")
    b = _doc("b", "第三条 强化自由贸易试验区与联动创新区的联动试验。另起一段。", "重庆市")
    c = _doc("c", "落实外商投资准入前国民待遇加负面清单管理制度。")
    d = _doc("d", "试点外资准入前国民待遇加负面清单管理模式。")
    (ab,) = find_reuse([a, b])
    assert ab.text == "强化云南自贸试验区与联动创新区(经开区)的联动试验"
    assert b.raw_text[ab.start_b : ab.end_b] == "强化自由贸易试验区与联动创新区的联动试验"
    (cd,) = find_reuse([c, d])
    assert d.raw_text[cd.start_b : cd.end_b] == "外资准入前国民待遇加负面清单管理"
    assert c.raw_text[cd.start_a : cd.end_a] == "外商投资准入前国民待遇加负面清单管理"
    assert find_reuse([c, d], min_length=20) == []


def test_a_passage_in_most_plans_is_boilerplate_not_reuse() -> None:
    rng = random.Random(1)
    alphabet = [chr(c) for c in range(0x4E00, 0x4E00 + 2000)]  # random CJK filler
    shared = "建立开发区统一的项目入园联合评审工作机制"
    docs = []
    for k in range(6):
        filler = "".join(rng.choice(alphabet) for _ in range(400))
        text = filler[:200] + (shared if k < 4 else "") + filler[200:]
        if k in (1, 2):
            text += "鼓励新入区企业和土地使用权权属企业合作开展产权分割试点"
        docs.append(_doc(f"p{k}", text))
    reuse = find_reuse(docs)
    assert all(shared not in r.text for r in reuse), "found in 4 of 6 plans: boilerplate"
    assert [(r.plan_a, r.plan_b) for r in reuse if "产权分割" in r.text] == [("p1", "p2")]


def test_reuse_detection_grows_with_the_text_not_with_the_pairs_of_plans() -> None:
    rng = random.Random(7)
    alphabet = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]

    def corpus(n: int) -> list[Document]:
        return [_doc(f"p{k:04d}", "".join(rng.choice(alphabet) for _ in range(3000))) for k in range(n)]

    small, large = corpus(20), corpus(160)
    t0 = time.perf_counter()
    find_reuse(small)
    t_small = time.perf_counter() - t0
    t0 = time.perf_counter()
    assert find_reuse(large) == []
    t_large = time.perf_counter() - t0
    # 8x the plans is 64x the pairs; near-linear work stays far below that
    assert t_large < 20 * max(t_small, 0.05), (t_small, t_large)


def test_the_normalised_text_maps_back_to_the_clean_text() -> None:
    doc = next(
        p.document for p in seed_plans() if p.document.source_file == SEED_FILES["002_06345e5d4fc3fac7.txt"]
    )
    norm = normalise(doc)
    assert len(norm.text) == len(norm.spans)
    i = norm.text.find("允许对具备土地独立分宗条件")
    start, _ = norm.spans[i]
    assert doc.clean.text[start:].startswith("允许对具备土地独立分宗条件")
    assert Path(DOCS_IN / doc.source_file).exists()


def test_citing_the_same_national_document_is_not_reuse() -> None:
    title = "《国务院办公厅关于促进开发区改革和创新发展的若干意见》(国办发〔2017〕7号)"
    a = _doc("a", f"为贯彻落实{title},结合本市实际,制定本方案。")
    b = _doc("b", f"根据{title}精神,提出以下实施意见。")
    assert find_reuse([a, b]) == []
