"""nnlib.nets.TwoLayerNet: structure, gradients, dtypes, bad input."""

import numpy as np
import pytest

from nnlib.gradient import gradient_check
from nnlib.layers import Affine, Relu, Sigmoid
from nnlib.multilayer import MultiLayerNet
from nnlib.nets import TwoLayerNet


def small_batch(seed=0, n=5, d=6, c=3):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)), rng.integers(0, c, n)


def test_params_and_layers():
    net = TwoLayerNet(6, 4, 3, seed=0)
    assert {k: v.shape for k, v in net.params.items()} == {
        "W1": (6, 4), "b1": (4,), "W2": (4, 3), "b2": (3,)}
    assert list(net.layers) == ["Affine1", "Relu1", "Affine2"]
    assert isinstance(net.layers["Affine1"], Affine)
    assert isinstance(net.layers["Relu1"], Relu)
    np.testing.assert_array_equal(net.params["b1"], 0.0)
    # std 0.01 standard normal weights
    assert 0.002 < net.params["W1"].std() < 0.03


def test_layers_hold_the_very_param_arrays():
    net = TwoLayerNet(6, 4, 3, seed=0)
    assert net.layers["Affine1"].W is net.params["W1"]
    assert net.layers["Affine1"].b is net.params["b1"]
    assert net.layers["Affine2"].W is net.params["W2"]
    assert net.layers["Affine2"].b is net.params["b2"]


def test_sigmoid_activation():
    net = TwoLayerNet(6, 4, 3, activation="sigmoid", seed=0)
    assert list(net.layers) == ["Affine1", "Sigmoid1", "Affine2"]
    assert isinstance(net.layers["Sigmoid1"], Sigmoid)


def test_same_seed_same_net_and_generators_work():
    a, b = TwoLayerNet(6, 4, 3, seed=7), TwoLayerNet(6, 4, 3, seed=7)
    c = TwoLayerNet(6, 4, 3, seed=8)
    d = TwoLayerNet(6, 4, 3, seed=np.random.default_rng(7))
    for key in a.params:
        np.testing.assert_array_equal(a.params[key], b.params[key])
        np.testing.assert_array_equal(a.params[key], d.params[key])
    assert not np.array_equal(a.params["W1"], c.params["W1"])


@pytest.mark.parametrize("activation", ["relu", "sigmoid"])
def test_backprop_matches_numerical_gradient(activation):
    x, t = small_batch()
    net = TwoLayerNet(6, 4, 3, weight_init_std=1.0, activation=activation,
                      seed=1)
    report = gradient_check(net, x, t)
    assert list(report) == ["W1", "b1", "W2", "b2"]
    assert report.max_rel < 1e-6, report


def test_backprop_matches_numerical_with_default_init():
    x, t = small_batch(seed=2, n=3, d=20, c=10)
    net = TwoLayerNet(20, 8, 10, seed=3)
    report = gradient_check(net, x, np.eye(10)[t])
    assert report.max_rel < 1e-6, report
    assert report.max_abs < 1e-8, report


def test_one_hot_and_labels_give_identical_gradients():
    x, t = small_batch(seed=4)
    net = TwoLayerNet(6, 4, 3, weight_init_std=1.0, seed=5)
    from_labels = net.gradient(x, t)
    loss_labels = net.last_loss
    from_one_hot = net.gradient(x, np.eye(3)[t])
    assert net.last_loss == pytest.approx(loss_labels)
    for key in net.params:
        np.testing.assert_allclose(from_labels[key], from_one_hot[key],
                                   rtol=0, atol=1e-15)


def test_gradient_keeps_the_loss_of_its_forward_pass():
    x, t = small_batch(seed=6)
    net = TwoLayerNet(6, 4, 3, weight_init_std=1.0, seed=7)
    expected = net.loss(x, t)
    net.gradient(x, t)
    assert net.last_loss == expected


def test_the_articles_update_loop_trains_the_layers():
    x, t = small_batch(seed=8, n=20)
    net = TwoLayerNet(6, 10, 3, weight_init_std=0.5, seed=9)
    start = net.loss(x, t)
    for _ in range(50):
        grad = net.gradient(x, t)
        for key in ("W1", "b1", "W2", "b2"):
            net.params[key] -= 0.5 * grad[key]
    assert net.loss(x, t) < 0.5 * start


