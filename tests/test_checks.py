"""nnlib.checks: the errors every layer and argument check shares say
what went wrong, name the layer or argument, and say what to do."""

import numpy as np
import pytest

from nnlib.checks import (Layer, check_count, check_finite, check_number)
from nnlib.book.nodes import ExpLayer, MulLayer
from nnlib.layers import Affine, Relu, Sigmoid, SoftmaxWithLoss
from nnlib.training_layers import BatchNormalization, Dropout


class Doubler(Layer):
    """A layer a reader might write: y = 2x."""

    def __init__(self):
        self.x = None

    def forward(self, x):
        self.x = x
        return 2 * x

    def backward(self, dout):
        self.check_dout(dout, self.x)
        return 2 * dout


LAYERS = [Doubler(), Relu(), Sigmoid(), Affine(np.ones((2, 2)), np.ones(2)),
          SoftmaxWithLoss(), Dropout(), BatchNormalization(np.ones(2),
                                                           np.ones(2)),
          MulLayer(), ExpLayer()]


@pytest.mark.parametrize("layer", LAYERS, ids=lambda l: type(l).__name__)
def test_one_message_for_backward_before_forward(layer):
    name = type(layer).__name__
    with pytest.raises(RuntimeError) as caught:
        layer.backward(np.ones((2, 2)))
    assert str(caught.value) == (
        f"{name}.backward called before forward: call {name}.forward "
        f"first, it keeps what backward needs.")


def test_a_readers_layer_gets_the_same_checks():
    layer = Doubler()
    layer.forward(np.ones((3, 2)))
    np.testing.assert_array_equal(layer.backward(np.ones((3, 2))), 2.0)
    with pytest.raises(ValueError, match=r"Doubler\.backward: dout has "
                       r"shape \(2, 3\) but the forward output had shape "
                       r"\(3, 2\)"):
        layer.backward(np.ones((2, 3)))


def test_check_dout_with_a_width_or_a_shape():
    layer = Doubler()
    layer.check_dout(np.ones((4, 5)), np.ones((4, 3)), width=5)
    layer.check_dout(np.ones((4, 5)), (4, 5))
    with pytest.raises(ValueError, match=r"\(4, 3\).*\(4, 5\)"):
        layer.check_dout(np.ones((4, 3)), np.ones((4, 2)), width=5)


def test_as_rows_flattens_images_and_keeps_the_weights_dtype():
    W = np.ones((6, 2), dtype=np.float32)
    rows = Layer().as_rows(np.ones((4, 1, 2, 3)), W)
    assert rows.shape == (4, 6) and rows.dtype == np.float32
    assert Layer().as_rows(np.ones((2, 3), dtype=int),
                           np.ones((3, 1), dtype=int)).dtype == float


def test_as_one_hot_keeps_a_distribution_and_expands_labels():
    y = np.full((2, 3), 1 / 3, dtype=np.float32)
    np.testing.assert_array_equal(Layer().as_one_hot(np.array([2, 0]), y),
                                  [[0, 0, 1], [1, 0, 0]])
    soft = np.array([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]])
    kept = Layer().as_one_hot(soft, y)
    assert kept.dtype == np.float32
    np.testing.assert_allclose(kept, soft, rtol=1e-7)
    with pytest.raises(ValueError, match=r"Layer: y has shape \(2, 3\) "
                       r"and t has shape \(3,\)"):
        Layer().as_one_hot(np.array([0, 1, 2]), y)


@pytest.mark.parametrize("value, rule, ok", [
    (0.1, "> 0", True), (0, "> 0", False), (-1e-9, ">= 0", False),
    (0, ">= 0", True), (0.9, "in [0, 1)", True), (1, "in [0, 1)", False),
    (1, "in [0, 1]", True), (float("inf"), ">= 0", False),
    (float("nan"), "> 0", False), ("0.1", "> 0", False),
    (True, "> 0", False), (np.float32(0.5), "in [0, 1)", True),
])
def test_check_number(value, rule, ok):
    if ok:
        assert check_number("f", "a", value, rule) == value
    else:
        with pytest.raises(ValueError) as caught:
            check_number("f", "a", value, rule)
        assert str(caught.value).startswith(
            f"f: a must be a number {rule}, got {value!r}")


@pytest.mark.parametrize("value, least, hint", [
    ("10", 1, "write n=10, without quotes"), (2.5, 1, "round it, e.g. n=2"),
    (0.4, 1, "round it, e.g. n=1"), (-3, 0, ""), (None, 1, ""),
    (False, 0, ""),
])
def test_check_count_refuses_what_is_not_a_whole_number(value, least, hint):
    with pytest.raises(ValueError) as caught:
        check_count("f", "n", value, least)
    said = str(caught.value)
    assert said.startswith(f"f: n must be a whole number >= {least}, got "
                           f"{value!r}")
    assert hint in said


def test_check_count_accepts_numpy_integers():
    assert check_count("f", "n", np.int64(3)) == 3
    assert type(check_count("f", "n", np.int64(3))) is int


def test_check_finite_names_the_first_bad_place():
    x = np.zeros((3, 4))
    check_finite("f", "x", x)
    check_finite("f", "labels", np.array([1, 2]))  # integers: fine
    x[2, 1] = np.inf
    with pytest.raises(ValueError, match=r"f: x holds 1 NaN or infinite "
                       r"value\(s\), the first at row 2"):
        check_finite("f", "x", x)
    with pytest.raises(ValueError, match="at index 1"):
        check_finite("f", "v", np.array([0.0, np.nan]))
    # Finite numbers whose sum overflows are fine.
    check_finite("f", "big", np.full(4, 3e38, dtype=np.float32))
    with pytest.raises(ValueError, match="2 NaN or infinite"):
        check_finite("f", "v", np.array([np.inf, -np.inf, 1.0]))
