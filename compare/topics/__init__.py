"""Topics: the codebook (data + loader) and the classifier that reads it."""

from compare.model import TOPIC_IDS, UNCLASSIFIED
from compare.topics.classifier import aggregate, classify
from compare.topics.codebook import (
    CODEBOOK_PATH,
    MANDATORY,
    Codebook,
    TopicDef,
    format_codebook,
    load_codebook,
)

__all__ = [
    "CODEBOOK_PATH",
    "MANDATORY",
    "TOPIC_IDS",
    "UNCLASSIFIED",
    "Codebook",
    "TopicDef",
    "aggregate",
    "classify",
    "format_codebook",
    "load_codebook",
]
