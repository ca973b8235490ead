"""The book's graphs: the article's numbers, and every gradient against
central differences or an independent formula."""

import inspect

import numpy as np
import pytest

from nnlib.book import examples
from nnlib.functions import cross_entropy_error, softmax
from nnlib.gradient import numerical_gradient
from nnlib.layers import Affine, Sigmoid


def slope(f, x, h=1e-5):
    return (f(x + h) - f(x - h)) / (2 * h)


def test_apples_reference_numbers():
    g = examples.apple_graph()
    assert g.value("price") == pytest.approx(220)
    assert g.grad("apple") == pytest.approx(2.2)
    assert g.grad("apple_num") == pytest.approx(110)
    assert g.grad("tax") == pytest.approx(200)
    # Backward flows 1 → 1.1 → 2.2 from the price to the apple.
    flow = [s.edge.grad for s in g.steps if s.kind == "backward"
            and s.edge.src.name in ("price", "apple_price", "apple")]
    assert flow == pytest.approx([1, 1.1, 2.2])


def test_apples_and_oranges_reference_numbers():
    g = examples.fruit_graph()
    assert g.value("price") == pytest.approx(715)
    expected = {"apple_num": 110, "apple": 2.2, "orange": 3.3,
                "orange_num": 165, "tax": 650}
    for name, value in expected.items():
        assert g.grad(name) == pytest.approx(value), name


SCALAR_BUILDERS = [examples.apple_graph, examples.fruit_graph,
                   examples.unary_graph, examples.square_of_sum_graph,
                   examples.sigmoid_graph]


@pytest.mark.parametrize("builder", SCALAR_BUILDERS,
                         ids=lambda b: b.__name__)
def test_every_input_gradient_matches_central_differences(builder):
    defaults = {name: p.default for name, p in
                inspect.signature(builder).parameters.items()
                if isinstance(p.default, (int, float)) and name != "dout"}
    graph = builder()
    for name, value in defaults.items():
        def output(v, name=name):
            return builder(**{name: v}).output.value
        assert graph.grad(name) == pytest.approx(
            slope(output, float(value)), rel=1e-6), name


@pytest.mark.parametrize("f", sorted(examples.UNARY_LAYERS))
def test_unary_graph_sends_back_E_times_the_local_derivative(f):
    x, E = 1.7, 0.5
    g = examples.unary_graph(x=x, dout=E, f=f)
    local = slope(lambda v: examples.unary_graph(x=v, f=f).value("y"), x)
    assert g.grad("x") == pytest.approx(E * local, rel=1e-6)
    assert g.nodes[0].op == "f"
    assert f in g.title
    with pytest.raises(ValueError, match="choose one of"):
        examples.unary_graph(f="sin")


def test_square_of_sum_follows_the_chain_rule():
    g = examples.square_of_sum_graph(x=2.0, y=3.0)
    assert g.value("t") == 5.0 and g.value("z") == 25.0
    assert g.grad("t") == pytest.approx(10.0)          # 2t
    assert g.grad("x") == pytest.approx(2 * (2.0 + 3.0))
    assert g.grad("y") == pytest.approx(2 * (2.0 + 3.0))


@pytest.mark.parametrize("x", [-3.0, -0.5, 0.0, 1.0, 4.0])
def test_sigmoid_graph_arrives_at_y_times_one_minus_y(x):
    dout = 0.8
    g = examples.sigmoid_graph(x=x, dout=dout)
    assert [node.op for node in g.nodes] == ["×−1", "exp", "+1", "/"]
    y = g.value("y")
    assert y == pytest.approx(1 / (1 + np.exp(-x)))
    assert g.grad("x") == pytest.approx(dout * y * (1 - y))
    layer = Sigmoid()
    layer.forward(np.array([x]))
    assert g.grad("x") == pytest.approx(layer.backward(
        np.array([dout]))[0])
    last = g.steps[-1].caption
    assert "y(1 − y)" in last


