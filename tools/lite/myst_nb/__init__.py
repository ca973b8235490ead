"""A stand-in for myst_nb in the book's JupyterLite site.

The chapters call ``myst_nb.glue`` to hand computed numbers to the text
of the built book. myst-nb itself (Sphinx, docutils, ...) does not run in
the browser, and there is no built book to hand numbers to: ``glue`` here
only shows the value when asked to, as myst-nb does in a notebook.
"""

__all__ = ["glue"]


def glue(name, variable, display=True):
    """Show `variable` if `display` is true; `name` is not used here."""
    if display:
        from IPython.display import display as show
        show(variable)
