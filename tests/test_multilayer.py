"""nnlib.multilayer.MultiLayerNet: structure, initial weights, gradients
with every option, the train flag, and the weight-init reference."""

import math

import numpy as np
import pytest

from nnlib.gradient import gradient_check
from nnlib.layers import Affine, Relu, Sigmoid, SoftmaxWithLoss
from nnlib.multilayer import MultiLayerNet, init_std
from nnlib.optimizers import SGD
from nnlib.training_layers import BatchNormalization, Dropout


def small_batch(seed=0, n=6, d=5, c=3):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)), rng.integers(0, c, n)


# ---- structure -----------------------------------------------------------

def test_params_and_layers():
    net = MultiLayerNet(5, [4, 6], 3, seed=0)
    assert {k: v.shape for k, v in net.params.items()} == {
        "W1": (5, 4), "b1": (4,), "W2": (4, 6), "b2": (6,),
        "W3": (6, 3), "b3": (3,)}
    assert list(net.layers) == ["Affine1", "Relu1", "Affine2", "Relu2",
                                "Affine3"]
    assert isinstance(net.layers["Relu2"], Relu)
    assert isinstance(net.last_layer, SoftmaxWithLoss)
    for i in (1, 2, 3):
        assert isinstance(net.layers[f"Affine{i}"], Affine)
        assert net.layers[f"Affine{i}"].W is net.params[f"W{i}"]
        assert net.layers[f"Affine{i}"].b is net.params[f"b{i}"]
        np.testing.assert_array_equal(net.params[f"b{i}"], 0.0)


def test_every_option_in_its_place():
    net = MultiLayerNet(5, [4, 6], 3, activation="sigmoid",
                        use_batchnorm=True, use_dropout=True, seed=0)
    assert list(net.layers) == [
        "Affine1", "BatchNorm1", "Sigmoid1", "Dropout1",
        "Affine2", "BatchNorm2", "Sigmoid2", "Dropout2", "Affine3"]
    assert list(net.params) == ["W1", "b1", "gamma1", "beta1",
                                "W2", "b2", "gamma2", "beta2", "W3", "b3"]
    assert isinstance(net.layers["Sigmoid1"], Sigmoid)
    assert isinstance(net.layers["Dropout2"], Dropout)
    norm = net.layers["BatchNorm1"]
    assert isinstance(norm, BatchNormalization)
    assert norm.gamma is net.params["gamma1"]
    assert norm.beta is net.params["beta1"]
    np.testing.assert_array_equal(net.params["gamma2"], 1.0)
    np.testing.assert_array_equal(net.params["beta2"], 0.0)


def test_no_hidden_layer_is_softmax_regression():
    net = MultiLayerNet(5, [], 3, seed=0)
    assert list(net.layers) == ["Affine1"]
    x, t = small_batch()
    assert gradient_check(net, x, t).max_rel < 1e-6


def test_same_seed_same_net():
    a = MultiLayerNet(5, [4], 3, use_dropout=True, seed=7)
    b = MultiLayerNet(5, [4], 3, use_dropout=True, seed=7)
    c = MultiLayerNet(5, [4], 3, use_dropout=True, seed=8)
    for key in a.params:
        np.testing.assert_array_equal(a.params[key], b.params[key])
    assert not np.array_equal(a.params["W1"], c.params["W1"])
    x, _ = small_batch()
    np.testing.assert_array_equal(a.predict(x, train=True),
                                  b.predict(x, train=True))


# ---- initial weights -----------------------------------------------------

def test_init_std_definitions():
    assert init_std("xavier", 50) == math.sqrt(1 / 50)
    assert init_std("he", 50) == math.sqrt(2 / 50)
    assert init_std("He", 8) == 0.5
    assert init_std(0.01, 50) == 0.01


@pytest.mark.parametrize("kind, scale", [("xavier", 1.0), ("he", 2.0),
                                         (0.05, None)])
def test_weights_have_the_chosen_spread(kind, scale):
    net = MultiLayerNet(400, [300], 200, weight_init_std=kind, seed=1)
    for key, n_in in (("W1", 400), ("W2", 300)):
        expected = 0.05 if scale is None else math.sqrt(scale / n_in)
        assert net.params[key].std() == pytest.approx(expected, rel=0.02)


# ---- gradients -----------------------------------------------------------

@pytest.mark.parametrize("activation", ["relu", "sigmoid"])
@pytest.mark.parametrize("decay", [0.0, 0.1])
def test_backprop_matches_numerical(activation, decay):
    x, t = small_batch(seed=1)
    net = MultiLayerNet(5, [6, 4], 3, activation=activation,
                        weight_init_std=1.0, weight_decay_lambda=decay,
                        seed=2)
    report = gradient_check(net, x, t)
    assert list(report) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert report.max_rel < 1e-6, report


