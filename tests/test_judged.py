"""Issue 17's judged figures: random samples of memberships, gaps and unique claims, each row judged by
reading the plans (tests/data/judged/, see tests/judged.py), re-checked against today's build.

A judged row still produced counts with its verdict; a row the tool no longer claims is left out (and
counted), so a fix shows as fewer wrong rows and a new claim waits for the next sample. Run with ``-s``
to see the figures, the issue's targets beside them.

What is asserted is that no claim judged wrong comes back: the number of judged rows still produced
that are not right (borderline or wrong memberships, false gaps, wrong unique claims) may only fall.
A rate alone could hide one coming back behind a right row gone; right rows gone are printed.
"""

from __future__ import annotations

from collections import Counter

import pytest

from .judged import KINDS, LATER, SETS, VERDICTS, halves, judged, key, produced

# (set group, kind) -> the issue's least sample size; the new plans' gaps and unique claims come from
# two builds (the 24 alone, and with the five), see tests/judged.py
SIZES = {"memberships": 120, "gaps": 80, "unique": 30}
GROUPS = {"five": ("five",), "new": ("new", "new+five")}
TARGETS = {
    "memberships": "strict precision >= 0.95",
    "gaps": "false-gap rate <= 0.05",
    "unique": "precision >= 0.95",
}
# the share of the newest sample that must still be produced: below it, draw and judge a new sample (an
# older sample is still printed and its judged-wrong rows still may not come back)
LEAST_STILL = 0.6


def _rows(group: str, kind: str, part: str = "") -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """(judged rows of the group, those today's build still produces); ``part`` as ``judged``."""
    rows, still = [], []
    for which in GROUPS[group]:
        sample = judged(which, kind, part)
        current = {key(kind, r) for r in produced(which)[kind]}
        rows += sample
        still += [r for r in sample if key(kind, r) in current]
    return rows, still


def _label(kind: str) -> str:
    return "false-gap rate" if kind == "gaps" else "precision"


def _print_figure(
    title: str, kind: str, rows: list[dict[str, str]], still: list[dict[str, str]]
) -> Counter[str]:
    """Print a sample's figure over the rows still produced, the issue's target beside it."""
    verdicts = Counter(r["verdict"] for r in still)
    print(
        f"\n{title}: {len(still)} of {len(rows)} judged rows still produced; "
        + ", ".join(f"{v} {verdicts[v]}" for v in sorted(verdicts))
        + f"; {_label(kind)} {_figure(kind, verdicts, len(still)):.2f} (target: {TARGETS[kind]})"
    )
    return verdicts


def _print_halves(kind: str, still: list[dict[str, str]]) -> None:
    """The new plans' figure per half (A: rules may be tuned on it; B: held out)."""
    half = halves()
    for h in ("A", "B"):
        part = [r for r in still if half.get(r["file"]) == h]
        c = Counter(r["verdict"] for r in part)
        print(f"  half {h}: {len(part)} rows, {_label(kind)} {_figure(kind, c, len(part)):.2f}")


def _figure(kind: str, verdicts: Counter[str], n: int) -> float:
    if kind == "gaps":
        return verdicts["false"] / n if n else 0.0
    return verdicts["right"] / n if n else 1.0


def _newest(group: str, kind: str) -> str:
    """The part of the newest sample drawn of a group and kind ("" the first, "s2", "s3" …)."""
    return next((p for p in reversed(LATER) if _rows(group, kind, p)[0]), "")


