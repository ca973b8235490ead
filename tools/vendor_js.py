"""Copy the JavaScript the built book needs from node_modules to _vendor/.

The book's pages must work with no network: widgets need require.js and
the widget manager (``@jupyter-widgets/html-manager``), math needs
MathJax. ``npm ci`` installs them into node_modules/ from the committed
lock file; this script copies the files the pages load into _vendor/,
which _config.yml lists in ``html_static_path`` so Sphinx serves them
from ``_static/``.

Our own small scripts and styles go along: those in tools/js/ and the
script that names the widgets' controls, which lives in the nnlib package
(``nnlib/book/widget_a11y.js``) because live notebooks send it too.

The folder is deliberately not called ``_static``: Jupyter Book adds every
.js and .css file under a root ``_static`` folder to every page.

Run from the repository root: ``python tools/vendor_js.py``.
"""
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE = ROOT / "node_modules"
VENDOR = ROOT / "_vendor"
OUR_JS = Path(__file__).resolve().parent / "js"
WIDGET_A11Y = ROOT / "nnlib" / "book" / "widget_a11y.js"

MANAGER = NODE / "@jupyter-widgets" / "html-manager" / "dist"
FONT_SUFFIXES = (".woff", ".woff2", ".ttf", ".eot", ".svg")

# Where the widget manager looks for its icon fonts: next to each of its
# AMD modules, relative to require's base URL (set by require-config.js).
FONT_DIRS = ("@jupyter-widgets", "@jupyter-widgets/html-manager/dist")


def copy_file(src: Path, dest: Path) -> None:
    """Copy one file, creating the destination folder."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, dest)


def vendor() -> None:
    """Rebuild _vendor/ from node_modules/ and tools/js/."""
    if not MANAGER.is_dir():
        sys.exit("node_modules/ is missing or incomplete: run `npm ci` "
                 "(or `make book`) first.")
    if VENDOR.exists():
        shutil.rmtree(VENDOR)

    copy_file(NODE / "requirejs" / "require.js", VENDOR / "require.js")
    copy_file(MANAGER / "embed-amd.js", VENDOR / "embed-amd.js")
    for font in MANAGER.iterdir():
        if font.suffix in FONT_SUFFIXES:
            for folder in FONT_DIRS:
                copy_file(font, VENDOR / folder / font.name)

    # MathJax 3 loads its fonts and extensions lazily from beside its
    # entry script, so the whole es5/ folder goes along.
    shutil.copytree(NODE / "mathjax" / "es5", VENDOR / "mathjax")

    for script in [*OUR_JS.glob("*.js"), *OUR_JS.glob("*.css")]:
        copy_file(script, VENDOR / script.name)
    copy_file(WIDGET_A11Y, VENDOR / "widget-a11y.js")


if __name__ == "__main__":
    vendor()
    print(f"vendored JavaScript into {VENDOR.relative_to(ROOT)}/")
