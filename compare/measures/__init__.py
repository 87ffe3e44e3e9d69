"""Measures: each section cut into measures and context, with their topics and attributes.

``extract`` cuts sections into units and tells measures from context (``extract_measures``, the
stage's entry); ``attributes`` reads instrument, bindingness, deadline and responsible units;
``targets`` the quantified targets (value, unit, year).
"""

from compare.measures.extract import SKIP_STYLES, extract_measures

__all__ = ["SKIP_STYLES", "extract_measures"]
