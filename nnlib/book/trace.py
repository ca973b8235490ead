"""Record a computational graph from calls to nnlib's node layers.

A ``Tracer`` runs each layer's own ``forward`` and remembers who fed
whom; ``Tracer.backward`` then runs each layer's own ``backward`` from
the output back to the inputs.  So every number in the graph, and in
every drawing of it, is one that the layer classes computed::

    from nnlib.book.nodes import MulLayer
    from nnlib.book.trace import Tracer

    tr = Tracer()
    apple = tr.input("apple", 100)
    apple_num = tr.input("apple_num", 2)
    tax = tr.input("tax", 1.1)
    apple_price = tr.call(MulLayer(), apple, apple_num, name="apple_price")
    price = tr.call(MulLayer(), apple_price, tax, name="price")
    graph = tr.backward(price)      # dout = 1 arrives at the output
    graph.value("price")            # 220.00000000000003
    graph.grad("apple")             # 2.2

``graph.steps`` lists what a reader steps through: each node's forward
in call order, then each edge's backward, from the output back (see
``backward_order``).  Each step has a caption from nnlib.book.captions.
"""

import numpy as np

from nnlib.book import captions
from nnlib.book.formatting import format_label, format_rows, format_value


class Var:
    """A value on the graph's edges: an input, or the output of a node.

    ``grad`` is the derivative of the output with respect to this value;
    a value used by several nodes adds up the gradients they send back.
    ``label`` and ``grad_label`` are optional texts drawn on its edges in
    place of the numbers (``"(N, D)"``, ``"E·∂y/∂x"``).
    """

    def __init__(self, name, value, node=None, constant=False,
                 label=None, grad_label=None):
        self.name = name
        self.value = value
        self.node = node            # the Node that made it; None for inputs
        self.constant = constant    # a fixed input: no gradient drawn
        self.label = label
        self.grad_label = grad_label
        self.grad = None
        self.uses = []              # the Edges that carry it onward

    def __repr__(self):
        return f"Var({self.name!r}, {format_value(self.value)})"


class Node:
    """One layer call: the layer, its symbol (``op``), inputs and output.

    ``layer`` is the very layer object that computed the node, so its
    class says which operation it is.  ``note`` is added to the caption
    of its forward step.
    """

    def __init__(self, index, layer, op, inputs, note=None):
        self.index = index          # position in call order
        self.layer = layer
        self.op = op                # as drawn: "×", "+", "exp", "/", ...
        self.inputs = inputs        # tuple of Var, in argument order
        self.output = None          # Var, set once the layer has run
        self.label = None           # the output's name
        self.note = note

    def __repr__(self):
        names = ", ".join(v.name for v in self.inputs)
        return f"Node({self.op!r}: {names} -> {self.label})"


class Edge:
    """A value going into one argument of a node (or out as the result).

    ``dst`` is None for the edge that leaves the graph's output.  ``grad``
    is what the backward pass sends back along this edge alone.
    """

    def __init__(self, src, dst, slot):
        self.src = src
        self.dst = dst
        self.slot = slot
        self.grad = None

    def __repr__(self):
        to = self.dst.label if self.dst is not None else "output"
        return f"Edge({self.src.name} -> {to})"


class Step:
    """One step of the walk-through.

    kind: "forward" (``node`` computes its output) or "backward"
    (``edge`` receives its gradient from ``node``'s backward; node is
    None for the first backward step, where dout arrives at the output).
    parts: the caption in pieces (nnlib.book.captions.Parts), for the
    table of all steps; None if the step was made by hand.
    """

    def __init__(self, kind, caption, node=None, edge=None, parts=None):
        self.kind = kind
        self.caption = caption
        self.node = node
        self.edge = edge
        self.parts = parts

    def __repr__(self):
        return f"Step({self.kind!r}, {self.caption!r})"


