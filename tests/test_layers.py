"""nnlib.layers: every backward against numerical differentiation, on
random shapes and values, plus shapes, dtypes and error messages."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from nnlib.functions import softmax
from nnlib.gradient import numerical_gradient
from nnlib.layers import Affine, Relu, Sigmoid, SoftmaxWithLoss

few = settings(max_examples=30, deadline=None)
values = st.floats(-3, 3, allow_nan=False)
# ReLU has a kink at 0 where a finite difference straddles both sides.
away_from_zero = st.one_of(st.floats(-3, -0.01), st.floats(0.01, 3))
shapes = hnp.array_shapes(min_dims=1, max_dims=3, max_side=5)


def arrays(shape, elements=values):
    return hnp.arrays(np.float64, shape, elements=elements)


def weighted_sum(layer, x, dout):
    """A scalar loss L = sum(forward(x) * dout), so dL/dout = dout."""
    return lambda _: np.sum(layer.forward(x) * dout)


def assert_close(analytic, numeric):
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-7)


# ---- backward against numerical gradients -------------------------------

@few
@given(st.data())
def test_relu_backward_matches_numerical(data):
    shape = data.draw(shapes)
    x = data.draw(arrays(shape, away_from_zero))
    dout = data.draw(arrays(shape))
    layer = Relu()
    layer.forward(x)
    dx = layer.backward(dout)
    assert_close(dx, numerical_gradient(weighted_sum(layer, x, dout), x))


@few
@given(st.data())
def test_sigmoid_backward_matches_numerical(data):
    shape = data.draw(shapes)
    x = data.draw(arrays(shape))
    dout = data.draw(arrays(shape))
    layer = Sigmoid()
    layer.forward(x)
    dx = layer.backward(dout)
    assert_close(dx, numerical_gradient(weighted_sum(layer, x, dout), x))


@few
@given(st.data())
def test_affine_backward_matches_numerical(data):
    n = data.draw(st.integers(1, 4))
    sample_shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=2,
                                              max_side=4))
    d, m = int(np.prod(sample_shape)), data.draw(st.integers(1, 4))
    x = data.draw(arrays((n,) + sample_shape))
    W, b = data.draw(arrays((d, m))), data.draw(arrays((m,)))
    dout = data.draw(arrays((n, m)))
    layer = Affine(W, b)
    layer.forward(x)
    dx = layer.backward(dout)
    loss = weighted_sum(layer, x, dout)
    assert dx.shape == x.shape
    assert_close(dx, numerical_gradient(loss, x))
    # The layer reads the very W and b we nudge.
    assert_close(layer.dW, numerical_gradient(loss, W))
    assert_close(layer.db, numerical_gradient(loss, b))


@few
@given(st.data())
def test_softmax_with_loss_backward_matches_numerical(data):
    n, c = data.draw(st.integers(1, 5)), data.draw(st.integers(2, 6))
    x = data.draw(arrays((n, c), st.floats(-10, 10)))
    t = np.array(data.draw(st.lists(st.integers(0, c - 1),
                                    min_size=n, max_size=n)))
    dout = data.draw(st.floats(0.1, 3))
    layer = SoftmaxWithLoss()

    def loss(_):
        return layer.forward(x, t) * dout

    numeric = numerical_gradient(loss, x)
    layer.forward(x, t)
    assert_close(layer.backward(dout), numeric)
    # One-hot targets give the very same gradient.
    layer.forward(x, np.eye(c)[t])
    assert_close(layer.backward(dout), numeric)


# ---- Affine --------------------------------------------------------------

def test_affine_on_a_batch_has_gradients_of_the_parameter_shapes():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 2, 3))  # 4 samples of 2x3 "images"
    layer = Affine(rng.standard_normal((6, 5)), np.zeros(5))
    y = layer.forward(x)
    dx = layer.backward(np.ones((4, 5)))
    assert y.shape == (4, 5)
    assert dx.shape == (4, 2, 3)
    assert layer.dW.shape == (6, 5)
    assert layer.db.shape == (5,)  # summed over the batch, axis 0
    np.testing.assert_array_equal(layer.db, np.full(5, 4.0))


def test_affine_takes_one_sample_as_a_batch_of_one():
    W = np.arange(6.0).reshape(3, 2)
    layer = Affine(W, np.array([1.0, -1.0]))
    with pytest.raises(ValueError, match=r"Affine.*\(3,\).*reshape\(1, -1\)"):
        layer.forward(np.array([1.0, 0.0, 2.0]))
    y = layer.forward(np.array([[1.0, 0.0, 2.0]]))
    np.testing.assert_array_equal(y, [[1 + 8, -1 + 11]])
    dx = layer.backward(np.array([[1.0, 2.0]]))
    np.testing.assert_array_equal(dx, [W @ [1.0, 2.0]])
    np.testing.assert_array_equal(layer.dW, np.outer([1, 0, 2], [1, 2]))
    np.testing.assert_array_equal(layer.db, [1.0, 2.0])


def test_affine_without_dx_still_stores_parameter_gradients():
    rng = np.random.default_rng(1)
    x, W = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    dout = rng.standard_normal((3, 2))
    full, first = Affine(W, np.zeros(2)), Affine(W, np.zeros(2),
                                                need_dx=False)
    full.forward(x)
    first.forward(x)
    full.backward(dout)
    assert first.backward(dout) is None
    np.testing.assert_array_equal(first.dW, full.dW)
    np.testing.assert_array_equal(first.db, full.db)


def test_affine_computes_in_the_dtype_of_its_weights():
    W = np.ones((3, 2), dtype=np.float32)
    layer = Affine(W, np.zeros(2, dtype=np.float32))
    y = layer.forward(np.ones((4, 3)))  # float64 input
    assert y.dtype == np.float32
    layer.backward(np.ones((4, 2), dtype=np.float32))
    assert layer.dW.dtype == np.float32 and layer.db.dtype == np.float32


def test_affine_with_integer_weights_keeps_float_input():
    layer = Affine(np.array([[1, 2], [3, 4]]), np.array([0, 0]))
    np.testing.assert_array_equal(layer.forward(np.array([[0.5, 1.5]])),
                                  [[5.0, 7.0]])


def test_affine_sees_in_place_updates_of_its_arrays():
    W, b = np.ones((2, 2)), np.zeros(2)
    layer = Affine(W, b)
    W -= 0.5 * W
    b += 1.0
    np.testing.assert_array_equal(layer.forward(np.ones((1, 2))),
                                  [[2.0, 2.0]])


def test_affine_rejects_wrong_input_shape_naming_both_shapes():
    layer = Affine(np.zeros((4, 2)), np.zeros(2))
    with pytest.raises(ValueError, match=r"Affine.*\(3, 5\).*\(4, 2\)"):
        layer.forward(np.zeros((3, 5)))


def test_affine_rejects_bias_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"Affine.*\(4, 2\).*\(3,\)"):
        Affine(np.zeros((4, 2)), np.zeros(3))


def test_affine_rejects_dout_of_the_wrong_shape():
    layer = Affine(np.zeros((4, 2)), np.zeros(2))
    layer.forward(np.zeros((3, 4)))
    with pytest.raises(ValueError, match=r"Affine.*\(3, 3\).*\(3, 2\)"):
        layer.backward(np.zeros((3, 3)))


# ---- SoftmaxWithLoss -----------------------------------------------------

def test_softmax_with_loss_forward_and_backward_formula():
    rng = np.random.default_rng(2)
    x, t = rng.standard_normal((4, 3)), np.array([0, 2, 1, 2])
    layer = SoftmaxWithLoss()
    loss = layer.forward(x, t)
    y = softmax(x)
    assert loss == pytest.approx(-np.mean(np.log(y[np.arange(4), t])))
    dx = layer.backward(2.5)
    np.testing.assert_allclose(dx, (y - np.eye(3)[t]) * 2.5 / 4)


def test_softmax_with_loss_one_hot_and_labels_agree():
    rng = np.random.default_rng(3)
    x, t = rng.standard_normal((6, 4)), rng.integers(0, 4, 6)
    with_labels, with_one_hot = SoftmaxWithLoss(), SoftmaxWithLoss()
    assert with_labels.forward(x, t) == pytest.approx(
        with_one_hot.forward(x, np.eye(4)[t]))
    np.testing.assert_allclose(with_labels.backward(),
                               with_one_hot.backward(), rtol=0, atol=1e-16)


def test_softmax_with_loss_one_sample_is_a_batch_of_one():
    x = np.array([0.3, -1.2, 2.0])
    one, batch = SoftmaxWithLoss(), SoftmaxWithLoss()
    assert one.forward(x, 1) == batch.forward(x[None], np.array([1]))
    dx = one.backward()
    assert dx.shape == (3,)
    np.testing.assert_array_equal(dx, batch.backward()[0])


def test_softmax_with_loss_float32_stays_float32():
    x = np.ones((2, 3), dtype=np.float32)
    layer = SoftmaxWithLoss()
    layer.forward(x, np.eye(3)[[0, 1]])  # float64 one-hot targets
    assert layer.backward(np.float64(1.0)).dtype == np.float32
    layer.forward(x, np.array([0, 1], dtype=np.uint8))
    assert layer.backward().dtype == np.float32


def test_softmax_with_loss_rejects_mismatched_targets():
    layer = SoftmaxWithLoss()
    with pytest.raises(ValueError,
                       match=r"SoftmaxWithLoss.*\(4, 3\).*\(3,\)"):
        layer.forward(np.zeros((4, 3)), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match=r"SoftmaxWithLoss.*0\.\.2"):
        layer.forward(np.zeros((2, 3)), np.array([0, 7]))


# ---- every layer ---------------------------------------------------------

def make_layers():
    rng = np.random.default_rng(4)
    return [
        (Relu(), rng.standard_normal((3, 4))),
        (Sigmoid(), rng.standard_normal((3, 4))),
        (Affine(rng.standard_normal((4, 4)), np.zeros(4)),
         rng.standard_normal((3, 4))),
    ]


@pytest.mark.parametrize("layer", [Relu(), Sigmoid(),
                                   Affine(np.zeros((2, 2)), np.zeros(2)),
                                   SoftmaxWithLoss()],
                         ids=lambda layer: type(layer).__name__)
def test_backward_before_forward_is_a_clear_error(layer):
    name = type(layer).__name__
    with pytest.raises(RuntimeError,
                       match=f"{name}.backward called before forward"):
        layer.backward(np.ones((2, 2)))


@pytest.mark.parametrize("index", range(3))
def test_backward_never_writes_into_dout(index):
    layer, x = make_layers()[index]
    layer.forward(x)
    dout = np.random.default_rng(5).standard_normal((3, 4))
    kept = dout.copy()
    dx = layer.backward(dout)
    np.testing.assert_array_equal(dout, kept)
    assert dx is not dout


@pytest.mark.parametrize("layer", [Relu(), Sigmoid()],
                         ids=lambda layer: type(layer).__name__)
def test_activation_rejects_dout_of_the_wrong_shape(layer):
    layer.forward(np.ones((3, 4)))
    name = type(layer).__name__
    with pytest.raises(ValueError, match=rf"{name}.*\(3, 1\).*\(3, 4\)"):
        layer.backward(np.ones((3, 1)))


def test_relu_gradient_is_zero_at_and_below_zero():
    layer = Relu()
    layer.forward(np.array([-1.0, 0.0, 2.0]))
    np.testing.assert_array_equal(layer.backward(np.ones(3)), [0, 0, 1])
