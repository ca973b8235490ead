"""What each step of a traced graph says, one entry per node type.

``CAPTIONS`` maps a node layer class to its ``Words``: how its forward
step states the rule with the numbers filled in ("100 × 2"), and how
its backward step turns the upstream gradient into the gradient of one
input ("upstream 1 times the other input 1.1").  The rest of a caption
(which node, the result's name and value, a value that collects the
gradients of several uses, a note) is the same for every node type and
is added here too.  A new node type gets its captions by one call::

    add_words(MinLayer, forward=..., backward=...)

A node type without an entry (or a subclass of one that has one) is
described in general terms: ``f(x)`` forward, "times the node's local
derivative" backward.
"""

from typing import Callable, NamedTuple

import numpy as np

from nnlib.book.formatting import format_shape, format_sum, format_value
from nnlib.book.nodes import (AddConstLayer, AddLayer, AffineNode,
                              DivLayer, DotLayer, ExpLayer, LogLayer,
                              MaxLayer, MeanLayer, MulConstLayer, MulLayer,
                              ReciprocalLayer, SoftmaxWithLossNode,
                              SqrtLayer, SquareLayer, SubLayer, SumLayer)
from nnlib.layers import Relu


class Parts(NamedTuple):
    """A step's caption, and the pieces of it that the table of all
    steps shows in columns of their own (nnlib.book.step_text).

    caption: the whole sentence.  rule: the computation with its
    numbers ("100 × 2", "upstream 1 times the other input 1.1").
    result: what it gives ("apple_price = 200", "dapple = 2.2").  note:
    what the caption adds after the result, or "".
    """
    caption: str
    rule: str
    result: str
    note: str


class Words(NamedTuple):
    """The captions of one node type.

    forward(node, say) -> the rule with its numbers, e.g. "100 × 2".
    backward(edge, say) -> how the node turns its upstream gradient
    into the one on ``edge`` (an input of ``edge.dst``), e.g. "upstream
    1 times the other input 1.1".  ``say`` is a Say for the graph.
    """
    forward: Callable
    backward: Callable


CAPTIONS = {}


def add_words(layer_type, forward, backward):
    """Give the node type ``layer_type`` its captions (see Words)."""
    CAPTIONS[layer_type] = Words(forward, backward)


def words_for(layer):
    """The Words of a layer's class, or of the nearest class it derives
    from that has some; the general Words otherwise."""
    for cls in type(layer).__mro__:
        if cls in CAPTIONS:
            return CAPTIONS[cls]
    return GENERAL


class Say:
    """Values of one graph as caption text.

    A number is written with 3 significant digits, an array by its
    shape, or in full if the graph writes its arrays out (the Tracer's
    ``write_arrays``).
    """

    def __init__(self, graph):
        self.write_arrays = graph.write_arrays

    def value(self, value):
        """A number, or an array by its shape or in full."""
        if np.ndim(value) > 0 and not self.written_out(value):
            return format_shape(np.shape(value))
        return format_value(value)

    def term(self, value):
        """Like value(), with a negative number in brackets: "(−1)"."""
        text = self.value(value)
        return f"({text})" if text.startswith("−") else text

    def written_out(self, value):
        """True if the array ``value`` is shown as its numbers."""
        return self.write_arrays and np.size(value) <= 8

    def result(self, name, value):
        """'name = 3' or 'name, shape (2, 3)'."""
        if np.ndim(value) > 0 and not self.written_out(value):
            return f"{name}, shape {format_shape(np.shape(value))}"
        return f"{name} = {self.value(value)}"

    def upstream(self, node):
        """The gradient arriving at a node, as "upstream 1.1"."""
        grad, label = node.output.grad, node.output.grad_label
        if np.ndim(grad) > 0 and label:
            return f"upstream {label} {self.value(grad)}"
        return f"upstream {self.value(grad)}"

    def formula(self, node, rule, terms=False):
        """``rule(texts)`` with each input's text: the numbers
        ("100 × 2", the first number bare, the others as terms, or all
        as terms if ``terms``); for arrays their names and shapes
        ("X (2, 3) · W (3, 2)"), or names then numbers if the arrays are
        written out ("x − mu = [1, 2, 3, 6] − 3")."""
        inputs = node.inputs
        numbers = [self.term(v.value) if terms or i else self.value(v.value)
                   for i, v in enumerate(inputs)]
        if not any(np.ndim(v.value) > 0 for v in inputs):
            return rule(numbers)
        if all(np.ndim(v.value) == 0 or self.written_out(v.value)
               for v in inputs):
            return f"{rule([v.name for v in inputs])} = {rule(numbers)}"
        return rule([f"{v.name} {self.value(v.value)}" for v in inputs])