def test_float32_net_computes_in_float32():
    x, t = small_batch(seed=10)
    net = TwoLayerNet(6, 4, 3, weight_init_std=1.0, seed=11,
                      dtype=np.float32)
    assert all(p.dtype == np.float32 for p in net.params.values())
    assert net.predict(x).dtype == np.float32  # float64 x is converted
    grad = net.gradient(x, t)
    assert all(g.dtype == np.float32 for g in grad.values())
    # Same weights in float64 give nearly the same gradient.
    wide = TwoLayerNet(6, 4, 3, weight_init_std=1.0, seed=11)
    wide_grad = wide.gradient(x, t)
    for key in grad:
        np.testing.assert_allclose(grad[key], wide_grad[key], atol=1e-5)


def test_accuracy_with_labels_one_hot_and_chunks():
    rng = np.random.default_rng(12)
    x, t = rng.standard_normal((50, 6)), rng.integers(0, 3, 50)
    net = TwoLayerNet(6, 4, 3, weight_init_std=1.0, seed=13)
    expected = np.mean(net.predict(x).argmax(axis=1) == t)
    assert net.accuracy(x, t) == expected
    assert net.accuracy(x, np.eye(3)[t]) == expected
    assert net.accuracy(x, t, chunk_size=7) == expected


def test_image_shaped_input_is_flattened():
    x = np.random.default_rng(14).standard_normal((4, 1, 2, 3))
    net = TwoLayerNet(6, 4, 3, seed=15)
    np.testing.assert_array_equal(net.predict(x),
                                  net.predict(x.reshape(4, 6)))


def test_wrong_input_shape_is_a_clear_error():
    net = TwoLayerNet(6, 4, 3, seed=0)
    with pytest.raises(ValueError, match=r"TwoLayerNet.*\(4, 5\).*\(N, 6\)"):
        net.predict(np.zeros((4, 5)))
    with pytest.raises(ValueError, match=r"reshape\(1, -1\)"):
        net.predict(np.zeros(6))
    with pytest.raises(ValueError, match=r"SoftmaxWithLoss.*\(4,\)"):
        net.loss(np.zeros((4, 6)), np.array([0, 1]))
    with pytest.raises(ValueError, match=r"accuracy.*\(2,\)"):
        net.accuracy(np.zeros((4, 6)), np.array([0, 1]))


def test_bad_options_are_clear_errors():
    with pytest.raises(ValueError, match=r"activation.*'tanh'"):
        TwoLayerNet(6, 4, 3, activation="tanh")
    with pytest.raises(TypeError, match="float"):
        TwoLayerNet(6, 4, 3, dtype=np.int32)


@pytest.mark.parametrize("sizes, message", [
    (("784", 50, 10), r"TwoLayerNet: input_size must be a whole number >= "
                      r"1, got '784'; write input_size=784, without quotes"),
    ((784, 50.5, 10), r"hidden_size must be a whole number >= 1, got 50\.5;"
                      r" round it, e.g\. hidden_size=50"),
    ((784, -5, 10), r"hidden_size must be a whole number >= 1, got -5\."),
    ((784, 0, 10), r"hidden_size must be a whole number >= 1, got 0\."),
    ((784, 50, True), r"output_size must be a whole number >= 1, got True"),
])
def test_layer_sizes_must_be_whole_numbers(sizes, message):
    with pytest.raises(ValueError, match=message):
        TwoLayerNet(*sizes)
    with pytest.raises(ValueError, match=message.replace(
            "TwoLayerNet", "MultiLayerNet").replace("hidden_size",
                                                    r"hidden_size_list\[0\]")):
        MultiLayerNet(sizes[0], [sizes[1]], sizes[2])


@pytest.mark.parametrize("make_net", [
    lambda dtype: TwoLayerNet(4, 3, 2, dtype=dtype),
    lambda dtype: MultiLayerNet(4, [3], 2, dtype=dtype),
])
def test_an_integer_dtype_is_refused_with_the_net_named(make_net):
    with pytest.raises(TypeError, match=r"Net: dtype must be a float type"):
        make_net(np.int32)
    assert make_net(np.float32).params["W1"].dtype == np.float32