@pytest.mark.parametrize("a, t", [((0.3, 2.9, 4.0), (0, 0, 1)),
                                  ((1.0, -2.0, 0.5), (0, 1, 0)),
                                  ((0.1, 0.2, 0.3, 0.4), (1, 0, 0, 0))])
def test_softmax_loss_graph_arrives_at_y_minus_t(a, t):
    g = examples.softmax_loss_graph(a=a, t=t)
    n = len(a)
    y = softmax(np.array(a))
    np.testing.assert_allclose([g.value(f"y{k}") for k in range(1, n + 1)],
                               y)
    assert g.value("L") == pytest.approx(
        cross_entropy_error(y, np.array(t)), rel=1e-6)
    grads = np.array([g.grad(f"a{k}") for k in range(1, n + 1)])
    np.testing.assert_allclose(grads, y - np.array(t), atol=1e-12)

    def loss(scores):
        return examples.softmax_loss_graph(a=tuple(scores), t=t).value("L")

    numeric = numerical_gradient(loss, np.array(a, dtype=float))
    np.testing.assert_allclose(grads, numeric, rtol=1e-5, atol=1e-8)
    for k in range(1, n + 1):
        done = [s for s in g.steps if s.edge is not None
                and s.edge.src.name == f"a{k}"]
        assert f"= y{k} − t{k} = " in done[0].caption


def test_softmax_loss_graph_rejects_a_label_that_is_not_one_hot():
    with pytest.raises(ValueError, match="one-hot"):
        examples.softmax_loss_graph(a=(1.0, 2.0, 3.0), t=(0, 1, 1))
    with pytest.raises(ValueError, match="same length"):
        examples.softmax_loss_graph(a=(1.0, 2.0), t=(0, 0, 1))


def test_affine_graph_matches_the_affine_layer():
    g = examples.affine_graph()
    X, W, b = g.value("X"), g.value("W"), g.value("b")
    dY = g.dout
    # Three different sizes: a wrong product cannot have the right shape.
    assert X.shape == (3, 4) and W.shape == (4, 2) and b.shape == (2,)
    layer = Affine(W.copy(), b.copy())
    np.testing.assert_allclose(g.value("Y"), layer.forward(X.copy()))
    dx = layer.backward(dY.copy())
    np.testing.assert_allclose(g.grad("X"), dx)
    np.testing.assert_allclose(g.grad("W"), layer.dW)
    np.testing.assert_allclose(g.grad("b"), layer.db)
    # The formulas of the article, corrected: dW uses dY, db axis 0.
    np.testing.assert_allclose(g.grad("X"), dY @ W.T)
    np.testing.assert_allclose(g.grad("W"), X.T @ dY)
    np.testing.assert_allclose(g.grad("b"), dY.sum(axis=0))


def test_affine_graph_gradients_match_central_differences():
    rng = np.random.default_rng(3)
    X, W = rng.normal(size=(4, 3)), rng.normal(size=(3, 5))
    b, dY = rng.normal(size=5), rng.normal(size=(4, 5))
    g = examples.affine_graph(X=X, W=W, b=b, dY=dY)
    arrays = {"X": X, "W": W, "b": b}
    for name, value in arrays.items():
        def weighted(v, name=name):
            kwargs = dict(arrays, **{name: v})
            return np.sum(examples.affine_graph(dY=dY, **kwargs)
                          .value("Y") * dY)
        np.testing.assert_allclose(
            g.grad(name), numerical_gradient(weighted, value.copy()),
            rtol=1e-6, err_msg=name)


def test_affine_graph_shapes_are_annotated_for_a_batch():
    g = examples.affine_graph()
    assert g.var("X").label == "(N, D)"
    assert g.var("W").label == "(D, M)"
    assert g.var("b").label == "(M,)"
    assert g.var("Y").label == "(N, M)"
    assert g.var("b").grad_label == "sum(dY, axis=0)"
    captions = " ".join(s.caption for s in g.steps)
    assert "dX = dY·Wᵀ, (3, 2)·(2, 4)" in captions
    assert "dW = Xᵀ·dY, (4, 3)·(3, 2)" in captions
    with pytest.raises(ValueError, match="b of shape"):
        examples.affine_graph(b=np.zeros(3))