def _check_sample(group: str, kind: str, part: str, most_bad: int) -> None:
    """Print one sample's figure; assert its rows are judged, that no judged-wrong row comes back beyond
    ``most_bad``, and, for the newest sample, the issue's size and that enough of it is still produced."""
    rows, still = _rows(group, kind, part)
    assert all(r["verdict"] for r in rows), f"{group} {kind} {part}: unjudged rows"
    if part == _newest(group, kind):
        assert len(rows) >= SIZES[kind], (
            f"{group} {kind}: {len(rows)} judged rows, the issue asks {SIZES[kind]}"
        )
        assert len(still) >= LEAST_STILL * len(rows), (
            f"{group} {kind}: only {len(still)} of {len(rows)} judged rows of the newest sample are still "
            "produced: draw and judge a new sample (tests/judged.py)"
        )
    title = f"{group} {kind}" + (f", sample {part[1:]}" if part else "")
    verdicts = _print_figure(title, kind, rows, still)
    gone = Counter(r["verdict"] for r in rows if r not in still)
    if gone:
        # a fix shows as wrong rows gone; right rows gone are claims lost (recall), said as plainly
        print("  no longer produced: " + ", ".join(f"{v} {gone[v]}" for v in sorted(gone)))
    if kind == "gaps":
        print(
            f"  plain silences (true): {verdicts['true']}/{len(still)} "
            f"= {verdicts['true'] / max(len(still), 1):.2f}; read strictly, false or only mentioned: "
            f"{len(still) - verdicts['true']}/{len(still)} = {1 - verdicts['true'] / max(len(still), 1):.2f}"
        )
    if group == "new":
        _print_halves(kind, still)
    bad = sum(n for v, n in verdicts.items() if v in BAD[kind])
    assert bad <= most_bad, f"{group} {kind} {part}: {bad} judged-wrong rows produced again"


@pytest.mark.parametrize("group", list(GROUPS))
@pytest.mark.parametrize("kind", KINDS)
def test_judged_sample(group: str, kind: str) -> None:
    _check_sample(group, kind, "", MOST_BAD[(group, kind)])


@pytest.mark.parametrize("group", list(GROUPS))
@pytest.mark.parametrize("kind", KINDS)
def test_rows_new_since_the_sample(group: str, kind: str) -> None:
    """The claims the build made after the sample was drawn, all judged when they came (a census, not a
    sample: printed apart, not mixed into the sample's figure)."""
    rows, still = _rows(group, kind, "new")
    if not rows:
        return
    verdicts = Counter(r["verdict"] for r in still)
    print(
        f"\n{group} {kind} new since the sample: {len(still)} of {len(rows)} still produced; "
        + ", ".join(f"{v} {verdicts[v]}" for v in sorted(verdicts))
    )
    bad = sum(n for v, n in verdicts.items() if v in BAD[kind])
    assert bad <= MOST_BAD_NEW.get((group, kind), 0), f"{group} {kind}: {bad} judged-wrong new rows produced"


@pytest.mark.parametrize("group", list(GROUPS))
@pytest.mark.parametrize("kind", ("memberships", "gaps"))
@pytest.mark.parametrize("part", LATER)
def test_later_samples(group: str, kind: str, part: str) -> None:
    """Later random samples drawn from later builds (tests/data/judged/PROTOCOL.md), judged the same way:
    the figure of the tool as it was when each was drawn, not only of the claims that survived."""
    if _rows(group, kind, part)[0]:
        _check_sample(group, kind, part, MOST_BAD_LATER[(part, group, kind)])


def test_judged_rows_name_a_set_and_carry_a_reason() -> None:
    for which in SETS:
        for kind in KINDS:
            for r in [r for part in ("", "new", *LATER) for r in judged(which, kind, part)]:
                assert r["verdict"] in VERDICTS[kind], (
                    f"{which} {kind} row {r['n']}: verdict {r['verdict']!r}"
                )
                assert r["reason"].strip(), f"{which} {kind} row {r['n']}: no reason"


# verdicts that make a claim wrong (a gap the plan only mentions is counted apart, see the print)
BAD = {"memberships": ("borderline", "wrong"), "gaps": ("false",), "unique": ("wrong",)}
# judged rows still produced that are not right, today (when judged: five 32, 11, 6; new 37, 13, 6)
MOST_BAD = {
    ("five", "memberships"): 10,
    ("five", "gaps"): 3,
    ("five", "unique"): 0,
    ("new", "memberships"): 16,
    ("new", "gaps"): 3,
    ("new", "unique"): 2,
}
# rows new since the sample that are not right, today (judged when they came: five memberships 8 of 23,
# five gaps 2 of 9, new memberships 10 of 44)
MOST_BAD_NEW = {("five", "memberships"): 3, ("five", "gaps"): 0, ("new", "memberships"): 3}
# the later samples' judged rows still produced that are not right, today (when judged: the second, on
# e2d90ab: five memberships 24 of 120, five gaps 9 of 80; new memberships 31 of 120, new gaps 5 of 80; the
# third, on bad300b: 26 of 120, 5 of 80; 35 of 120, 8 of 80; the fourth, on 49d52aa: 24 of 120, 3 of 80;
# 32 of 120, 7 of 80; the fifth, new plans only, on 5594da9: 37 of 120 memberships, 6 of 100 gaps)
# one row a sample: (five memberships, five gaps, new memberships, new gaps)
_LATER_CEILINGS = {"s2": (11, 1, 22, 0), "s3": (4, 0, 24, 4), "s4": (13, 0, 23, 6), "s5": (0, 0, 31, 4)}
MOST_BAD_LATER = {
    (part, group, kind): row[k]
    for part, row in _LATER_CEILINGS.items()
    for k, (group, kind) in enumerate(
        (("five", "memberships"), ("five", "gaps"), ("new", "memberships"), ("new", "gaps"))
    )
}


