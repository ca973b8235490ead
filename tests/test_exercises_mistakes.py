"""The exercise checks against a battery of wrong answers: none makes a
check crash, each classic mistake gets its own message, and valid
alternative answers pass."""

import inspect

import numpy as np
import pytest

from nnlib.exercises import check_backward, check_update, check_values
from nnlib.graph import MulLayer, SubLayer
from nnlib.layers import Affine, Relu, Sigmoid, SoftmaxWithLoss

RNG = np.random.default_rng(1)
X = RNG.standard_normal((4, 3))          # a batch of N = 4
W_SQUARE = RNG.standard_normal((3, 3))   # D = M: a transpose keeps shape
W = RNG.standard_normal((3, 2))
B = RNG.standard_normal(2)
LABELS = np.array([0, 1, 1, 0])


def affine_with(backward):
    """An Affine layer class whose backward is ``backward(self, dout)``."""
    return type("MyAffine", (Affine,), {"backward": backward})


def text(verdict):
    return repr(verdict)


# ---- no wrong answer crashes the check ---------------------------------

WRONG_AFFINE_BACKWARDS = {
    "dW divided by N": lambda self, dout: _store(
        self, self.x.T @ dout / len(dout), dout.sum(axis=0),
        dout @ self.W.T),
    "dW with the wrong sign": lambda self, dout: _store(
        self, -self.x.T @ dout, dout.sum(axis=0), dout @ self.W.T),
    "dx doubled": lambda self, dout: _store(
        self, self.x.T @ dout, dout.sum(axis=0), 2 * dout @ self.W.T),
    "db summed over axis 1": lambda self, dout: _store(
        self, self.x.T @ dout, dout.sum(axis=1), dout @ self.W.T),
    "dx of the wrong shape": lambda self, dout: _store(
        self, self.x.T @ dout, dout.sum(axis=0), dout),
    "dW as text": lambda self, dout: _store(
        self, "x.T @ dout", dout.sum(axis=0), dout @ self.W.T),
    "dW ragged": lambda self, dout: _store(
        self, [[1.0], [2.0, 3.0]], dout.sum(axis=0), dout @ self.W.T),
    "dx complex": lambda self, dout: _store(
        self, self.x.T @ dout, dout.sum(axis=0), dout @ self.W.T * 1j),
    "db None": lambda self, dout: _store(
        self, self.x.T @ dout, None, dout @ self.W.T),
    "returns a string": lambda self, dout: "dx",
    "returns nothing": lambda self, dout: None,
    "returns a tuple": lambda self, dout: (dout @ self.W.T, dout),
    "divides by zero": lambda self, dout: dout @ self.W.T / 0,
    "raises": lambda self, dout: 1 / 0,
    "reads a missing attribute": lambda self, dout: dout @ self.V.T,
}


def _store(layer, dW, db, dx):
    layer.dW, layer.db = dW, db
    return dx


@pytest.mark.parametrize("mistake", WRONG_AFFINE_BACKWARDS)
@pytest.mark.parametrize("weights", [W, W_SQUARE], ids=["3x2", "3x3"])
def test_no_wrong_affine_answer_crashes_the_check(mistake, weights):
    layer_class = affine_with(WRONG_AFFINE_BACKWARDS[mistake])
    bias = np.zeros(weights.shape[1])
    verdict = check_backward(lambda: layer_class(weights.copy(),
                                                 bias.copy()),
                             X, params=("W", "b"))
    assert not verdict.passed, mistake
    assert verdict.lines[0].startswith("✘"), verdict


def test_an_exception_in_the_readers_code_is_reported_with_its_line():
    class Broken(Sigmoid):
        def backward(self, dout):
            return dout[5, 5]

    line = inspect.getsourcelines(Broken.backward)[1] + 1
    verdict = check_backward(Broken, X)
    assert not verdict.passed
    assert verdict.lines == [
        f"✘ Broken.backward raised IndexError: index 5 is out of bounds "
        f"for axis 0 with size 4 (at line {line}: return dout[5, 5])"]


def test_a_failing_forward_leaves_the_callers_weights_as_they_were():
    calls = []

    class FailsLater(Affine):
        def forward(self, x):
            calls.append(1)
            if len(calls) > 3:        # in the middle of the nudging
                raise ValueError("boom")
            return super().forward(x)

    weights = W.copy()
    verdict = check_backward(lambda: FailsLater(weights, B.copy()), X,
                             params=("W",))
    assert "raised ValueError: boom" in text(verdict)
    np.testing.assert_array_equal(weights, W)


@pytest.mark.parametrize("got", [None, "388.8", [1, 2], {"price": 1},
                                 [[1], [2, 3]], 1j, np.array(["a"])])
def test_no_wrong_value_crashes_check_values(got):
    verdict = check_values(got, {"price": 388.8, "dapple": 3.24})
    assert not verdict.passed
    verdict = check_values(got, 388.8)
    assert not verdict.passed


