"""Synthetic corpora for the benchmarks: N plausible plans recombined from the real ones in docs_in/.

Each synthetic plan takes a new place and zone, a new title and 文号, a preamble from one source plan,
and chapters drawn from all of them: items shuffled within a chapter, a few borrowed from other
chapters, sentences lightly reworded from a small synonym table, place names swapped, and every
item renumbered correctly in Chinese numerals (一、 / (一) / 1. / (1)). Output is deterministic for a
``seed``; plan ``i`` does not depend on ``n``, so the corpus of 50 starts with the corpus of 5.

    python benchmarks/synth.py docs_in /tmp/synth --n 50
"""

from __future__ import annotations

import argparse
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

# Sizes of real plans (实施方案/意见) in characters; most are near the low end.
MIN_CHARS, MODE_CHARS, MAX_CHARS = 5_000, 9_000, 25_000

# (province, city): the source plans' places are in the list too, so they are found and replaced.
PLACES: tuple[tuple[str, str], ...] = (
    ("云南", "昆明"), ("云南", "临沧"), ("云南", "曲靖"), ("云南", "玉溪"), ("云南", "大理"),
    ("江苏", "南通"), ("江苏", "苏州"), ("江苏", "扬州"), ("江苏", "盐城"), ("江苏", "徐州"),
    ("四川", "绵阳"), ("四川", "宜宾"), ("四川", "德阳"), ("贵州", "遵义"), ("贵州", "安顺"),
    ("广西", "柳州"), ("广西", "钦州"), ("湖南", "株洲"), ("湖南", "湘潭"), ("湖北", "襄阳"),
    ("湖北", "宜昌"), ("河南", "洛阳"), ("河南", "新乡"), ("山东", "潍坊"), ("山东", "烟台"),
    ("浙江", "嘉兴"), ("浙江", "台州"), ("安徽", "芜湖"), ("安徽", "蚌埠"), ("江西", "赣州"),
    ("福建", "泉州"), ("广东", "惠州"), ("陕西", "宝鸡"), ("甘肃", "天水"), ("河北", "廊坊"),
    ("辽宁", "鞍山"), ("吉林", "吉林"), ("黑龙江", "大庆"), ("山西", "长治"), ("内蒙古", "包头"),
)  # fmt: skip
MUNICIPALITIES = ("重庆", "天津", "上海", "北京")
ZONES = ("经济技术开发区", "高新技术产业开发区", "经济开发区", "产业园区", "自由贸易试验区联动创新区")
TITLES = (
    "关于推进{city}{zone}高质量发展的实施意见",
    "关于支持{city}{zone}转型升级创新发展的实施意见",
    "{city}{zone}创新提升行动方案",
    "关于加快{city}{zone}改革开放的若干措施",
    "关于进一步促进{city}{zone}高质量发展的实施方案",
)
DOC_KINDS = ("政办发", "政发", "办发", "政办规")
# Light rewording: each occurrence is swapped with this probability, in either direction of a pair.
REWORD_RATE = 0.3
SYNONYMS: tuple[tuple[str, str], ...] = (
    ("加快", "加速"), ("推进", "推动"), ("积极", "大力"), ("进一步", "持续"), ("完善", "健全"),
    ("提升", "提高"), ("强化", "加强"), ("优化", "改善"), ("建立", "建设"), ("鼓励", "引导"),
    ("着力", "重点"), ("深化", "深入推进"), ("扩大", "拓展"), ("落实", "执行"), ("培育", "扶持"),
)  # fmt: skip
SOURCE_SUFFIXES = (".txt",)

_CN = "零〇一二三四五六七八九十百两"
_CHAPTER = re.compile(rf"^[{_CN}]{{1,3}}、\s*(\S.*)$")
_CN_PAREN = re.compile(rf"^[(（]\s*[{_CN}]{{1,3}}\s*[)）]\s*(.*)$")
_NUM_DOT = re.compile(r"^\d{1,2}\s*[.．、]\s*(?!\d)(.*)$")
_NUM_PAREN = re.compile(r"^[(（]\s*\d{1,2}\s*[)）]\s*(.*)$")
_LABELS = (("cn-paren", _CN_PAREN), ("num-dot", _NUM_DOT), ("num-paren", _NUM_PAREN))
_BODY_END = tuple("。；;：:”」)）〕")
_SENTENCE = re.compile(r"[^。；]+[。；]")
# Chapters that open (总体要求 …) or close (保障措施 …) a plan keep their place.
_LEAD = re.compile(r"总体要求|总体思路|指导思想|新要求|基本原则")
_CLOSING = re.compile(r"保障|组织实施|组织领导|统筹协调|推进机制")


