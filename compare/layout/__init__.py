"""The parts of an official document (公文): numbering grammar, front matter and signature, the layout.

``numbering`` recognises the label opening a line (第一章, 一、, （一）, 1., ①); ``frontmatter`` the
lines around a plan's body (title, 文号, addressees, transmittal sentence, signature, dates);
``parts.lay_out`` groups a clean text's lines into front, title, preamble, numbered items and back.
The rules are data in ``compare/data/outline.yaml``.
"""
