"""The tracer: values and gradients come from the layers themselves,
a value used twice adds up its gradients, steps come in order."""

import numpy as np
import pytest

from nnlib.book.nodes import (AddLayer, ExpLayer, MulConstLayer, MulLayer,
                         SquareLayer, SumLayer)
from nnlib.layers import Sigmoid
from nnlib.book.formatting import format_value
from nnlib.book.trace import Graph, Tracer, backward_order


def slope(f, x, h=1e-5):
    """df/dx at the number x by central differences."""
    return (f(x + h) - f(x - h)) / (2 * h)


def trace_apples(apple=100, apple_num=2, tax=1.1):
    tr = Tracer("apples")
    a = tr.input("apple", apple)
    n = tr.input("apple_num", apple_num)
    t = tr.input("tax", tax)
    ap = tr.call(MulLayer(), a, n, name="apple_price")
    return tr, tr.call(MulLayer(), ap, t, name="price")


def test_values_and_gradients_are_the_layers_own():
    tr, price = trace_apples()
    graph = tr.backward(price)
    assert isinstance(graph, Graph)
    # The same computation with the layers called by hand.
    mul_apple, mul_tax = MulLayer(), MulLayer()
    apple_price = mul_apple.forward(100, 2)
    total = mul_tax.forward(apple_price, 1.1)
    dapple_price, dtax = mul_tax.backward(1.0)
    dapple, dapple_num = mul_apple.backward(dapple_price)
    assert graph.value("apple_price") == apple_price
    assert graph.value("price") == total
    assert graph.grad("apple_price") == dapple_price
    assert (graph.grad("apple"), graph.grad("apple_num"),
            graph.grad("tax")) == (dapple, dapple_num, dtax)
    # Each node keeps the layer object that computed it.
    assert [type(node.layer) for node in graph.nodes] == [MulLayer] * 2


def test_gradients_match_central_differences():
    tr, price = trace_apples()
    graph = tr.backward(price)

    def price_with(**change):
        return trace_apples(**change)[1].value

    assert graph.grad("apple") == pytest.approx(
        slope(lambda v: price_with(apple=v), 100.0))
    assert graph.grad("apple_num") == pytest.approx(
        slope(lambda v: price_with(apple_num=v), 2.0))
    assert graph.grad("tax") == pytest.approx(
        slope(lambda v: price_with(tax=v), 1.1))


def test_a_value_used_by_two_nodes_adds_up_its_gradients():
    # y = exp(x) + (−1)·x, so dy/dx = exp(x) − 1.
    def build(x0):
        tr = Tracer()
        x = tr.input("x", x0)
        e = tr.call(ExpLayer(), x, name="e")
        m = tr.call(MulConstLayer(-1), x, name="m")
        return tr, tr.call(SumLayer(), e, m, name="y")

    tr, y = build(0.7)
    graph = tr.backward(y)
    x = graph.var("x")
    assert len(x.uses) == 2
    parts = sorted(edge.grad for edge in x.uses)
    assert parts == pytest.approx(sorted([np.exp(0.7), -1.0]))
    assert graph.grad("x") == pytest.approx(np.exp(0.7) - 1)
    assert graph.grad("x") == pytest.approx(
        slope(lambda v: build(v)[1].value, 0.7))
    last = [s for s in graph.steps if s.edge is not None
            and s.edge.src is x][-1]
    assert "x is used 2 times" in last.caption


def test_a_value_fed_twice_to_one_node_adds_up():
    tr = Tracer()
    x = tr.input("x", 3.0)
    y = tr.call(MulLayer(), x, x, name="y")        # y = x·x
    graph = tr.backward(y)
    assert graph.value("y") == 9.0
    assert graph.grad("x") == pytest.approx(6.0)   # 3 + 3
    assert [e.grad for e in graph.var("x").uses] == [3.0, 3.0]


def test_steps_forward_in_call_order_then_backward_from_the_output():
    tr = Tracer()
    x = tr.input("x", 2.0)
    y = tr.input("y", 3.0)
    t = tr.call(AddLayer(), x, y, name="t")
    z = tr.call(SquareLayer(), t, name="z")
    graph = tr.backward(z)
    kinds = [s.kind for s in graph.steps]
    assert kinds == ["forward"] * 2 + ["backward"] * 4
    assert [s.node.label for s in graph.steps[:2]] == ["t", "z"]
    backward = graph.steps[2:]
    assert backward[0].edge.dst is None and backward[0].edge.src is z
    assert [s.edge.src.name for s in backward[1:]] == ["t", "x", "y"]
    # Each backward step's gradient is the one stored on its edge.
    assert [s.edge.grad for s in backward] == [1.0, 10.0, 10.0, 10.0]


