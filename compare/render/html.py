"""The HTML site: index (heat-map), one page per topic (matrix), per plan (text), gaps, methodology,
search (its index written beside the pages, ``compare.render.search_files``), and the two-plan view
(``compare.html``) with one data script per plan (``data/pairs/<plan>.js``); the Word 对照表 of each
topic page (``data/topics/<topic>.docx``, ``compare.render.topic_docx``); the reader's own view of a
topic (plans picked, rows filtered) and any two plans are written as Word files in the browser
(``static/word.js``).

Pages only show the view model's page contexts (``compare.render.view.site_pages``), each
rendered and written as it is built, then dropped. Links are relative, assets are local and
named by content hash (``static/site.<hash>.css``), so the site works from the file system and
can be cached forever by a web server.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Protocol

from compare.config import TEMPLATES_DIR
from compare.render.i18n import normalise_lang
from compare.render.jinja import environment, methodology_markdown, render_markdown
from compare.render.search_files import write_search_index
from compare.render.topic_docx import browser_spec, topic_docx
from compare.render.view import ViewData, site_pages
from compare.render.view.links import page_path
from compare.render.view.pair_data import (
    FAMILIES_PATH,
    family_heads,
    pair_data_path,
    pair_records,
)
from compare.render.view.search_index import search_index
from compare.render.view.topic_page import docx_labels

STATIC_DIR = TEMPLATES_DIR / "static"
ASSETS = {
    "css": "site.css",
    "js": "site.js",
    "search_js": "search.js",
    "pair": "compare.js",
    "word": "word.js",
}


def hashed_name(name: str, data: bytes) -> str:
    stem, _, ext = name.rpartition(".")
    return f"{stem}.{hashlib.sha256(data).hexdigest()[:10]}.{ext}"


def _write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8") if isinstance(text, str) else text
    path.write_bytes(data)
    return path


def _script(name: str, key: str | None, value: object) -> str:
    """A script that sets ``window[name]`` (or, with a key, ``window[name][key]``) to ``value``."""
    body = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if key is None:
        return f"window.{name}={body};\n"
    return f"window.{name}=window.{name}||{{}};window.{name}[{json.dumps(key)}]={body};\n"


def write_search(data: ViewData, out_dir: Path) -> tuple[str, list[Path]]:
    """The site's search index (``compare.render.search_files``): its meta file and the files written."""
    index = search_index(data)
    return write_search_index(
        index,
        out_dir,
        shard_kb=data.cfg.search_shard_kb,
        passages_kb=data.cfg.search_passages_kb,
        name=hashed_name,
        write=_write,
    )


class PageQueue(Protocol):
    """Where pages go to be rendered: this process (``Here``), or the build's helper process
    (``compare.render.helper``, which runs ``render_job`` there while this process makes the next
    pages' contexts)."""

    def send(self, item: Any) -> None: ...

    def join(self) -> None: ...


class Here:
    """Pages rendered in this process, each as it is sent."""

    def send(self, item: Any) -> None:
        render_job(item)

    def join(self) -> None:
        pass


# What every page of the site shares (the site's context, its assets, the methodology's prose, the Word
# spec), kept by the process that renders: sent to it once, not with each of thousands of pages.
_SHARED: dict[str, Any] = {}


def render_job(job: tuple[Any, ...]) -> None:
    """``("shared", lang, context)``: what every later page shares; ``("page", template, path,
    context)``: one page rendered into ``path``."""
    if job[0] == "shared":
        _, lang, shared = job
        _SHARED.clear()
        _SHARED.update(lang=lang, context=shared)
        return
    _, template, path, context = job
    html = environment(_SHARED["lang"]).get_template(template).render(**context, **_SHARED["context"])
    _write(Path(path), html)


def write_site(
    data: ViewData,
    out_dir: Path,
    lang: str = "zh",
    search: tuple[str, list[Path]] | None = None,
    pages: PageQueue | None = None,
) -> list[Path]:
    """Render every page of the site into ``out_dir``, one at a time; return the files written.

    ``search``: the index ``write_search`` wrote already (the build times it as a stage of its own).
    ``pages``: where the pages are rendered (default: here, as they are built).
    """
    code = normalise_lang(lang)
    if data.lang != code:
        raise ValueError(f"view was built for {data.lang!r}, site requested in {code!r}")
    queue = pages if pages is not None else Here()
    written: list[Path] = []

    assets: dict[str, str] = {}
    for key, name in ASSETS.items():
        blob = (STATIC_DIR / name).read_bytes()
        rel = f"static/{hashed_name(name, blob)}"
        written.append(_write(out_dir / rel, blob))
        assets[key] = rel
    # the search index, before the pages: the search page names its meta file
    assets["search"], files = search if search is not None else write_search(data, out_dir)
    written.extend(files)
    # the Word files sit two folders down (data/topics/): their links reach the site from there, or the
    # published site when its address is known
    docx_root = data.site_url or "../../"
    word = docx_labels(data)
    # what the renderer adds to every page's context: the site's context, where the assets are, the
    # methodology's prose (markdown, rendered once), and the spec of the Word files the pages' scripts
    # write (the reader's own view of a topic, any two plans side by side: the same kind of 对照表)
    shared: dict[str, Any] = {
        "assets": assets,
        "methodology_html": render_markdown(methodology_markdown(code)),
        "word_spec": browser_spec(word, plan_columns=data.cfg.docx_plan_columns, created=data.build.created),
    }
    shared_view = None
    for page in site_pages(data):
        context: dict[str, Any] = dict(page.context)
        view = context.pop("view")
        if view is not shared_view:  # one site context for every page
            queue.send(("shared", code, {**shared, "view": view}))
            shared_view = view
        context["root"] = "../" * page.path.count("/")
        queue.send(("page", page.template, out_dir / page.path, context))
        written.append(out_dir / page.path)
        if page.context["page"] == "topic" and page.context["docx"]:  # the page's matrix for Word
            doc = topic_docx(page.context, word, site_root=docx_root, plan_columns=data.cfg.docx_plan_columns)
            written.append(_write(out_dir / page_path(page.context["docx"]), doc))
    # the two-plan view's data: the families' names, and one record a plan (scripts: a page opened
    # from the file system may not fetch a JSON file)
    heads = family_heads(data)
    written.append(_write(out_dir / FAMILIES_PATH, _script("COMPARE_FAMILIES", None, heads)))
    for record in pair_records(data, heads):
        script = _script("COMPARE_PAIRS", record["plan_id"], record)
        written.append(_write(out_dir / page_path(pair_data_path(record["plan_id"])), script))
    queue.join()
    return written
