"""Renderers: the HTML site, the PDF briefing and the data exports, all read from ``compare.tables``."""
