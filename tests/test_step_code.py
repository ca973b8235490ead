"""Each step's code: which lines of the layer's own forward or backward
compute it, the values beside them, and the HTML a stepper shows."""

import inspect
import re
import textwrap

import numpy as np
import pytest

from nnlib import layers, training_layers
from nnlib.book import examples, step_code as code_module
from nnlib.book.nodes import MulLayer
from nnlib.book.step_code import (CODE_STYLE, MARK, Lines, add_lines,
                                  code_html, lit_lines, method_source,
                                  shown_method, step_code, values_text)
from nnlib.book.trace import Tracer
from nnlib.checks import Layer

# The lines each node type lights, as the reader would point at them:
# forward, then backward for each input in order.  A node type new to
# the book's graphs needs its entry here (the first test says so).
EXPECTED = {
    "MulLayer": (["return x * y"],
                 [["dx = reduce_to_shape(dout * self.y, self.x)"],
                  ["dy = reduce_to_shape(dout * self.x, self.y)"]]),
    "AddLayer": (["return x + y"],
                 [["dx = reduce_to_shape(dout * 1, self.x)"],
                  ["dy = reduce_to_shape(dout * 1, self.y)"]]),
    "MulConstLayer": (["return self.c * x"], [["return dout * self.c"]]),
    "AddConstLayer": (["return x + self.c"], [["return dout * 1"]]),
    "ExpLayer": (["self.out = np.exp(x)", "return self.out"],
                 [["return dout * self.out"]]),
    "LogLayer": (["return np.log(x)"], [["return dout / self.x"]]),
    "ReciprocalLayer": (["self.out = 1 / x", "return self.out"],
                        [["return dout * (-self.out ** 2)"]]),
    "SquareLayer": (["return x ** 2"], [["return dout * 2 * self.x"]]),
    "SumLayer": (["out = xs[0]", "for x in xs[1:]:", "out = out + x",
                  "return out"],
                 [["return tuple(reduce_to_shape(dout * 1, x) "
                   "for x in self.xs)"]] * 3),
    "DotLayer": (["return np.dot(x, W)"],
                 [["dx = np.dot(dout, self.W.T)"],
                  ["dW = np.dot(self.x.T, dout)"]]),
    "MeanLayer": (["return x.mean(axis=0)"],
                  [["return np.broadcast_to(np.asarray(dout) / n, "
                    "self.shape).copy()"]]),
    "SubLayer": (["return x - y"],
                 [["dx = reduce_to_shape(dout * 1, self.x)"],
                  ["dy = reduce_to_shape(-dout, self.y)"]]),
    "SqrtLayer": (["self.out = np.sqrt(x)", "return self.out"],
                  [["return dout / (2 * self.out)"]]),
    "DivLayer": (["return x / y"],
                 [["dx = reduce_to_shape(dout / self.y, self.x)"],
                  ["dy = reduce_to_shape(-dout * self.x / self.y ** 2, "
                   "self.y)"]]),
    "MaxLayer": (["out = np.maximum(x, y)",
                  "return float(out)   # numbers in, a number out, as for "
                  "× and +"],
                 [["dx = reduce_to_shape(dout * self.x_wins, self.x)"],
                  ["dy = reduce_to_shape(dout * ~self.x_wins, self.y)"]]),
    # The network's own layers, as whole-layer nodes.
    "Relu": (["return np.maximum(x, 0)"],
             [["return dout * self.mask  # a new array: dout stays as it "
               "was"]]),
    "Sigmoid": (["self.out = sigmoid(x)", "return self.out"],
                [["return dout * (1.0 - self.out) * self.out"]]),
    "Affine": (["out = self.x @ self.W",
                "out += self.b  # in place: a second (N, M) array would "
                "cost time",
                "return out"],
               [["return (dout @ self.W.T).reshape(self.x_shape)"]]),
    "SoftmaxWithLoss": (["self.loss = cross_entropy_error(self.y, t)",
                         "return self.loss"],
                        [["return (self.y - self.t) * (float(dout) / "
                          "batch_size)"]] * 2),
}
# Layers wrapped as nodes show the code of the layer they wrap; the
# weights' gradients are the lines that keep them on the layer.
EXPECTED["AffineNode"] = (EXPECTED["Affine"][0],
                          [["return (dout @ self.W.T).reshape("
                            "self.x_shape)"],
                           ["self.dW = self.x.T @ dout"],
                           ["self.db = np.sum(dout, axis=0)"]])
EXPECTED["SoftmaxWithLossNode"] = EXPECTED["SoftmaxWithLoss"]

NETWORK_LAYERS = [layers.Relu(), layers.Sigmoid(),
                  layers.Affine(np.ones((2, 3)), np.zeros(3)),
                  layers.SoftmaxWithLoss()]


def example_graphs():
    """Every graph nnlib.book.examples builds, with its defaults."""
    return [builder() for name, builder in
            inspect.getmembers(examples, inspect.isfunction)
            if name.endswith("_graph")
            and builder.__module__ == examples.__name__]