def d(name):
    """The gradient's name as in the article's code: dapple, d(1/S),
    d(gamma·xn)."""
    return f"d{name}" if name.isascii() and name.isidentifier() \
        else f"d({name})"


def op_name(node):
    """The node's symbol on one line ("Softmax with Loss")."""
    return node.op.replace("\n", " ")


def broadcast(edge):
    """True if the input on ``edge`` was broadcast to a larger shape."""
    return np.shape(edge.grad) != np.shape(edge.dst.output.grad)


# ---- the captions common to every node type ----------------------------

def forward_caption(node, graph):
    """"× node, forward: 100 × 2 → apple_price = 200", and the node's
    note if it has one."""
    return forward_parts(node, graph).caption


def forward_parts(node, graph):
    """The Parts of a node's forward step (see forward_caption)."""
    say = Say(graph)
    rule = words_for(node.layer).forward(node, say)
    result = say.result(node.label, node.output.value)
    note = f"({node.note})" if node.note else ""
    text = f"{op_name(node)} node, forward: {rule} → {result}"
    return Parts(text + (f" {note}" if note else ""), rule, result, note)


def start_caption(output, dout, graph):
    """The first backward step: dout arrives at the output."""
    return start_parts(output, dout, graph).caption


def start_parts(output, dout, graph):
    """The Parts of the first backward step (see start_caption)."""
    say = Say(graph)
    result = f"{d(output.name)} = {say.value(dout)}"
    if output.grad_label:
        rule = f"upstream {output.grad_label} = {say.value(dout)} arrives"
        text = f"Backward starts at {output.name}: {rule}."
    elif np.ndim(dout) == 0 and float(dout) == 1.0:
        rule = f"dout = 1 ({d(output.name)}/{d(output.name)} = 1)"
        text = f"Backward starts at {output.name} with {rule}."
    else:
        rule = f"upstream {say.value(dout)} arrives"
        text = f"Backward starts at {output.name}: {rule}."
    return Parts(text, rule, result, "")


def backward_caption(edge, graph):
    """"× node, backward: upstream 1 times the other input 1.1 →
    dapple_price = 1.1"; a value used several times adds up its
    gradients at the step that completes them, and gets its note."""
    return backward_parts(edge, graph).caption


def backward_parts(edge, graph):
    """The Parts of one edge's backward step (see backward_caption).
    Made when the step is traced: whether a value's gradients are all
    in, and so added up, depends on the steps before it."""
    say = Say(graph)
    src = edge.src
    rule = words_for(edge.dst.layer).backward(edge, say)
    result = say.result(d(src.name), edge.grad)
    if src.grad_label and np.ndim(edge.grad) == 0:
        result = f"{d(src.name)} = {src.grad_label} = {say.value(edge.grad)}"
    notes = []
    done = all(e.grad is not None for e in src.uses)
    if len(src.uses) > 1 and done:
        parts = " + ".join([say.value(src.uses[0].grad)]
                           + [say.term(e.grad) for e in src.uses[1:]])
        notes.append(f"{src.name} is used {len(src.uses)} times, so its "
                     f"gradient adds up: {parts} = {say.value(src.grad)}")
    text = f"{op_name(edge.dst)} node, backward: {rule} → {result}"
    if notes:
        text += "; " + notes[0]
    if src.name in graph.notes and done:
        notes.append(f"({graph.notes[src.name]})")
        text += f" {notes[-1]}"
    return Parts(text, rule, result, " ".join(notes))


# ---- one entry per node type ---------------------------------------------

def _template(text, terms=False):
    """Forward words that fill ``text`` with the inputs' numbers ({0},
    {1}, ...) and the node's constant ({c}): "exp({0})"."""
    def forward(node, say):
        c = format_value(node.layer.c) if hasattr(node.layer, "c") else ""
        return say.formula(node, lambda ins: text.format(*ins, c=c),
                           terms=terms)
    return forward


