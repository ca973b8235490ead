"""nnlib.functions: values, stability at extreme inputs, clear errors."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from nnlib.functions import cross_entropy_error, relu, sigmoid, softmax

finite = st.floats(-50, 50, allow_nan=False)


def test_sigmoid_values():
    assert sigmoid(0.0) == 0.5
    x = np.array([-2.0, -0.5, 0.5, 2.0])
    np.testing.assert_allclose(sigmoid(x), 1 / (1 + np.exp(-x)))


def test_sigmoid_is_stable_at_extremes():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = sigmoid(np.array([-1000.0, 1000.0]))
    assert np.all(np.isfinite(y))
    assert y[0] == pytest.approx(0.0, abs=1e-300)
    assert y[1] == 1.0


def test_sigmoid_keeps_float32():
    assert sigmoid(np.ones(3, dtype=np.float32)).dtype == np.float32


def test_relu_values():
    np.testing.assert_array_equal(relu(np.array([-2.0, 0.0, 3.0])),
                                  [0.0, 0.0, 3.0])


def test_softmax_of_large_scores_is_finite_and_correct():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = softmax(np.array([1000.0, 1001.0, 1002.0]))
    # Shifting all scores by a constant does not change softmax.
    np.testing.assert_allclose(y, softmax(np.array([0.0, 1.0, 2.0])))
    assert y.sum() == pytest.approx(1.0)


@settings(max_examples=30, deadline=None)
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3),
                  elements=finite))
def test_softmax_rows_are_distributions(x):
    y = softmax(x)
    assert y.shape == x.shape
    assert np.all(y >= 0)
    np.testing.assert_allclose(y.sum(axis=-1), 1.0)
    # The largest probability belongs to a largest score.
    top = np.take_along_axis(x, y.argmax(axis=-1)[..., None], axis=-1)
    np.testing.assert_allclose(top[..., 0], x.max(axis=-1), atol=1e-9)


def test_softmax_batch_equals_row_by_row():
    x = np.random.default_rng(0).standard_normal((4, 5))
    expected = np.array([softmax(row) for row in x])
    np.testing.assert_allclose(softmax(x), expected)


def test_cross_entropy_one_sample_one_hot_and_label():
    y = np.array([0.1, 0.6, 0.3])
    assert cross_entropy_error(y, np.array([0, 1, 0])) == \
        pytest.approx(-np.log(0.6))
    assert cross_entropy_error(y, 1) == pytest.approx(-np.log(0.6))


def test_cross_entropy_is_the_batch_mean():
    y = np.array([[0.1, 0.6, 0.3], [0.5, 0.25, 0.25]])
    t = np.array([1, 0])
    expected = -(np.log(0.6) + np.log(0.5)) / 2
    assert cross_entropy_error(y, t) == pytest.approx(expected)
    assert cross_entropy_error(y, np.eye(3)[t]) == pytest.approx(expected)


def test_cross_entropy_with_zero_probability_is_finite():
    y = np.array([[0.0, 1.0], [1.0, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        wrong_labels = cross_entropy_error(y, np.array([0, 1]))
        wrong_one_hot = cross_entropy_error(y, np.array([[1, 0], [0, 1]]))
        right = cross_entropy_error(y, np.array([1, 0]))
    assert np.isfinite(wrong_labels) and wrong_labels > 100
    assert wrong_one_hot == pytest.approx(wrong_labels)
    assert right == 0.0


def test_cross_entropy_returns_a_python_float():
    loss = cross_entropy_error(np.full((2, 4), 0.25, np.float32), [0, 3])
    assert type(loss) is float
    assert loss == pytest.approx(np.log(4), rel=1e-6)


def test_cross_entropy_rejects_labels_out_of_range():
    y = np.full((2, 3), 1 / 3)
    with pytest.raises(ValueError, match=r"labels must lie in 0\.\.2"):
        cross_entropy_error(y, np.array([0, 3]))
    with pytest.raises(ValueError, match=r"0\.\.2"):
        cross_entropy_error(y, np.array([-1, 0]))


def test_cross_entropy_rejects_mismatched_shapes():
    y = np.full((2, 3), 1 / 3)
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(3,\)"):
        cross_entropy_error(y, np.array([0, 1, 2]))
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(2, 4\)"):
        cross_entropy_error(y, np.zeros((2, 4)))


def test_cross_entropy_rejects_float_labels():
    with pytest.raises(TypeError, match="labels must be integers"):
        cross_entropy_error(np.full((2, 3), 1 / 3), np.array([0.0, 2.0]))
