"""Shared fixtures: where the repository and the built book are, and a
headless browser for the tests that open pages; and answer_self_checks,
for the tests of the built pages and of JupyterLab."""
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


SELF_CHECK = ".nnlib-predict"
# The feedback of a self-check: the last child of its box, a Stack that
# the page fills with the chosen option's verdict (empty before a choice).
FEEDBACK_TEXT = """box => box.lastElementChild.innerText.trim()"""


def answer_self_checks(page):
    """Answer every self-check on the page (nnlib.book.quiz.predict), one
    option after another: nothing shows before a choice, each choice
    shows its own verdict, and exactly one is right.  Returns
    [(question, problem)]."""
    problems = []
    boxes = page.locator(SELF_CHECK)
    for index in range(boxes.count()):
        box = boxes.nth(index)
        box.scroll_into_view_if_needed()
        question = box.locator(".widget-html-content").first.inner_text()
        if box.evaluate(FEEDBACK_TEXT):
            problems.append((question, "a verdict shows before a choice"))
        options = box.locator(".widget-radio-box label")
        verdicts = []
        for number in range(options.count()):
            before = box.evaluate(FEEDBACK_TEXT)
            options.nth(number).click()
            try:
                page.wait_for_function(
                    f"([box, before]) => {{ const text = ({FEEDBACK_TEXT})"
                    f"(box); return text && text !== before; }}",
                    arg=[box.element_handle(), before], timeout=10000)
            except Exception:   # Playwright's TimeoutError
                problems.append((question, f"choosing "
                                 f"{options.nth(number).inner_text()!r} "
                                 f"showed no verdict of its own"))
                continue
            verdicts.append(box.evaluate(FEEDBACK_TEXT))
        right = [v for v in verdicts if v.startswith("✔")]
        wrong = [v for v in verdicts if v.startswith("✘")]
        if len(right) != 1 or len(right) + len(wrong) != options.count():
            problems.append((question, f"{len(right)} right and "
                             f"{len(wrong)} wrong verdicts for "
                             f"{options.count()} options"))
    return problems

