"""The topic codebook and classifier, on sentences of the seed plans and on the State Council corpus.

A reader of a report relies on this: a measure splitting industrial property rights is `land`, one
delegating economic-management powers is `delegation`, a subsidy named in passing still adds
`fiscal_tax`, a list of fields (产业、财税、土地、人才等方面) tags nothing, and nothing is ever dropped.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
from collections import Counter
from dataclasses import astuple
from pathlib import Path

import pytest

from compare.errors import CodebookError
from compare.measures import SKIP_STYLES, extract_measures
from compare.segment import cache_dir, dictionary_words, tokenize, user_terms
from compare.text import match_text, normalise_chars
from compare.topics import (
    CODEBOOK_PATH,
    MANDATORY,
    TOPIC_IDS,
    UNCLASSIFIED,
    aggregate,
    classify,
    format_codebook,
    load_codebook,
)
from compare.topics.classifier import find_hits
from compare.topics.codebook import normalise

from .seeds import DOCS_IN

PACKAGE = Path(__file__).resolve().parent.parent / "compare"


@pytest.fixture(scope="module")
def cb():
    return load_codebook()


def topics_of(text: str, cb, heading: str | None = None, context: tuple[str, ...] = ()) -> list[str]:
    return [t.topic for t in classify(text, heading=heading, context=list(context), codebook=cb)]


# --- the codebook file -------------------------------------------------------------------------


def test_codebook_has_the_thirteen_fixed_topics(cb) -> None:
    assert [t.id for t in cb.topics] == list(TOPIC_IDS)
    assert cb.mandatory == MANDATORY == ("delegation", "talent", "land", "finance")
    # the learned model is part of the codebook: an edit of either file is a new version
    learned = (CODEBOOK_PATH.parent / "learned.tsv").read_bytes()
    assert cb.version == hashlib.sha256(CODEBOOK_PATH.read_bytes() + learned).hexdigest()
    assert cb.by_id["land"].zh == "土地"
    for t in cb.topics:
        assert t.zh and t.en and t.description
        assert t.keywords, t.id
        assert all(c.weight > 0 for c in t.cues), t.id


def test_format_codebook_lists_every_topic_in_both_languages(cb) -> None:
    zh = format_codebook(cb)
    en = format_codebook(cb, lang="en")
    for t in cb.topics:
        assert t.id in zh and t.zh in zh and t.en in en
    assert "批而未供" in zh  # land's strongest cues are shown
    assert cb.version[:12] in en


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "codebook.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _with_topic_edit(old: str, new: str) -> str:
    text = CODEBOOK_PATH.read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new, 1)


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    bad = _with_topic_edit("      下放: 3\n", "      下放: [3\n")
    with pytest.raises(CodebookError) as err:
        load_codebook(_write(tmp_path, bad))
    assert err.value.path.endswith("codebook.yaml")
    assert err.value.line is not None and abs(err.value.line - _line_of(bad, "下放: [3")) <= 2
    assert str(err.value).startswith(f"{err.value.path}:{err.value.line}: ") and "YAML" in str(err.value)


def test_unknown_topic_id_names_its_line(tmp_path: Path) -> None:
    bad = _with_topic_edit("  - id: land\n", "  - id: landuse\n")
    with pytest.raises(CodebookError) as err:
        load_codebook(_write(tmp_path, bad))
    assert err.value.line == _line_of(bad, "  - id: landuse")
    assert "landuse" in str(err.value) and "codebook.yaml" in str(err.value)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("      下放: 3\n", "      下放: three\n", "must be a number"),
        ("    zh: 土地\n", "    zh: 土地\n    colour: brown\n", "unknown key 'colour'"),
        ("  - id: finance\n", "  - name: finance\n", "missing id"),
        ("  heading_weight: 2.0", "  heading_wieght: 2.0", "unknown setting"),
        ('  - "《[^》]{1,120}》"', '  - "《[^》]{1,120}"(', "YAML"),
    ],
)
def test_schema_errors_are_clear(tmp_path: Path, old: str, new: str, message: str) -> None:
    bad = _with_topic_edit(old, new)
    with pytest.raises(CodebookError) as err:
        load_codebook(_write(tmp_path, bad))
    assert message in str(err.value)
    assert err.value.line is not None


def test_a_bad_regular_expression_is_reported(tmp_path: Path) -> None:
    bad = _with_topic_edit('      - "担保放行"\n', '      - "担保(放行"\n')
    with pytest.raises(CodebookError, match="bad regular expression") as err:
        load_codebook(_write(tmp_path, bad))
    assert err.value.line == _line_of(bad, '"担保(放行"')


def test_missing_file_is_a_codebook_error(tmp_path: Path) -> None:
    with pytest.raises(CodebookError, match="cannot read"):
        load_codebook(tmp_path / "nope.yaml")


# --- classifying real sentences -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # 000 item 22 and 002 (十九): splitting the property rights of industrial buildings
        ("允许对具备土地独立分宗条件的工业物业产权进行分割,用以引进优质项目。", "land"),
        # 000 item 17
        (
            "赋予联动创新区(经开区)更大的自主权,比照自贸试验区,在联动创新区(经开区)同步下放省级经济管理权限。",
            "delegation",
        ),
        # 000 item 21
        (
            "按照有关规定允许高校、科研院所和国有企业的科技人才在联动创新区(经开区)兼职兼薪、按劳取酬。",
            "talent",
        ),
        # 000 item 16
        ("推动重点“金种子”企业上市融资,非上市中小企业到“新三板”挂牌交易。", "finance"),
        # 002 (十三)
        (
            "鼓励园区循环化改造,支持开展绿色产业示范基地建设和绿色园区、生态工业示范园区申报创建。",
            "green_safety",
        ),
        # 002 (二十三)
        (
            "探索区域评估试点,由园区对地震安全性评价、地质灾害危险性评估、环境影响评价等事项统一评估。",
            "admin_reform",
        ),
        # 003 三(一)
        ("持续深化“区镇分设”体制机制改革。", "governance"),
        # 000 item 18
        ("采取以商招商、产业链招商等方式,鼓励支持其积极引进合作伙伴和上下游配套企业。", "investment"),
    ],
)
def test_primary_topic_of_real_sentences(cb, sentence: str, expected: str) -> None:
    assert topics_of(sentence, cb)[0] == expected


def test_public_money_named_in_passing_adds_fiscal_tax(cb) -> None:
    # 000 item 5: a finance measure that also rewards listing with public money
    tags = topics_of("支持企业通过挂牌上市、企业债券等方式融资,对企业上市融资按照规定给予奖励。", cb)
    assert tags[0] == "finance" and "fiscal_tax" in tags


def test_a_list_of_fields_is_evidence_for_none_of_them(cb) -> None:
    # 004 四(二): 产业、财税、土地、人才 name the fields of support, not its object
    tags = topics_of(
        "应加快推进与联动创新区发展相适应的行政审批、市场监管等各项改革,在产业、财税、土地、人才等要素保障方面依法给予支持。",
        cb,
    )
    assert tags[0] == "admin_reform"
    assert not {"land", "talent", "industry"} & set(tags)


def test_negative_cues_stop_false_friends(cb) -> None:
    assert "green_safety" not in topics_of("优化创新生态,营造良好的产业生态和营商环境。", cb)
    assert "finance" not in topics_of("创新出口货物专利纠纷担保放行方式。", cb)
    assert "green_safety" not in topics_of(
        "强化工作落实,明确落实措施和时间节点。", cb
    )  # 强化工作 is not 化工
    assert "delegation" not in topics_of("加大“放管服”改革和简政放权力度。", cb)
    # zone names carry no topic: 高新技术产业开发区 is not innovation, 产业园区 not industry
    assert topics_of("临沧高新技术产业开发区管委会", cb)[0] in (UNCLASSIFIED, "governance")


def test_heading_and_chapter_are_evidence(cb) -> None:
    body = "建立园区人才需求信息库,畅通高级职称评审绿色通道。"
    assert topics_of(body, cb, heading="加大园区招才引智")[0] == "talent"
    # the chapter a provision sits in is weaker evidence, but decides when the text is silent
    assert topics_of("做好相关工作。", cb, context=("强化土地集约利用",))[0] == "land"
    assert topics_of("做好相关工作。", cb) == [UNCLASSIFIED]


def test_nothing_fitting_is_unclassified_not_dropped(cb) -> None:
    tags = classify("支持联动创新区与国外学校合作,招收中小学留学生。", heading=None, context=[], codebook=cb)
    assert tags and tags[0].topic == UNCLASSIFIED


def test_evidence_names_the_words_that_fired(cb) -> None:
    tag = classify(
        "加大对批而未供和闲置土地的处置力度。", heading="创新土地集约利用", context=[], codebook=cb
    )[0]
    assert tag.topic == "land"
    assert "批而未供" in tag.evidence and "闲置土地" in tag.evidence
    assert any(e.startswith("标题:") for e in tag.evidence)


def test_traditional_script_classifies_through_match_text(cb) -> None:
    traditional = "允許對具備土地獨立分宗條件的工業物業產權進行分割，加大對批而未供和閒置土地的處置力度。"
    match = match_text(traditional)
    assert len(match) == len(traditional)
    assert topics_of(match, cb)[0] == "land"


def test_aggregate_gives_one_topic_set_for_an_item(cb) -> None:
    parts = [
        "支持银行、保险等金融机构在园区内新设分支机构。",
        "支持企业通过挂牌上市、企业债券等方式融资。",
        "对企业上市融资按照规定给予奖励。",
    ]
    tags = aggregate([classify(p, heading=None, context=[], codebook=cb) for p in parts], cb)
    assert [t.topic for t in tags][:1] == ["finance"]
    assert "fiscal_tax" in [t.topic for t in tags]
    assert aggregate([], cb)[0].topic == UNCLASSIFIED


# --- generality: the State Council corpus --------------------------------------------------------


def test_corpus_distribution_is_sensible(corpus_paths: list[Path], cb) -> None:
    """Real national documents: nothing dropped, few unclassified, topics where the titles say."""
    read = pytest.importorskip("compare.ingest").read_document
    parse = pytest.importorskip("compare.outline").parse_outline
    root = corpus_paths[0].parent
    primaries: Counter[str] = Counter()
    by_doc: dict[str, Counter[str]] = {}
    for path in corpus_paths:
        doc = read(path, root)
        sections = parse(doc)
        measures = extract_measures(doc, sections, cb)
        covered = {m.section_id for m in measures}
        for s in sections:
            body = re.sub(r"\s", "", s.text)
            if s.style not in SKIP_STYLES and len(body) > len(s.label) + len(s.heading or "") + 2:
                assert s.section_id in covered, (path.name, s.path)  # nothing dropped
        c = Counter(m.primary_topic for m in measures if m.kind == "measure")
        by_doc[path.stem] = c
        primaries.update(c)
    n = sum(primaries.values())
    print("\ncorpus primary topics:", dict(primaries.most_common()))
    for name, c in by_doc.items():
        print(f"  {name[:48]:<48} {dict(c.most_common(3))}")
    assert primaries[UNCLASSIFIED] / n < 0.2
    # the documents' subjects come out on top
    assert by_doc["guobanfa-2019-06_financing-guarantee-small-firms"].most_common(1)[0][0] == "finance"
    assert by_doc["guofa-2019-04_vocational-education-reform-plan"].most_common(1)[0][0] == "talent"
    assert by_doc["guofa-2019-05_joint-random-inspection"].most_common(1)[0][0] == "admin_reform"
    assert by_doc["guobanfa-2018-127_research-institution-autonomy"].most_common(1)[0][0] == "innovation"
    assert by_doc["guohan-2018-159_xiongan-master-plan-reply"]["planning"] > 3


# --- word tokens (jieba behind compare.segment) ---------------------------------------------------


def test_tokenize_keeps_policy_terms_whole() -> None:
    tokens = tokenize("实施证照分离、容缺受理,加大批而未供土地处置,推行兼职兼薪和七通一平的标准地。")
    for term in ("证照分离", "容缺受理", "批而未供", "兼职兼薪", "七通一平", "标准地", "土地"):
        assert term in tokens
    assert len(user_terms()) >= 300


def test_jieba_cache_lives_in_a_directory_the_project_owns(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("COMPARE_CACHE_DIR", str(tmp_path))
    assert cache_dir() == tmp_path / "jieba" and cache_dir().is_dir()


def test_only_segment_imports_jieba() -> None:
    importers = [
        p.relative_to(PACKAGE).as_posix()
        for p in PACKAGE.rglob("*.py")
        if re.search(r"^\s*(?:import jieba|from jieba)", p.read_text(encoding="utf-8"), re.M)
    ]
    assert importers == ["segment.py"]


def test_a_restored_tokenizer_has_the_dictionary_jieba_builds(tmp_path: Path, monkeypatch) -> None:
    # the saved final dictionary (jieba's plus the user terms) is the one initialize + user terms build
    import jieba

    from compare import segment

    monkeypatch.setenv("COMPARE_CACHE_DIR", str(tmp_path))
    built = jieba.Tokenizer()
    built.tmp_dir = str(segment.cache_dir())
    assert not segment._restore(built)  # nothing saved in a fresh cache directory
    built.initialize()
    built.load_userdict(io.StringIO("\n".join(user_terms())))
    segment._save(built)
    restored = jieba.Tokenizer()
    assert segment._restore(restored) and restored.initialized
    assert restored.FREQ == built.FREQ and restored.total == built.total
    text = "深化放管服改革，实施证照分离、容缺受理，推动中国（云南）自由贸易试验区昆明片区联动发展。"
    assert restored.lcut(text) == built.lcut(text) == tokenize(text)
    # a damaged copy is never trusted: jieba builds the dictionary again
    next(tmp_path.glob("jieba/tokenizer-*.marshal")).write_bytes(b"\x00garbage")
    assert not segment._restore(jieba.Tokenizer())


def test_dictionary_words_cut_like_jieba_without_hmm(corpus_paths: list[Path]) -> None:
    # the SQLite copy of jieba's dictionary routes exactly like jieba (what cleaning asks it)
    text = corpus_paths[0].read_text(encoding="utf-8")[:3000]
    pieces = [text[i : i + n] for n in (2, 5, 16, 40) for i in range(0, len(text) - n, 97)]
    pieces += ["评估、环境影响评价、节能评价、水", "ab12 证照分离\r\n中国人民银行", "Ｃ３。", ""]
    for piece in pieces:
        assert dictionary_words(piece) == tokenize(piece, hmm=False), piece


def test_normalise_chars_skips_only_text_it_would_not_change() -> None:
    # the NFKC quick check lets normalised text through untouched: no character it would change
    # (full-width forms, compatibility ideographs, radicals, letterlike symbols …) is ever in such text
    blocks = [(0x00A0, 0x0400), (0x2000, 0x3400), (0xF900, 0xFB00), (0xFE00, 0x10000), (0x1D400, 0x1D800)]
    for lo, hi in blocks:
        for cp in range(lo, hi):
            ch = chr(cp)
            nfkc = unicodedata.normalize("NFKC", ch)
            if len(nfkc) == 1 and nfkc != ch:
                assert not unicodedata.is_normalized("NFKC", "中" + ch), hex(cp)
                assert normalise_chars("中" + ch + "，") == "中" + nfkc + ","


# --- the cue index against a plain scan of every cue -----------------------------------------------


def _reference_hits(plain: str, cb, heading: bool) -> list[tuple]:
    """The classifier's evidence found the plain way: every cue regex over the text, topic by topic."""
    chars = list(plain)
    for rx in cb.neutral:
        for m in rx.finditer(plain):
            chars[m.start() : m.end()] = "\u3000" * (m.end() - m.start())
    blanked = "".join(chars)
    out = []
    for topic in cb.topics:
        negatives = [m.span() for rx in topic.negative for m in rx.finditer(plain)]
        raw = [
            (m.start(), m.end(), cue)
            for cue in (topic.cues + topic.heading if heading else topic.cues)
            for m in cue.regex.finditer(plain if cue.is_pattern else blanked)
            if m.end() > m.start() and not any(s < m.end() and m.start() < e for s, e in negatives)
        ]
        keywords = [(s, e) for s, e, c in raw if not c.is_pattern]
        raw = [
            (s, e, c)
            for s, e, c in raw
            if c.is_pattern or not any(ks <= s and e <= ke and ke - ks > e - s for ks, ke in keywords)
        ]
        raw.sort(key=lambda h: (-h[2].weight, h[0] - h[1], h[0]))
        kept: list[tuple] = []
        for s, e, c in raw:
            if all(e <= ks or s >= ke for ks, ke, _ in kept):
                kept.append((s, e, c))
        out += [
            (topic.id, c.text, s, e, c.weight, c.is_pattern) for s, e, c in sorted(kept, key=lambda h: h[0])
        ]
    return out


