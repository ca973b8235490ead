"""The lines of a layer's own code that compute one step of a graph.

A forward step runs its node's ``forward``; a backward step is the part
of the node's ``backward`` that gives one input its gradient.
``step_code(graph, index)`` finds that method, reads its source from
the class (``inspect.getsource``, dedented, as the chapters print it),
picks the lines that compute the step and collects the values that went
in and came out; ``code_html`` writes it as the HTML a step shows: the
whole method, those lines marked ▶ and bold, the values beside it.

The lines are picked from the method's syntax tree (module ``ast``):

* forward: the method's return statement (its last one at the top of
  the body); if it returns a name (``return out``, ``return
  self.out``, or converted: ``return float(out)``), the lines that
  assign that name come first (with the header of a loop they are in);
* backward, input k: if the return statement lists one value per input
  (``return dx, dy``), the lines that assign the k-th name; otherwise
  the return statement itself (``return dout * self.out``).

Where that picks badly, a node type names its lines by their text, one
call per type (``backward`` holds one list per input, in order)::

    add_lines(MaxLayer, forward=["return np.maximum(x, y)"],
              backward=[["dx = "], ["dy = "]])

A line is named by a piece of its text; the first line of the method
that contains it is picked, with the rest of its statement.

A node that only wraps a layer for the graph (AffineNode hands its
weights to Affine) sets ``code_from`` to that layer's class: its steps
show the wrapped class's code, where the arithmetic is.
"""

import ast
import functools
import inspect
import numbers
import textwrap
from typing import NamedTuple
from xml.sax.saxutils import escape

import numpy as np

from nnlib.book.captions import Say
from nnlib.book.nodes import AffineNode

# Dark text on light grounds (contrast 15:1 and 12:1), so the code
# reads the same on the book's light page and on the grey panel of its
# dark theme.  The marked lines are also bold and start with ▶: the
# mark does not rest on colour alone.  On a narrow screen a long line
# wraps rather than scrolls (a scrolling box would need a tab stop).
CODE_STYLE = (
    "<style>"
    ".nnlib-stepper .nnlib-code{display:flex;flex-wrap:wrap;"
    "gap:.2em 1.2em;align-items:flex-start;margin:.3em 0}"
    ".nnlib-stepper .nnlib-code pre{margin:0;padding:.3em .6em;"
    "background:#f6f8fa;color:#1f2328;border:1px solid #8c959f;"
    "border-radius:4px;font-size:85%;line-height:1.4;"
    "white-space:pre-wrap}"
    ".nnlib-stepper .nnlib-code mark{background:#ffe17a;color:#1f2328;"
    "font-weight:bold;padding:0}"
    "</style>")
MARK = "▶ "      # before each line that computes the step
BLANK = "  "     # before every other line, so the code stays aligned


class Lines(NamedTuple):
    """The text of the lines a node type names (see add_lines).

    forward: pieces of text, one per line; backward: one such list per
    input, in the order of the inputs (None: the automatic choice).
    """
    forward: list = None
    backward: list = None


LINES = {}


def add_lines(layer_type, forward=None, backward=None):
    """Name the lines that compute ``layer_type``'s steps (see Lines)."""
    LINES[layer_type] = Lines(forward, backward)


def lines_for(layer):
    """The Lines of a layer's class, or of the nearest class it derives
    from that has some; None (the automatic choice) otherwise."""
    for cls in type(layer).__mro__:
        if cls in LINES:
            return LINES[cls]
    return None


class StepCode(NamedTuple):
    """The code of one step.

    method: "MulLayer.backward"; where: the method's module and
    qualified name, "nnlib.book.nodes:MulLayer.backward"; source: its
    lines, dedented (empty if Python kept no source for it, as for a
    class made by ``exec``); lit: the numbers (from 1) of the lines that
    compute
    the step; went_in, came_out: (name, value as text) pairs, e.g.
    ("dout", "1.1"), ("self.y", "2") and ("dx", "2.2").
    """
    method: str
    where: str
    source: list
    lit: tuple
    went_in: list
    came_out: list


