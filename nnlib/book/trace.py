"""Record a computational graph from calls to nnlib's node layers.

A ``Tracer`` runs each layer's own ``forward`` and remembers who fed
whom; ``Tracer.backward`` then runs each layer's own ``backward`` from
the output back to the inputs.  So every number in the graph, and in
every drawing of it, is one that the layer classes computed::

    from nnlib.graph import MulLayer
    from nnlib.trace import Tracer

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
in call order, then each edge's backward, from the output back.
"""

import math

import numpy as np

from nnlib import graph as layers


class Var:
    """A value on the graph's edges: an input, or the output of a node.

    ``grad`` is the derivative of the output with respect to this value;
    a value used by several nodes adds up the gradients they send back.
    ``label`` and ``grad_label`` are optional short names for drawings
    (``"(N, D)"``, ``"E·∂y/∂x"``).
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
    """One layer call: its symbol (``op``), label, inputs and output."""

    def __init__(self, index, layer, op, inputs, output):
        self.index = index          # position in call order
        self.layer = layer
        self.op = op                # as drawn: "×", "+", "exp", "/", ...
        self.inputs = inputs        # tuple of Var, in argument order
        self.output = output        # Var, set once the layer has run
        self.label = output.name if output is not None else None

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
    (``edge`` receives its gradient from ``edge.dst``'s backward).
    """

    def __init__(self, kind, caption, node=None, edge=None):
        self.kind = kind
        self.caption = caption
        self.node = node
        self.edge = edge

    def __repr__(self):
        return f"Step({self.kind!r}, {self.caption!r})"


