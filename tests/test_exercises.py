"""nnlib.book.exercises: the checks behind the chapters' exercises."""

import numpy as np
import pytest

from nnlib.book.exercises import Verdict, check_backward, check_values
from nnlib.book.nodes import AddLayer, MulLayer
from nnlib.layers import Affine, Relu, Sigmoid, SoftmaxWithLoss


@pytest.fixture
def batch():
    """x: (4, 3), W: (3, 2), b: (2,), labels t: (4,)."""
    rng = np.random.default_rng(0)
    return (rng.standard_normal((4, 3)), rng.standard_normal((3, 2)),
            rng.standard_normal(2), np.array([0, 1, 1, 0]))


# ---- correct layers pass -----------------------------------------------

def test_correct_layers_pass(batch):
    x, W, b, t = batch
    cases = [
        (check_backward(lambda: Affine(W.copy(), b.copy()), x,
                        params=("W", "b")), "dx, dW, db match"),
        (check_backward(Relu, x), "dx matches"),
        (check_backward(Sigmoid, x), "dx matches"),
        (check_backward(SoftmaxWithLoss, x[:, :2], t), "dx matches"),
        (check_backward(MulLayer, 100, 2), "dx, dy match"),
        (check_backward(AddLayer, x, b[0]), "dx, dy match"),
    ]
    for verdict, text in cases:
        assert verdict.passed, verdict
        assert verdict.lines[0].startswith("✔") and text in verdict.lines[0]


def test_one_hot_targets_are_skipped_with_wrt(batch):
    x, _, _, t = batch
    one_hot = np.eye(2)[t]
    verdict = check_backward(SoftmaxWithLoss, x[:, :2], one_hot, wrt=(0,))
    assert verdict.passed, verdict


def test_parameters_are_restored_after_the_check(batch):
    x, W, b, _ = batch
    W_before, b_before = W.copy(), b.copy()
    check_backward(lambda: Affine(W, b), x, params=("W", "b"))
    np.testing.assert_array_equal(W, W_before)
    np.testing.assert_array_equal(b, b_before)


# ---- wrong gradients are named, measured and hinted --------------------

class RecordingSigmoid(Sigmoid):
    """Remembers the dout it was given, so a test can work out the error.
    """

    def backward(self, dout):
        self.dout_seen = dout.copy()
        return self.wrong(dout)


def test_missing_factor_names_input_and_error_size(batch):
    x = batch[0]
    layers = []

    class ForgetsOneMinusY(RecordingSigmoid):
        def wrong(self, dout):
            return dout * self.out  # the (1 - y) factor is missing

    def make():
        layers.append(ForgetsOneMinusY())
        return layers[-1]

    verdict = check_backward(make, x)
    assert not verdict.passed
    assert verdict.lines[0] == "✘ ForgetsOneMinusY.backward: 1 of 1 " \
                               "gradient wrong."
    layer = layers[0]
    y = 1 / (1 + np.exp(-x))
    right = layer.dout_seen * y * (1 - y)
    error = np.abs(layer.dout_seen * y - right)
    worst = np.unravel_index(np.argmax(error), error.shape)
    text = repr(verdict)
    assert f"dx: WRONG, off by up to {error.max():.4g}" in text
    yours = layer.dout_seen[worst] * y[worst]
    assert f"at dx[{worst[0]}, {worst[1]}]: numerical " \
           f"{right[worst]:.4g}, yours {yours:.4g}" in text


@pytest.mark.parametrize("wrong, hint", [
    (lambda self, dout: 2 * dout * self.out * (1 - self.out),
     "yours is 2 times the right one"),
    (lambda self, dout: -dout * self.out * (1 - self.out),
     "wrong sign"),
    (lambda self, dout: self.out * (1 - self.out), "does not use dout"),
    (lambda self, dout: np.zeros_like(dout), "all zeros"),
])
def test_hints(batch, wrong, hint):
    layer_class = type("Attempt", (RecordingSigmoid,), {"wrong": wrong})
    verdict = check_backward(layer_class, batch[0])
    assert not verdict.passed
    assert hint in repr(verdict)


def test_swapped_gradients_of_a_multiply():
    class SwappedMul(MulLayer):
        def backward(self, dout):
            return dout * self.x, dout * self.y  # should be y, then x

    verdict = check_backward(SwappedMul, 100.0, 2.0)
    text = repr(verdict)
    assert not verdict.passed and "2 of 2 gradients wrong" in text
    assert "yours equals the right dy: are two gradients swapped?" in text