def lit_text(layer, kind, slot=None, n_inputs=1):
    """The lit lines of a layer's method, stripped."""
    source, _ = method_source(shown_method(layer, kind))
    return [source[n - 1].strip()
            for n in lit_lines(layer, kind, slot, n_inputs)]


def test_every_node_type_of_the_books_graphs_lights_its_lines():
    seen = set()
    for graph in example_graphs():
        for node in graph.nodes:
            name = type(node.layer).__name__
            assert name in EXPECTED, (
                f"{name} is a node type of the book's graphs with no "
                f"expected lines: add it to EXPECTED in this file (and, "
                f"if the automatic choice is poor, call add_lines for it "
                f"in nnlib.book.step_code).")
            forward, backward = EXPECTED[name]
            assert lit_text(node.layer, "forward") == forward, name
            for slot in range(len(node.inputs)):
                assert lit_text(node.layer, "backward", slot,
                                len(node.inputs)) == backward[slot], \
                    (name, slot)
            seen.add(name)
    # The graphs use all of the book's node types.
    assert seen >= set(EXPECTED) - {type(l).__name__
                                    for l in NETWORK_LAYERS}


@pytest.mark.parametrize("layer", NETWORK_LAYERS,
                         ids=lambda layer: type(layer).__name__)
def test_the_networks_layers_light_their_lines(layer):
    # The same rule, unchanged, for layers used whole as a node.
    forward, backward = EXPECTED[type(layer).__name__]
    assert lit_text(layer, "forward") == forward
    for slot, lines in enumerate(backward):
        assert lit_text(layer, "backward", slot, len(backward)) == lines


def test_the_code_is_read_from_the_class():
    graph = examples.apple_graph()
    code = step_code(graph, 5)
    printed = textwrap.dedent(inspect.getsource(MulLayer.backward))
    assert code.source == printed.rstrip("\n").split("\n")
    assert code.method == "MulLayer.backward"
    assert code.where == "nnlib.book.nodes:MulLayer.backward"


def test_every_step_but_the_start_of_backward_has_its_layers_code():
    for graph in example_graphs():
        for index, step in enumerate(graph.steps):
            code = step_code(graph, index)
            if step.node is None:       # dout arrives at the output
                assert code is None
                continue
            method = shown_method(step.node.layer, step.kind)
            assert code.method == method.__qualname__
            assert code.lit and all(1 <= n <= len(code.source)
                                    for n in code.lit)


def test_a_multiply_steps_values():
    graph = examples.apple_graph()
    forward = step_code(graph, 0)
    assert forward.went_in == [("x", "100"), ("y", "2")]
    assert forward.came_out == [("returned", "200")]
    # Backward of apple_price into apple: dx = dout * self.y.
    backward = step_code(graph, 5)
    assert [backward.source[n - 1].strip() for n in backward.lit] == [
        "dx = reduce_to_shape(dout * self.y, self.x)"]
    assert backward.went_in == [("dout", "1.1"), ("self.y", "2"),
                                ("self.x", "100")]
    assert backward.came_out == [("dx", "2.2")]
    assert step_code(graph, 6).came_out == [("dy", "110")]


def test_values_as_the_captions_write_them():
    # Shapes for the affine graph's arrays ...
    affine = examples.affine_graph()
    dot_dw = [i for i, s in enumerate(affine.steps)
              if s.node is not None and s.kind == "backward"
              and s.edge.src.name == "W"][0]
    code = step_code(affine, dot_dw)
    assert code.went_in == [("dout", "(3, 2)"), ("self.x", "(3, 4)")]
    assert code.came_out == [("dW", "(4, 2)")]
    # ... numbers written out for batch norm's short vectors ...
    bn = examples.batchnorm_graph()
    assert step_code(bn, 1).went_in == [("x", "[1, 2, 3, 6]"),
                                        ("y", "3")]
    # ... each input of a sum by its place in *xs, and constants.
    soft = examples.softmax_loss_graph()
    code = step_code(soft, 3)
    assert [name for name, _ in code.went_in] == ["xs[0]", "xs[1]",
                                                  "xs[2]"]
    back = [i for i, s in enumerate(soft.steps) if s.kind == "backward"
            and s.node is not None and s.node.label == "S"]
    assert step_code(soft, back[1]).came_out == [
        ("returned (for xs[1])", "0.0135")]
    sigmoid = examples.sigmoid_graph()
    assert step_code(sigmoid, 0).went_in == [("x", "1"), ("self.c", "−1")]
    # What the lit lines assign is an output, not an input.
    assert step_code(sigmoid, 1).went_in == [("x", "−1")]


class MaxOfTwo(Layer):
    """A node type of this test's own: out = max(x, y)."""

    symbol = "max"

    def forward(self, x, y):
        self.x, self.y = x, y
        bigger = max(x, y)
        return bigger

    def backward(self, dout):
        dx = dout * (self.x >= self.y)
        dy = dout * (self.y > self.x)
        return dx, dy