@pytest.mark.parametrize("activation", ["relu", "sigmoid"])
def test_backprop_matches_numerical_with_dropout(activation):
    x, t = small_batch(seed=3)
    net = MultiLayerNet(5, [6, 4], 3, activation=activation,
                        weight_init_std=1.0, use_dropout=True,
                        dropout_ratio=0.3, seed=4)
    # One mask for every forward pass of the check, numerical and
    # backprop alike.
    with net.frozen_dropout_masks():
        report = gradient_check(net, x, t)
    assert report.max_rel < 1e-6, report
    # The masks were in use: some hidden units really were dropped.
    assert not net.layers["Dropout1"].mask.all()
    assert net.layers["Dropout1"].freeze_mask is False  # restored


def check_with_batchnorm(net, x, t):
    """Gradient check of a net whose hidden biases feed a batch norm."""
    report = gradient_check(net, x, t)
    grads = net.gradient(x, t)
    before_norm = [f"b{i}" for i in range(1, net.n_affine)]
    for key in before_norm:
        # Normalising subtracts the batch mean: a bias there cancels
        # out, its true gradient is 0 and only rounding is measured.
        assert np.abs(grads[key]).max() < 1e-12
        assert report[key].max_abs < 1e-10
    others = {k: e.max_rel for k, e in report.items()
              if k not in before_norm}
    assert max(others.values()) < 1e-4, report


@pytest.mark.parametrize("activation", ["relu", "sigmoid"])
def test_backprop_matches_numerical_with_batchnorm(activation):
    x, t = small_batch(seed=5)
    net = MultiLayerNet(5, [6, 4], 3, activation=activation,
                        use_batchnorm=True, seed=6)
    check_with_batchnorm(net, x, t)


def test_backprop_matches_numerical_with_every_option():
    x, t = small_batch(seed=7)
    net = MultiLayerNet(5, [6, 4], 3, use_batchnorm=True,
                        use_dropout=True, dropout_ratio=0.3,
                        weight_decay_lambda=0.05, seed=8)
    with net.frozen_dropout_masks():
        check_with_batchnorm(net, x, t)


def test_weight_decay_in_loss_and_gradient():
    x, t = small_batch(seed=9)
    plain = MultiLayerNet(5, [6], 3, seed=10)
    decayed = MultiLayerNet(5, [6], 3, weight_decay_lambda=0.3, seed=10)
    squares = np.sum(plain.params["W1"] ** 2) + np.sum(
        plain.params["W2"] ** 2)
    assert decayed.loss(x, t) == pytest.approx(plain.loss(x, t)
                                               + 0.5 * 0.3 * squares)
    g_plain, g_decayed = plain.gradient(x, t), decayed.gradient(x, t)
    for key in ("W1", "W2"):
        np.testing.assert_allclose(
            g_decayed[key], g_plain[key] + 0.3 * plain.params[key])
    for key in ("b1", "b2"):
        np.testing.assert_array_equal(g_decayed[key], g_plain[key])
    assert decayed.last_loss == decayed.loss(x, t)


def test_numerical_gradient_leaves_the_running_statistics_alone():
    x, t = small_batch(seed=11)
    net = MultiLayerNet(5, [4], 3, use_batchnorm=True, seed=12)
    net.gradient(x, t)  # a training step moves them once
    norm = net.layers["BatchNorm1"]
    mean, var = norm.running_mean.copy(), norm.running_var.copy()
    assert not np.array_equal(mean, 0.0)
    net.numerical_gradient(x, t)
    np.testing.assert_array_equal(norm.running_mean, mean)
    np.testing.assert_array_equal(norm.running_var, var)


# ---- training and test mode ----------------------------------------------

def test_dropout_only_at_training_time():
    x, _ = small_batch(seed=13)
    with_dropout = MultiLayerNet(5, [8, 8], 3, use_dropout=True, seed=14)
    without = MultiLayerNet(5, [8, 8], 3, seed=14)  # the same weights
    np.testing.assert_array_equal(with_dropout.predict(x),
                                  without.predict(x))
    assert not np.allclose(with_dropout.predict(x, train=True),
                           without.predict(x))
    # Two training passes draw two different masks.
    assert not np.array_equal(with_dropout.predict(x, train=True),
                              with_dropout.predict(x, train=True))


def test_batchnorm_net_predicts_with_running_statistics():
    x, _ = small_batch(seed=15, n=20)
    net = MultiLayerNet(5, [4], 3, use_batchnorm=True, seed=16)
    for _ in range(300):
        net.predict(x, train=True)  # running stats converge to x's
    np.testing.assert_allclose(net.predict(x), net.predict(x, train=True),
                               atol=1e-6)
    # At test time a sample's scores do not depend on its batch.
    np.testing.assert_allclose(net.predict(x[:3]), net.predict(x)[:3],
                               atol=1e-12)


