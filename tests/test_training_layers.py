"""nnlib.training_layers: Dropout and BatchNormalization, their backward
against numerical differentiation, and their two modes."""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from nnlib.gradient import numerical_gradient
from nnlib.training_layers import BatchNormalization, Dropout

few = settings(max_examples=25, deadline=None)


def weighted_sum(layer, x, dout, train=True):
    """A scalar loss L = sum(forward(x) * dout), so dL/dout = dout."""
    return lambda _: np.sum(layer.forward(x, train) * dout)


def assert_close(analytic, numeric):
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-7)


# ---- Dropout -------------------------------------------------------------

@few
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=5),
       ratio=st.sampled_from([0.0, 0.2, 0.5, 0.8]),
       seed=st.integers(0, 2 ** 32 - 1))
def test_dropout_backward_matches_numerical_with_a_frozen_mask(
        shape, ratio, seed):
    rng = np.random.default_rng(seed)
    x, dout = rng.standard_normal(shape), rng.standard_normal(shape)
    layer = Dropout(ratio, seed=seed)
    layer.freeze_mask = True  # every forward below uses one mask
    layer.forward(x)
    dx = layer.backward(dout)
    assert_close(dx, numerical_gradient(weighted_sum(layer, x, dout), x))


def test_dropout_same_seed_same_masks():
    x = np.ones((20, 30))
    a, b = Dropout(0.5, seed=4), Dropout(0.5, seed=4)
    for _ in range(3):
        np.testing.assert_array_equal(a.forward(x), b.forward(x))
    # Without freezing, each training forward draws a new mask.
    assert not np.array_equal(a.forward(x), a.forward(x))


def test_dropout_frozen_mask_is_redrawn_for_a_new_shape():
    layer = Dropout(0.5, seed=0)
    layer.freeze_mask = True
    first = layer.forward(np.ones((10, 10)))
    np.testing.assert_array_equal(layer.forward(np.ones((10, 10))), first)
    assert layer.forward(np.ones((4, 5))).shape == (4, 5)


def test_dropout_is_inverted_the_mean_is_kept():
    x = np.full((400, 500), 3.0)
    layer = Dropout(0.3, seed=1)
    y = layer.forward(x, True)
    kept = y != 0
    # About 70 % kept, each kept value scaled by 1 / 0.7.
    assert kept.mean() == pytest.approx(0.7, abs=0.005)
    np.testing.assert_allclose(y[kept], 3.0 / 0.7)
    assert y.mean() == pytest.approx(3.0, rel=0.01)
    # backward lets the gradient through the same units, same scale.
    dx = layer.backward(np.ones_like(x))
    np.testing.assert_array_equal(dx != 0, kept)
    np.testing.assert_allclose(dx[kept], 1 / 0.7)


def test_dropout_is_the_identity_at_test_time():
    x = np.random.default_rng(2).standard_normal((6, 7))
    layer = Dropout(0.5, seed=3)
    np.testing.assert_array_equal(layer.forward(x, False), x)
    dout = np.random.default_rng(4).standard_normal((6, 7))
    np.testing.assert_array_equal(layer.backward(dout), dout)
    np.testing.assert_array_equal(layer.forward(x, train=False), x)


def test_dropout_ratio_zero_keeps_everything():
    x = np.random.default_rng(5).standard_normal((5, 5))
    np.testing.assert_array_equal(Dropout(0.0).forward(x), x)


def test_dropout_keeps_float32_and_never_writes_into_dout():
    layer = Dropout(0.5, seed=6)
    x = np.ones((4, 3), dtype=np.float32)
    assert layer.forward(x).dtype == np.float32
    dout = np.ones((4, 3), dtype=np.float32)
    dx = layer.backward(dout)
    assert dx.dtype == np.float32
    np.testing.assert_array_equal(dout, 1.0)


