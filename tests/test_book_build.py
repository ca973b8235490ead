"""The built book's HTML, read as files, and the build's strictness.

The pages must not load anything from outside the site; the scripts that
make widgets and math work offline must come in the right order; reader
features (launch buttons, repository links, downloads, search) must be
there; and a broken page must fail the build rather than warn quietly.
"""
import json
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
JUPYTER_BOOK = Path(sys.executable).parent / "jupyter-book"

# Tag -> attributes whose URL the browser fetches by itself.
FETCHING_ATTRS = {
    "script": ("src",),
    "link": ("href",),
    "img": ("src", "srcset"),
    "iframe": ("src",),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "embed": ("src",),
    "object": ("data",),
}


class TagCollector(HTMLParser):
    """Every start tag of a page, in order: (tag, {attr: value})."""

    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags_of(path):
    collector = TagCollector()
    collector.feed(path.read_text(encoding="utf-8"))
    return collector.tags


def is_external(url):
    """True for a URL that leaves the site (http(s) or protocol-relative)."""
    url = url.strip()
    return bool(urlsplit(url).netloc) or url.startswith("//")


def script_srcs(tags):
    """(src without query, {attr: value}) of each <script src>, in order."""
    return [(attrs["src"].split("?")[0], attrs)
            for tag, attrs in tags if tag == "script" and "src" in attrs]


def index_of(srcs, name):
    """Position of the first script whose file name is `name`, or None."""
    for i, (src, _) in enumerate(srcs):
        if src.rsplit("/", 1)[-1] == name:
            return i
    return None


def test_pages_fetch_nothing_external(built_html, html_pages):
    problems = []
    for page in html_pages:
        for tag, attrs in tags_of(built_html / page):
            for attr in FETCHING_ATTRS.get(tag, ()):
                value = attrs.get(attr) or ""
                urls = [part.split()[0] for part in value.split(",")
                        if part.strip()] if attr == "srcset" else [value]
                problems += [f"{page}: <{tag} {attr}={url!r}>"
                             for url in urls if url and is_external(url)]
    assert not problems, "external URLs:\n" + "\n".join(problems)


def test_widget_pages_load_the_local_manager_in_order(built_html,
                                                      html_pages):
    widget_pages = [p for p in html_pages if "widget-state+json" in
                    (built_html / p).read_text(encoding="utf-8")]
    assert widget_pages, "no built page carries widget state"
    for page in widget_pages:
        srcs = script_srcs(tags_of(built_html / page))
        order = [index_of(srcs, name) for name in
                 ("require.js", "require-config.js", "embed-amd.js")]
        assert None not in order, f"{page}: widget scripts {order}"
        assert order == sorted(order), f"{page}: widget scripts out of order"
        for name in ("require.js", "embed-amd.js"):
            assert (built_html / "_static" / name).is_file()


def runs_before(srcs, first, second):
    """True if script `first` executes before script `second`.

    Plain scripts run in document order; a `defer` script runs after the
    whole document is parsed, so after every plain script.
    """
    a, b = index_of(srcs, first), index_of(srcs, second)
    a_deferred = "defer" in srcs[a][1] or "async" in srcs[a][1]
    b_deferred = "defer" in srcs[b][1]
    if a_deferred:
        return False
    return b_deferred or a < b


def test_fontawesome_is_configured_before_it_runs(built_html, html_pages):
    # Pitfall B: fa-config.js must run before the theme's fontawesome.js.
    for page in html_pages:
        srcs = script_srcs(tags_of(built_html / page))
        if index_of(srcs, "fontawesome.js") is None:
            continue
        assert index_of(srcs, "fa-config.js") is not None, page
        assert runs_before(srcs, "fa-config.js", "fontawesome.js"), page


def test_widget_mathjax_bridge_follows_mathjax_config(built_html,
                                                      html_pages):
    # widget-mathjax.js edits Sphinx's inline `window.MathJax = {...}`,
    # so it must come after it and before MathJax itself runs.
    checked = 0
    for page in html_pages:
        text = (built_html / page).read_text(encoding="utf-8")
        if "mathjax/tex-chtml.js" not in text:
            continue
        checked += 1
        config = text.index("window.MathJax = ")
        bridge = text.index("widget-mathjax.js")
        assert config < bridge, page
        srcs = script_srcs(tags_of(built_html / page))
        assert runs_before(srcs, "widget-mathjax.js", "tex-chtml.js"), page
    assert checked, "no page loads the local MathJax"


def book_config():
    return yaml.safe_load((REPO / "_config.yml").read_text())