class Rounded(MaxOfTwo):
    """Derives from MaxOfTwo, so it shares its lines."""


def max_graph(layer):
    tr = Tracer("max")
    out = tr.call(layer, tr.input("x", 2.0), tr.input("y", 5.0), name="m")
    return tr.backward(out)


def test_a_new_node_type_works_without_an_entry():
    graph = max_graph(MaxOfTwo())
    code = step_code(graph, 0)
    assert [code.source[n - 1].strip() for n in code.lit] == [
        "bigger = max(x, y)", "return bigger"]
    assert code.came_out == [("returned", "5")]
    assert step_code(graph, 3).came_out == [("dy", "1")]


def test_a_node_type_can_name_its_lines(monkeypatch):
    monkeypatch.setattr(code_module, "LINES", {})
    add_lines(MaxOfTwo, forward=["bigger = max"],
              backward=[["return dx"], ["dy = "]])
    assert code_module.LINES[MaxOfTwo] == Lines(
        ["bigger = max"], [["return dx"], ["dy = "]])
    for layer in (MaxOfTwo(), Rounded()):
        assert lit_text(layer, "forward") == ["bigger = max(x, y)"]
        assert lit_text(layer, "backward", 0, 2) == ["return dx, dy"]
        assert lit_text(layer, "backward", 1, 2) == [
            "dy = dout * (self.y > self.x)"]


def test_a_named_line_that_is_not_there_is_said(monkeypatch):
    monkeypatch.setattr(code_module, "LINES", {})
    add_lines(MaxOfTwo, forward=["return max(x, y)"])
    with pytest.raises(ValueError, match=r"MaxOfTwo\.forward include "
                       r"'return max\(x, y\)', which no line"):
        lit_lines(MaxOfTwo(), "forward")


class ReturnsNothing(Layer):
    def forward(self, x):
        self.x = x

    def backward(self, dout):
        return dout


def test_a_method_without_a_return_value_is_said():
    with pytest.raises(ValueError, match="ReturnsNothing.forward has no "
                       "return statement with a value.*add_lines"):
        lit_lines(ReturnsNothing(), "forward")


def test_a_layer_without_source_is_said_not_raised():
    # A class made by exec has no source file for inspect to read.
    namespace = {"Layer": Layer}
    exec("class Negate(Layer):\n"
         "    def forward(self, x):\n        return -x\n"
         "    def backward(self, dout):\n        return -dout\n",
         namespace)
    tr = Tracer("negate")
    graph = tr.backward(tr.call(namespace["Negate"](), tr.input("x", 2.0),
                                name="y", symbol="−"))
    code = step_code(graph, 0)
    assert code.source == [] and code.lit == ()
    assert "The source of Negate.forward is not available here" in \
        code_html(code)


def test_html_marks_the_lit_lines_and_keeps_the_source():
    graph = examples.apple_graph()
    code = step_code(graph, 5)
    html = code_html(code)
    assert "data-method='nnlib.book.nodes:MulLayer.backward'" in html
    marked = re.findall(r"<mark>(.*?)</mark>", html)
    assert marked == [MARK + "    dx = reduce_to_shape(dout * self.y, "
                      "self.x)"]
    # Without the marks, the first <pre> is the method as printed.
    pre = re.search(r"<pre[^>]*>(.*?)</pre>", html, re.S).group(1)
    plain = [line[2:] for line in
             re.sub(r"</?mark>", "", pre).split("\n")]
    assert plain == code.source
    assert values_text(code) == "\n".join([
        "MulLayer.backward",
        "in   dout   = 1.1",
        "     self.y = 2",
        "     self.x = 100",
        "out  dx     = 2.2"])
    assert values_text(code) in html
    assert "No layer's code runs" in code_html(step_code(graph, 2))


def test_source_with_html_characters_is_escaped():
    # MaxOfTwo.backward compares with >= and >: text, not tags.
    html = code_html(step_code(max_graph(MaxOfTwo()), 2))
    assert "dx = dout * (self.x &gt;= self.y)" in html
    assert ">=" not in html and "> self" not in html


def contrast(foreground, background):
    """The WCAG contrast ratio of two colours written #rrggbb."""
    def luminance(colour):
        rgb = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        rgb = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
               for c in rgb]
        return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]
    light, dark = sorted([luminance(foreground), luminance(background)],
                         reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_code_colours_are_readable():
    pairs = re.findall(r"background:(#\w{6});color:(#\w{6})", CODE_STYLE)
    assert len(pairs) == 2             # the code, and its marked lines
    for background, colour in pairs:
        assert contrast(colour, background) >= 7, (colour, background)
    # The mark is also bold: it does not rest on colour alone.
    assert "mark{" in CODE_STYLE and "font-weight:bold" in CODE_STYLE
