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


def write_site(
    data: ViewData, out_dir: Path, lang: str = "zh", search: tuple[str, list[Path]] | None = None
) -> list[Path]:
    """Render every page of the site into ``out_dir``, one at a time; return the files written.

    ``search``: the index ``write_search`` wrote already (the build times it as a stage of its own).
    """
    code = normalise_lang(lang)
    if data.lang != code:
        raise ValueError(f"view was built for {data.lang!r}, site requested in {code!r}")
    env = environment(code)
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
    # what the renderer adds to every page's context: where the root and the assets are, and the
    # methodology's prose (markdown, rendered once)
    methodology_html = render_markdown(methodology_markdown(code))
    # the Word files sit two folders down (data/topics/): their links reach the site from there, or the
    # published site when its address is known
    docx_root = data.site_url or "../../"
    word = docx_labels(data)
    # the pages' scripts write the reader's own view (a topic's plans picked and rows filtered, any two
    # plans side by side) as the same kind of 对照表
    word_spec = browser_spec(word, plan_columns=data.cfg.docx_plan_columns, created=data.build.created)

    for page in site_pages(data):
        root = "../" * page.path.count("/")
        template = env.get_template(page.template)
        html = template.render(
            **page.context, root=root, assets=assets, methodology_html=methodology_html, word_spec=word_spec
        )
        written.append(_write(out_dir / page.path, html))
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
    return written