def _infix(sign):
    """Forward words for a node that puts ``sign`` between its inputs."""
    return lambda node, say: say.formula(node, sign.join)


def _times(local):
    """Backward words "upstream 2 times <local>", where ``local(edge,
    say)`` is the local derivative in words: "exp(x) = 2.72"."""
    return lambda edge, say: \
        f"{say.upstream(edge.dst)} times {local(edge, say)}"


def _passes_on(edge, say):
    """Backward words of +: the upstream gradient passes on unchanged,
    or summed over the entries a broadcast input was added to."""
    up = say.upstream(edge.dst)
    name = edge.src.name
    if broadcast(edge) and np.ndim(edge.grad) > 0:
        return (f"{up} summed over axis 0, the batch, because {name} was "
                f"added to every row")
    if broadcast(edge):
        return (f"{up} summed over every entry, because {name} was added "
                f"to each of them")
    return f"passes {up} on unchanged"


def _mul_backward(edge, say):
    other = edge.dst.inputs[1 - edge.slot]
    rule = f"{say.upstream(edge.dst)} times the other input " \
           f"{say.term(other.value)}"
    if broadcast(edge):
        rule += f", summed over the entries {edge.src.name} multiplied"
    return rule


def _sub_backward(edge, say):
    if edge.slot == 0:
        return _passes_on(edge, say)
    up = say.upstream(edge.dst)
    if broadcast(edge):
        return (f"minus {up} summed over every entry, because "
                f"{edge.src.name} was subtracted from each of them")
    return f"{up} times −1"


def _div_backward(edge, say):
    x, y = edge.dst.inputs
    up = say.upstream(edge.dst)
    if edge.slot == 0:
        rule = f"{up} times 1/{y.name} = 1/{say.term(y.value)}"
    else:
        rule = f"{up} times −{x.name}/{y.name}²"
    if broadcast(edge):
        rule += f", summed over the entries {edge.src.name} divided"
    return rule


def _dot_backward(edge, say):
    """dx = dy·Wᵀ or dW = xᵀ·dy, with shapes (a dot node's inputs, or
    the first two of an Affine node's)."""
    node = edge.dst
    x, w = node.inputs[:2]
    dy = node.output.grad_label or d(node.label)
    dy_shape = format_shape(np.shape(node.output.grad))
    if edge.slot == 0:
        w_t = format_shape(np.shape(w.value)[::-1])
        return f"{d(x.name)} = {dy}·{w.name}ᵀ, {dy_shape}·{w_t}"
    x_t = format_shape(np.shape(x.value)[::-1])
    return f"{d(w.name)} = {x.name}ᵀ·{dy}, {x_t}·{dy_shape}"


def _reciprocal_local(edge, say):
    node = edge.dst
    y = node.label if node.label.isidentifier() else f"({node.label})"
    return f"−{y}² = −{say.term(node.output.value)}²"


def _mean_forward(node, say):
    x = node.inputs[0].value
    if say.written_out(x):
        return f"the mean over the batch, ({format_sum(x)}) / {len(x)}"
    return f"the mean of {node.inputs[0].name} {say.value(x)} over axis 0"


def _mean_backward(edge, say):
    n = len(edge.src.value)
    return (f"each entry had weight 1/{n} in the mean: "
            f"{say.upstream(edge.dst)} / {n} to every entry")


def _square_forward(node, say):
    x = node.inputs[0]
    if np.ndim(x.value) > 0:
        return f"each entry of {x.name} squared"
    return f"{say.term(x.value)}²"


def _exp_local(edge, say):
    return f"exp({edge.src.name}) = {say.value(edge.dst.output.value)}"


def _log_local(edge, say):
    return f"1/{edge.src.name} = 1/{say.value(edge.src.value)}"


def _square_local(edge, say):
    return f"2·{edge.src.name} = 2 × {say.term(edge.src.value)}"


def _sqrt_local(edge, say):
    out = edge.dst
    return f"1/(2·{out.label}) = 1/(2 × {say.value(out.output.value)})"


def _const_local(edge, say):
    return say.term(edge.dst.layer.c)


def _max_forward(node, say):
    return say.formula(node, lambda ins: f"max({', '.join(ins)})")


