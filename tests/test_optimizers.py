"""nnlib.optimizers: each update rule against steps written out by hand,
in-place updates, dtypes, errors, and the optimizers compared."""

import math

import numpy as np
import pytest

from nnlib.layers import Affine
from nnlib.multilayer import MultiLayerNet
from nnlib.optimizers import SGD, AdaGrad, Adam, Momentum

OPTIMIZERS = [SGD, Momentum, AdaGrad, Adam]
by_name = pytest.mark.parametrize("make", OPTIMIZERS,
                                  ids=lambda cls: cls.__name__)

# Two gradients for one parameter of three elements.
W0 = np.array([1.0, -2.0, 0.5])
G1 = np.array([0.4, -0.2, 0.0])
G2 = np.array([-0.1, 0.3, 2.0])


def two_steps(optimizer):
    """W after one and after two updates with G1, then G2."""
    params = {"W": W0.copy()}
    optimizer.update(params, {"W": G1})
    after_one = params["W"].copy()
    optimizer.update(params, {"W": G2})
    return after_one, params["W"]


# ---- each rule by hand ---------------------------------------------------

def test_sgd_steps_against_the_gradient():
    one, two = two_steps(SGD(lr=0.1))
    np.testing.assert_allclose(one, W0 - 0.1 * G1, rtol=0, atol=1e-15)
    np.testing.assert_allclose(two, W0 - 0.1 * G1 - 0.1 * G2,
                               rtol=0, atol=1e-15)


def test_momentum_two_steps_by_hand():
    one, two = two_steps(Momentum(lr=0.1, momentum=0.9))
    v1 = -0.1 * G1                  # v starts at 0
    v2 = 0.9 * v1 - 0.1 * G2
    np.testing.assert_allclose(one, W0 + v1, rtol=0, atol=1e-15)
    np.testing.assert_allclose(two, W0 + v1 + v2, rtol=0, atol=1e-15)


def test_adagrad_two_steps_by_hand():
    one, two = two_steps(AdaGrad(lr=0.5))
    eps = 1e-7
    h1 = G1 ** 2
    w1 = W0 - 0.5 * G1 / (np.sqrt(h1) + eps)
    h2 = h1 + G2 ** 2
    w2 = w1 - 0.5 * G2 / (np.sqrt(h2) + eps)
    np.testing.assert_allclose(one, w1, rtol=0, atol=1e-12)
    np.testing.assert_allclose(two, w2, rtol=0, atol=1e-12)
    # A first step of AdaGrad moves every element with a gradient by lr.
    assert one[:2] == pytest.approx(W0[:2] - 0.5 * np.sign(G1[:2]))


def test_adam_first_two_steps_by_hand():
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    one, two = two_steps(Adam(lr=lr, beta1=b1, beta2=b2))
    # Step 1: m and v start at 0.
    m1 = (1 - b1) * G1
    v1 = (1 - b2) * G1 ** 2
    m1_hat, v1_hat = m1 / (1 - b1), v1 / (1 - b2)
    w1 = W0 - lr * m1_hat / (np.sqrt(v1_hat) + eps)
    # Step 2.
    m2 = b1 * m1 + (1 - b1) * G2
    v2 = b2 * v1 + (1 - b2) * G2 ** 2
    m2_hat, v2_hat = m2 / (1 - b1 ** 2), v2 / (1 - b2 ** 2)
    w2 = w1 - lr * m2_hat / (np.sqrt(v2_hat) + eps)
    np.testing.assert_allclose(one, w1, rtol=0, atol=1e-13)
    np.testing.assert_allclose(two, w2, rtol=0, atol=1e-13)
    # Bias correction makes the first step lr in size wherever the
    # gradient is not 0; without it the step would be about 3.2 lr.
    np.testing.assert_allclose(np.abs(one - W0)[:2], lr, rtol=1e-6)
    assert one[2] == W0[2]


def test_defaults():
    assert SGD().lr == 0.01
    assert (Momentum().lr, Momentum().momentum) == (0.01, 0.9)
    assert AdaGrad().lr == 0.01
    adam = Adam()
    assert (adam.lr, adam.beta1, adam.beta2) == (0.001, 0.9, 0.999)
    assert AdaGrad.eps == 1e-7 and Adam.eps == 1e-8


# ---- state, in-place updates, dtypes -------------------------------------

@by_name
def test_state_is_kept_per_key(make):
    # Updating two keys together is updating each on its own.
    together = make(lr=0.1)
    params = {"a": W0.copy(), "b": -W0.copy()}
    alone_a, alone_b = make(lr=0.1), make(lr=0.1)
    a, b = {"W": W0.copy()}, {"W": -W0.copy()}
    for grad_a, grad_b in [(G1, G2), (G2, -G1), (G1, G1)]:
        together.update(params, {"a": grad_a, "b": grad_b})
        alone_a.update(a, {"W": grad_a})
        alone_b.update(b, {"W": grad_b})
    np.testing.assert_array_equal(params["a"], a["W"])
    np.testing.assert_array_equal(params["b"], b["W"])


@by_name
def test_update_is_in_place_so_the_layer_trains(make):
    rng = np.random.default_rng(0)
    W, b = rng.standard_normal((3, 2)), np.zeros(2)
    layer = Affine(W, b)
    params = {"W": W, "b": b}
    x = rng.standard_normal((4, 3))
    before = layer.forward(x)
    layer.backward(np.ones((4, 2)))
    make(lr=0.1).update(params, {"W": layer.dW, "b": layer.db})
    assert params["W"] is W and layer.W is W and layer.b is b
    assert not np.allclose(layer.forward(x), before)