def test_wrong_parameter_gradients(batch):
    x, W, b, _ = batch

    class Buggy(Affine):
        def backward(self, dout):
            dx = super().backward(dout)
            self.db = np.sum(dout, axis=1)  # the article's bug
            self.dW = self.dW.T
            return dx

    text = repr(check_backward(lambda: Buggy(W, b), x, params=("W", "b")))
    assert "2 of 3 gradients wrong" in text
    assert "  dx: ok" in text
    assert "db: shape (4,), expected (2,) (the shape of b)" in text
    assert "wrong axis" in text
    assert "dW: shape (2, 3), expected (3, 2)" in text
    assert "transposed?" in text


def test_transposed_square_gradient_is_caught_even_with_the_same_seed():
    # Inputs drawn with default_rng(0), like the check's own seed=0.
    rng = np.random.default_rng(0)
    x, W = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))

    class Transposed(Affine):
        def backward(self, dout):
            dx = super().backward(dout)
            self.dW = self.dW.T.copy()
            return dx

    verdict = check_backward(lambda: Transposed(W, np.zeros(3)), x,
                             params=("W",))
    assert not verdict.passed
    assert "transpose of the right one" in repr(verdict)


def test_missing_parameter_gradient(batch):
    x, W, b, _ = batch

    class NoDb(Affine):
        def backward(self, dout):
            dx = super().backward(dout)
            self.db = None
            return dx

    text = repr(check_backward(lambda: NoDb(W, b), x, params=("W", "b")))
    assert "db: missing -- backward must store it as self.db." in text


def test_backward_that_writes_into_dout_fails(batch):
    class ArticleRelu:
        def forward(self, x):
            self.mask = x <= 0
            return np.maximum(x, 0)

        def backward(self, dout):
            dout[self.mask] = 0
            return dout

    verdict = check_backward(ArticleRelu, batch[0])
    assert not verdict.passed
    assert "it writes into dout" in verdict.lines[0]
    assert "  dx: ok" in verdict.lines  # the values themselves are right


# ---- unusable answers: None, wrong count, NaN --------------------------

def test_backward_returning_none():
    class NoReturn(MulLayer):
        def backward(self, dout):
            dx, dy = dout * self.y, dout * self.x  # noqa: F841

    text = repr(check_backward(NoReturn, 1.0, 2.0))
    assert "did you forget `return dx, dy`?" in text


def test_backward_returning_the_wrong_count(batch):
    class OneOnly(MulLayer):
        def backward(self, dout):
            return dout * self.y

    class Three(Sigmoid):
        def backward(self, dout):
            dx = super().backward(dout)
            return dx, dx, dx

    assert "returned one value; it should return the tuple (dx, dy)" \
        in repr(check_backward(OneOnly, 1.0, 2.0))
    assert "returned 3 values; it should return dx alone" \
        in repr(check_backward(Three, batch[0]))


def test_forward_returning_none_and_nan_gradients(batch):
    class Silent(Sigmoid):
        def forward(self, x):
            super().forward(x)

    class Nan(Sigmoid):
        def backward(self, dout):
            return dout * np.nan

    assert "forward returned None" in repr(check_backward(Silent, batch[0]))
    assert "contains NaN" in repr(check_backward(Nan, batch[0]))


def test_shape_of_a_returned_gradient(batch):
    class Flat(Relu):
        def backward(self, dout):
            return super().backward(dout).ravel()

    text = repr(check_backward(Flat, batch[0]))
    assert "dx: shape (12,), expected (4, 3) (the shape of x)" in text


# ---- not attempted yet -------------------------------------------------

class NotYet(Sigmoid):
    def backward(self, dout):
        raise NotImplementedError


def test_not_attempted_is_one_neutral_line(batch):
    verdict = check_backward(NotYet, batch[0], solution=Sigmoid,
                             exercise="4.1")
    assert not verdict.passed and not verdict.attempted
    assert verdict.lines == [
        "Exercise 4.1: not finished yet: NotYet.backward still raises "
        "NotImplementedError; write it, then run this cell again."]


def test_not_attempted_without_solution(batch):
    verdict = check_backward(NotYet, batch[0])
    assert not verdict.passed and not verdict.attempted
    assert "✔" not in repr(verdict) and "✘" not in repr(verdict)


def test_unwritten_forward_counts_as_not_attempted(batch):
    class NoForward(Relu):
        def forward(self, x):
            raise NotImplementedError

    verdict = check_backward(NoForward, batch[0], solution=Relu)
    assert verdict.lines[0] == ("This exercise: not attempted yet: write "
                                "NoForward.forward, then run this cell "
                                "again.")


def test_a_wrong_stored_solution_raises(batch):
    # Quietly checked, but loudly broken: the book's tests must fail.
    class Wrong(Sigmoid):
        def backward(self, dout):
            return dout

    with pytest.raises(AssertionError, match="stored solution"):
        check_backward(NotYet, batch[0], solution=Wrong, exercise="4.1")
    with pytest.raises(AssertionError, match="stored solution"):
        check_values(..., 2.2, solution=2.0)