# Half C (tests/data/plans_c) built with the five: samples of its memberships and gaps, judged by reader
# sessions the same way. The first, drawn on 50598e0, was a first reading of families and gaps on plans the
# catalogue was not written from (half C's rules so far were metadata, outline and topic cues, none of
# families); the second (s2), drawn on 70c2cdb after rules written from the first, with its unique claims
# (all 7 the build made).
C_SIZES = {
    ("memberships", ""): 60,
    ("gaps", ""): 40,
    ("memberships", "s2"): 60,
    ("gaps", "s2"): 40,
    ("unique", ""): 7,
}
# judged rows still produced that are not right, today. The first sample when judged: 15 borderline and 7
# wrong of 60 memberships, 5 false of 40 gaps; three false gaps went with synonyms written from them
# (三来一补, 精干高效, 资金跨境流动), four wrong memberships with the plan's own zone named where it stands
# (align.yaml own_zone_*: 保税区内禁止兴办…, 合作区管委会). The second when judged: 15 borderline and 5 wrong
# of 60, 3 false of 40 gaps, 5 wrong of 7 unique claims; then family rules written from its rows (a duty
# levied is no exemption, goods crossing the border are no talent's entry, a body's duty to coordinate is no
# leading group, firms' output rewards no staff pay, firms settling debts no zone debt, 主要发展 as leading
# industries, research projects industrialised as technology transfer, 按照规定审批…投资项目, preferential
# policies the state gives) left 1 wrong membership, 1 false gap and 2 wrong unique claims of it; the two
# unique claims went with their wrong memberships (land brought into the zone's own plan is no place in
# the local plans; a project put into the national reserve no investment pipeline of the zone's own);
# then 智能制造 as the field of another measure (智能制造人才安居计划, 智能制造企业拓展国际市场), paying out
# rewards granted elsewhere (兑现奖励) and firms filing statistical returns took 12 borderline rows of the
# two samples (and one right row of the new plans' half A, 引导智能制造领域重点科研院所…向临港地区集聚);
# a threshold a reward is paid on (亩均投资强度不低于…的，给予奖励) as no entry standard or per-mu
# evaluation, two.
MOST_BAD_C = {
    ("memberships", ""): 11,
    ("gaps", ""): 2,
    ("memberships", "s2"): 8,
    ("gaps", "s2"): 1,
    ("unique", ""): 0,
}


@pytest.mark.parametrize(("kind", "part"), list(C_SIZES))
def test_half_c_sample(kind: str, part: str) -> None:
    rows = judged("c+five", kind, part)
    current = {key(kind, r) for r in produced("c+five")[kind]}
    still = [r for r in rows if key(kind, r) in current]
    assert len(rows) >= C_SIZES[(kind, part)] and all(r["verdict"] for r in rows), (
        f"half C {kind} {part}: unjudged"
    )
    title = f"half C (with the five) {kind}" + (f", sample {part[1:]}" if part else "")
    verdicts = _print_figure(title, kind, rows, still)
    gone = Counter(r["verdict"] for r in rows if r not in still)
    if gone:
        print("  no longer produced: " + ", ".join(f"{v} {gone[v]}" for v in sorted(gone)))
    bad = sum(n for v, n in verdicts.items() if v in BAD[kind])
    assert bad <= MOST_BAD_C[(kind, part)], f"half C {kind} {part}: {bad} judged-wrong rows produced again"