@dataclass
class Unit:
    """One numbered item: its first line and the lines under it (sub-items keep their style)."""

    first: str
    lines: list[tuple[str | None, str]] = field(default_factory=list)

    def size(self) -> int:
        return len(self.first) + sum(len(text) + 4 for _, text in self.lines) + 4


@dataclass
class Chapter:
    heading: str
    intro: list[str] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)

    @property
    def role(self) -> str:
        if _LEAD.search(self.heading):
            return "lead"
        return "closing" if _CLOSING.search(self.heading) else "body"


@dataclass
class SourcePlan:
    name: str
    preamble: str | None
    chapters: list[Chapter]


def cn_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 17 → 十七, 24 → 二十四, 105 → 一百零五 (1 ≤ n ≤ 999)."""
    digits = "零一二三四五六七八九"
    if not 1 <= n <= 999:
        raise ValueError(f"cn_numeral: {n} out of range")
    hundreds, rest = divmod(n, 100)
    tens, ones = divmod(rest, 10)
    out = digits[hundreds] + "百" if hundreds else ""
    if tens:
        out += ("" if tens == 1 and not hundreds else digits[tens]) + "十"
    elif hundreds and ones:
        out += "零"
    if ones:
        out += digits[ones]
    return out


def _label(style: str, n: int, full_width: bool) -> str:
    lp, rp = ("（", "）") if full_width else ("(", ")")
    if style == "cn-dun":
        return f"{cn_numeral(n)}、"
    if style == "cn-paren":
        return f"{lp}{cn_numeral(n)}{rp}"
    if style == "num-dot":
        return f"{n}."
    return f"{lp}{n}{rp}"


def _match_label(line: str) -> tuple[str, str] | None:
    for style, pattern in _LABELS:
        m = pattern.match(line)
        if m:
            return style, m.group(1)
    return None


def parse_source(name: str, text: str) -> SourcePlan:
    """Chapters (一、) and their numbered items from a real plan; page noise is left behind."""
    lines = [line.strip().strip("\u3000\xa0") for line in text.splitlines()]
    lines = [line for line in lines if line]
    first = next((i for i, line in enumerate(lines) if _CHAPTER.match(line) and len(line) <= 40), None)
    if first is None:
        return SourcePlan(name, None, [])
    lead_in = [line for line in lines[:first] if len(line) >= 50 and "。" in line]
    preamble = lead_in[-1] if lead_in else None
    chapters: list[Chapter] = []
    item_style: str | None = None
    for line in lines[first:]:
        chapter = _CHAPTER.match(line)
        if chapter and len(line) <= 40:
            chapters.append(Chapter(chapter.group(1)))
            item_style = None
            continue
        current = chapters[-1]
        labelled = _match_label(line)
        if labelled:
            style, rest = labelled
            item_style = item_style or style
            if style == item_style or not current.units:
                current.units.append(Unit(rest))
            else:
                current.units[-1].lines.append((style, rest))
            continue
        # Body text is long or ends a sentence; short stray lines are page noise (热线, 印发 lines).
        if len(line) < 40 and not line.endswith(_BODY_END):
            continue
        if current.units:
            current.units[-1].lines.append((None, line))
        else:
            current.intro.append(line)
    return SourcePlan(name, preamble, [c for c in chapters if c.units or c.intro])


def load_sources(source_dir: Path) -> list[SourcePlan]:
    """The plans under ``source_dir`` that have a numbered outline."""
    plans = []
    for path in sorted(Path(source_dir).iterdir()):
        if path.suffix.lower() in SOURCE_SUFFIXES and path.is_file():
            plan = parse_source(path.name, path.read_text(encoding="utf-8", errors="replace"))
            if plan.chapters:
                plans.append(plan)
    if not plans:
        raise ValueError(f"no plan with a numbered outline (一、 …) in {source_dir}")
    return plans


class _Writer:
    """Composes one synthetic plan."""

    def __init__(self, rng: random.Random, sources: Sequence[SourcePlan]) -> None:
        self.rng = rng
        self.sources = sources
        self.province, self.city = rng.choice(PLACES)
        self.zone = rng.choice(ZONES)
        self.year = rng.randint(2018, 2024)
        self.full_width = rng.random() < 0.5
        # Numbering schemes seen in real plans: (一) continuous or restarting per chapter, or 1. continuous.
        self.item_style, self.restart = rng.choice(
            (("cn-paren", False), ("cn-paren", True), ("num-dot", False))
        )
        self.sub_style = "num-dot" if self.item_style == "cn-paren" else "num-paren"
        self.target = int(rng.triangular(MIN_CHARS, MAX_CHARS, MODE_CHARS))

    def _swap_places(self, text: str) -> str:
        provinces = {p for p, _ in PLACES} | set(MUNICIPALITIES)
        cities = {c for _, c in PLACES} - provinces
        names = sorted(provinces | cities, key=len, reverse=True)
        pattern = re.compile("|".join(map(re.escape, names)))
        return pattern.sub(lambda m: self.province if m.group(0) in provinces else self.city, text)

    def _reword(self, text: str) -> str:
        table = {a: b for a, b in SYNONYMS} | {b: a for a, b in SYNONYMS}
        pattern = re.compile("|".join(map(re.escape, sorted(table, key=len, reverse=True))))
        rng = self.rng
        return pattern.sub(lambda m: table[m.group(0)] if rng.random() < REWORD_RATE else m.group(0), text)

    def _pick_chapters(self) -> list[Chapter]:
        rng = self.rng
        pool = [c for plan in self.sources for c in plan.chapters]
        leads = [c for c in pool if c.role == "lead"]
        closings = [c for c in pool if c.role == "closing"]
        bodies = [c for c in pool if c.role == "body"]
        rng.shuffle(bodies)
        chosen: list[Chapter] = [rng.choice(leads)] if leads else []
        closing = rng.choice(closings) if closings else None
        size = sum(u.size() for c in chosen for u in c.units) + (
            sum(u.size() for u in closing.units) if closing else 0
        )
        for chapter in bodies:
            if size >= self.target:
                break
            units = list(chapter.units)
            rng.shuffle(units)
            keep = units[: max(1, round(len(units) * rng.uniform(0.6, 1.0)))]
            if rng.random() < 0.3:  # borrow an item from another chapter: plans mix their topics
                donor = rng.choice(bodies)
                if donor.units:
                    keep.append(self._recombine(rng.choice(donor.units), donor))
            budget = self.target - size
            picked: list[Unit] = []
            for unit in keep:
                if picked and unit.size() > budget:
                    break
                picked.append(unit)
                budget -= unit.size()
                size += unit.size()
            chosen.append(Chapter(chapter.heading, list(chapter.intro), picked))
        if closing is not None:
            chosen.append(closing)
        return chosen

    def _recombine(self, unit: Unit, chapter: Chapter) -> Unit:
        """An item with one sentence added from a sibling item (recombined wording)."""
        siblings = [u for u in chapter.units if u is not unit]
        if not siblings:
            return unit
        sentences = _SENTENCE.findall(self.rng.choice(siblings).first)
        if len(sentences) < 2:
            return unit
        return Unit(unit.first + self.rng.choice(sentences[1:]), list(unit.lines))

    def compose(self) -> str:
        rng = self.rng
        title = rng.choice(TITLES).format(city=f"{self.city}市", zone=self.zone)
        doc_number = f"{self.city[0]}{rng.choice(DOC_KINDS)}〔{self.year}〕{rng.randint(1, 60)}号"
        month, day = rng.randint(1, 12), rng.randint(1, 28)
        issuer = f"{self.city}市人民政府办公室"
        out: list[str] = []
        if rng.random() < 0.5:  # page header of a government site, as many published plans carry
            out.append(f"发布时间:{self.year}-{month:02d}-{day:02d} 10:00:00  来源:{issuer}")
        out += [title, doc_number, ""]
        preambles = [p.preamble for p in self.sources if p.preamble]
        if preambles:
            out += [rng.choice(preambles), ""]
        item_no = 0
        for ch_no, chapter in enumerate(self._pick_chapters(), 1):
            out.append(_label("cn-dun", ch_no, False) + chapter.heading)
            out += chapter.intro
            if self.restart:
                item_no = 0
            for unit in chapter.units:
                item_no += 1
                out.append(_label(self.item_style, item_no, self.full_width) + unit.first)
                sub_no = 0
                for style, text in unit.lines:
                    if style is None:
                        out.append(text)
                    else:
                        sub_no += 1
                        out.append(_label(self.sub_style, sub_no, self.full_width) + text)
        out += ["", issuer, f"{self.year}年{month}月{day}日", ""]
        header, body = "\n".join(out[:3]), "\n".join(out[3:])
        return header + "\n" + self._reword(self._swap_places(body))


def generate_corpus(source_dir: Path, out_dir: Path, n: int, seed: int = 0) -> list[Path]:
    """Write ``n`` synthetic plans built from the plans in ``source_dir`` into ``out_dir``; their paths."""
    sources = load_sources(Path(source_dir))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        rng = random.Random(f"compare-synth:{seed}:{i}")  # str seeds hash the same in every process
        path = out_dir / f"synth-{seed}-{i:05d}.txt"
        path.write_text(_Writer(rng, sources).compose(), encoding="utf-8")
        paths.append(path)
    return paths


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("source_dir", type=Path)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    paths = generate_corpus(args.source_dir, args.out_dir, args.n, args.seed)
    print(f"wrote {len(paths)} plans to {args.out_dir}")


if __name__ == "__main__":
    main()