def test_dropout_errors():
    with pytest.raises(ValueError, match=r"Dropout.*\[0, 1\).*1\.0"):
        Dropout(1.0)
    with pytest.raises(ValueError, match=r"Dropout.*-0\.1"):
        Dropout(-0.1)
    with pytest.raises(RuntimeError, match="before forward"):
        Dropout().backward(np.ones(3))
    layer = Dropout()
    layer.forward(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"Dropout.*\(3, 2\).*\(2, 3\)"):
        layer.backward(np.ones((3, 2)))


# ---- BatchNormalization: gradients ---------------------------------------

@few
@given(n=st.integers(2, 6), feature_shape=hnp.array_shapes(
    min_dims=1, max_dims=2, max_side=4), seed=st.integers(0, 2 ** 32 - 1),
    train=st.booleans())
def test_batchnorm_backward_matches_numerical(n, feature_shape, seed,
                                              train):
    rng = np.random.default_rng(seed)
    d = int(np.prod(feature_shape))
    x = 2 * rng.standard_normal((n,) + feature_shape) + 1
    # Where a feature's values nearly coincide its variance is tiny and
    # normalising is so steep that h = 1e-4 is no longer a small step.
    assume(train is False or x.reshape(n, d).var(axis=0).min() > 0.05)
    gamma = rng.standard_normal(d)
    beta = rng.standard_normal(d)
    dout = rng.standard_normal(x.shape)
    layer = BatchNormalization(gamma, beta,
                               running_mean=rng.standard_normal(d),
                               running_var=rng.uniform(0.5, 2, d))
    loss = weighted_sum(layer, x, dout, train)
    layer.forward(x, train)
    dx = layer.backward(dout)
    assert dx.shape == x.shape
    np.testing.assert_allclose(dx, numerical_gradient(loss, x),
                               rtol=1e-4, atol=1e-6)
    # The layer reads the very gamma and beta we nudge.
    assert_close(layer.dgamma, numerical_gradient(loss, gamma))
    assert_close(layer.dbeta, numerical_gradient(loss, beta))


def test_batchnorm_dx_sums_to_zero_over_the_batch():
    # Shifting every sample alike changes nothing after normalisation,
    # so the gradient along that direction, sum(dx), is 0.
    rng = np.random.default_rng(7)
    layer = BatchNormalization(rng.standard_normal(4), np.zeros(4))
    layer.forward(rng.standard_normal((5, 4)))
    dx = layer.backward(rng.standard_normal((5, 4)))
    np.testing.assert_allclose(dx.sum(axis=0), 0.0, atol=1e-12)


# ---- BatchNormalization: the two modes -----------------------------------

def test_batchnorm_training_normalises_each_feature():
    rng = np.random.default_rng(8)
    x = rng.normal(5.0, 3.0, size=(50, 3))
    layer = BatchNormalization(np.ones(3), np.zeros(3))
    y = layer.forward(x, True)
    np.testing.assert_allclose(y.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=0), 1.0, rtol=1e-4)
    # gamma and beta then set the scale and the mean.
    scaled = BatchNormalization(np.array([2.0, 1.0, 0.5]),
                                np.array([1.0, 0.0, -1.0]))
    y = scaled.forward(x)
    np.testing.assert_allclose(y.mean(axis=0), [1.0, 0.0, -1.0],
                               atol=1e-12)
    np.testing.assert_allclose(y.std(axis=0), [2.0, 1.0, 0.5], rtol=1e-4)


def test_batchnorm_running_statistics_follow_the_batches():
    x = np.random.default_rng(9).normal(4.0, 2.0, size=(100, 2))
    layer = BatchNormalization(np.ones(2), np.zeros(2), momentum=0.9)
    np.testing.assert_array_equal(layer.running_mean, 0.0)
    np.testing.assert_array_equal(layer.running_var, 1.0)
    layer.forward(x)
    np.testing.assert_allclose(layer.running_mean, 0.1 * x.mean(axis=0))
    np.testing.assert_allclose(layer.running_var,
                               0.9 + 0.1 * x.var(axis=0))
    for _ in range(200):
        layer.forward(x)
    np.testing.assert_allclose(layer.running_mean, x.mean(axis=0))
    np.testing.assert_allclose(layer.running_var, x.var(axis=0))