def test_backward_runs_a_node_only_after_all_its_users():
    # u feeds both v and the output node; v also feeds the output node.
    tr = Tracer()
    x = tr.input("x", 0.5)
    u = tr.call(ExpLayer(), x, name="u")
    v = tr.call(SquareLayer(), u, name="v")
    w = tr.call(MulLayer(), u, v, name="w")        # w = e^x · e^2x
    graph = tr.backward(w)
    order = [s.edge.src.name for s in graph.steps if s.kind == "backward"]
    assert order.index("v") < order.index("x")
    assert graph.grad("x") == pytest.approx(3 * np.exp(1.5))


def test_constant_inputs_get_a_gradient_but_no_step():
    tr = Tracer()
    y = tr.input("y", 0.25)
    t = tr.input("t", 1.0, constant=True)
    p = tr.call(MulLayer(), y, t, name="p")
    graph = tr.backward(p)
    assert graph.grad("t") == 0.25
    stepped = [s.edge.src.name for s in graph.steps if s.kind == "backward"]
    assert stepped == ["p", "y"]


def test_any_layer_with_forward_and_backward_can_be_traced():
    tr = Tracer()
    x = tr.input("x", np.array([0.5]))
    y = tr.call(Sigmoid(), x, name="y")
    graph = tr.backward(y, dout=np.array([1.0]))
    assert graph.nodes[0].op == "sigmoid"
    s = 1 / (1 + np.exp(-0.5))
    np.testing.assert_allclose(graph.grad("x"), [s * (1 - s)])


def test_captions_state_the_local_rule():
    tr, price = trace_apples()
    graph = tr.backward(price)
    captions = [s.caption for s in graph.steps]
    assert captions[0] == ("× node, forward: 100 × 2 → apple_price = 200")
    assert captions[1] == "× node, forward: 200 × 1.1 → price = 220"
    assert "dout = 1" in captions[2]
    assert captions[3] == ("× node, backward: upstream 1 times the other "
                           "input 1.1 → dapple_price = 1.1")
    assert ("upstream 1.1 times the other input 2 → dapple = 2.2"
            in captions[5])


def test_notes_join_the_caption_that_completes_a_gradient():
    tr, price = trace_apples()
    tr.note("apple", "apple_num × tax")
    graph = tr.backward(price)
    apple_step = [s for s in graph.steps if s.edge is not None
                  and s.edge.src.name == "apple"][0]
    assert apple_step.caption.endswith("(apple_num × tax)")


def test_misuse_gets_clear_errors():
    tr = Tracer()
    x = tr.input("x", 1.0)
    layer = ExpLayer()
    tr.call(layer, x, name="y")
    with pytest.raises(ValueError, match="own layer object"):
        tr.call(layer, x, name="z")
    with pytest.raises(TypeError, match="tracer.input"):
        tr.call(ExpLayer(), 2.0)
    with pytest.raises(ValueError, match="already used"):
        tr.input("x", 2.0)
    other = Tracer().input("w", 1.0)
    with pytest.raises(TypeError, match="this tracer"):
        tr.call(ExpLayer(), other)
    with pytest.raises(KeyError, match="it has: x, y"):
        tr.graph.var("nope")
    with pytest.raises(RuntimeError, match="tracer.backward"):
        tr.graph.grad("x")
    with pytest.raises(TypeError, match="Var returned"):
        tr.backward(x)
    tr.backward(tr.graph.var("y"))
    with pytest.raises(RuntimeError, match="already run"):
        tr.backward(tr.graph.var("y"))
    with pytest.raises(RuntimeError, match="already run"):
        tr.call(ExpLayer(), x)


@pytest.mark.parametrize("value, text", [
    (715.0000000000001, "715"), (2.2000000000000002, "2.2"),
    (199.99999999999997, "200"), (110.00000000000001, "110"),
    (-0.53444, "−0.534"), (0.018211, "0.0182"), (0.0, "0"), (-0.0, "0"),
    (1, "1"), (1e-7, "1.00e−07"), (2.5e7, "2.50e+07"),
    (np.array([1.5, -2.0]), "[1.5, −2]"), (np.zeros((3, 4)),
                                           "array (3, 4)"),
])
def test_format_value_rounds_for_reading(value, text):
    assert format_value(value) == text