def test_float32_net_trains_in_float32():
    x, t = small_batch(seed=17)
    net = MultiLayerNet(5, [4], 3, use_batchnorm=True, use_dropout=True,
                        weight_decay_lambda=0.1, seed=18, dtype=np.float32)
    grads = net.gradient(x, t)
    assert all(g.dtype == np.float32 for g in grads.values())
    SGD(0.1).update(net.params, grads)
    assert all(p.dtype == np.float32 for p in net.params.values())
    assert net.predict(x).dtype == np.float32


def test_accuracy_with_labels_one_hot_and_chunks():
    rng = np.random.default_rng(19)
    x, t = rng.standard_normal((50, 5)), rng.integers(0, 3, 50)
    net = MultiLayerNet(5, [4], 3, use_dropout=True, seed=20)
    expected = np.mean(net.predict(x).argmax(axis=1) == t)
    assert net.accuracy(x, t) == expected
    assert net.accuracy(x, np.eye(3)[t]) == expected
    assert net.accuracy(x, t, chunk_size=7) == expected


# ---- errors --------------------------------------------------------------

def test_bad_arguments_are_clear_errors():
    with pytest.raises(ValueError, match=r"activation.*'tanh'"):
        MultiLayerNet(5, [4], 3, activation="tanh")
    with pytest.raises(TypeError, match=r"list of layer sizes.*\[4\]"):
        MultiLayerNet(5, 4, 3)
    with pytest.raises(ValueError, match=r"hidden_size_list\[1\].*0"):
        MultiLayerNet(5, [4, 0], 3)
    with pytest.raises(ValueError, match=r"'xavier' or 'he'.*'kaiming'"):
        MultiLayerNet(5, [4], 3, weight_init_std="kaiming")
    with pytest.raises(ValueError, match=r"weight_init_std.*-0\.1"):
        MultiLayerNet(5, [4], 3, weight_init_std=-0.1)
    with pytest.raises(ValueError, match=r"weight_decay_lambda.*-1"):
        MultiLayerNet(5, [4], 3, weight_decay_lambda=-1)
    with pytest.raises(ValueError, match=r"dropout_ratio.*1\.0"):
        MultiLayerNet(5, [4], 3, use_dropout=True, dropout_ratio=1.0)
    with pytest.raises(TypeError, match="float"):
        MultiLayerNet(5, [4], 3, dtype=np.int32)


def test_wrong_input_shape_is_a_clear_error():
    net = MultiLayerNet(5, [4], 3, seed=0)
    with pytest.raises(ValueError,
                       match=r"MultiLayerNet.*\(4, 6\).*\(N, 5\)"):
        net.predict(np.zeros((4, 6)))
    with pytest.raises(ValueError, match=r"reshape\(1, -1\)"):
        net.loss(np.zeros(5), np.array([0]))
    with pytest.raises(ValueError, match=r"accuracy.*\(2,\)"):
        net.accuracy(np.zeros((4, 5)), np.array([0, 1]))


# ---- reference behaviour: initial weights --------------------------------

def clusters(n, seed, dim=20, classes=10):
    """Ten Gaussian clouds in 20-D: x (n, dim), t (n,) labels."""
    centres = np.random.default_rng(100).standard_normal((classes, dim))
    rng = np.random.default_rng(seed)
    t = rng.integers(0, classes, n)
    return centres[t] + 0.8 * rng.standard_normal((n, dim)), t


def final_loss(weight_init_std, x, t):
    """Mean loss of the last 50 of 300 SGD steps on a 5-layer ReLU net."""
    net = MultiLayerNet(20, [50] * 4, 10, weight_init_std=weight_init_std,
                        seed=0)
    optimizer, rng, losses = SGD(0.01), np.random.default_rng(1), []
    for _ in range(300):
        batch = rng.integers(0, len(x), 64)
        optimizer.update(net.params, net.gradient(x[batch], t[batch]))
        losses.append(net.last_loss)
    return np.mean(losses[-50:])


def test_tiny_initial_weights_do_not_learn_xavier_and_he_do():
    # DESIGN.md: with std 0.01 a 5-layer net stays at loss 2.30 (ln 10:
    # a uniform guess over 10 classes); Xavier and He learn.
    x, t = clusters(1000, seed=0)
    assert final_loss(0.01, x, t) == pytest.approx(math.log(10), abs=0.02)
    assert final_loss("xavier", x, t) < 0.7 * math.log(10)
    assert final_loss("he", x, t) < 0.2 * math.log(10)