def test_reader_features_on_a_notebook_page(built_html, html_pages):
    url = book_config()["repository"]["url"].rstrip("/")
    owner_repo = urlsplit(url).path.strip("/")
    toc = yaml.safe_load((REPO / "_toc.yml").read_text())
    chapters = [c["file"] for part in toc["parts"] for c in part["chapters"]]
    notebooks = [c for c in chapters if (REPO / f"{c}.ipynb").is_file()]
    assert notebooks, "no notebook chapter in _toc.yml"
    page = built_html / f"{notebooks[0]}.html"
    hrefs = [attrs.get("href", "") for tag, attrs in tags_of(page)
             if tag == "a"]
    binder = [h for h in hrefs if h.startswith("https://mybinder.org/v2/gh/")]
    assert binder and owner_repo in binder[0], "no Binder launch button"
    assert f"{notebooks[0]}.ipynb" in binder[0]
    assert url in hrefs, "no repository button"
    assert any(h.startswith(f"{url}/issues/new") for h in hrefs), "issues"
    download = f"_sources/{notebooks[0]}.ipynb"
    assert any(h.endswith(download) for h in hrefs), "no .ipynb download"
    assert (built_html / download).is_file()
    assert (built_html / "search.html").is_file()
    assert (built_html / "searchindex.js").is_file()


def test_parts_in_table_of_contents(built_html):
    toc = yaml.safe_load((REPO / "_toc.yml").read_text())
    intro = (built_html / f"{toc['root']}.html").read_text(encoding="utf-8")
    for part in toc["parts"]:
        assert part["caption"] in intro, f"part {part['caption']!r} missing"


BROKEN_MARKDOWN = """\
# Broken page

![a picture that is not there](missing.png)

See {ref}`no-such-label`.
"""

FAILING_NOTEBOOK = {
    "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": "# Failing"},
        {"cell_type": "code", "metadata": {}, "execution_count": None,
         "outputs": [], "source": "raise RuntimeError('cell fails')"},
    ],
    "metadata": {"kernelspec": {"name": "python3", "language": "python",
                                "display_name": "Python 3"}},
    "nbformat": 4, "nbformat_minor": 5,
}


def test_broken_pages_fail_the_build(tmp_path):
    """The book's own _config.yml turns each kind of fault into a failure.

    One throwaway book with a missing image, an undefined reference and a
    notebook whose cell raises; built the way `make book` builds.
    """
    shutil.copy(REPO / "_config.yml", tmp_path / "_config.yml")
    (tmp_path / "_vendor").mkdir()  # the static folder the config names
    # and the book's own Sphinx extensions, where the config finds them
    local = book_config()["sphinx"].get("local_extensions", {})
    for name, folder in local.items():
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / folder / f"{name}.py", tmp_path / folder)
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "intro.md").write_text("# Intro\n")
    (tmp_path / "book" / "broken.md").write_text(BROKEN_MARKDOWN)
    (tmp_path / "book" / "failing.ipynb").write_text(
        json.dumps(FAILING_NOTEBOOK))
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: book/intro\nparts:\n"
        "  - caption: Faults\n    chapters:\n"
        "      - file: book/broken\n      - file: book/failing\n")
    result = subprocess.run(
        [str(JUPYTER_BOOK), "build", "-W", "--keep-going", "."],
        cwd=tmp_path, capture_output=True, text=True, timeout=600)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-3000:]
    assert "image file not readable" in output
    assert "undefined label: 'no-such-label'" in output
    assert "Executing notebook failed" in output


def test_every_page_loads_the_accessibility_fixes(built_html, html_pages):
    # The widgets' names and announcements (nnlib/book/widget_a11y.js),
    # the theme's names and the stylesheet hiding live-only panels.
    checked = 0
    for page in html_pages:
        tags = tags_of(built_html / page)
        srcs = script_srcs(tags)
        if not srcs:
            continue        # a redirect (index.html to the intro)
        checked += 1
        for name in ("widget-a11y.js", "theme-a11y.js"):
            assert index_of(srcs, name) is not None, (page, name)
        styles = [attrs.get("href", "").split("?")[0].rsplit("/", 1)[-1]
                  for tag, attrs in tags if tag == "link"]
        assert "book-a11y.css" in styles, page
    assert checked >= len(html_pages) - 1
    served = (built_html / "_static" / "widget-a11y.js").read_text()
    assert served == (REPO / "nnlib" / "book" / "widget_a11y.js").read_text()
    # axe-core is for the tests only: readers do not download it.
    assert not list(built_html.rglob("axe*.js"))
