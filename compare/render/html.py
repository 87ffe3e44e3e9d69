"""The HTML site: index (heat-map), one page per topic (matrix), per plan (text), gaps, methodology.

Pages only show the view model (``compare.render.view``). Links are relative, assets are
local and named by content hash (``static/site.<hash>.css``), so the site works from the
file system and can be cached forever by a web server.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from compare.config import TEMPLATES_DIR
from compare.render.i18n import normalise_lang
from compare.render.jinja import environment, methodology_markdown, render_markdown

STATIC_DIR = TEMPLATES_DIR / "static"
ASSETS = {"css": "site.css", "js": "site.js"}


def hashed_name(name: str, data: bytes) -> str:
    stem, _, ext = name.rpartition(".")
    return f"{stem}.{hashlib.sha256(data).hexdigest()[:10]}.{ext}"


def _write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8") if isinstance(text, str) else text
    path.write_bytes(data)
    return path


def write_site(view: dict[str, Any], out_dir: Path, lang: str = "zh") -> list[Path]:
    """Render every page of the site into ``out_dir``; return the files written."""
    code = normalise_lang(lang)
    if view.get("lang") != code:
        raise ValueError(f"view was built for {view.get('lang')!r}, site requested in {code!r}")
    env = environment(code)
    written: list[Path] = []

    assets: dict[str, str] = {}
    for key, name in ASSETS.items():
        data = (STATIC_DIR / name).read_bytes()
        rel = f"static/{hashed_name(name, data)}"
        written.append(_write(out_dir / rel, data))
        assets[key] = rel

    def page(template: str, rel: str, name: str, **extra: Any) -> None:
        root = "../" * rel.count("/")
        html = env.get_template(template).render(view=view, page=name, root=root, assets=assets, **extra)
        written.append(_write(out_dir / rel, html))

    page("site/index.html.j2", "index.html", "index")
    for part in view["gap_pages"]:
        page("site/gaps.html.j2", part["href"], "gaps", part=part)
    page(
        "site/methodology.html.j2",
        "methodology.html",
        "methodology",
        methodology_html=render_markdown(methodology_markdown(code)),
    )
    for topic in view["topic_pages"]:
        for part in topic["pages"]:  # one page unless there are many plans (report.yaml html.plans_per_page)
            page("site/topic.html.j2", unquote(part["href"]), "topic", topic=topic, part=part)
    for plan in view["plan_pages"]:
        page("site/plan.html.j2", unquote(plan["href"]), "plan", plan=plan)
    return written