def test_captions_say_when_a_broadcast_input_sums_its_gradient():
    # A number added to, or multiplied into, every entry of a vector
    # collects the gradient of every entry: the caption must say so.
    tracer = Tracer("broadcast")
    x = tracer.input("x", np.array([1.0, 2.0, 3.0]))
    g = tracer.input("g", 2.0)
    b = tracer.input("b", 0.5)
    y = tracer.call(MulLayer(), x, g, name="y")
    z = tracer.call(AddLayer(), y, b, name="z")
    graph = tracer.backward(z, np.ones(3))
    captions = {step.edge.src.name: step.caption
                for step in graph.steps if step.edge is not None}
    assert "passes upstream" in captions["y"]
    assert "summed over every entry" in captions["b"]
    assert "summed" not in captions["x"]
    assert "summed over the entries g multiplied" in captions["g"]
    assert graph.grad("b") == pytest.approx(3.0)
    assert graph.grad("g") == pytest.approx(6.0)


# The order a reader meets the gradients in each of the book's graphs:
# column by column from the output, each column top to bottom (nodes
# further from the inputs first, then in call order).
BACKWARD_ORDER = {
    "apple_graph": ["price", "apple_price", "tax", "apple", "apple_num"],
    "fruit_graph": ["price", "all_price", "tax", "apple_price",
                    "orange_price", "apple", "apple_num", "orange",
                    "orange_num"],
    "sigmoid_graph": ["y", "1+exp(-x)", "exp(-x)", "-x", "x"],
    "affine_graph": ["Y", "XW", "b", "X", "W"],
    "batchnorm_graph": ["y", "gamma·xn", "beta", "xn", "gamma", "xc", "std",
                        "var+eps", "var", "xc²", "xc", "x", "mu", "x"],
}


@pytest.mark.parametrize("name", sorted(BACKWARD_ORDER))
def test_backward_steps_come_in_reading_order(name):
    from nnlib.book import examples
    graph = getattr(examples, name)()
    order = [s.edge.src.name for s in graph.steps if s.kind == "backward"]
    assert order == BACKWARD_ORDER[name]


def test_a_node_fed_only_by_inputs_waits_for_the_deeper_ones():
    # c is called before b but sits nearer the inputs than b's feeder.
    tr = Tracer()
    x = tr.input("x", 1.0)
    a = tr.call(ExpLayer(), x, name="a")
    c = tr.call(MulConstLayer(2), x, name="c")
    b = tr.call(SquareLayer(), a, name="b")
    out = tr.call(SumLayer(), b, c, name="out")
    graph = tr.backward(out)
    assert [n.label for n in backward_order(graph.nodes)] == [
        "out", "b", "a", "c"]


def test_a_value_that_overflows_is_a_clear_error():
    tr = Tracer()
    x = tr.input("x", 1000.0)
    with pytest.raises(ValueError, match=r"the exp node e is inf for "
                       r"x = 1000: .*too large.*Choose inputs nearer 0"):
        tr.call(ExpLayer(), x, name="e")


def test_a_layer_may_give_no_gradient_for_a_constant_input_only():
    from nnlib.book.nodes import SoftmaxWithLossNode
    scores = np.array([[1.0, 2.0], [0.5, -1.0]])
    tr = Tracer()
    s = tr.input("S", scores)
    t = tr.input("t", np.array([1, 0]), constant=True)
    graph = tr.backward(tr.call(SoftmaxWithLossNode(), s, t, name="L"))
    assert graph.grad("t") is None
    assert [step.edge.src.name for step in graph.steps
            if step.kind == "backward"] == ["L", "S"]
    tr = Tracer()
    s = tr.input("S", scores)
    t = tr.input("t", np.array([1, 0]))        # forgot constant=True
    loss = tr.call(SoftmaxWithLossNode(), s, t, name="L")
    with pytest.raises(ValueError, match=r"no gradient for t.*"
                       r"constant=True"):
        tr.backward(loss)


def test_written_out_matrices_show_their_shape_then_one_row_a_line():
    tr = Tracer(write_arrays=True)
    x = tr.input("x", np.array([[1.0, -2.0], [0.5, 3.0]]))
    v = tr.input("v", np.array([1.0, 2.0]))
    y = tr.call(MulLayer(), x, v, name="y")
    graph = tr.backward(y, np.array([[1.0, 0.0], [0.0, -1.0]]))
    assert graph.var("x").label == "(2, 2)\n[[1, −2],\n [0.5, 3]]"
    assert graph.var("v").label == "[1, 2]"        # a vector: one line
    assert graph.var("x").grad_label == "[[1, 0],\n [0, −2]]"
    # Captions stay on one line.
    assert all("\n" not in step.caption for step in graph.steps)
