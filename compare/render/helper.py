"""What the build's helper process does (``compare.executor.Beside`` runs ``run`` there): it writes the
CSV files and the SQLite file from the tables it is sent one at a time, then renders the site's pages,
while the build process goes on with the JSON file and the workbook, the view, the search index and the
next pages' contexts. A large build has two cores' work to do after the analysis, and the build process
alone would leave one idle.

Jobs, in the order the build sends them: ``exports.streamed.run``'s (``("data open", …)``,
``("data table", …)``, ``("data done",)``), then ``html.render_job``'s (``("shared", …)``,
``("page", …)``).
"""

from __future__ import annotations

from typing import Any

from compare.render import html
from compare.render.exports import streamed


def run(job: tuple[Any, ...]) -> None:
    if str(job[0]).startswith("data"):
        streamed.run(job)
    else:
        html.render_job(job)