class Graph:
    """What a Tracer recorded: inputs, nodes, edges, values, gradients.

    title: a one-line description; inputs: the input Vars; nodes: the
    Nodes in call order; edges: every Edge (the last one leaves the
    output); output: the Var backward started from; dout: the gradient
    it started with; steps: see ``Graph.steps``.  Look values up by
    name with ``value(name)``, ``grad(name)`` and ``var(name)``.
    """

    def __init__(self):
        self.title = ""
        self.inputs = []
        self.nodes = []
        self.edges = []
        self.output = None
        self.dout = None
        self._vars = {}
        self._forward_steps = []
        self._backward_steps = []
        self._notes = {}

    @property
    def steps(self):
        """Forward steps, one per node, then backward steps, one per edge."""
        return self._forward_steps + self._backward_steps

    def var(self, name):
        """The Var called ``name``."""
        if name not in self._vars:
            known = ", ".join(self._vars)
            raise KeyError(f"no value called {name!r} in this graph; "
                           f"it has: {known}.")
        return self._vars[name]

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
    """

    def __init__(self, title=""):
        self.graph = Graph()
        self.graph.title = title
        self._layers_used = set()

    def input(self, name, value, constant=False, label=None,
              grad_label=None):
        """A starting value called ``name``.

        ``constant=True`` marks a fixed input (labels t): its gradient is
        computed but not drawn or stepped through.
        """
        var = self._new_var(name, value, None, constant, label, grad_label)
        self.graph.inputs.append(var)
        return var

    def call(self, layer, *inputs, name=None, symbol=None, label=None,
             grad_label=None):
        """Run ``layer.forward`` on the values of ``inputs``; return a Var.

        ``name`` names the result (default: v1, v2, ...); ``symbol``
        overrides the drawn node symbol (default ``layer.symbol``).
        """
        graph = self.graph
        if graph.dout is not None:
            raise RuntimeError("backward has already run: build a new "
                               "Tracer to trace another graph.")
        for var in inputs:
            if not isinstance(var, Var) or var.name not in graph._vars \
                    or graph._vars[var.name] is not var:
                raise TypeError(
                    f"Tracer.call got {var!r}: pass values made by this "
                    "tracer's input() or call(); for a fixed number use "
                    "tracer.input(name, value, constant=True).")
        if id(layer) in self._layers_used:
            raise ValueError(
                f"this {type(layer).__name__} was already called: a layer "
                "remembers only its last forward, so each node needs its "
                "own layer object.")
        out = layer.forward(*(var.value for var in inputs))
        self._layers_used.add(id(layer))
        if name is None:
            name = f"v{len(graph.nodes) + 1}"
        op = symbol or getattr(layer, "symbol", None) or _class_symbol(layer)
        node = Node(len(graph.nodes), layer, op, tuple(inputs), None)
        var = self._new_var(name, out, node, False, label, grad_label)
        node.output = var
        node.label = name
        for slot, src in enumerate(inputs):
            edge = Edge(src, node, slot)
            src.uses.append(edge)
            graph.edges.append(edge)
        graph.nodes.append(node)
        graph._forward_steps.append(
            Step("forward", _forward_caption(node), node=node))
        return var

    def note(self, name, text):
        """Add ``text`` to the caption of the step that completes the
        gradient of ``name`` (e.g. the simpler formula it equals)."""
        self.graph.var(name)
        self.graph._notes[name] = text

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
        graph.output = output
        graph.dout = dout
        if grad_label is not None:
            output.grad_label = grad_label
        out_edge = Edge(output, None, 0)
        output.uses.append(out_edge)
        graph.edges.append(out_edge)
        out_edge.grad = dout
        output.grad = dout
        steps = graph._backward_steps
        steps.append(Step("backward", _start_caption(output, dout),
                          edge=out_edge))
        # Nodes further from the inputs go first, so every node's output
        # gradient is complete when its own backward runs.
        for node in _backward_order(graph.nodes):
            upstream = node.output.grad
            if upstream is None:
                continue            # its result never reaches the output
            grads = node.layer.backward(upstream)
            if len(node.inputs) == 1:
                grads = (grads,)
            for src, g in zip(node.inputs, grads):
                edge = next(e for e in src.uses
                            if e.dst is node and e.grad is None)
                edge.grad = g
                src.grad = g if src.grad is None else src.grad + g
                if src.constant:
                    continue
                caption = _backward_caption(edge, graph._notes)
                steps.append(Step("backward", caption, node=node,
                                  edge=edge))
        return graph

    def _new_var(self, name, value, node, constant, label, grad_label):
        if not isinstance(name, str) or not name:
            raise TypeError(f"a value needs a non-empty string name, "
                            f"got {name!r}.")
        if name in self.graph._vars:
            raise ValueError(f"the name {name!r} is already used in this "
                             "graph: give each value its own name.")
        var = Var(name, value, node, constant, label, grad_label)
        self.graph._vars[name] = var
        return var


def levels(nodes):
    """Each node's distance from the inputs: 1 + the largest among the
    nodes feeding it (nodes fed only by inputs have level 1)."""
    level = {}
    for node in nodes:              # call order: feeders come first
        level[node] = 1 + max((level[v.node] for v in node.inputs
                               if v.node is not None), default=0)
    return level


def _backward_order(nodes):
    """Deepest level first; within a level, in call order."""
    level = levels(nodes)
    return sorted(nodes, key=lambda node: (-level[node], node.index))


def format_value(value):
    """A number as a reader wants to see it: 3 significant digits.

    715.0000000000001 -> "715", 2.2000000000000002 -> "2.2",
    -0.53444 -> "−0.534" (with a real minus sign, U+2212).  Arrays of up
    to 8 numbers are written out; bigger arrays by their shape.
    """
    if np.ndim(value) > 0:
        arr = np.asarray(value)
        if arr.size > 8:
            return "array " + format_shape(arr.shape)
        if arr.ndim == 1:
            return "[" + ", ".join(format_value(v) for v in arr) + "]"
        return "[" + ", ".join(format_value(row) for row in arr) + "]"
    v = float(value)
    if v == 0 or not math.isfinite(v):
        return "0" if v == 0 else str(v)
    magnitude = math.floor(math.log10(abs(v)))
    if -4 <= magnitude < 6:
        text = f"{v:.{max(0, 2 - magnitude)}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
    else:
        text = f"{v:.2e}"
    if text in ("-0", "0"):
        return "0"
    return text.replace("-", "−")


def format_shape(shape):
    """(2, 3) -> "(2, 3)"; (3,) -> "(3,)"."""
    return str(tuple(shape))


def _class_symbol(layer):
    """A node symbol for a layer without one: Sigmoid -> "sigmoid"."""
    name = type(layer).__name__
    if name.endswith("Layer"):
        name = name[:-len("Layer")]
    return name.lower()


def _show(var, value=None):
    """A value for a caption: its number, or its shape for an array."""
    value = var.value if value is None else value
    if np.ndim(value) > 0:
        return format_shape(np.shape(value))
    return format_value(value)


def _term(var, value=None):
    """Like _show, with a negative number in brackets: "× (−1)"."""
    text = _show(var, value)
    return f"({text})" if text.startswith("−") else text


def _d(name):
    """The gradient's name as in the article's code: dapple, d(1/S)."""
    return f"d{name}" if name.isidentifier() else f"d({name})"


def _forward_caption(node):
    ins = [_term(v) for v in node.inputs]
    ins[0] = _show(node.inputs[0])
    if any(np.ndim(v.value) > 0 for v in node.inputs):
        ins = [f"{v.name} {_show(v)}" for v in node.inputs]
    layer = node.layer
    if isinstance(layer, (layers.MulLayer, layers.AddLayer,
                          layers.SumLayer)):
        sign = " × " if isinstance(layer, layers.MulLayer) else " + "
        rule = sign.join(ins)
    elif isinstance(layer, layers.MulConstLayer):
        rule = f"{format_value(layer.c)} × {_term(node.inputs[0])}"
    elif isinstance(layer, layers.AddConstLayer):
        rule = f"{ins[0]} + {format_value(layer.c)}"
    elif isinstance(layer, layers.ReciprocalLayer):
        rule = f"1 / {ins[0]}"
    elif isinstance(layer, layers.SquareLayer):
        rule = f"{_term(node.inputs[0])}²"
    elif isinstance(layer, layers.DotLayer):
        rule = " · ".join(ins)
    else:
        rule = f"{_class_symbol(layer)}({', '.join(ins)})"
    result = f"{node.label} = {_show(node.output)}"
    if np.ndim(node.output.value) > 0:
        result = f"{node.label}, shape {_show(node.output)}"
    return f"{node.op} node, forward: {rule} → {result}"


def _start_caption(output, dout):
    if output.grad_label:
        return (f"Backward starts at {output.name}: upstream "
                f"{output.grad_label} = {_show(output, dout)} arrives.")
    if np.ndim(dout) == 0 and float(dout) == 1.0:
        return (f"Backward starts at {output.name} with dout = 1 "
                f"({_d(output.name)}/{_d(output.name)} = 1).")
    return (f"Backward starts at {output.name}: upstream "
            f"{_show(output, dout)} arrives.")


def _local_rule(edge):
    """How the node turns its upstream gradient into this edge's."""
    node = edge.dst
    layer = node.layer
    src = edge.src
    up = "upstream " + _show(node.output, node.output.grad)
    if np.ndim(node.output.grad) > 0 and node.output.grad_label:
        up = f"upstream {node.output.grad_label} " \
             f"{_show(node.output, node.output.grad)}"
    # A broadcast input reached many entries, so their gradients add up.
    broadcast = np.shape(edge.grad) != np.shape(node.output.grad)
    if isinstance(layer, layers.MulLayer):
        other = node.inputs[1 - edge.slot]
        rule = f"{up} times the other input {_term(other)}"
        if broadcast:
            rule += (f", summed over the entries {src.name} "
                     f"multiplied")
        return rule
    if isinstance(layer, (layers.AddLayer, layers.SumLayer,
                          layers.AddConstLayer)):
        if broadcast and np.ndim(edge.grad) > 0:
            return (f"{up} summed over axis 0, the batch, because "
                    f"{src.name} was added to every row")
        if broadcast:
            return (f"{up} summed over every entry, because {src.name} "
                    f"was added to each of them")
        return f"passes {up} on unchanged"
    if isinstance(layer, layers.MulConstLayer):
        return f"{up} times {_term(src, layer.c)}"
    if isinstance(layer, layers.ExpLayer):
        return f"{up} times exp({src.name}) = {_show(node.output)}"
    if isinstance(layer, layers.LogLayer):
        return f"{up} times 1/{src.name} = 1/{_show(src)}"
    if isinstance(layer, layers.ReciprocalLayer):
        y = node.label if node.label.isidentifier() else f"({node.label})"
        return f"{up} times −{y}² = −{_term(node.output)}²"
    if isinstance(layer, layers.SquareLayer):
        return f"{up} times 2·{src.name} = 2 × {_term(src)}"
    if isinstance(layer, layers.DotLayer):
        x, w = node.inputs
        dy = node.output.grad_label or _d(node.label)
        dy_shape = format_shape(np.shape(node.output.grad))
        if edge.slot == 0:
            w_t = format_shape(np.shape(w.value)[::-1])
            return f"{_d(x.name)} = {dy}·{w.name}ᵀ, {dy_shape}·{w_t}"
        x_t = format_shape(np.shape(x.value)[::-1])
        return f"{_d(w.name)} = {x.name}ᵀ·{dy}, {x_t}·{dy_shape}"
    return f"{up} times the node's local derivative"


def _backward_caption(edge, notes):
    src = edge.src
    result = _d(src.name)
    if src.grad_label and np.ndim(edge.grad) == 0:
        result += f" = {src.grad_label}"
    if np.ndim(edge.grad) > 0:
        result += ", shape"
    text = (f"{edge.dst.op} node, backward: {_local_rule(edge)} → "
            f"{result} {'' if np.ndim(edge.grad) else '= '}"
            f"{_show(src, edge.grad)}")
    done = all(e.grad is not None for e in src.uses)
    if len(src.uses) > 1 and done:
        parts = " + ".join([_show(src, src.uses[0].grad)]
                           + [_term(src, e.grad) for e in src.uses[1:]])
        text += (f"; {src.name} is used {len(src.uses)} times, so its "
                 f"gradient adds up: {parts} = {_show(src, src.grad)}")
    if src.name in notes and done:
        text += f" ({notes[src.name]})"
    return text
