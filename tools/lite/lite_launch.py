"""Sphinx extension: "Run in the browser" on every notebook page.

Adds an entry to the page's launch menu (the rocket, beside Binder) that
opens the page's notebook in the book's own JupyterLite site, built into
lite/ beside the pages by tools/lite/lite_build.py. The link is relative
to the page, so it works offline and wherever the book is served.
"""
from pathlib import Path
from urllib.parse import quote

LITE_APP = "lite/lab/index.html"   # JupyterLab of the site, in the outdir
LABEL = "run-in-browser"           # the link's class is btn-run-in-browser


def lite_link(pathto, pagename):
    """The page-relative URL that opens pagename's notebook in the site."""
    return f"{pathto(LITE_APP, 1)}?path={quote(pagename + '.ipynb')}"


def add_button(app, pagename, templatename, context, doctree):
    """html-page-context handler: the entry for a notebook page."""
    if Path(app.env.doc2path(pagename)).suffix != ".ipynb":
        return
    button = {
        "type": "link",
        "text": "Run in the browser",
        "tooltip": "Run this chapter in your browser (JupyterLite): "
                   "no server, no installation",
        "icon": "_static/images/logo_jupyterlite.svg",
        "url": lite_link(context["pathto"], pagename),
        "label": LABEL,
    }
    buttons = context.setdefault("header_buttons", [])
    for group in buttons:
        if group.get("label") == "launch-buttons":
            group["buttons"].insert(0, button)
            return
    buttons.append({"type": "group", "tooltip": "Launch interactive content",
                    "icon": "fas fa-rocket", "buttons": [button],
                    "label": "launch-buttons"})


def setup(app):
    # After sphinx-book-theme made the launch menu (priority 501).
    app.connect("html-page-context", add_button, priority=502)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
