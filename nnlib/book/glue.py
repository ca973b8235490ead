"""``glue(name, value)``: keep a value for the built book's prose,
without the second that ``myst_nb.glue`` costs on its first call.

The chapters compute the numbers their prose quotes and glue them: the
built book reads each glued output from the executed notebook and
writes it where the text says ``{eval}`name``` (tools/sphinx/eval_glue.py;
in JupyterLab the kernel evaluates ``name`` itself).  ``myst_nb.glue``
does that, but importing it loads nbformat, whose JSON-schema checks
compile a grammar for web addresses: about 1.2 s in a fresh kernel,
before a chapter's first glued number appears.  This function writes
the same output and needs only IPython, which a kernel has already
loaded.  tests/test_glue.py checks that both write the same output.
"""

from IPython.core.formatters import format_display_data
from IPython.display import display as show

# Where myst-nb looks for a glued value that is not shown in the cell.
HIDDEN = "application/papermill.record/"


def glue(name, value, display=True):
    """Glue ``value`` under ``name``: its display forms (text, HTML,
    image, ...) go into the cell's outputs, marked with the name.

    display=False keeps it out of sight in the notebook; the built book
    shows it only where the text refers to it.
    """
    forms, metadata = format_display_data(value)
    prefix = "" if display else HIDDEN
    metadata["scrapbook"] = {"name": name, "mime_prefix": prefix}
    show({prefix + kind: data for kind, data in forms.items()}, raw=True,
         metadata=metadata)
