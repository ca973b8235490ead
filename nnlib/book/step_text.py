"""A traced graph's steps in words, for readers who do not see the
pictures: what a screen reader says for each picture, and a table of
every step.

``picture_title`` and ``picture_description`` name one step's picture
and list the numbers it shows (nnlib.book.svg puts them in the SVG's
``<title>`` and ``<desc>``).  ``StepsTable(graph)`` is every step as a
row: its pass, the node at work, the computation with its numbers, and
the value or gradient it gives.  It displays as an HTML table (the
stepper shows it under its widget, where it reads with no JavaScript)
and as plain text (``FramesTable`` does the same for a frame stepper:
each frame's caption).  Everything here comes from the same trace as the
pictures and captions: the steps' caption parts
(nnlib.book.captions.Parts) and what each step shows
(nnlib.book.steps.step_state).
"""

from html.parser import HTMLParser
from xml.sax.saxutils import escape

import numpy as np

from nnlib.book.captions import d
from nnlib.book.formatting import format_shape
from nnlib.book.layout import grad_text, value_text

COLUMNS = ("Step", "Pass", "Node", "Computation", "Value", "Gradient")
SUMMARY = "All steps as a table"


def picture_title(graph, index=None):
    """The name of one step's picture: "Apples with tax, step 4 of 7,
    backward", or the graph's title for the finished graph (index
    None)."""
    title = graph.title or "Computational graph"
    if index is None:
        return title
    steps = graph.steps
    return (f"{title}, step {index % len(steps) + 1} of {len(steps)}, "
            f"{steps[index].kind}")


def picture_description(graph, state):
    """What one picture shows, in a sentence or three: the node at work,
    then every value and every gradient it writes (state: a
    nnlib.book.steps.StepState).  During the backward pass the forward
    values are those of the last forward step, which said them all: a
    backward step refers to it rather than repeat them."""
    parts = []
    node, edge = state.active_node, state.active_edge
    if node is not None:
        parts.append(f"At work: the {node.op} node {node.label}.")
    elif edge is not None and edge.dst is None:
        parts.append(f"At work: the output {edge.src.name}, where "
                     f"backward starts.")
    n_forward = len(graph.nodes)
    if state.active_edge is not None and n_forward:
        parts.append(f"Values: all of them, as at step {n_forward}.")
    else:
        values = [_value_words(var) for var in graph.vars.values()
                  if var in state.computed]
        if values:
            parts.append("Values: " + ", ".join(values) + ".")
    # In the order backward computed them; the finished graph has all.
    grads = [_grad_words(step.edge) for step in graph.steps
             if step.kind == "backward" and step.edge in state.grads]
    if grads:
        parts.append("Gradients: " + ", ".join(grads) + ".")
    return " ".join(parts)


def _one_line(text):
    """A label drawn on several lines (a matrix's rows), on one line."""
    return "; ".join(text.split("\n"))


def _value_words(var):
    """"apple = 100", or an array by its label: "X (2, 3)"."""
    text = _one_line(value_text(var))
    if np.ndim(var.value) > 0 and not text.startswith("["):
        return f"{var.name} {text}"
    return f"{var.name} = {text}"


def _grad_words(edge):
    """"dapple = 2.2", naming the edge when the value has several."""
    src = edge.src
    text = _one_line(grad_text(edge))
    name = d(src.name)
    words = text if text.startswith(name) else f"{name} = {text}"
    if np.ndim(edge.grad) > 0 and not text.startswith("["):
        words += f", shape {format_shape(np.shape(edge.grad))}"
    if len(src.uses) > 1:
        into = edge.dst.label if edge.dst is not None else "the output"
        words += f" (on the edge into {into})"
    return words


def step_rows(graph):
    """One row per step: (number, pass, node, computation, value,
    gradient), all text; an empty string where a step gives no value
    (backward) or no gradient (forward).  What the caption adds after
    the result (a gradient adding up over several uses, a note) follows
    the value or gradient."""
    rows = []
    for number, step in enumerate(graph.steps, start=1):
        parts = step.parts
        if step.kind == "forward":
            node = f"{step.node.op} ({step.node.label})"
        elif step.node is None:
            node = f"output ({step.edge.src.name})"
        else:
            node = f"{step.node.op} ({step.node.label})"
        if parts is None:       # a step made by hand: its caption only
            rows.append((str(number), step.kind, node, step.caption, "",
                         ""))
            continue
        result = parts.result
        if parts.note:
            glue = " " if parts.note.startswith("(") else "; "
            result += glue + parts.note
        value, grad = ((result, "") if step.kind == "forward"
                       else ("", result))
        rows.append((str(number), step.kind, node, parts.rule, value,
                     grad))
    return rows


class StepsTable:
    """Every step of a graph as a table; shows as HTML and as text."""

    def __init__(self, graph):
        self.graph = graph
        self.rows = step_rows(graph)

    def _repr_html_(self):
        title = escape(self.graph.title or "Computational graph")
        head = "".join(f"<th scope='col'>{c}</th>" for c in COLUMNS)
        body = "".join(
            "<tr><th scope='row'>" + row[0] + "</th>"
            + "".join(f"<td>{escape(cell)}</td>" for cell in row[1:])
            + "</tr>" for row in self.rows)
        return (f"<details class='nnlib-steps-table'><summary>{SUMMARY}"
                f"</summary><table><caption style='color:inherit'>{title}: "
                f"every step, forward then backward</caption><thead><tr>{head}</tr></thead>"
                f"<tbody>{body}</tbody></table></details>")

    def __repr__(self):
        # As text, each step is its caption.
        steps = self.graph.steps
        return "\n".join(
            [f"{SUMMARY}: {self.graph.title or 'Computational graph'}"]
            + [f"Step {i} of {len(steps)}: {step.caption}"
               for i, step in enumerate(steps, start=1)])


class _VisibleText(HTMLParser):
    """The text of an HTML fragment as it reads, without pictures,
    styles or scripts."""

    SKIP = {"svg", "style", "script"}

    def __init__(self):
        super().__init__()
        self.parts = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def visible_text(html):
    """"<p><b>Step 3.</b> f = 1</p><svg>…</svg>" -> "Step 3. f = 1"."""
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return " ".join("".join(parser.parts).split())


class FramesTable:
    """The frames of a frame stepper as text, one row each: what each
    frame's caption says (its pictures need their own words there)."""

    def __init__(self, frames):
        self.texts = [visible_text(frame) for frame in frames]

    def _repr_html_(self):
        body = "".join(f"<tr><th scope='row'>{i}</th>"
                       f"<td>{escape(text)}</td></tr>"
                       for i, text in enumerate(self.texts, start=1))
        return (f"<details class='nnlib-steps-table'><summary>All frames "
                f"as text</summary><table><thead><tr><th scope='col'>"
                f"Frame</th><th scope='col'>What it says</th></tr></thead>"
                f"<tbody>{body}</tbody></table></details>")

    def __repr__(self):
        return "\n".join(["All frames as text"]
                         + [f"Frame {i}: {text}" for i, text in
                            enumerate(self.texts, start=1)])
