"""What the book's widgets need to work with a keyboard and a screen
reader, beyond what ipywidgets draws.

ipywidgets gives the Play buttons no names (their only content is an
icon), the slider handle no name and a bare number for its value, and
announces no change.  ``widget_a11y.js`` (beside this file) adds those
in the browser, for every stepper and self-check on the page.  The
built book loads it on every page (tools/vendor_js.py copies it, and
_config.yml lists it); in a live notebook ``show_script()`` sends it
along with each widget's output.  ``STYLE`` is the CSS every stepper
and self-check carries in its own HTML, so that it applies wherever the
widget is shown: a clearly visible focus ring, and text kept for
screen readers only.
"""

import os
from importlib import resources

SCRIPT = "widget_a11y.js"
# A 3 px ring in the book's dark blue (7.4:1 on white, 5:1 on the grey
# panel of the dark mode), set off from the control it surrounds.
FOCUS = "outline:3px solid #1c559e;outline-offset:2px"
STYLE = (
    "<style>"
    ".nnlib-stepper button:focus-visible,"
    ".nnlib-stepper .noUi-handle:focus-visible,"
    ".nnlib-scroll:focus-visible,"
    ".nnlib-stepper .jupyter-widget-Collapse-header:focus-visible,"
    f".nnlib-predict input:focus-visible{{{FOCUS}}}"
    ".nnlib-sr-only{position:absolute;width:1px;height:1px;"
    "overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}"
    "</style>")


def script_text():
    """The text of widget_a11y.js."""
    return resources.files("nnlib.book").joinpath(SCRIPT).read_text(
        encoding="utf-8")


def in_live_notebook():
    """True in a kernel that a Jupyter server started (JupyterLab,
    Notebook, Binder); False when the book is built or a notebook is
    executed for the tests, which start their kernels themselves."""
    return bool(os.environ.get("JPY_SESSION_NAME"))


def show_script():
    """In a live notebook, display widget_a11y.js as an HTML output so
    that it runs (JupyterLab runs the scripts of outputs made in the
    session).  Elsewhere nothing: the built book loads the file itself,
    and stored notebooks stay free of it."""
    if not in_live_notebook():
        return
    from IPython.display import HTML, display
    display(HTML(f"<script>{script_text()}</script>"))
