"""Train the learned topic model (``compare/topics/learned.tsv``) from the labelled provisions.

    python -m tests.topic_model            # write the file
    python -m tests.topic_model --check    # compare a fresh training with the file, and cross-validate

Trained on the provisions the rules may be tuned on: the five seeds and halves A and C of the plans
not in the seeds. Half B is never seen (its figures stay held out). Each provision labelled a measure
is one example: the tool's measures in it, in their matching form, with the gold topics. One logistic
regression per topic (class weights balanced: most topics are rare) over TF-IDF weighted character 2-
and 3-grams that two plans or more use (``compare.topics.learned.features``, with the codebook's mask),
so the tool reads the file exactly as trained. Weights below ``PRUNE`` are written as 0.

Needs scikit-learn (the ``test`` extra); the running tool does not.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import partial

import numpy as np

from compare.config import CODEBOOK_PATH
from compare.model import TOPIC_IDS
from compare.text import match_text, normalise_chars
from compare.topics import load_codebook
from compare.topics.learned import features

from .seeds import DOCS_IN, SEED_FILES

MODEL_PATH = CODEBOOK_PATH.parent / "learned.tsv"
TRAINED_ON = ("five", "A", "C")
C = 10.0  # inverse regularisation: chosen by leave-one-plan-out over halves A and C
MIN_PLANS = 2  # a gram one plan alone uses says nothing general
PRUNE = 0.1
DIGITS = 4


@dataclass(frozen=True)
class Example:
    half: str  # five / A / B / C
    doc: str
    text: str  # the measures of the provision, matching form
    gold: frozenset[str]
    gold_kind: str


def examples() -> list[Example]:
    """Every labelled provision of the five seeds and of halves A, B and C, with the tool's text."""
    from .test_gold_plans_reading import _documents
    from .test_gold_plans_topics import judged
    from .test_gold_topics import Judged, judge_seed

    def text(j: Judged) -> str:
        return "\n".join(normalise_chars(match_text(u.text)) for u in j.units if u.kind == "measure")

    out = [
        Example("five", g, text(j), frozenset(j.gold["topics"]), j.gold["kind"])
        for g, f in SEED_FILES.items()
        for j in judge_seed(g, DOCS_IN / f)
    ]
    docs = _documents()
    out += [
        Example(docs[name]["half"], name, text(j), frozenset(j.gold["topics"]), j.gold["kind"])
        for name, rows in judged().items()
        for j in rows
    ]
    return out


def training(rows: list[Example]) -> list[Example]:
    return [r for r in rows if r.half in TRAINED_ON and r.gold_kind == "measure" and r.text]


def fit(rows: list[Example]) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """vocabulary, idf, weights (grams × topics, pruned and rounded), intercepts."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    learned = load_codebook().learned
    mask = learned.mask if learned is not None else None
    analyse = partial(features, mask=mask)
    # a gram one plan alone uses (its own place names) cannot say anything about another plan
    plans: dict[str, set[str]] = {}
    for r in rows:
        for g in analyse(r.text):
            plans.setdefault(g, set()).add(r.doc)
    shared = sorted(g for g, docs in plans.items() if len(docs) >= MIN_PLANS)
    vec = TfidfVectorizer(analyzer=analyse, sublinear_tf=True, lowercase=False, vocabulary=shared)
    x = vec.fit_transform([r.text for r in rows])
    weights, intercepts = [], []
    for topic in TOPIC_IDS:
        y = np.array([topic in r.gold for r in rows])
        model = LogisticRegression(C=C, class_weight="balanced", max_iter=5000).fit(x, y)
        w = model.coef_[0]
        weights.append(np.where(np.abs(w) >= PRUNE, w, 0.0))
        intercepts.append(model.intercept_[0])
    vocabulary = list(vec.get_feature_names_out())
    return (
        vocabulary,
        np.round(vec.idf_, DIGITS),
        np.round(np.array(weights).T, DIGITS),
        np.round(np.array(intercepts), DIGITS),
    )


def _number(v: float) -> str:
    return "0" if v == 0 else f"{v:.{DIGITS}f}".rstrip("0").rstrip(".")


def render(
    vocabulary: list[str], idf: np.ndarray, weights: np.ndarray, intercepts: np.ndarray, n: int
) -> str:
    lines = [
        "# The learned topic model, read by compare/topics/learned.py. Written by",
        f"# `python -m tests.topic_model` from {n} labelled provisions of {', '.join(TRAINED_ON)}",
        "# (tests/gold); half B is never trained on.",
        f"# Logistic regression per topic, C={C}, class weights balanced; TF-IDF (sublinear) character",
        f"# 2- and 3-grams (word characters) used by at least {MIN_PLANS} plans; weights below",
        f"# {PRUNE} written as 0; the codebook's neutral spans and learned.mask not read. Do not edit.",
        "\t".join(["gram", "idf", *TOPIC_IDS]),
        "\t".join(["(intercept)", "-", *map(_number, intercepts)]),
    ]
    lines += [
        "\t".join([g, _number(f), *map(_number, w)]) for g, f, w in zip(vocabulary, idf, weights, strict=True)
    ]
    return "\n".join(lines) + "\n"


def trained_text(rows: list[Example] | None = None) -> str:
    train = training(rows if rows is not None else examples())
    return render(*fit(train), n=len(train))


def main(argv: list[str]) -> int:
    text = trained_text()
    if "--check" in argv:
        same = MODEL_PATH.read_text(encoding="utf-8") == text
        print("learned.tsv is what the labels train" if same else "learned.tsv differs from a fresh training")
        return 0 if same else 1
    MODEL_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {MODEL_PATH} ({len(text.splitlines())} lines)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