@pytest.mark.parametrize("builder", SCALAR_BUILDERS + [
    examples.softmax_loss_graph, examples.affine_graph,
    examples.add_gate_graph, examples.mul_gate_graph,
    examples.max_gate_graph, examples.fork_graph, examples.two_paths_graph,
    examples.reuse_graph, examples.branching_graph, examples.gates_graph,
    examples.tiny_net_graph], ids=lambda b: b.__name__)
def test_each_builder_gives_forward_then_backward_steps(builder):
    g = builder()
    kinds = [s.kind for s in g.steps]
    assert kinds == ["forward"] * len(g.nodes) + \
        ["backward"] * (len(kinds) - len(g.nodes))
    assert g.title
    assert all(s.caption for s in g.steps)


# ---- batch normalization, node by node ------------------------------------

def batchnorm_layer_gradients(x, gamma, beta, eps, dout):
    """dx, dgamma, dbeta of nnlib's layer for one feature: x, dout (N,)."""
    from nnlib.training_layers import BatchNormalization
    layer = BatchNormalization(np.array([gamma]), np.array([beta]),
                               eps=eps)
    y = layer.forward(np.reshape(x, (-1, 1)), train=True)
    dx = layer.backward(np.reshape(dout, (-1, 1)))
    return y.ravel(), dx.ravel(), layer.dgamma[0], layer.dbeta[0]


@pytest.mark.parametrize("kwargs", [
    {},
    {"x": (0.5, -1.0, 2.0, 2.5, 7.0), "gamma": -0.7, "beta": 1.5,
     "eps": 1e-3, "dout": (1.0, 0.0, -2.0, 0.5, 0.3)},
    {"x": (3.0, 3.0, 3.0), "eps": 1e-2, "dout": (1.0, -1.0, 0.5)},
])
def test_batchnorm_graph_equals_the_batchnorm_layer(kwargs):
    g = examples.batchnorm_graph(**kwargs)
    x, dout = g.value("x"), g.dout
    eps = g.nodes[4].layer.c
    y, dx, dgamma, dbeta = batchnorm_layer_gradients(
        x, g.value("gamma"), g.value("beta"), eps, dout)
    np.testing.assert_allclose(g.value("y"), y, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(g.grad("x"), dx, rtol=1e-10, atol=1e-12)
    assert g.grad("gamma") == pytest.approx(dgamma, rel=1e-10, abs=1e-12)
    assert g.grad("beta") == pytest.approx(dbeta, rel=1e-10, abs=1e-12)


def test_batchnorm_graph_gradients_match_central_differences():
    g = examples.batchnorm_graph()
    x, dout = g.value("x").copy(), g.dout

    def weighted(**change):
        return np.sum(examples.batchnorm_graph(**change).value("y") * dout)

    np.testing.assert_allclose(
        g.grad("x"), numerical_gradient(lambda v: weighted(x=v), x),
        rtol=1e-6, atol=1e-9)
    for name in ("gamma", "beta"):
        assert g.grad(name) == pytest.approx(
            slope(lambda v: weighted(**{name: v}), g.value(name)), rel=1e-6)
    # The gradient of a normalized batch sums to zero over the batch:
    # shifting every x alike changes nothing after the mean is removed.
    assert g.grad("x").sum() == pytest.approx(0, abs=1e-12)


def test_batchnorm_graph_nodes_and_captions():
    g = examples.batchnorm_graph()
    assert [node.op for node in g.nodes] == [
        "mean", "−", "**2", "mean", "+ε", "sqrt", "/", "×", "+"]
    assert g.value("mu") == pytest.approx(3.0)
    assert g.value("var") == pytest.approx(3.5)
    captions = [s.caption for s in g.steps]
    assert len(captions) == len(g.nodes) + 14   # output + 13 edges
    # Each value used twice says so once, where its second part arrives.
    assert sum("x is used 2 times" in c for c in captions) == 1
    assert sum("xc is used 2 times" in c for c in captions) == 1
    assert "dbeta = 0.4" in " ".join(captions)
    assert "node's local derivative" not in " ".join(captions)
    # Vectors are written out on the edges, not as shapes.
    assert g.var("xc").label == "[−2, −1, 0, 3]"
    assert g.var("xn").grad_label.startswith("[")


def test_batchnorm_graph_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="same length"):
        examples.batchnorm_graph(x=(1.0, 2.0, 3.0), dout=(1.0, 2.0))
    with pytest.raises(ValueError, match="greater than 0"):
        examples.batchnorm_graph(x=(1.0, 1.0, 1.0, 1.0), eps=0.0)


