"""Source of pairs.jsonl: families of equivalent measures labelled by reading (stdlib only).

Each family names one anchor plan; every other member is paired with the anchor (as in ../pairs.jsonl).
Run: python3 build_pairs.py  -> rewrites pairs.jsonl (quotes are checked as exact substrings first).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
PLANS = ROOT / "tests" / "data" / "plans"
DOCS_IN = ROOT / "docs_in"

NEW = {  # code: (file, half)
    "SH89": ("1989-shanghai-etdz-regulation.md.txt", "A"),
    "WH94": ("1994-wuhan-donghu-hightech-zone-regulation.md.txt", "A"),
    "HN10": ("2010-henan-development-zones-regulation.md.txt", "A"),
    "NB13": ("2013-ningbo-daxie-development-zone-regulation.md.txt", "A"),
    "JS18": ("2018-jiangsu-development-zones-regulation.md.txt", "A"),
    "CQ19": ("2019-chongqing-ftz-regulation.md.txt", "A"),
    "GWY92": ("1992-guowuyuan-hightech-zones-reply-traditional.txt", "A"),
    "ZZ00": ("2000-guobanhan-zhengzhou-etdz-reply.txt", "A"),
    "YC15": ("2015-chongqing-yongchuan-hightech-zone-reply-traditional.txt", "A"),
    "GL20": ("2020-guangxi-guilin-etdz-reply.txt", "A"),
    "SDR19": ("2019-shandong-industrial-parks-rename-notice.txt", "A"),
    "LG16": ("2016-shanghai-lingang-opinions.html", "A"),
    "BJ95": ("1995-beijing-etdz-regulation.md.txt", "B"),
    "ZGC10": ("2010-beijing-zhongguancun-innovation-zone-regulation.md.txt", "B"),
    "SD16": ("2016-shandong-economic-development-zones-regulation.md.txt", "B"),
    "JX19": ("2019-jiangxi-development-zones-regulation.md.txt", "B"),
    "SX19": ("2019-shanxi-development-zones-regulation.md.txt", "B"),
    "TJ19": ("2019-tianjin-etdz-regulation.md.txt", "B"),
    "CD00": ("2000-guobanhan-chengdu-etdz-reply-traditional.txt", "B"),
    "LN04": ("2004-liaoning-development-zones-revocation-notice.txt", "B"),
    "FJ12": ("2012-fujian-zhangzhou-hightech-park-rename-reply.txt", "B"),
    "TL18": ("2018-anhui-tongling-zones-integration-reply-traditional.txt", "B"),
    "LJ23": ("2023-shandong-lijin-edz-area-reply.txt", "B"),
    "LH": ("undated-jilin-liuhe-key-industries-opinions.html", "B"),
}
SEED = {  # code: docs_in file (a seed counts as half A)
    "YN": "2021-yunnan-ftz-linked-etdz-plan.txt",
    "LC": "2019-lincang-hightech-zone-opinions.txt",
    "KM": "2021-kunming-development-zones-opinions.txt",
    "NT": "2023-nantong-etdz-innovation-plan.txt",
    "CQL": "2021-chongqing-ftz-linked-zones-plan.txt",
}

# Pairs whose quotes are the same wording in another script (traditional vs simplified): verbatim.
SCRIPT_VERBATIM = set()

from families import FAMILIES  # noqa: E402


def path_of(code: str) -> Path:
    return PLANS / NEW[code][0] if code in NEW else DOCS_IN / SEED[code]


def name_of(code: str) -> str:
    return NEW[code][0] if code in NEW else SEED[code]


def half_of(code: str) -> str:
    return NEW[code][1] if code in NEW else "A"


def lcs(a: str, b: str) -> int:
    best = 0
    prev = [0] * (len(b) + 1)
    for i in range(1, len(a) + 1):
        cur = [0] * (len(b) + 1)
        for j in range(1, len(b) + 1):
            if a[i - 1] == b[j - 1]:
                cur[j] = prev[j - 1] + 1
                best = max(best, cur[j])
        prev = cur
    return best


def main() -> int:
    texts = {}
    rows, errors = [], []
    for fam in FAMILIES:
        family, topic, anchor, aquote, members = fam
        for m in members:
            code, quote = m[0], m[1]
            aq = m[2] if len(m) > 2 and m[2] else aquote
            strength = m[3] if len(m) > 3 else None
            for c, q in ((anchor, aq), (code, quote)):
                if c not in texts:
                    texts[c] = path_of(c).read_text(encoding="utf-8")
                if q not in texts[c]:
                    errors.append(f"{family}: quote not in {c}: {q}")
            if anchor in SEED and code in SEED:
                errors.append(f"{family}: seed~seed pair {anchor}~{code}")
            ha, hb = half_of(anchor), half_of(code)
            half = ha if ha == hb else "AB"
            kind = "new~seed" if (anchor in SEED or code in SEED) else "new~new"
            if strength is None:
                strength = "verbatim" if lcs(aq, quote) >= 15 else "paraphrase"
            rows.append(
                {
                    "family": family,
                    "topic": topic,
                    "doc_a": name_of(anchor),
                    "quote_a": aq,
                    "doc_b": name_of(code),
                    "quote_b": quote,
                    "strength": strength,
                    "half": half,
                    "kind": kind,
                }
            )
    if errors:
        print("\n".join(errors))
        return 1
    with open(HERE / "pairs.jsonl", "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} pairs")
    return 0


def build_absences() -> int:
    from absences_src import ABSENCES

    rows, errors = [], []
    for doc, family, topic, why, present, searched in ABSENCES:
        text = path_of(doc).read_text(encoding="utf-8")
        for w in searched:
            if w in text:
                errors.append(f"{doc} {family}: searched word present: {w}")
        pres = []
        for pdoc, q in present:
            if pdoc == doc:
                errors.append(f"{doc} {family}: present_in is the doc itself")
            if q not in path_of(pdoc).read_text(encoding="utf-8"):
                errors.append(f"{doc} {family}: quote not in {pdoc}: {q}")
            pres.append({"doc": name_of(pdoc), "quote": q})
        rows.append(
            {
                "doc": name_of(doc),
                "family": family,
                "topic": topic,
                "why": why,
                "half": half_of(doc),
                "present_in": pres,
                "searched": searched,
            }
        )
    if errors:
        print("\n".join(errors))
        return 1
    with open(HERE / "absences.jsonl", "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} absences")
    return 0


if __name__ == "__main__":
    sys.exit(main() or build_absences())
