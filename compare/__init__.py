"""compare: side-by-side comparison reports of Chinese development-zone policy plans."""

__version__ = "0.1.0"
