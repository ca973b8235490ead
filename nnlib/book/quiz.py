"""Self-checks that answer in a static page: pick a number, be told.

``predict(question, answer, wrong)`` shows a question and a list of
numbers to choose from.  Choosing one shows what it means: the right one
is confirmed with the reason, each wrong one names the mistake that
leads to it.  The choice and the shown feedback are tied together with
``jslink`` only (a RadioButtons' index drives a Stack of feedback), so
the check works with no kernel: in the built book with the network cut,
and in JupyterLab.  Nothing shows before the reader chooses; the
feedback, once shown, is announced to screen readers
(nnlib.book.accessible).
"""
import html

import ipywidgets as widgets

from nnlib.book.accessible import STYLE, show_script

# Both keep 4.5:1 on white and on the grey panel of the dark mode.
RIGHT = "<b style='color:#186328'>✔ Right.</b> "
WRONG = "<b style='color:#a51d2d'>✘ Not this one.</b> "


class Prediction(widgets.VBox):
    """The widget predict() returns.  choice: the RadioButtons; feedback:
    the Stack of feedback HTML, one per option; link: their jslink;
    right: the index of the right option."""

    def _repr_mimebundle_(self, **kwargs):
        data = super()._repr_mimebundle_(**kwargs)
        # Where widgets do not show, say what it is, not what the answer is.
        data["text/plain"] = f"Self-check: {self.question}"
        return data

    def _ipython_display_(self):
        """The widget, then (in a live notebook) the script that makes
        its choices a named group and announces the feedback."""
        from IPython.display import display
        display(self._repr_mimebundle_(), raw=True)
        show_script()


def predict(question, answer, wrong, why="", label="your answer"):
    """A "predict the number" question that answers without a kernel.

    Values are shown as given (str() of each); options appear in
    increasing order when they are all numbers, so their order says
    nothing about which is right.

    Args:
        question: the question, plain text.
        answer: (value, explanation): the right number and why it is
            right.
        wrong: [(value, explanation), ...]: tempting wrong numbers, each
            with the mistake that gives it ("this forgets the tax").
        why: an optional sentence shown after any choice, right or wrong.
        label: the choice list's label.

    Returns:
        A Prediction widget.
    """
    options = [(answer[0], RIGHT + html.escape(answer[1]))]
    options += [(value, WRONG + html.escape(text)) for value, text in wrong]
    values = [value for value, _ in options]
    if any(a == b for i, a in enumerate(values) for b in values[i + 1:]):
        raise ValueError(f"predict: the options must differ, got "
                         f"{values}.")
    if all(isinstance(value, (int, float)) for value, _ in options):
        options.sort(key=lambda option: option[0])
    right = next(i for i, (value, _) in enumerate(options)
                 if value is answer[0])
    tail = f" {html.escape(why)}" if why else ""
    feedback = [widgets.HTML(f"<p style='margin:.2em 0'>{text}{tail}</p>")
                for _, text in options]
    choice = widgets.RadioButtons(options=[str(v) for v, _ in options],
                                  index=None, description=label,
                                  style={"description_width": "initial"})
    stack = widgets.Stack(children=feedback, selected_index=None)
    stack.add_class("nnlib-feedback")
    # jslink ties them in the browser: the feedback needs no kernel.  The
    # Stack is the link's source so that the first sync copies its None
    # onto the choice: the other way round, JupyterLite's widget manager
    # fails to draw the Stack ("Could not create a view").
    link = widgets.jslink((stack, "selected_index"), (choice, "index"))
    box = Prediction([widgets.HTML(f"{STYLE}<p><b>Predict:</b> "
                                   f"{html.escape(question)}</p>"),
                      choice, stack])
    box.add_class("nnlib-predict")
    box.question, box.choice, box.feedback = question, choice, stack
    box.link, box.right = link, right
    return box
