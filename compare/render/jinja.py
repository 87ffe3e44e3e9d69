"""The one Jinja environment of the HTML site and the PDF briefing.

Autoescape is on for every template whatever its name (``*.j2``, ``*.html``, ``*.md``):
plan text is untrusted input. The i18n extension is installed with the edition's
translations (new-style gettext, so ``_("…%(n)s", n=3)`` formats and escapes). Filters
only format for display; every figure comes computed from the view model.
Markdown pages (the methodology) are rendered with raw HTML disabled.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from babel.numbers import format_decimal
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

try:  # what markupsafe's ``escape`` runs on a str before wrapping it in Markup (as it imports it)
    from markupsafe._speedups import _escape_inner
except ImportError:  # markupsafe without its C speedups
    from markupsafe._native import _escape_inner

from compare.config import TEMPLATES_DIR
from compare.render.i18n import BABEL_LOCALE, normalise_lang, translations


def _always_escape(_name: str | None) -> bool:
    return True


def _escape(value: Any, /) -> Markup:
    """``markupsafe.escape``, the same result without its costs on the two common cases.

    Every ``{{ value }}`` of an autoescaped template calls it: ~10 million times for a site of
    thousands of plans. ``escape`` wraps a str's escaped text in ``Markup(...)``, whose Python
    ``__new__`` asks the text for ``__html__`` again, and re-wraps a value that is Markup already
    (a translated label, a macro's output) in a new Markup. Here a str's escaped text becomes
    Markup without the second look, and Markup is returned as it is (a str cannot change)."""
    kind = type(value)
    if kind is str:
        return str.__new__(Markup, _escape_inner(value))
    if kind is Markup:
        return value
    return escape(value)


class _Template(jinja2.Template):
    """A compiled template whose ``{{ … }}`` escape with ``_escape``: the name ``escape`` that the
    compiled code imports from ``jinja2.runtime`` (markupsafe's) is rebound in the template's
    module namespace, which its render functions and macros read it from."""

    @classmethod
    def _from_namespace(
        cls,
        environment: jinja2.Environment,
        namespace: MutableMapping[str, Any],
        globals: MutableMapping[str, Any],
    ) -> jinja2.Template:
        namespace["escape"] = _escape
        return super()._from_namespace(environment, namespace, globals)


_DICT_ATTRIBUTES = frozenset(dir(dict))


class _Environment(jinja2.Environment):
    """``m.text`` on a view dict reads the key without first trying an attribute.

    Jinja's own ``getattr`` tries ``getattr(obj, name)`` first and pays a raised AttributeError for
    every key of a plain dict: millions of lookups on a site of thousands of plans. A name that is
    an attribute of dict (``items``, ``keys`` …) still means the attribute, so every template reads
    exactly what it read before.
    """

    template_class = _Template

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


def make_environment(lang: str = "zh", templates_dir: Path = TEMPLATES_DIR) -> jinja2.Environment:
    """A fresh environment for one edition (``zh`` or ``en``)."""
    code = normalise_lang(lang)
    env = _Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        autoescape=_always_escape,
        undefined=jinja2.StrictUndefined,  # a typo in a template fails the build, not the reader
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.install_gettext_translations(translations(code), newstyle=True)  # type: ignore[attr-defined]
    env.filters["num"] = _number_filter(code)
    env.filters["pct"] = _percent
    env.filters["markdown"] = render_markdown
    env.globals["lang"] = code
    return env


@lru_cache(maxsize=4)
def environment(lang: str = "zh") -> jinja2.Environment:
    """Shared environment per edition (templates are compiled once per process)."""
    return make_environment(lang)


def _number_filter(lang: str) -> Any:
    locale = BABEL_LOCALE[lang]

    def num(value: Any, digits: int = 0) -> str:
        if value is None or value == "":
            return ""
        if isinstance(value, float) and digits:
            return format_decimal(round(value, digits), format=f"#,##0.{'0' * digits}", locale=locale)
        return format_decimal(value, locale=locale)

    return num


def _percent(value: float | None) -> str:
    return "" if value is None else f"{round(100 * value)}%"


_MD = MarkdownIt("js-default")  # CommonMark with tables, raw HTML off, links validated


def render_markdown(text: str) -> Markup:
    """Markdown → HTML; any HTML in the source is shown as text, never executed."""
    return Markup(_MD.render(text))  # safe: markdown-it escapes text and the html option is off


def methodology_markdown(lang: str, templates_dir: Path = TEMPLATES_DIR) -> str:
    """The methodology page's source for an edition (``templates/methodology.<lang>.md``)."""
    path = templates_dir / f"methodology.{normalise_lang(lang)}.md"
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise FileNotFoundError(f"{path}: methodology page missing ({exc})") from exc