def test_batchnorm_uses_running_statistics_at_test_time():
    mean, var = np.array([1.0, -2.0]), np.array([4.0, 0.25])
    layer = BatchNormalization(np.array([3.0, 1.0]), np.array([0.5, 0.0]),
                               running_mean=mean, running_var=var)
    x = np.array([[3.0, -2.0], [1.0, -1.5], [-1.0, 0.0]])
    y = layer.forward(x, False)
    expected = 3.0 * (x[:, 0] - 1.0) / np.sqrt(4.0 + layer.eps) + 0.5
    np.testing.assert_allclose(y[:, 0], expected)
    np.testing.assert_allclose(y[:, 1], (x[:, 1] + 2.0) / np.sqrt(
        0.25 + layer.eps))
    # Inference leaves the statistics alone, and one sample's output
    # does not depend on the rest of its batch.
    np.testing.assert_array_equal(layer.running_mean, [1.0, -2.0])
    np.testing.assert_array_equal(layer.running_var, [4.0, 0.25])
    np.testing.assert_array_equal(layer.forward(x[:1], False), y[:1])
    # The running arrays given are held, not copied.
    assert layer.running_mean is mean and layer.running_var is var


def test_batchnorm_accepts_image_shaped_input():
    x = np.random.default_rng(10).standard_normal((4, 2, 3))
    layer = BatchNormalization(np.ones(6), np.zeros(6))
    flat = BatchNormalization(np.ones(6), np.zeros(6))
    y = layer.forward(x)
    assert y.shape == (4, 2, 3)
    np.testing.assert_allclose(y.reshape(4, 6), flat.forward(x.reshape(4,
                                                                       6)))


def test_batchnorm_holds_gamma_and_beta():
    gamma, beta = np.ones(2), np.zeros(2)
    layer = BatchNormalization(gamma, beta)
    x = np.array([[0.0, 1.0], [2.0, 3.0]])
    before = layer.forward(x)
    gamma *= 2.0  # in place, as an optimizer does
    beta += 1.0
    np.testing.assert_allclose(layer.forward(x), 2.0 * before + 1.0)


def test_batchnorm_keeps_float32_and_never_writes_into_dout():
    layer = BatchNormalization(np.ones(3, dtype=np.float32),
                               np.zeros(3, dtype=np.float32))
    y = layer.forward(np.random.default_rng(11).standard_normal((5, 3)))
    assert y.dtype == np.float32
    assert layer.running_mean.dtype == np.float32
    dout = np.ones((5, 3), dtype=np.float32)
    dx = layer.backward(dout)
    assert dx.dtype == layer.dgamma.dtype == np.float32
    np.testing.assert_array_equal(dout, 1.0)


def test_batchnorm_errors():
    with pytest.raises(ValueError, match=r"gamma.*\(3,\).*beta.*\(2,\)"):
        BatchNormalization(np.ones(3), np.zeros(2))
    with pytest.raises(ValueError, match=r"momentum.*1\.5"):
        BatchNormalization(np.ones(3), np.zeros(3), momentum=1.5)
    with pytest.raises(ValueError, match=r"running_var.*\(2,\).*\(3,\)"):
        BatchNormalization(np.ones(3), np.zeros(3),
                           running_var=np.ones(2))
    layer = BatchNormalization(np.ones(3), np.zeros(3))
    with pytest.raises(ValueError, match=r"\(4, 5\).*3 features.*\(N, 3\)"):
        layer.forward(np.zeros((4, 5)))
    with pytest.raises(ValueError, match=r"\(3,\).*\(N, 3\)"):
        layer.forward(np.zeros(3))
    with pytest.raises(RuntimeError, match="before forward"):
        layer.backward(np.ones((4, 3)))
    layer.forward(np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"\(4, 2\).*\(4, 3\)"):
        layer.backward(np.ones((4, 2)))