class Graph:
    """What a Tracer recorded: inputs, nodes, edges, values, gradients.

    title: a one-line description; inputs: the input Vars; nodes: the
    Nodes in call order; edges: every Edge (the last one leaves the
    output); vars: every Var by name; output: the Var backward started
    from; dout: the gradient it started with; steps: the Steps, forward
    then backward; notes: name -> text added to the caption of the step
    that completes that value's gradient; write_arrays: arrays are
    written out in full (as numbers, not shapes) where they are short.
    Look values up by name with ``value(name)``, ``grad(name)`` and
    ``var(name)``.
    """

    def __init__(self, title="", write_arrays=False):
        self.title = title
        self.write_arrays = write_arrays
        self.inputs = []
        self.nodes = []
        self.edges = []
        self.vars = {}
        self.output = None
        self.dout = None
        self.steps = []
        self.notes = {}

    def var(self, name):
        """The Var called ``name``."""
        if name not in self.vars:
            known = ", ".join(self.vars)
            raise KeyError(f"no value called {name!r} in this graph; "
                           f"it has: {known}.")
        return self.vars[name]

    def value(self, name):
        """The forward value called ``name``."""
        return self.var(name).value

    def grad(self, name):
        """d output / d ``name``, summed over every use of the value."""
        var = self.var(name)
        if self.output is None or self.dout is None:
            raise RuntimeError("no gradients yet: call "
                               "tracer.backward(output) first.")
        return var.grad


class Tracer:
    """Build a Graph by calling layers on traced values.

    ``input`` makes a starting value, ``call`` runs a layer's forward on
    traced values, ``backward`` runs every layer's backward.
    write_arrays: write arrays of up to 8 numbers out in full on the
    edges and in the captions, instead of their shapes (on an edge, a
    matrix as its shape and then one row per line).
    """

    def __init__(self, title="", write_arrays=False):
        self.graph = Graph(title, write_arrays)
        self._layers_used = set()

    def input(self, name, value, constant=False, label=None,
              grad_label=None):
        """A starting value called ``name``.

        ``constant=True`` marks a fixed input (labels t): its gradient is
        not drawn or stepped through, and a layer may return None for it
        (SoftmaxWithLossNode does for its labels).
        """
        var = self._new_var(name, value, None, constant, label, grad_label)
        self.graph.inputs.append(var)
        return var

    def call(self, layer, *inputs, name=None, symbol=None, label=None,
             grad_label=None, note=None):
        """Run ``layer.forward`` on the values of ``inputs``; return a Var.

        ``name`` names the result (default: v1, v2, ...); ``symbol``
        overrides the drawn node symbol (default ``layer.symbol``);
        ``note`` is added to the caption of this forward step.
        """
        graph = self.graph
        if graph.dout is not None:
            raise RuntimeError("backward has already run: build a new "
                               "Tracer to trace another graph.")
        self._check_inputs(inputs)
        if id(layer) in self._layers_used:
            raise ValueError(
                f"this {type(layer).__name__} was already called: a layer "
                "remembers only its last forward, so each node needs its "
                "own layer object.")
        op = symbol or getattr(layer, "symbol", None) or \
            captions.class_symbol(layer)
        if name is None:
            name = f"v{len(graph.nodes) + 1}"
        with np.errstate(all="ignore"):  # reported below, in words
            out = layer.forward(*(var.value for var in inputs))
        _require_finite(out, f"the {op} node {name}",
                        ", ".join(f"{v.name} = {format_value(v.value)}"
                                  for v in inputs))
        self._layers_used.add(id(layer))
        node = Node(len(graph.nodes), layer, op, tuple(inputs), note)
        node.output = self._new_var(name, out, node, False, label,
                                    grad_label)
        node.label = name
        for slot, src in enumerate(inputs):
            edge = Edge(src, node, slot)
            src.uses.append(edge)
            graph.edges.append(edge)
        graph.nodes.append(node)
        parts = captions.forward_parts(node, graph)
        graph.steps.append(Step("forward", parts.caption, node=node,
                                parts=parts))
        return node.output

    def note(self, name, text):
        """Add ``text`` to the caption of the step that completes the
        gradient of ``name`` (e.g. the simpler formula it equals)."""
        self.graph.var(name)
        self.graph.notes[name] = text

    def backward(self, output, dout=1.0, grad_label=None):
        """Run each node's backward, from ``output`` back; return the Graph.

        ``dout`` is the derivative arriving at the output (1 when the
        output is the quantity being differentiated).
        """
        graph = self.graph
        if graph.dout is not None:
            raise RuntimeError("backward has already run on this tracer.")
        if not isinstance(output, Var) or output.node is None:
            raise TypeError("Tracer.backward needs the Var returned by the "
                            "last tracer.call, the graph's output.")
        graph.output, graph.dout = output, dout
        if grad_label is not None:
            output.grad_label = grad_label
        out_edge = Edge(output, None, 0)
        output.uses.append(out_edge)
        graph.edges.append(out_edge)
        out_edge.grad = output.grad = dout
        parts = captions.start_parts(output, dout, graph)
        graph.steps.append(Step("backward", parts.caption, edge=out_edge,
                                parts=parts))
        for node in backward_order(graph.nodes):
            if node.output.grad is not None:  # else it never reaches
                self._run_backward(node)      # the output
        if graph.write_arrays:
            _write_gradients_out(graph)
        return graph

    def _run_backward(self, node):
        """Run one node's backward: a gradient and a step per input."""
        graph = self.graph
        with np.errstate(all="ignore"):  # reported below, in words
            grads = node.layer.backward(node.output.grad)
        if len(node.inputs) == 1:
            grads = (grads,)
        for src, grad in zip(node.inputs, grads):
            if grad is None:    # no gradient for a fixed input (labels)
                _require_constant(src, node)
                continue
            _require_finite(grad, f"the gradient {captions.d(src.name)} "
                            f"from the {node.op} node {node.label}",
                            f"upstream {format_value(node.output.grad)}")
            edge = next(e for e in src.uses
                        if e.dst is node and e.grad is None)
            edge.grad = grad
            src.grad = grad if src.grad is None else src.grad + grad
            if not src.constant:
                parts = captions.backward_parts(edge, graph)
                graph.steps.append(Step("backward", parts.caption,
                                        node=node, edge=edge, parts=parts))

    def _check_inputs(self, inputs):
        for var in inputs:
            if not isinstance(var, Var) or \
                    self.graph.vars.get(var.name) is not var:
                raise TypeError(
                    f"Tracer.call got {var!r}: pass values made by this "
                    "tracer's input() or call(); for a fixed number use "
                    "tracer.input(name, value, constant=True).")

    def _new_var(self, name, value, node, constant, label, grad_label):
        if not isinstance(name, str) or not name:
            raise TypeError(f"a value needs a non-empty string name, "
                            f"got {name!r}.")
        if name in self.graph.vars:
            raise ValueError(f"the name {name!r} is already used in this "
                             "graph: give each value its own name.")
        if label is None and self.graph.write_arrays and \
                np.ndim(value) > 0:
            label = format_label(value)
        var = Var(name, value, node, constant, label, grad_label)
        self.graph.vars[name] = var
        return var