# ---- each classic mistake gets its own message ----------------------------

def test_forgetting_the_batch_size():
    class NoMean(SoftmaxWithLoss):
        def backward(self, dout=1):
            return super().backward(dout) * len(self.y)

    assert "divide by N = 4" in text(check_backward(NoMean, X[:, :2],
                                                    LABELS))


def test_swapped_inputs_of_a_multiply():
    class Swapped(MulLayer):
        def backward(self, dout):
            return dout * self.x, dout * self.y

    assert "are two gradients swapped?" in text(check_backward(Swapped,
                                                               X, 2 * X))


def test_the_sign_of_a_subtraction_is_named_not_a_swap():
    class NoMinus(SubLayer):
        def backward(self, dout):
            return dout, dout

    verdict = text(check_backward(NoMinus, X, 2 * X))
    assert "wrong sign" in verdict and "swapped" not in verdict


def test_writing_into_dout():
    class InPlace(Relu):
        def backward(self, dout):
            dout[~self.mask] = 0
            return dout

    assert "writes into dout" in text(check_backward(InPlace, X))


def test_a_missing_transpose_in_dW():
    layer_class = affine_with(lambda self, dout: _store(
        self, dout.T @ self.x, dout.sum(axis=0), dout @ self.W.T))
    verdict = text(check_backward(lambda: layer_class(W_SQUARE.copy(),
                                                      np.zeros(3)), X,
                                  params=("W", "b")))
    assert "dW = xᵀ · dout" in verdict


def test_a_plus_for_the_sigmoids_minus():
    class Plus(Sigmoid):
        def backward(self, dout):
            return dout * self.out * (1 + self.out)

    assert "plus where the derivative has a minus" in text(
        check_backward(Plus, X))


def test_overwriting_instead_of_adding_where_a_value_is_used_twice():
    class Square:
        def forward(self, x):
            self.x = x
            return x * x

        def backward(self, dout):
            return dout * self.x     # one use's gradient; x is used twice

    assert "used twice" in text(check_backward(Square, X))


def test_relu_returning_dout_unchanged():
    class PassThrough(Relu):
        def backward(self, dout):
            return dout

    assert "dout itself" in text(check_backward(PassThrough, X))


def test_an_update_that_is_not_in_place():
    params = {"W": W.copy()}
    grads = {"W": np.ones_like(W)}
    expected = {"W": W - 0.1}

    def rebinds(params, grads):
        for key in params:
            params[key] = params[key] - 0.1 * grads[key]

    verdict = check_update(rebinds, params, grads, expected)
    assert not verdict.passed and "in place" in text(verdict)
    np.testing.assert_array_equal(params["W"], W)   # the caller's copy


def test_a_known_wrong_value_is_named():
    verdict = check_values({"dapple": 3.0}, {"dapple": 3.24},
                           mistakes={"dapple": [(3.0, "this forgets the "
                                                      "tax")]})
    assert "(this forgets the tax)" in text(verdict)


def test_messages_show_enough_digits_to_differ():
    assert "expected 79510, got 79506" in text(check_values(79506, 79510))
    assert "expected -0.03162277, got -0.03162278" in text(
        check_values(-0.03162278, -0.03162277, rtol=1e-9))


# ---- valid alternatives pass ---------------------------------------------

def test_valid_alternatives_pass():
    class WhereRelu(Relu):
        def backward(self, dout):
            return np.where(self.mask, dout, 0.0)

    class MinusSquare(Sigmoid):
        def backward(self, dout):
            return dout * (self.out - self.out ** 2)

    class ListMul(MulLayer):
        def backward(self, dout):
            return [dout * self.y, dout * self.x]

    einsum_affine = affine_with(lambda self, dout: _store(
        self, np.einsum("nd,nm->dm", self.x, dout),
        np.einsum("nm->m", dout), np.einsum("nm,dm->nd", dout, self.W)))

    list_affine = affine_with(lambda self, dout: _store(
        self, (self.x.T @ dout).tolist(), list(dout.sum(axis=0)),
        (dout @ self.W.T).tolist()))

    for verdict in (check_backward(WhereRelu, X),
                    check_backward(lambda: list_affine(W.copy(), B.copy()),
                                   X, params=("W", "b")),
                    check_backward(MinusSquare, X),
                    check_backward(ListMul, X, 2 * X),
                    check_backward(lambda: einsum_affine(W.copy(),
                                                         B.copy()),
                                   X, params=("W", "b"))):
        assert verdict.passed, verdict

    def in_place(params, grads):
        for key in params:
            np.subtract(params[key], 0.1 * grads[key], out=params[key])

    assert check_update(in_place, {"W": W.copy()},
                        {"W": np.ones_like(W)}, {"W": W - 0.1}).passed