def step_code(graph, index):
    """The StepCode of step ``index`` of ``graph``, or None for the step
    where backward starts at the output (no layer runs)."""
    step = graph.steps[index]
    if step.node is None:
        return None
    node, say = step.node, Say(graph)
    method = shown_method(node.layer, step.kind)
    where = f"{method.__module__}:{method.__qualname__}"
    try:
        source, tree = method_source(method)
    except (OSError, TypeError):    # made where no source file is kept
        return StepCode(method.__qualname__, where, [], (), [], [])
    names = input_names(node.layer, len(node.inputs))
    if step.kind == "forward":
        lit = lit_lines(node.layer, "forward")
        went_in = [(name, say.value(var.value))
                   for name, var in zip(names, node.inputs)]
        came_out = [("returned", say.value(node.output.value))]
    else:
        slot = step.edge.slot
        lit = lit_lines(node.layer, "backward", slot, len(node.inputs))
        went_in = [("dout", say.value(node.output.grad))]
        name = (_assigned_name(tree, lit)
                or _gradient_name(node.layer, tree, slot, names))
        came_out = [(name, say.value(step.edge.grad))]
    went_in += _kept_values(node.layer, tree, lit, say)
    return StepCode(method.__qualname__, where, source, lit, went_in,
                    came_out)


def shown_method(layer, kind):
    """The method whose code a step of ``layer`` shows: its own, or that
    of the class it wraps (``code_from``)."""
    return getattr(getattr(type(layer), "code_from", type(layer)), kind)


@functools.lru_cache(maxsize=None)
def method_source(method):
    """(lines, syntax tree of the def) of a method, as the chapters
    print it: read from its class and dedented."""
    text = textwrap.dedent(inspect.getsource(method))
    return text.rstrip("\n").split("\n"), ast.parse(text).body[0]


def lit_lines(layer, kind, slot=None, n_inputs=1):
    """The numbers (from 1) of the lines of ``layer``'s ``kind`` method
    ("forward" or "backward") that compute a step: the output, or the
    gradient of input ``slot`` of ``n_inputs``.  See the module's
    docstring for the rule, and add_lines to name other lines."""
    source, tree = method_source(shown_method(layer, kind))
    named = lines_for(layer)
    if named is None:
        texts = None
    elif kind == "forward":
        texts = named.forward
    else:
        texts = named.backward and named.backward[slot]
    if texts:
        return _named_lines(tree, source, texts, layer, kind)
    ret = _last_return(tree, layer, kind)
    value = _returned_value(ret, slot, n_inputs)
    if value is not ret.value:      # the dx of ``return dx, dy``
        return _assigning(tree, value, ret.lineno) or _span(ret)
    return _assigning(tree, value, ret.lineno) + _span(ret)


def input_names(layer, n_inputs):
    """The names the layer's forward gives its inputs: ["x", "y"], or
    ["xs[0]", "xs[1]", ...] for ``forward(self, *xs)``."""
    names = []
    for name, param in inspect.signature(layer.forward).parameters.items():
        if param.kind is inspect.Parameter.VAR_POSITIONAL:
            names += [f"{name}[{i}]" for i in range(n_inputs - len(names))]
        else:
            names.append(name)
    return names[:n_inputs]


def _returned_value(ret, slot, n_inputs):
    """What a return statement gives input ``slot``: one element of
    ``return dx, dy`` when it lists one per input, else all it returns."""
    value = ret.value
    if slot is not None and isinstance(value, ast.Tuple) and \
            len(value.elts) == n_inputs:
        return value.elts[slot]
    return value


def _gradient_name(layer, tree, slot, names):
    """What a backward step's gradient is called in the code: "dx" for
    ``return dx, dy``, else "returned" (for input x)."""
    ret = _last_return(tree, layer, "backward")
    value = _returned_value(ret, slot, len(names))
    if value is not ret.value and isinstance(value, (ast.Name,
                                                     ast.Attribute)):
        return ast.unparse(value)
    return "returned" if len(names) == 1 else \
        f"returned (for {names[slot]})"


def _assigned_name(tree, lit):
    """The name the lit lines assign (``self.dW`` in ``self.dW = ...``),
    if they assign one name; None otherwise."""
    names = {ast.unparse(node.targets[0]) for node in ast.walk(tree)
             if isinstance(node, ast.Assign) and node.lineno in lit
             and len(node.targets) == 1}
    return names.pop() if len(names) == 1 else None


def _last_return(tree, layer, kind):
    """The return statement of a method: its last one at the top level
    of the body (the usual path), else its last one anywhere."""
    top = [s for s in tree.body if isinstance(s, ast.Return)]
    returns = top or sorted((n for n in ast.walk(tree)
                             if isinstance(n, ast.Return)),
                            key=lambda n: n.lineno)
    if not returns or returns[-1].value is None:
        raise ValueError(
            f"{type(layer).__name__}.{kind} has no return statement with "
            f"a value, so no line can be shown for its steps: return the "
            f"result, or name the lines with "
            f"nnlib.book.step_code.add_lines.")
    return returns[-1]


def _span(statement):
    """The line numbers a statement covers."""
    return tuple(range(statement.lineno, statement.end_lineno + 1))


