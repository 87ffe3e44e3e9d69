"""Corrections that stick: an analyst's reviewed decisions in docs_in/corrections.yaml are applied on
every build, shown as reviewed, carried in the exports, and reported by name when they go stale."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from compare.build import build
from compare.config import Settings
from compare.corrections import CorrectionsError, parse_corrections
from compare.model import TOPIC_IDS

from .conftest import DOCS_IN

KUNMING = "2021-kunming-development-zones-opinions.txt"
NANTONG = "2023-nantong-etdz-innovation-plan.txt"

CORRECTIONS = f"""
corrections:
  - action: remove
    family: planning.master-plan
    file: {KUNMING}
    quote: 各有关县(市)区、开发区编制园区总体规划时
    note: a land-saving rule for plans, not the zone's master plan
  - action: add
    family: land.intensive-use
    file: {NANTONG}
    quote: 推动经济开发区
    note: reviewed by hand
  - action: not_a_gap
    family: FAMILY
    file: PLAN
    note: 另见市级规划
  - action: topics
    file: {KUNMING}
    quote: 科学定位园区主导产业
    topics: [industry, planning]
    note: positioning is industry and layout
  - action: add
    family: land.intensive-use
    file: gone.txt
    quote: 无此文件
    note: a plan removed since
"""


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("corr")
    inp = root / "docs_in"
    shutil.copytree(DOCS_IN, inp)
    first = root / "first"
    build(Settings(input_dir=inp, output_dir=first, formats=("data",), jobs=1))
    gap = _rows(first / "data" / "gaps.csv")[0]
    documents = {r["plan_id"]: r["source_file"] for r in _rows(first / "data" / "documents.csv")}
    text = CORRECTIONS.replace("FAMILY", gap["family_id"]).replace("PLAN", documents[gap["plan_id"]])
    (inp / "corrections.yaml").write_text(text, encoding="utf-8")
    out = root / "out"
    result = build(Settings(input_dir=inp, output_dir=out, formats=("data", "html"), jobs=1))
    (root / "gap.txt").write_text(f"{gap['plan_id']} {gap['family_id']}", encoding="utf-8")
    (root / "warnings.txt").write_text("\n".join(result.warnings), encoding="utf-8")
    return root, out


def test_corrections_change_memberships_topics_and_gaps_and_are_shown_as_reviewed(
    built: tuple[Path, Path],
) -> None:
    root, out = built
    members = _rows(out / "data" / "family_members.csv")
    kunming = [
        m for m in members if m["family_id"] == "planning.master-plan" and m["plan_id"] == Path(KUNMING).stem
    ]
    assert all("各有关县(市)区、开发区编制园区总体规划时" not in m["clause"] for m in kunming)
    added = [m for m in members if m["basis"] == "reviewed"]
    assert (
        len(added) == 1
        and added[0]["family_id"] == "land.intensive-use"
        and added[0]["evidence"] == "reviewed by hand"
    )
    plan_id, family_id = (root / "gap.txt").read_text(encoding="utf-8").split()
    gaps = {(g["plan_id"], g["family_id"]) for g in _rows(out / "data" / "gaps.csv")}
    assert (plan_id, family_id) not in gaps
    measures = {m["measure_id"]: m for m in _rows(out / "data" / "measures.csv")}
    retopiced = [
        m for m in measures.values() if "科学定位园区主导产业" in m["text"] and m["kind"] == "measure"
    ]
    assert retopiced and retopiced[0]["topics"] == "industry;planning"
    reviewed = _rows(out / "data" / "reviewed.csv")
    assert sorted(r["action"] for r in reviewed) == ["add", "not_a_gap", "remove", "topics"]
    page = (out / "site" / "plans" / f"{Path(NANTONG).stem}.html").read_text(encoding="utf-8")
    assert "已核对的更正" in page and "reviewed by hand" in page


def test_a_correction_naming_what_no_longer_exists_is_reported_and_the_build_goes_on(
    built: tuple[Path, Path],
) -> None:
    root, out = built
    warnings = (root / "warnings.txt").read_text(encoding="utf-8")
    assert "correction not applied: corrections.yaml:" in warnings and "no plan gone.txt" in warnings
    assert (out / "data" / "documents.csv").exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("corrections:\n  - {action: merge, family: a, file: b, note: c}\n", "corrections[0].action"),
        ("corrections:\n  - {action: add, family: a, file: b, note: c}\n", "give a quote"),
        ("corrections:\n  - {action: topics, file: b, quote: x, topics: [weather], note: c}\n", "weather"),
        ("corrections:\n  - {action: add, family: a, file: b, quote: q}\n", "note: missing"),
        ("corrections:\n  - {action: add, family: a, file: b, quote: q, note: c, why: d}\n", "unknown key"),
    ],
)
def test_a_bad_corrections_file_names_the_file_the_line_and_the_key(text: str, expected: str) -> None:
    with pytest.raises(CorrectionsError) as caught:
        parse_corrections(text.encode(), "docs_in/corrections.yaml", TOPIC_IDS)
    message = str(caught.value)
    assert message.startswith("docs_in/corrections.yaml:2") and expected in message, message


def test_a_family_formed_from_the_data_prints_as_a_catalogue_entry_that_loads(tmp_path: Path) -> None:
    """`families --proposed` prints blocks an analyst copies into the catalogue to promote a family."""
    import yaml
    from click.testing import CliRunner

    from compare.align.catalogue import load_catalogue
    from compare.cli import cli
    from compare.config import DEFAULT_CATALOGUE

    done = CliRunner().invoke(cli, ["families", "--proposed", "--output", str(tmp_path / "out")])
    assert done.exit_code == 0, done.output
    blocks = yaml.safe_load(done.output)
    assert blocks and all({"id", "topic", "name", "gloss", "synonyms"} <= set(b) for b in blocks)
    promoted = tmp_path / "families.yaml"
    promoted.write_text(
        DEFAULT_CATALOGUE.read_text(encoding="utf-8") + "\n" + done.output.split("\n\n")[0] + "\n",
        encoding="utf-8",
    )
    catalogue = load_catalogue(promoted)
    assert str(blocks[0]["id"]) in catalogue.ids


def test_a_family_named_by_a_shared_phrase_is_promoted_with_its_key_terms() -> None:
    """The phrase is the row label; the rule an analyst starts from is drawn from the key terms."""
    from compare.align.promote import catalogue_block
    from compare.model import Family

    family = Family(
        "proposed.governance.0123456789",
        "governance",
        "构成犯罪的，依法追究刑事责任",
        "Proposed by text similarity: 3 measures from 3 plans",
        "proposed",
        terms=("刑事责任", "构成犯罪", "追究"),
    )
    block = catalogue_block(family, {}, {})
    assert 'name: "构成犯罪的，依法追究刑事责任"' in block
    assert 'synonyms: ["刑事责任", "构成犯罪", "追究"]' in block
    assert 'near: [["刑事责任"], ["构成犯罪"]]' in block