def test_batchnorm_stepper_stays_under_150_kb():
    # The measure of tests/test_widgets.py: the state a page embeds.
    import json
    from ipywidgets.embed import dependency_state
    from nnlib.book.stepper import stepper
    state = dependency_state(stepper(examples.batchnorm_graph),
                             drop_defaults=False)
    assert len(json.dumps(state, ensure_ascii=False).encode()) < 150 * 1024


# ---- the gate patterns, graphs with values used twice, the tiny net -------

GATE_BUILDERS = [examples.add_gate_graph, examples.mul_gate_graph,
                 examples.max_gate_graph, examples.fork_graph,
                 examples.two_paths_graph, examples.reuse_graph,
                 examples.branching_graph]


def numeric_inputs(builder):
    return {name: p.default for name, p in
            inspect.signature(builder).parameters.items()
            if isinstance(p.default, float) and name != "dout"}


@pytest.mark.parametrize("builder", GATE_BUILDERS, ids=lambda b: b.__name__)
def test_gate_graph_gradients_are_dout_times_central_differences(builder):
    graph = builder()
    for name, value in numeric_inputs(builder).items():
        def output(v, name=name):
            return builder(**{name: v}).output.value
        assert graph.grad(name) == pytest.approx(
            graph.dout * slope(output, value), rel=1e-6, abs=1e-9), name


def test_each_gate_does_what_its_pattern_says():
    add = examples.add_gate_graph(x=3.0, y=-1.0, dout=2.0)
    assert (add.grad("x"), add.grad("y")) == (2.0, 2.0)
    mul = examples.mul_gate_graph(x=3.0, y=-4.0, dout=2.0)
    assert (mul.grad("x"), mul.grad("y")) == (-8.0, 6.0)
    for x, y in [(3.0, 5.0), (5.0, 3.0)]:
        top = examples.max_gate_graph(x=x, y=y, dout=2.0)
        assert (top.grad("x"), top.grad("y")) == ((0.0, 2.0) if y > x
                                                  else (2.0, 0.0))
    fork = examples.fork_graph(x=2.0, a=3.0, b=-1.0, dout=2.0)
    assert [e.grad for e in fork.var("x").uses] == [6.0, -2.0]
    assert fork.grad("x") == 4.0
    assert "6 + (−2) = 4" in fork.steps[-1].caption
    tie = examples.max_gate_graph(x=2.0, y=2.0)
    assert (tie.grad("x"), tie.grad("y")) == (0.0, 2.0)
    assert "a tie" in tie.steps[-1].caption


@pytest.mark.parametrize("builder", [examples.reuse_graph,
                                     examples.branching_graph],
                         ids=lambda b: b.__name__)
def test_a_graph_traced_forward_only_has_no_gradients(builder):
    graph = builder(backward=False)
    assert graph.output is None and graph.steps
    assert all(step.kind == "forward" for step in graph.steps)
    assert all(var.grad is None for var in graph.vars.values())
    full = builder()
    assert [n.label for n in graph.nodes] == [n.label for n in full.nodes]