def _max_backward(edge, say):
    """The winner gets the upstream gradient, the other input 0."""
    node = edge.dst
    up = say.upstream(node)
    name, other = edge.src.name, node.inputs[1 - edge.slot]
    wins = node.layer.x_wins if edge.slot == 0 else ~node.layer.x_wins
    if np.ndim(wins) > 0:
        rule = f"{up} where {name} was the larger, 0 elsewhere"
        if broadcast(edge):
            rule += f", summed over the entries {name} was compared with"
        return rule
    mine = say.value(edge.src.value)
    theirs = say.value(other.value)
    if edge.src.value == other.value:
        return (f"a tie, {mine} = {theirs}: this node gives the second "
                f"input all of {up}, so {name} gets 0" if edge.slot == 0
                else f"a tie, {mine} = {theirs}: this node gives the "
                f"second input, {name}, all of {up}")
    if wins:
        return f"{name} = {mine} won against {theirs}, so it gets all " \
               f"of {up}"
    return f"{name} = {mine} lost to {theirs}, so it gets 0"


def _shapes(*vars_):
    return [format_shape(np.shape(v.value)) for v in vars_]


def _affine_forward(node, say):
    x, w, b = node.inputs
    sx, sw, sb = _shapes(x, w, b)
    return f"{x.name}·{w.name} + {b.name}, {sx}·{sw} + {sb}"


def _affine_backward(edge, say):
    if edge.slot < 2:
        return _dot_backward(edge, say)
    node = edge.dst
    dy = d(node.label)
    return (f"{d(edge.src.name)} = {dy} {say.value(node.output.grad)} "
            f"summed over axis 0, the batch")


def _relu_forward(node, say):
    x = node.inputs[0]
    return f"max(0, {x.name}), entry by entry: {say.value(x.value)}"


def _relu_backward(edge, say):
    node = edge.dst
    mask = np.asarray(node.layer.mask, dtype=int)
    return (f"{say.upstream(node)} where {edge.src.name} > 0 (mask "
            f"{say.value(mask)}), 0 elsewhere")


def _softmax_loss_forward(node, say):
    s, t = node.inputs
    n = len(node.layer.y)
    return (f"y = softmax({s.name}) = {say.value(node.layer.y)}, then the "
            f"cross-entropy against the labels {t.name} = "
            f"{say.value(t.value)}, averaged over the batch of {n}")


def _softmax_loss_backward(edge, say):
    layer = edge.dst.layer
    n = len(layer.y)
    return (f"{say.upstream(edge.dst)} times (y − t) / N, with N = {n} "
            f"and t one-hot: y − t = {say.value(layer.y - layer.t)}")


def class_symbol(layer):
    """A node symbol for a layer without one: Sigmoid -> "sigmoid"."""
    name = type(layer).__name__
    if name.endswith("Layer"):
        name = name[:-len("Layer")]
    return name.lower()


GENERAL = Words(
    forward=lambda node, say: say.formula(
        node, lambda ins: f"{class_symbol(node.layer)}({', '.join(ins)})"),
    backward=_times(lambda edge, say: "the node's local derivative"))

CAPTIONS.update({
    MulLayer: Words(_infix(" × "), _mul_backward),
    AddLayer: Words(_infix(" + "), _passes_on),
    SumLayer: Words(_infix(" + "), _passes_on),
    SubLayer: Words(_infix(" − "), _sub_backward),
    DivLayer: Words(_infix(" / "), _div_backward),
    DotLayer: Words(_infix(" · "), _dot_backward),
    MulConstLayer: Words(_template("{c} × {0}", terms=True),
                         _times(_const_local)),
    AddConstLayer: Words(_template("{0} + {c}"), _passes_on),
    ExpLayer: Words(_template("exp({0})"), _times(_exp_local)),
    LogLayer: Words(_template("log({0})"), _times(_log_local)),
    ReciprocalLayer: Words(_template("1 / {0}"), _times(_reciprocal_local)),
    SquareLayer: Words(_square_forward, _times(_square_local)),
    SqrtLayer: Words(_template("√{0}"), _times(_sqrt_local)),
    MeanLayer: Words(_mean_forward, _mean_backward),
    MaxLayer: Words(_max_forward, _max_backward),
    AffineNode: Words(_affine_forward, _affine_backward),
    Relu: Words(_relu_forward, _relu_backward),
    SoftmaxWithLossNode: Words(_softmax_loss_forward,
                               _softmax_loss_backward),
})