# ---- the verdict as text -----------------------------------------------

def test_verdict_text_is_deterministic(batch):
    class Half(Sigmoid):
        def backward(self, dout):
            return 0.5 * super().backward(dout)

    first = check_backward(Half, batch[0])
    second = check_backward(Half, batch[0].copy())
    assert repr(first) == repr(second) == str(first)
    assert repr(first) == "\n".join(first.lines)
    assert isinstance(first, Verdict)


def test_seed_changes_dout_not_the_verdict_of_a_right_layer(batch):
    for seed in range(3):
        assert check_backward(Sigmoid, batch[0], seed=seed).passed


# ---- check_values ------------------------------------------------------

def test_values_all_right_with_float_noise():
    verdict = check_values((2.2, 110, 200), (2.2, 110.0, 200.0),
                           names=("d apple", "d apple_num", "d tax"))
    assert verdict.passed
    assert verdict.lines == ["✔ All 3 values are right.",
                             "  d apple = 2.2: ok",
                             "  d apple_num = 110: ok",
                             "  d tax = 200: ok"]
    assert check_values(715, 715.0000000000001).passed


def test_values_reports_each_wrong_one():
    verdict = check_values((2.2, 100, 220), (2.2, 110, 200),
                           names=("d apple", "d apple_num", "d tax"))
    assert not verdict.passed
    assert verdict.lines[0] == "✘ 2 of 3 values wrong."
    assert "  d apple_num: expected 110, got 100." in verdict.lines
    assert "  d tax: expected 200, got 220." in verdict.lines


def test_values_arrays_and_dicts():
    expected = {"dW": np.eye(2), "db": np.array([1.0, 2.0])}
    got = {"dW": np.array([[1.0, 0.5], [0.0, 1.0]])}
    verdict = check_values(got, expected)
    text = repr(verdict)
    assert not verdict.passed
    assert "dW: 1 of 4 entries wrong; at [0, 1] expected 0, got 0.5." \
        in text
    assert "db: no answer (None)." in text
    assert check_values({"dW": np.eye(2), "db": [1, 2]}, expected).passed


def test_values_shape_and_count_problems():
    assert "shape (3,), expected (3, 1)" in repr(
        check_values(np.ones(3), np.ones((3, 1)), names="dx"))
    assert "Expected 3 values (value 1, value 2, value 3); got 2." in repr(
        check_values((1, 2), (1, 2, 3)))
    assert "not a number (str)" in repr(check_values("2.2", 2.2))
    assert check_values(3, 2).lines == ["✘ Wrong.",
                                        "  value: expected 2, got 3."]


def test_values_not_answered_show_no_values():
    verdict = check_values(..., (2.2, 110), solution=(2.2, 110),
                           exercise="1.1", answer="answer_1_1")
    assert not verdict.passed and not verdict.attempted
    assert verdict.lines == ["Exercise 1.1: not attempted yet: fill in "
                             "`answer_1_1`, then run this cell again."]


def test_values_partly_answered_show_no_values_and_no_tick():
    expected = {"a": 1.0, "b": 2.0, "c": 3.0}
    verdict = check_values({"a": 1.0, "b": ..., "c": ...}, expected,
                           solution=expected, exercise="9.2")
    assert not verdict.passed and not verdict.attempted
    assert verdict.lines == ["Exercise 9.2: not finished yet: answer b, c "
                             "(still `...`), then run this cell again."]


def test_check_values_refuses_a_name_list_of_the_wrong_length():
    # One name for three values would otherwise check only the first.
    with pytest.raises(ValueError, match="1 names for 3 expected values"):
        check_values([1.0, 2.0, 3.0], [1.0, 2.0, 4.0], names="dx")


# ---- check_function ----------------------------------------------------

def squares(values):
    """The reference: {name: value squared}."""
    return {name: value ** 2 for name, value in values.items()}


def test_function_right_wrong_and_named_mistakes():
    from nnlib.book.exercises import check_function
    args = ({"a": 3.0, "b": -2.0},)
    expected = squares(*args)
    assert check_function(squares, args, expected).passed

    def doubles(values):
        return {name: 2 * value for name, value in values.items()}

    verdict = check_function(doubles, args, expected,
                             mistakes={"a": [(6.0, "doubled, not squared")]})
    assert not verdict.passed and verdict.attempted
    assert verdict.lines[0] == "✘ 2 of 2 values wrong."
    assert "a: expected 9, got 6. (doubled, not squared)" in verdict.lines[1]
    assert "b: expected 4, got -4" in verdict.lines[2]