def _assigning(tree, value, before):
    """The lines of the statements before line ``before`` that assign
    ``value`` when it is a name such as ``dx`` or ``self.out``, with
    the header of a loop they sit in (``for x in xs[1:]:``)."""
    if (isinstance(value, ast.Call) and len(value.args) == 1
            and not value.keywords):
        value = value.args[0]   # a name passed on converted: float(out)
    if not isinstance(value, (ast.Name, ast.Attribute)):
        return ()
    name = ast.unparse(value)
    lines = set()
    for statement in ast.walk(tree):
        if _assigns(statement, name) and statement.lineno < before:
            lines.update(_span(statement))
    for loop in ast.walk(tree):
        if isinstance(loop, (ast.For, ast.While)) and \
                lines.intersection(_span(loop)):
            lines.add(loop.lineno)
    return tuple(sorted(lines))


def _assigns(statement, name):
    """True if ``statement`` assigns ``name`` (``dx = ...``,
    ``out += ...``, ``dx, dy = ...``)."""
    if isinstance(statement, ast.Assign):
        targets = statement.targets
    elif isinstance(statement, (ast.AugAssign, ast.AnnAssign)):
        targets = [statement.target]
    else:
        return False
    names = set()
    for target in targets:
        parts = target.elts if isinstance(target, ast.Tuple) else [target]
        names.update(ast.unparse(part) for part in parts)
    return name in names


def _named_lines(tree, source, texts, layer, kind):
    """The lines of the statements whose first line holds each text."""
    statements = [n for n in ast.walk(tree) if isinstance(n, ast.stmt)
                  and n is not tree]
    lines = set()
    for text in texts:
        found = [n for n in statements if text in source[n.lineno - 1]]
        if not found:
            raise ValueError(
                f"the lines named for {type(layer).__name__}.{kind} "
                f"include {text!r}, which no line of its source holds: "
                f"update its add_lines call in nnlib.book.step_code.")
        lines.update(_span(min(found, key=lambda n: n.lineno)))
    return tuple(sorted(lines))


def _kept_values(layer, tree, lit, say):
    """("self.y", "2") for each number or array of the layer that the
    lit lines read (and do not assign): what forward kept and backward
    uses, or a constant of the node (``self.c``)."""
    read, assigned = [], set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and \
                isinstance(node.value, ast.Name) and \
                node.value.id == "self" and node.lineno in lit:
            if isinstance(node.ctx, ast.Load):
                read.append((node.lineno, node.col_offset, node.attr))
            else:
                assigned.add(node.attr)
    pairs = []
    for _, _, attr in sorted(read):
        if attr in assigned:
            continue
        value = getattr(layer, attr, None)
        if isinstance(value, (numbers.Number, np.ndarray)) and \
                not isinstance(value, bool) and \
                (f"self.{attr}", say.value(value)) not in pairs:
            pairs.append((f"self.{attr}", say.value(value)))
    return pairs


def code_html(code):
    """The HTML of one step's code: the method with its lit lines
    marked, and beside it the values that went in and came out.  The
    page needs CODE_STYLE once (the stepper puts it in its legend)."""
    if code is None:
        return ("<p style='margin:.2em 0'>No layer's code runs at this "
                "step: backward starts with the derivative arriving at "
                "the output.</p>")
    if not code.source:
        return (f"<p style='margin:.2em 0'>The source of "
                f"{escape(code.method)} is not available here.</p>")
    lines = [f"<mark>{MARK}{escape(line)}</mark>" if number in code.lit
             else BLANK + escape(line)
             for number, line in enumerate(code.source, 1)]
    return (f"<div class='nnlib-code'><pre data-method='{code.where}'>"
            + "\n".join(lines) + "</pre><pre>"
            + escape(values_text(code)) + "</pre></div>")


def values_text(code):
    """The method's name and the values of a step, one per line, e.g.
    for the multiply node's backward into apple (chapter 1)::

        MulLayer.backward
        in   dout   = 1.1
             self.y = 2
             self.x = 100
        out  dx     = 2.2
    """
    pairs = code.went_in + code.came_out
    width = max(len(name) for name, _ in pairs)
    lines = [code.method]
    for head, group in (("in", code.went_in), ("out", code.came_out)):
        for i, (name, value) in enumerate(group):
            lines.append(f"{head if i == 0 else '':5}{name:{width}} = "
                         f"{value}")
    return "\n".join(lines)


# Affine traced as a node (nodes.AffineNode, whose code is Affine's):
# its backward returns dx, and keeps dW and db on the layer.
add_lines(AffineNode, backward=[["return (dout @ self.W.T)"],
                                ["self.dW = "], ["self.db = "]])