@by_name
def test_a_net_trained_by_an_optimizer_changes_its_layers(make):
    rng = np.random.default_rng(1)
    x, t = rng.standard_normal((8, 4)), rng.integers(0, 3, 8)
    net = MultiLayerNet(4, [5], 3, seed=0)
    ids = {key: id(value) for key, value in net.params.items()}
    start = net.loss(x, t)
    optimizer = make(lr=0.05)
    for _ in range(20):
        optimizer.update(net.params, net.gradient(x, t))
    assert {key: id(value) for key, value in net.params.items()} == ids
    assert net.layers["Affine1"].W is net.params["W1"]
    assert net.loss(x, t) < start


@by_name
def test_float32_stays_float32(make):
    params = {"W": W0.astype(np.float32)}
    optimizer = make(lr=0.1)
    for grad in (G1, G2):
        # Gradients of either width; the parameter keeps its own.
        optimizer.update(params, {"W": grad.astype(np.float32)})
        optimizer.update(params, {"W": grad})
    assert params["W"].dtype == np.float32
    state = [v for v in vars(optimizer).values() if isinstance(v, dict)]
    for store in state:
        assert all(a.dtype == np.float32 for a in store.values())
    # The same steps in float64 land at nearly the same place.
    wide = {"W": W0.copy()}
    reference = make(lr=0.1)
    for grad in (G1, G2):
        reference.update(wide, {"W": grad})
        reference.update(wide, {"W": grad})
    np.testing.assert_allclose(params["W"], wide["W"], atol=1e-5)


# ---- errors --------------------------------------------------------------

@by_name
def test_bad_learning_rate_is_a_clear_error(make):
    with pytest.raises(ValueError, match=rf"{make.__name__}.*lr.*> 0"):
        make(lr=0)
    with pytest.raises(ValueError, match=rf"{make.__name__}.*lr.*-1"):
        make(lr=-1)


def test_bad_momentum_and_betas_are_clear_errors():
    with pytest.raises(ValueError, match=r"momentum.*\[0, 1\).*1\.5"):
        Momentum(momentum=1.5)
    with pytest.raises(ValueError, match=r"beta2.*\[0, 1\)"):
        Adam(beta2=1.0)


@by_name
def test_mismatched_grads_are_clear_errors(make):
    optimizer = make(lr=0.1)
    name = make.__name__
    with pytest.raises(KeyError, match=rf"{name}.*grads has no 'b'"):
        optimizer.update({"W": W0.copy(), "b": W0.copy()}, {"W": G1})
    with pytest.raises(ValueError, match=rf"{name}.*\(2,\).*\(3,\)"):
        optimizer.update({"W": W0.copy()}, {"W": G1[:2]})
    with pytest.raises(TypeError, match=r"float numpy array"):
        optimizer.update({"W": [1.0, 2.0, 3.0]}, {"W": G1})


@pytest.mark.parametrize("make", [Momentum, AdaGrad, Adam],
                         ids=lambda cls: cls.__name__)
def test_reusing_an_optimizer_on_another_net_is_a_clear_error(make):
    optimizer = make(lr=0.1)
    optimizer.update({"W": W0.copy()}, {"W": G1})
    with pytest.raises(ValueError, match=r"remembers shape \(3,\).*new"):
        optimizer.update({"W": np.zeros(2)}, {"W": np.ones(2)})


# ---- the optimizers compared ---------------------------------------------

def f(p):
    """The book's valley: f(x, y) = x^2 / 20 + y^2, minimum at (0, 0)."""
    return p[0] ** 2 / 20 + p[1] ** 2


def df(p):
    return np.array([p[0] / 10, 2 * p[1]])


@pytest.mark.parametrize("optimizer", [SGD(0.95), Momentum(0.1),
                                       AdaGrad(1.5), Adam(0.3)],
                         ids=lambda opt: type(opt).__name__)
def test_each_optimizer_walks_down_the_valley(optimizer):
    params = {"p": np.array([-7.0, 2.0])}
    for _ in range(30):
        optimizer.update(params, {"p": df(params["p"])})
    assert f(params["p"]) < 0.05 * f(np.array([-7.0, 2.0]))


def clusters(n, seed, dim=20, classes=10):
    """Ten Gaussian clouds in 20-D: x (n, dim), t (n,) labels."""
    centres = np.random.default_rng(100).standard_normal((classes, dim))
    rng = np.random.default_rng(seed)
    t = rng.integers(0, classes, n)
    return centres[t] + 0.8 * rng.standard_normal((n, dim)), t


def test_adaptive_optimizers_end_far_below_sgd():
    # DESIGN.md: on a 4 x 100 net Momentum, AdaGrad and Adam all end far
    # below SGD's loss.  In miniature: 4 x 50, 300 iterations, batch 64,
    # each optimizer with its usual learning rate.
    x, t = clusters(1000, seed=0)
    final = {}
    for optimizer in [SGD(0.01), Momentum(0.01), AdaGrad(0.01),
                      Adam(0.001)]:
        net = MultiLayerNet(20, [50] * 4, 10, seed=0)
        rng = np.random.default_rng(1)
        losses = []
        for _ in range(300):
            batch = rng.integers(0, len(x), 64)
            optimizer.update(net.params, net.gradient(x[batch], t[batch]))
            losses.append(net.last_loss)
        final[type(optimizer).__name__] = np.mean(losses[-50:])
    assert final["SGD"] < 0.5 * math.log(10)  # SGD learns too ...
    for name in ("Momentum", "AdaGrad", "Adam"):
        assert final[name] < 0.2 * final["SGD"], final  # ... far slower