def test_indexed_cues_find_what_a_plain_scan_finds(cb, corpus_paths: list[Path]) -> None:
    paths = sorted(DOCS_IN.glob("*.txt")) + corpus_paths
    checked = 0
    for path in paths:
        text = normalise(match_text(path.read_text(encoding="utf-8")))
        for sentence in re.split(r"(?<=[。;\n])", text):
            for heading in (False, True):
                found = [astuple(h) for h in find_hits(sentence, cb, heading=heading)]
                assert found == _reference_hits(sentence, cb, heading), sentence
                checked += 1
    assert checked > 2000


def test_an_item_that_describes_what_its_lead_in_means_takes_the_lead_in_s_topic() -> None:
    cb = load_codebook()

    def topics(text: str, lead_in: str) -> list[str]:
        return [t.topic for t in classify(text, heading=None, context=[], codebook=cb, lead_in=lead_in)]

    # the Ningbo regulation's enterprises a zone may not set up: each item says which, none acts on pollution
    assert topics("污染环境又缺乏有效治理措施的；", "开发区内不得举办下列企业：") == ["investment"]
    # an item that is an action keeps its own topics first (the forms of investment: 中外合资经营)
    assert topics("中外合资经营；", "在开发区投资经营可以采用下列方式：")[0] == "opening"
