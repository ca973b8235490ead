"""Sphinx extension: {eval}`name` in the built book shows a glued value.

The chapters write their computed numbers into the prose as
{eval}`name`, where ``name`` is a variable of the notebook.  Two readers
see them:

* In JupyterLab (and Binder), jupyterlab-myst evaluates ``name`` in the
  kernel and shows its value; ``make refresh`` also stores those values
  in the notebook, so they show before anything runs.
* In the built book, myst-nb evaluates {eval} only in its "inline"
  execution mode, which runs every notebook on every build and bypasses
  the execution cache.  With the cache, this role shows instead the value
  the notebook glued under the same name: ``glue("name", name,
  display=False)``.

tests/test_book_numbers.py checks that every {eval} name is glued from
the variable of that name, so both readers see the same number.
"""
from myst_nb.core.variables import (RetrievalError, create_warning,
                                    render_variable_outputs)
from myst_nb.ext.glue.utils import retrieve_glue_data
from myst_nb.ext.utils import RoleBase


class EvalFromGlue(RoleBase):
    """{eval}`name`: the text of the value glued as ``name``."""

    def run(self):
        name = self.text.strip()
        try:
            data = retrieve_glue_data(self.document, name)
        except RetrievalError:
            message = (f"{{eval}}`{name}` has no value in the built book: "
                       f"add glue({name!r}, {name}, display=False) to the "
                       f"cell that computes {name}.")
            return [], [create_warning(message, self.document, self.line,
                                       subtype="eval")]
        # A glued string shows as the text itself, as in jupyterlab-myst.
        data.metadata["strip_text_quotes"] = True
        return render_variable_outputs([data], self.document, self.line,
                                       self.source, inline=True), []


def setup(app):
    # myst-nb registers its own {eval} role when it loads; this one, from
    # an extension listed after it, takes its place.
    app.add_role("eval", EvalFromGlue(), override=True)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
