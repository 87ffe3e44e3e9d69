"""Languages of the reports: message catalogues compiled in memory, and their upkeep.

The templates and the view model are written with Simplified Chinese source strings
(``{% trans %}…{% endtrans %}``, ``_("…")``): Chinese is the default edition, so it never
depends on a catalogue and can never show an untranslated key. The English edition reads
``compare/locale/en/LC_MESSAGES/messages.po``, compiled at run time with Babel into an
in-memory ``.mo`` (no binary file is committed).

Refresh the catalogue after editing templates or the view (``compare/render/view/``)::

    python -m compare.render.i18n          # extract, merge into the .po, report untranslated
"""

from __future__ import annotations

import gettext
import io
import sys
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po, write_po

from compare.config import PACKAGE_DIR, TEMPLATES_DIR
from compare.errors import MessageCatalogueError

LOCALE_DIR = PACKAGE_DIR / "locale"
DOMAIN = "messages"
DEFAULT_LANG = "zh"
SOURCE_LANG = "zh"  # the language msgids are written in
SUPPORTED_LANGS: tuple[str, ...] = ("zh", "en")
# BCP 47 tags for <html lang>: "zh-CN" makes fontconfig and browsers pick the SC glyph forms.
HTML_LANG = {"zh": "zh-CN", "en": "en"}
BABEL_LOCALE = {"zh": "zh_Hans_CN", "en": "en"}


def normalise_lang(lang: str | None) -> str:
    """'zh', 'zh-CN', 'zh_CN', 'en-GB' … → a supported edition code; unknown → ValueError."""
    code = (lang or DEFAULT_LANG).replace("_", "-").split("-")[0].lower()
    if code not in SUPPORTED_LANGS:
        raise ValueError(f"unsupported report language {lang!r}; choose one of {', '.join(SUPPORTED_LANGS)}")
    return code


def html_lang(lang: str) -> str:
    return HTML_LANG[normalise_lang(lang)]


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalogue(path: Path) -> Catalog:
    """Parse a .po file strictly, so a bad edit fails with its file and line."""
    try:
        with path.open("rb") as fh:
            return read_po(fh, abort_invalid=True)
    except PoFileError as exc:
        # babel counts lines from 0 and appends " on <n>" to its message: the line goes in front
        message = str(exc.args[0] if exc.args else exc).removesuffix(f" on {exc.lineno}")
        raise MessageCatalogueError(path, "", message, exc.lineno + 1) from exc
    except OSError as exc:
        raise MessageCatalogueError(path, "", f"cannot read the file: {exc.strerror or exc}") from exc


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The gettext translations of one edition (identity for the source language)."""
    code = normalise_lang(lang)
    if code == SOURCE_LANG:
        return gettext.NullTranslations()
    catalogue = read_catalogue(po_path(code))
    buf = io.BytesIO()
    write_mo(buf, catalogue, use_fuzzy=False)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


# --- catalogue upkeep (developer tool, not used when rendering) -------------------------

_KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "pgettext": ((1, "c"), 2)}
_METHODS = [
    ("**.j2", "jinja2.ext:babel_extract"),
    ("**.html", "jinja2.ext:babel_extract"),
]
_OPTIONS = {"**.j2": {"extensions": "jinja2.ext.i18n"}, "**.html": {"extensions": "jinja2.ext.i18n"}}


def extract_messages() -> Catalog:
    """All translatable strings of the templates and of the view model."""
    catalogue = Catalog(locale=None, project="compare", domain=DOMAIN)
    for source_dir, methods, options in (
        (TEMPLATES_DIR, _METHODS, _OPTIONS),
        (PACKAGE_DIR / "render", [("**.py", "python")], {}),
    ):
        for filename, lineno, message, comments, context in extract_from_dir(
            source_dir, method_map=methods, options_map=options, keywords=_KEYWORDS
        ):
            catalogue.add(
                message,
                None,
                [(str(source_dir.name + "/" + filename), lineno)],
                auto_comments=comments,
                context=context,  # pgettext: the same words, translated apart (the workbook's "缺口")
            )
    return catalogue


def untranslated(lang: str) -> list[str]:
    """Source strings with no translation in ``lang``'s catalogue (empty for the source language)."""
    if normalise_lang(lang) == SOURCE_LANG:
        return []
    have = read_catalogue(po_path(lang))
    missing = []
    for message in extract_messages():
        if not message.id:
            continue
        got = have.get(message.id, message.context)
        if got is None or not got.string or (isinstance(got.string, tuple) and not all(got.string)):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


def update_catalogue(lang: str) -> Path:
    """Merge freshly extracted strings into ``lang``'s .po (new ones empty, old translations kept)."""
    path = po_path(lang)
    template = extract_messages()
    if path.exists():
        catalogue = read_catalogue(path)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        catalogue = Catalog(locale=lang, project="compare", domain=DOMAIN)
    created = catalogue.creation_date
    catalogue.update(template, no_fuzzy_matching=True)
    # keep the file stable across runs: no new dates, no fuzzy header, our own header comment
    catalogue.creation_date = created
    catalogue.revision_date = created
    catalogue.fuzzy = False
    catalogue.header_comment = (
        f"# {lang} messages of the compare reports. Source strings are Simplified Chinese.\n"
        "# Refresh with: python -m compare.render.i18n  (compiled in memory at run time; no .mo file)"
    )
    buf = io.BytesIO()
    write_po(buf, catalogue, omit_header=False, sort_output=True, ignore_obsolete=True, width=110)
    path.write_bytes(buf.getvalue())
    return path


def _main(argv: Iterable[str]) -> int:
    langs = [a for a in argv if a] or [lang for lang in SUPPORTED_LANGS if lang != SOURCE_LANG]
    status = 0
    for lang in langs:
        path = update_catalogue(lang)
        translations.cache_clear()
        missing = untranslated(lang)
        print(f"{path}: {len(missing)} untranslated")
        for msg in missing:
            print(f"  {msg}")
        status = status or int(bool(missing))
    return status


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
