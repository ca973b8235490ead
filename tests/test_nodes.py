"""Every node layer of nnlib.book.nodes: backward against central differences,
broadcasting, and clear errors."""

import numpy as np
import pytest

from nnlib.gradient import numerical_gradient
from nnlib.book.nodes import (AddConstLayer, AddLayer, AffineNode, DivLayer,
                              DotLayer, ExpLayer, LogLayer, MaxLayer,
                              MeanLayer, MulConstLayer, MulLayer,
                              ReciprocalLayer, SoftmaxWithLossNode,
                              SqrtLayer, SquareLayer, SubLayer, SumLayer,
                              reduce_to_shape)
from nnlib.layers import Affine, Relu, SoftmaxWithLoss

# (make a layer, lowest input, highest input): inputs stay where the
# function is smooth (log needs x > 0, 1/x stays away from 0).
UNARY = {
    "times-1": (lambda: MulConstLayer(-1), -3, 3),
    "times2.5": (lambda: MulConstLayer(2.5), -3, 3),
    "plus1": (lambda: AddConstLayer(1), -3, 3),
    "exp": (ExpLayer, -3, 3),
    "log": (LogLayer, 0.2, 5),
    "reciprocal": (ReciprocalLayer, 0.3, 4),
    "square": (SquareLayer, -3, 3),
}


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.mark.parametrize("name", UNARY)
@pytest.mark.parametrize("shape", [(5,), (3, 4)])
def test_unary_backward_matches_numerical(name, shape, rng):
    make, low, high = UNARY[name]
    x = rng.uniform(low, high, size=shape)
    dout = rng.normal(size=shape)
    layer = make()
    layer.forward(x.copy())
    dx = layer.backward(dout)
    # d/dx of sum(f(x) * dout) is dout * f'(x), what backward returns.
    numeric = numerical_gradient(lambda v: np.sum(make().forward(v) * dout),
                                 x.copy())
    assert dx.shape == x.shape
    np.testing.assert_allclose(dx, numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", UNARY)
def test_unary_on_python_numbers(name):
    make, low, high = UNARY[name]
    x, h = (low + high) / 2 + 0.3, 1e-5
    layer = make()
    layer.forward(x)
    slope = (make().forward(x + h) - make().forward(x - h)) / (2 * h)
    assert float(layer.backward(2.0)) == pytest.approx(2 * slope, rel=1e-6)


def test_unary_layers_compute_their_function():
    x = np.array([0.5, 2.0])
    np.testing.assert_allclose(MulConstLayer(-1).forward(x), -x)
    np.testing.assert_allclose(AddConstLayer(1).forward(x), x + 1)
    np.testing.assert_allclose(ExpLayer().forward(x), np.exp(x))
    np.testing.assert_allclose(LogLayer().forward(x), np.log(x))
    np.testing.assert_allclose(ReciprocalLayer().forward(x), 1 / x)
    np.testing.assert_allclose(SquareLayer().forward(x), x ** 2)


@pytest.mark.parametrize("layer_class", [MulLayer, AddLayer])
@pytest.mark.parametrize("shapes", [((3, 4), (3, 4)), ((3, 4), (4,)),
                                    ((2, 3), (2, 1)), ((4,), ())])
def test_two_input_backward_with_broadcasting(layer_class, shapes, rng):
    x = rng.normal(size=shapes[0])
    y = rng.normal(size=shapes[1])
    assert_two_input_gradients(layer_class, x, y, rng)


def assert_two_input_gradients(layer_class, x, y, rng):
    """backward's (dx, dy) in the inputs' shapes and equal to numerical
    gradients of sum(forward(x, y) * dout) for a random dout."""
    layer = layer_class()
    out = layer.forward(x, y)
    dout = rng.normal(size=np.shape(out))
    dx, dy = layer.backward(dout)

    def loss(a, b):
        return np.sum(layer_class().forward(a, b) * dout)

    assert np.shape(dx) == x.shape and np.shape(dy) == y.shape
    np.testing.assert_allclose(
        dx, numerical_gradient(lambda v: loss(v, y), x.copy()), rtol=1e-6)
    np.testing.assert_allclose(
        dy, numerical_gradient(lambda v: loss(x, v), y.copy()), rtol=1e-6)


def test_sum_layer_backward_with_broadcasting(rng):
    xs = [rng.normal(size=(2, 3)), rng.normal(size=(3,)),
          rng.normal(size=(2, 1))]
    layer = SumLayer()
    out = layer.forward(*xs)
    np.testing.assert_allclose(out, xs[0] + xs[1] + xs[2])
    dout = rng.normal(size=out.shape)
    grads = layer.backward(dout)
    assert len(grads) == 3
    for k, x in enumerate(xs):
        def loss(v, k=k):
            parts = list(xs)
            parts[k] = v
            return np.sum(SumLayer().forward(*parts) * dout)
        numeric = numerical_gradient(loss, x.copy())
        np.testing.assert_allclose(grads[k], numeric, rtol=1e-6)


def test_sum_layer_on_numbers_passes_dout_to_each():
    layer = SumLayer()
    assert layer.forward(1.0, 2.0, 3.5) == 6.5
    assert layer.backward(0.25) == (0.25, 0.25, 0.25)


def test_dot_layer_backward_matches_numerical(rng):
    x = rng.normal(size=(4, 3))
    W = rng.normal(size=(3, 2))
    layer = DotLayer()
    out = layer.forward(x, W)
    np.testing.assert_allclose(out, x @ W)
    dout = rng.normal(size=(4, 2))
    dx, dW = layer.backward(dout)
    np.testing.assert_allclose(dx, dout @ W.T)
    np.testing.assert_allclose(dW, x.T @ dout)
    np.testing.assert_allclose(dx, numerical_gradient(
        lambda v: np.sum(DotLayer().forward(v, W) * dout), x.copy()),
        rtol=1e-6)
    np.testing.assert_allclose(dW, numerical_gradient(
        lambda v: np.sum(DotLayer().forward(x, v) * dout), W.copy()),
        rtol=1e-6)


def test_backward_leaves_dout_unchanged(rng):
    dout = rng.normal(size=(2, 3))
    keep = dout.copy()
    for layer in (ExpLayer(), LogLayer(), ReciprocalLayer(), SquareLayer(),
                  MulConstLayer(-1), AddConstLayer(1)):
        layer.forward(rng.uniform(0.5, 2, size=(2, 3)))
        layer.backward(dout)
    np.testing.assert_array_equal(dout, keep)


@pytest.mark.parametrize("layer", [ExpLayer(), LogLayer(),
                                   ReciprocalLayer(), SquareLayer(),
                                   SumLayer(), DotLayer(), MulLayer(),
                                   AddLayer()],
                         ids=lambda layer: type(layer).__name__)
def test_backward_before_forward_says_what_to_do(layer):
    with pytest.raises(RuntimeError, match="before forward"):
        layer.backward(1.0)


def test_bad_inputs_get_clear_errors():
    with pytest.raises(ValueError, match="greater than 0"):
        LogLayer().forward(np.array([1.0, 0.0]))
    with pytest.raises(ValueError, match="different from 0"):
        ReciprocalLayer().forward(0.0)
    with pytest.raises(ValueError, match=r"x \(N, D\) and W \(D, M\)"):
        DotLayer().forward(np.ones((2, 3)), np.ones((2, 3)))
    with pytest.raises(ValueError, match="at least one input"):
        SumLayer().forward()


def test_symbols_as_the_article_draws_them():
    assert MulLayer.symbol == "×" and AddLayer.symbol == "+"
    assert ExpLayer.symbol == "exp" and LogLayer.symbol == "log"
    assert ReciprocalLayer.symbol == "/" and SquareLayer.symbol == "**2"
    assert SumLayer.symbol == "+" and DotLayer.symbol == "dot"
    assert MulConstLayer(-1).symbol == "×−1"
    assert MulConstLayer(0.5).symbol == "×0.5"
    assert AddConstLayer(1).symbol == "+1"
    assert AddConstLayer(-2).symbol == "−2"


def test_reduce_to_shape_sums_the_broadcast_axes():
    grad = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(reduce_to_shape(grad, np.zeros(3)),
                                  [3.0, 5.0, 7.0])
    np.testing.assert_array_equal(reduce_to_shape(grad, np.zeros((2, 1))),
                                  [[3.0], [12.0]])
    assert reduce_to_shape(grad, 1.0) == 15.0


# ---- the nodes of the batch-normalization graph ---------------------------

@pytest.mark.parametrize("shape", [(4,), (5, 3)])
def test_mean_layer_backward_matches_numerical(shape, rng):
    x = rng.normal(size=shape)
    layer = MeanLayer()
    out = layer.forward(x)
    np.testing.assert_allclose(out, x.mean(axis=0))
    dout = rng.normal(size=np.shape(out))
    dx = layer.backward(dout)
    numeric = numerical_gradient(
        lambda v: np.sum(MeanLayer().forward(v) * dout), x.copy())
    assert dx.shape == x.shape
    np.testing.assert_allclose(dx, numeric, rtol=1e-6, atol=1e-10)


@pytest.mark.parametrize("shape", [(5,), (3, 4)])
def test_sqrt_layer_backward_matches_numerical(shape, rng):
    x = rng.uniform(0.3, 4, size=shape)
    dout = rng.normal(size=shape)
    layer = SqrtLayer()
    np.testing.assert_allclose(layer.forward(x.copy()), np.sqrt(x))
    dx = layer.backward(dout)
    numeric = numerical_gradient(
        lambda v: np.sum(SqrtLayer().forward(v) * dout), x.copy())
    np.testing.assert_allclose(dx, numeric, rtol=1e-6, atol=1e-10)
    assert float(SqrtLayer().forward(2.25)) == 1.5


@pytest.mark.parametrize("layer_class", [SubLayer, DivLayer])
@pytest.mark.parametrize("shapes", [((3, 4), (3, 4)), ((3, 4), (4,)),
                                    ((2, 3), (2, 1)), ((4,), ())])
def test_sub_and_div_backward_with_broadcasting(layer_class, shapes, rng):
    x = rng.normal(size=shapes[0])
    # Divisors kept away from 0, where x / y has no derivative.
    y = np.asarray(rng.uniform(0.5, 2, size=shapes[1])
                   * rng.choice([-1, 1], size=shapes[1]))
    expected = x - y if layer_class is SubLayer else x / y
    np.testing.assert_allclose(layer_class().forward(x, y), expected)
    assert_two_input_gradients(layer_class, x, y, rng)


def test_sub_and_div_on_python_numbers():
    sub, div = SubLayer(), DivLayer()
    assert sub.forward(5.0, 2.0) == 3.0
    assert sub.backward(0.5) == (0.5, -0.5)
    assert div.forward(3.0, 2.0) == 1.5
    dx, dy = div.backward(2.0)
    assert dx == pytest.approx(1.0) and dy == pytest.approx(-1.5)


def test_new_nodes_leave_dout_unchanged_and_need_forward(rng):
    dout = rng.normal(size=(2, 3))
    keep = dout.copy()
    for layer in (MeanLayer(), SqrtLayer()):
        with pytest.raises(RuntimeError, match="before forward"):
            layer.backward(dout)
        layer.forward(rng.uniform(0.5, 2, size=(2, 3)))
        layer.backward(dout if isinstance(layer, SqrtLayer) else dout[0])
    for layer in (SubLayer(), DivLayer()):
        with pytest.raises(RuntimeError, match="before forward"):
            layer.backward(dout)
        layer.forward(rng.uniform(0.5, 2, size=(2, 3)), 1.5)
        layer.backward(dout)
    np.testing.assert_array_equal(dout, keep)


def test_new_nodes_bad_inputs_and_symbols():
    with pytest.raises(ValueError, match="greater than 0"):
        SqrtLayer().forward(np.array([1.0, 0.0]))
    with pytest.raises(ValueError, match="different from 0"):
        DivLayer().forward(np.ones(3), 0.0)
    with pytest.raises(ValueError, match="at least one row"):
        MeanLayer().forward(np.zeros(0))
    assert MeanLayer.symbol == "mean" and SubLayer.symbol == "−"
    assert SqrtLayer.symbol == "sqrt" and DivLayer.symbol == "/"


# ---- the max gate and the network layers as nodes -------------------------

@pytest.mark.parametrize("shapes", [((3, 4), (3, 4)), ((3, 4), (4,)),
                                    ((2, 3), (2, 1)), ((4,), ())])
def test_max_layer_backward_matches_numerical_away_from_ties(shapes, rng):
    x = rng.normal(size=shapes[0])
    y = rng.normal(size=shapes[1])
    # Central differences cross no tie: every pair is 1e-3 or more apart.
    assert np.min(np.abs(x - y)) > 1e-3
    assert_two_input_gradients(MaxLayer, x, y, rng)


def test_max_layer_routes_dout_to_the_winner():
    layer = MaxLayer()
    assert layer.forward(3, 5) == 5.0 and isinstance(layer.forward(3, 5),
                                                     float)
    assert layer.backward(2.0) == (0.0, 2.0)
    layer = MaxLayer()
    x, y = np.array([1.0, 4.0, -2.0]), np.array([2.0, 3.0, -5.0])
    np.testing.assert_array_equal(layer.forward(x, y), [2.0, 4.0, -2.0])
    dx, dy = layer.backward(np.array([10.0, 20.0, 30.0]))
    np.testing.assert_array_equal(dx, [0.0, 20.0, 30.0])
    np.testing.assert_array_equal(dy, [10.0, 0.0, 0.0])


def test_max_layer_at_a_tie_gives_dout_to_the_second_input():
    layer = MaxLayer()
    assert layer.forward(2.0, 2.0) == 2.0
    dx, dy = layer.backward(3.0)
    assert (dx, dy) == (0.0, 3.0)
    # The two parts add up to the slope of moving x and y together
    # (max(x + s, y + s) grows like s), and central differences in x
    # alone split the gradient in half: a tie has no derivative.
    h = 1e-4

    def both(s):
        return MaxLayer().forward(2.0 + s, 2.0 + s)

    def x_alone(s):
        return MaxLayer().forward(2.0 + s, 2.0)

    assert dx + dy == pytest.approx(3.0 * (both(h) - both(-h)) / (2 * h))
    assert 3.0 * (x_alone(h) - x_alone(-h)) / (2 * h) == pytest.approx(1.5)


def test_max_layer_leaves_dout_unchanged_and_needs_forward(rng):
    layer = MaxLayer()
    with pytest.raises(RuntimeError, match="before forward"):
        layer.backward(1.0)
    layer.forward(rng.normal(size=(2, 3)), 0.0)
    dout = rng.normal(size=(2, 3))
    keep = dout.copy()
    layer.backward(dout)
    np.testing.assert_array_equal(dout, keep)
    assert MaxLayer.symbol == "max"


def test_affine_node_is_affine_with_its_weights_as_inputs(rng):
    x, W, b = (rng.normal(size=(4, 3)), rng.normal(size=(3, 2)),
               rng.normal(size=2))
    dout = rng.normal(size=(4, 2))
    node, layer = AffineNode(), Affine(W.copy(), b.copy())
    np.testing.assert_allclose(node.forward(x, W, b), layer.forward(x))
    dx, dW, db = node.backward(dout)
    np.testing.assert_allclose(dx, layer.backward(dout))
    np.testing.assert_allclose(dW, layer.dW)
    np.testing.assert_allclose(db, layer.db)

    def loss(x_, W_, b_):
        return np.sum(AffineNode().forward(x_, W_, b_) * dout)

    np.testing.assert_allclose(
        dW, numerical_gradient(lambda v: loss(x, v, b), W.copy()),
        rtol=1e-6)
    np.testing.assert_allclose(
        db, numerical_gradient(lambda v: loss(x, W, v), b.copy()),
        rtol=1e-6)
    np.testing.assert_allclose(
        dx, numerical_gradient(lambda v: loss(v, W, b), x.copy()),
        rtol=1e-6)
    first = AffineNode(need_dx=False)
    first.forward(x, W, b)
    assert first.backward(dout)[0] is None
    with pytest.raises(ValueError, match="W must be"):
        AffineNode().forward(x, W, np.zeros(3))


def test_softmax_with_loss_node_gives_no_gradient_for_the_labels(rng):
    s = rng.normal(size=(3, 4))
    t = np.array([0, 3, 1])
    node, layer = SoftmaxWithLossNode(), SoftmaxWithLoss()
    assert node.forward(s, t) == pytest.approx(layer.forward(s, t))
    ds, dt = node.backward(1.0)
    assert dt is None
    np.testing.assert_allclose(ds, layer.backward(1.0))
    np.testing.assert_allclose(
        ds, numerical_gradient(lambda v: SoftmaxWithLossNode().forward(v, t),
                               s.copy()), rtol=1e-5, atol=1e-9)


def test_max_with_zero_is_relu_the_tie_at_zero_included():
    x = np.array([-1.5, 0.0, 2.0, 0.0, 0.5])
    dout = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    top, relu = MaxLayer(), Relu()
    np.testing.assert_array_equal(top.forward(x, 0.0), relu.forward(x))
    dx, _ = top.backward(dout)
    np.testing.assert_array_equal(dx, relu.backward(dout))