def test_two_paths_graph_is_chapter_2s_sum():
    g = examples.two_paths_graph(x=2.0, y=3.0)
    assert g.grad("x") == 2 * 2.0 + 3.0 and g.grad("y") == 2.0


def tiny_net_as_two_layer_net():
    """A TwoLayerNet holding the tiny network's weights, and its data."""
    from nnlib.nets import TwoLayerNet
    net = TwoLayerNet(2, 2, 2)
    for name in ("W1", "b1", "W2", "b2"):
        net.params[name][...] = examples.TINY_NET[name]
    return (net, np.array(examples.TINY_NET["x"]),
            np.array(examples.TINY_NET["t"]))


def test_tiny_net_graph_is_the_two_layer_net():
    g = examples.tiny_net_graph()
    net, x, t = tiny_net_as_two_layer_net()
    grads = net.gradient(x, t)
    assert g.value("L") == pytest.approx(net.last_loss, rel=1e-12)
    for name in ("W1", "b1", "W2", "b2"):
        np.testing.assert_allclose(g.grad(name), grads[name], rtol=1e-12)
    np.testing.assert_allclose(g.value("H"), np.maximum(g.value("A"), 0))
    # Both states of a ReLU unit, and no A exactly 0 (a kink).
    assert (g.value("A") < 0).any() and (g.value("A") > 0).any()
    assert not (g.value("A") == 0).any()


def test_tiny_net_graph_gradients_match_central_differences():
    g = examples.tiny_net_graph()
    for name in ("W1", "b1", "W2", "b2"):
        value = np.array(examples.TINY_NET[name])

        def loss(v, name=name):
            return examples.tiny_net_graph(**{name: v}).value("L")

        np.testing.assert_allclose(g.grad(name),
                                   numerical_gradient(loss, value.copy()),
                                   rtol=1e-6, atol=1e-9, err_msg=name)


def test_tiny_net_graph_writes_shapes_and_numbers_on_its_edges():
    g = examples.tiny_net_graph()
    assert [node.op for node in g.nodes] == [
        "Affine", "ReLU", "Affine", "Softmax\nwith Loss"]
    for name in ("A", "H", "S", "W1", "W2"):
        label = g.var(name).label
        assert label.startswith("(2, 2)\n[[") and label.count("\n") == 2
    assert g.var("b1").label == "[0, 0.5]"
    assert g.var("W2").grad_label.count("\n") == 1
    # X and t are data: no gradient steps; the first layer skips dX.
    stepped = [s.edge.src.name for s in g.steps if s.kind == "backward"]
    assert stepped == ["L", "S", "H", "W2", "b2", "A", "W1", "b1"]
    assert g.grad("X") is None and g.grad("t") is None
    captions = " ".join(s.caption for s in g.steps)
    assert "X·W1 + b1, (2, 2)·(2, 2) + (2,)" in captions
    assert "dW1 = Xᵀ·dA, (2, 2)·(2, 2)" in captions
    assert "mask [[1, 1], [0, 1]]" in captions
    assert "node's local derivative" not in captions


def test_tiny_net_graph_rejects_arrays_that_do_not_fit():
    with pytest.raises(ValueError, match="W must be"):
        examples.tiny_net_graph(b1=[0.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="x has shape"):
        examples.tiny_net_graph(x=[[1.0, 2.0, 3.0]])


def test_gates_graph_reads_off_by_the_patterns():
    g = examples.gates_graph(x=3.0, y=-4.0, z=1.0)
    assert g.value("f") == 2 * (3.0 * -4.0 + 3.0)
    # x: multiply (2·y) and max (x won: 2), added at the fork.
    assert [e.grad for e in g.var("x").uses] == [-8.0, 2.0]
    assert (g.grad("x"), g.grad("y"), g.grad("z")) == (-6.0, 6.0, 0.0)