def test_function_not_written_is_one_neutral_line_and_checks_the_solution():
    from nnlib.book.exercises import check_function

    def backprop(values):
        raise NotImplementedError("write it")

    args = ({"a": 3.0},)
    verdict = check_function(backprop, args, squares(*args),
                             solution=squares, exercise="9.2")
    assert not verdict.passed and not verdict.attempted
    assert verdict.lines == ["Exercise 9.2: not attempted yet: write "
                             "backprop, then run this cell again."]
    with pytest.raises(AssertionError, match="stored solution"):
        check_function(backprop, args, squares(*args),
                       solution=lambda values: {"a": 0.0}, exercise="9.2")


def test_function_that_raises_or_returns_nothing_is_reported():
    from nnlib.book.exercises import check_function

    def broken(values):
        return values["missing"]

    def forgets_return(values):
        {name: v ** 2 for name, v in values.items()}

    args = ({"a": 3.0},)
    verdict = check_function(broken, args, squares(*args))
    assert not verdict.passed
    assert verdict.lines[0].startswith("✘ broken raised KeyError: "
                                       "'missing' (at line")
    verdict = check_function(forgets_return, args, squares(*args))
    assert verdict.lines == ["✘ forgets_return returned None: end it with "
                             "return ..."]


def test_yes_or_no_answers_are_said_as_true_or_false():
    expected = {"W1": False, "W2": np.bool_(True)}
    assert check_values({"W1": False, "W2": True}, expected).passed
    verdict = check_values({"W1": True, "W2": 1}, expected,
                           mistakes={"W1": [(True, "W1 is fine")]})
    assert verdict.lines[1:] == [
        "  W1: expected False, got True. (W1 is fine)",
        "  W2: expected True or False, got int."]


# ---- answer_from ---------------------------------------------------------

def test_answer_from_runs_the_readers_code_for_check_values():
    from nnlib.book.exercises import Raised, answer_from

    def step_decay(lr, iteration):
        return lr * 0.5 ** (iteration // 1000)

    def unwritten(lr, iteration):
        raise NotImplementedError

    def slip(lr, iteration):
        return lr * 0.5 ** (iteration / "1000")

    expected = [0.1, 0.05]
    got = answer_from(lambda: [step_decay(0.1, i) for i in (0, 1000)])
    assert got == pytest.approx(expected)
    assert check_values(got, expected).passed
    # Not written: ..., so the check is neutral and checks the solution.
    got = answer_from(lambda: [unwritten(0.1, i) for i in (0, 1000)],
                      what="step_decay")
    assert got is Ellipsis
    verdict = check_values(got, expected, solution=expected,
                           exercise="8.3", answer="step_decay")
    assert not verdict.attempted
    # Raised: the verdict names the code, the error and its line, and no
    # traceback escapes; also where it is one value among others.
    got = answer_from(lambda: [slip(0.1, i) for i in (0, 1000)],
                      what="step_decay")
    assert isinstance(got, Raised)
    for answer in (got, {"a": got, "b": 1.0}, [1.0, got]):
        verdict = check_values(answer, expected if isinstance(answer, Raised)
                               else answer, solution=expected)
        assert not verdict.passed and verdict.attempted
        assert verdict.lines == [
            "✘ step_decay raised TypeError: unsupported operand type(s) "
            "for /: 'int' and 'str' (at line "
            f"{slip.__code__.co_firstlineno + 1}: return lr * 0.5 ** "
            "(iteration / \"1000\"))"]


def test_a_dict_with_none_of_the_expected_keys_says_so():
    verdict = check_values({object(): 1.0, "da": 2.0}, {"a": 1.0, "b": 2.0})
    assert not verdict.passed
    assert verdict.lines[0].startswith("✘ Expected a dict with keys a, b; "
                                       "got one with keys <object")


def test_backprop_mistakes_name_each_classic_wrong_gradient():
    from nnlib.book.examples import branching_graph
    from nnlib.book.exercises import backprop_mistakes
    graph = branching_graph(a=2.0, b=1.5, c=4.0)   # u = a·b used twice
    mistakes = backprop_mistakes(graph)
    # u gets 5 from the last × node and 3 from the + node: either alone
    # is "=" where "+=" belongs.
    parts = {value: why for value, why in mistakes["u"]}
    assert sorted(v for v in parts if v) == [3.0, 5.0]
    assert "u is used 2 times" in parts[3.0]
    # u's node run with one part: b gets 5·a or 3·a.
    early = [value for value, why in mistakes["b"]
             if "passed on only one part" in why]
    assert sorted(early) == [6.0, 10.0]
    # Every value with a gradient may come out 0; c's true gradient is 0.
    assert (0.0, ) == tuple(v for v, why in mistakes["v"])
    assert "c" not in mistakes
    verdict = check_values({"b": 10.0}, {"b": graph.grad("b")},
                           mistakes=mistakes)
    assert "u's node passed on only one part of u's gradient" in \
        verdict.lines[1]