def _require_finite(value, what, inputs):
    """A clear error where a number overflowed to inf or became NaN."""
    if not np.all(np.isfinite(value)):
        raise ValueError(
            f"{what} is {format_value(value)} for {inputs}: the result is "
            f"too large (or undefined) for a floating-point number.  "
            f"Choose inputs nearer 0.")


def _require_constant(src, node):
    """A layer may skip the gradient of a fixed input, and only that."""
    if not src.constant:
        raise ValueError(
            f"the {node.op} node {node.label} returned no gradient for "
            f"{src.name}: if {src.name} is fixed data (labels), trace it "
            f"with tracer.input({src.name!r}, ..., constant=True).")


def _write_gradients_out(graph):
    """Label the edges of each array used once with its gradient's
    numbers, a matrix one row per line (a value used twice sends back a
    different gradient on each edge, so those keep their name, dxc)."""
    for var in graph.vars.values():
        if np.ndim(var.value) > 0 and len(var.uses) == 1 and \
                var.grad is not None:
            var.grad_label = format_rows(var.grad)


def levels(nodes):
    """Each node's level: the number of nodes on the longest path from
    the inputs to it, 1 + the largest level among the nodes feeding it
    (nodes fed only by inputs have level 1)."""
    level = {}
    for node in nodes:              # call order: feeders come first
        level[node] = 1 + max((level[v.node] for v in node.inputs
                               if v.node is not None), default=0)
    return level


def backward_order(nodes):
    """The order in which backward visits the nodes: highest level
    first, so every node's output gradient is complete when its own
    backward runs; within a level, in call order.  The reader sees
    the graph emptied column by column from the right, top to bottom."""
    level = levels(nodes)
    return sorted(nodes, key=lambda node: (-level[node], node.index))
