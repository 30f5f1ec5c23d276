"""Sphinx configuration for the payfix documentation (Markdown pages through myst-parser).

Build strict, as the test suite does (``tests/test_docs.py``)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

Generated pages (``cli.md``, ``wire-format.md``, ``exceptions.md``, ``catalogue.md``) are checked
in and refreshed with ``python docs/_ext/payfix_gen.py``; tests fail when one is stale.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

project = "payfix"
author = "payfix developers"
copyright = "payfix developers"

try:
    from payfix._version import __version__ as release
except ImportError:  # building without payfix installed: the version is only shown, not needed
    release = "unknown"
version = release

extensions = ["myst_parser"]
source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "_ext", "Thumbs.db", ".DS_Store"]

myst_heading_anchors = 3
myst_enable_extensions = ["colon_fence", "deflist"]

html_theme = "alabaster"
html_title = f"payfix {release}"
html_static_path: list[str] = []
html_show_sourcelink = False

# Pages other parts of the project write (the HTTP service, the console, batch replay, Spark) are
# listed in index.md like any other, and left out of the toctree while their file does not exist
# yet, so the site builds strict at every commit; a page that exists is included as listed.
OPTIONAL_PAGES = ("service", "console", "batch", "spark")


def _drop_missing_pages(app: Any, docname: str, source: list[str]) -> None:
    if docname != root_doc:
        return
    missing = {page for page in OPTIONAL_PAGES if not (Path(app.srcdir) / f"{page}.md").exists()}
    source[0] = "\n".join(line for line in source[0].split("\n") if line.strip() not in missing)


def setup(app: Any) -> dict[str, bool]:
    app.connect("source-read", _drop_missing_pages)
    return {"parallel_read_safe": True}
