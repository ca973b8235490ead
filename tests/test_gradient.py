"""nnlib.gradient: central differences and the gradient-check report."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from nnlib.gradient import (GradientCheck, compare_gradients,
                            gradient_check, numerical_gradient,
                            relative_error)


@settings(max_examples=30, deadline=None)
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=3,
                                               max_side=4),
                  elements=st.floats(-5, 5)))
def test_gradient_of_a_cubic_on_any_shape(x):
    # d/dx sum(x^3) = 3 x^2; central differences are off by h^2 here.
    grad = numerical_gradient(lambda v: np.sum(v ** 3), x)
    assert grad.shape == x.shape
    np.testing.assert_allclose(grad, 3 * x ** 2, rtol=1e-6, atol=1e-7)


def test_x_is_passed_and_restored_bit_for_bit():
    # 0.1 + 1e-4 - 1e-4 != 0.1 in floats: restoring must not recompute.
    x = np.array([[0.1, 0.7], [1 / 3, -2.3]])
    before = x.tobytes()
    seen = []

    def f(v):
        seen.append(v is x)
        return float(np.sum(np.sin(v)))

    numerical_gradient(f, x)
    assert x.tobytes() == before
    assert all(seen) and len(seen) == 2 * x.size


def test_central_difference_uses_h_1e_4():
    # For a cubic the central difference has error exactly h^2 (x^3 case).
    grad = numerical_gradient(lambda v: v[0] ** 3, np.array([0.0]))
    assert grad[0] == pytest.approx(1e-8, rel=1e-6)


def test_integer_array_is_rejected_with_advice():
    with pytest.raises(TypeError, match=r"float numpy array.*int"):
        numerical_gradient(lambda v: 0.0, np.arange(3))
    with pytest.raises(TypeError, match="np.asarray"):
        numerical_gradient(lambda v: 0.0, [1.0, 2.0])


def test_relative_error_ignores_two_tiny_values():
    rel = relative_error(np.array([1.0, 1e-12, 0.0]),
                         np.array([1.001, 2e-12, 0.0]))
    np.testing.assert_allclose(rel, [0.001 / 2.001, 1e-4, 0.0])


class Quadratic:
    """A stand-in net: loss = sum(w * x) ** 2 / 2 over its one param.

    broken=True makes its backprop gradient twice too large.
    """

    def __init__(self, broken=False):
        self.params = {"w": np.array([0.5, -1.0, 2.0])}
        self.broken = broken

    def loss(self, x, t):
        return 0.5 * float(self.params["w"] @ x - t) ** 2

    def gradient(self, x, t):
        grad = (self.params["w"] @ x - t) * x
        return {"w": 2 * grad if self.broken else grad}

    def numerical_gradient(self, x, t):
        return {"w": numerical_gradient(lambda w: self.loss(x, t),
                                        self.params["w"])}


def test_gradient_check_passes_a_right_gradient():
    report = gradient_check(Quadratic(), np.array([1.0, 2.0, 3.0]), 1.0)
    assert isinstance(report, GradientCheck)
    assert report["w"].max_rel < 1e-8
    assert report.max_abs < 1e-6


def test_gradient_check_catches_a_wrong_gradient():
    report = gradient_check(Quadratic(broken=True),
                            np.array([1.0, 2.0, 3.0]), 1.0)
    # 2g against g: |2g - g| / (|2g| + |g|) = 1/3.
    assert report["w"].max_rel == pytest.approx(1 / 3, rel=1e-6)
    assert report.max_rel == report["w"].max_rel


def test_report_prints_as_a_table():
    report = compare_gradients({"W1": np.array([1.0]), "b1": np.zeros(2)},
                               {"W1": np.array([1.5]), "b1": np.zeros(2)})
    lines = str(report).splitlines()
    assert lines[0].split() == ["param", "max", "abs", "error", "max",
                                "rel", "error"]
    assert lines[1].split() == ["W1", "5.00e-01", "2.00e-01"]
    assert lines[2].split() == ["b1", "0.00e+00", "0.00e+00"]
    assert repr(report) == str(report)


def test_compare_gradients_rejects_mismatches():
    with pytest.raises(ValueError, match="different keys"):
        compare_gradients({"a": np.zeros(1)}, {"b": np.zeros(1)})
    with pytest.raises(ValueError, match=r"'a'.*\(2,\).*\(3,\)"):
        compare_gradients({"a": np.zeros(2)}, {"a": np.zeros(3)})
