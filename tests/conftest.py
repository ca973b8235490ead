"""Shared fixtures: where the repository and the built book are."""
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BUILD_HTML = REPO / "_build" / "html"


@pytest.fixture(scope="session")
def built_html():
    """The built book's HTML folder; fails (never skips) if not built."""
    if not (BUILD_HTML / "index.html").is_file():
        pytest.fail(f"The book is not built ({BUILD_HTML} has no "
                    "index.html): run `make book` first.", pytrace=False)
    return BUILD_HTML


@pytest.fixture(scope="session")
def html_pages(built_html):
    """Every HTML page of the built book: (N,) relative paths, sorted.

    Sphinx's own pages without book content (genindex, search) count too:
    a reader can reach them. Folders of copied assets are not pages.
    """
    skip = {"_static", "_sources", "_images", "_downloads", ".doctrees"}
    pages = []
    for path in sorted(built_html.rglob("*.html")):
        rel = path.relative_to(built_html)
        if not skip.intersection(rel.parts):
            pages.append(rel)
    return pages
