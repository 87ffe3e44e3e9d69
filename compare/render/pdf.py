"""The PDF briefing: cover, findings (prose), heat-map, one matrix per topic, appendices.

Rendered once with WeasyPrint from the view model's briefing context
(``compare.render.view.briefing``: the site's figures, selected for paper). Safe and
reproducible: the only resources it may load are ``data:`` URLs and files under ``templates/``;
the PDF's dates come from the build (``<meta name=dcterms.created/modified>``), never from the
clock, so the same inputs give the same bytes.
"""

from __future__ import annotations

import mimetypes
import os
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from weasyprint import CSS, HTML
from weasyprint.document import Document
from weasyprint.urls import URLFetcher, URLFetcherResponse

from compare.config import TEMPLATES_DIR
from compare.render.i18n import normalise_lang
from compare.render.jinja import environment, methodology_markdown, render_markdown
from compare.render.view import ViewData, briefing_context

BRIEFING_TEMPLATE = "briefing/briefing.html.j2"
BRIEFING_CSS = TEMPLATES_DIR / "briefing" / "briefing.css"


class BlockedResource(ValueError):
    """A resource outside the allowed set was requested while rendering the PDF."""


class AssetsOnlyFetcher(URLFetcher):
    """Loads ``data:`` URLs and files under ``assets_dir``; refuses everything else (no network)."""

    def __init__(self, assets_dir: Path = TEMPLATES_DIR) -> None:
        super().__init__(allowed_protocols=("data", "file"), allow_redirects=False)
        self.assets_dir = assets_dir.resolve()

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            response: URLFetcherResponse = super().fetch(url, headers)
            return response
        if scheme == "file":
            path = Path(url2pathname(unquote(urlsplit(url).path))).resolve()
            if path.is_relative_to(self.assets_dir) and path.is_file():
                mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": mime})
        raise BlockedResource(f"blocked resource (only data: and files under {self.assets_dir}): {url[:200]}")


def render_briefing_html(data: ViewData, lang: str = "zh") -> str:
    """The briefing's HTML source (also handy to inspect the layout in a browser)."""
    code = normalise_lang(lang)
    if data.lang != code:
        raise ValueError(f"view was built for {data.lang!r}, briefing requested in {code!r}")
    env = environment(code)
    return env.get_template(BRIEFING_TEMPLATE).render(
        view=briefing_context(data), methodology_html=render_markdown(methodology_markdown(code))
    )


def briefing_bytes(data: ViewData, lang: str = "zh") -> bytes:
    """Render the briefing to PDF bytes."""
    return pdf_from_html(render_briefing_html(data, lang), build_id=data.build.build_id)


def pdf_from_html(source: str, build_id: str) -> bytes:
    """WeasyPrint's part alone: lay out the briefing's HTML and write the PDF."""
    pdf: bytes = layout(source).write_pdf(pdf_identifier=_identifier(build_id))
    return pdf


def layout(source: str) -> Document:
    """The briefing's pages as WeasyPrint lays them out (what the PDF is written from; tests read
    its boxes, e.g. that no table row is split across pages)."""
    fetcher = AssetsOnlyFetcher()
    html = HTML(string=source, base_url=TEMPLATES_DIR.as_uri() + "/", url_fetcher=fetcher)
    css = CSS(filename=str(BRIEFING_CSS), url_fetcher=fetcher)
    return html.render(stylesheets=[css], presentational_hints=False)


def _identifier(build_id: str) -> bytes:
    # a fixed file identifier from the build id, so two renders of one build are byte-identical
    return ("compare-" + build_id).encode("ascii", "replace")[:32]


def write_briefing(data: ViewData, path: Path, lang: str = "zh") -> Path:
    """Write the PDF briefing to ``path`` (atomically: a temp file renamed into place)."""
    pdf = briefing_bytes(data, lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(pdf)
    tmp.replace(path)
    return path
