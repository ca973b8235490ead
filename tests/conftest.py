"""Shared fixtures: where the repository and the built book are, and a
headless browser for the tests that open pages."""
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BUILD_HTML = REPO / "_build" / "html"
LITE_DIR = "lite"  # the JupyterLite site, inside the built book
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu",
    "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]


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
    a reader can reach them. Folders of copied assets are not pages, nor
    is the JupyterLite site in lite/ (tests/test_lite.py runs it).
    """
    skip = {"_static", "_sources", "_images", "_downloads", ".doctrees"}
    pages = []
    for path in sorted(built_html.rglob("*.html")):
        rel = path.relative_to(built_html)
        if not skip.intersection(rel.parts) and rel.parts[0] != LITE_DIR:
            pages.append(rel)
    return pages


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium; a missing browser fails the tests, never skips."""
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"No browser at {CHROMIUM}: install it with "
                    "`apt-get install -y chromium` (.ci/run does).",
                    pytrace=False)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()
