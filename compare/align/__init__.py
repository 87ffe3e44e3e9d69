"""Alignment: equivalent measures of different plans gathered into families, and verbatim reuse.

``catalogue`` reads the curated family catalogue and its rule language; ``matching`` recognises
catalogue families in one plan (per-plan work, cached); ``similarity`` proposes families from the
measures no rule took; ``reuse`` finds passages two plans share word for word; ``families`` puts
them together over all plans (``compare.align.align``).
"""

from compare.align.catalogue import Catalogue, load_catalogue
from compare.align.families import AlignSettings, align
from compare.align.matching import catalogue_matches, find_mentions, match_plan, match_text

__all__ = [
    "AlignSettings",
    "Catalogue",
    "align",
    "catalogue_matches",
    "find_mentions",
    "load_catalogue",
    "match_plan",
    "match_text",
]
