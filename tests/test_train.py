"""nnlib.train: the SGD loop, its history, divergence, and MNIST."""

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from nnlib.nets import TwoLayerNet
from nnlib.train import DivergedError, History, train


def blobs(n, seed):
    """Three well separated clouds in 2-D: x (n, 2), t (n,) labels."""
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 3.0], [3.0, -2.0], [-3.0, -2.0]])
    t = rng.integers(0, 3, n)
    return centres[t] + 0.7 * rng.standard_normal((n, 2)), t


def test_learns_a_separable_problem():
    (x, t), (x_test, t_test) = blobs(600, seed=0), blobs(300, seed=1)
    net = TwoLayerNet(2, 16, 3, weight_init_std=0.5, seed=0)
    history = train(net, x, t, x_test, t_test, iters=300, batch_size=30,
                    lr=0.1)
    assert history.test_acc[-1] > 0.95
    assert history.train_acc[-1] > 0.95
    assert history.loss[-20:].mean() < 0.5 * history.loss[:20].mean()


def test_history_records_every_iteration_and_evaluation():
    (x, t), (x_test, t_test) = blobs(100, seed=2), blobs(40, seed=3)
    net = TwoLayerNet(2, 8, 3, seed=1)
    history = train(net, x, t, x_test, t_test, iters=25, batch_size=20)
    assert isinstance(history, History)
    assert history.loss.shape == (25,)
    assert np.all(np.isfinite(history.loss))
    # One epoch is 100 // 20 = 5 iterations; the last one is evaluated.
    assert history.eval_iters == [5, 10, 15, 20, 25]
    assert len(history.train_acc) == len(history.test_acc) == 5
    assert history.elapsed >= history.eval_seconds > 0
    assert repr(history).startswith("History(25 iterations, final loss ")

    short = train(net, x, t, x_test, t_test, iters=12, batch_size=20,
                  eval_every=10)
    assert short.eval_iters == [10, 12]


def test_the_loss_is_that_of_the_gradient_pass():
    x, t = blobs(50, seed=4)
    net = TwoLayerNet(2, 8, 3, weight_init_std=0.5, seed=2)
    before = {k: v.copy() for k, v in net.params.items()}
    history = train(net, x, t, x, t, iters=1, batch_size=10, seed=5)
    batch = np.random.default_rng(5).integers(0, 50, 10)
    fresh = TwoLayerNet(2, 8, 3, weight_init_std=0.5, seed=2)
    for key in before:
        np.testing.assert_array_equal(fresh.params[key], before[key])
    assert history.loss[0] == fresh.loss(x[batch], t[batch])


def test_same_seeds_reproduce_the_run():
    (x, t), (x_test, t_test) = blobs(200, seed=6), blobs(50, seed=7)
    runs = []
    for _ in range(2):
        net = TwoLayerNet(2, 8, 3, weight_init_std=0.5, seed=3)
        runs.append(train(net, x, t, x_test, t_test, iters=40,
                          batch_size=16, seed=11))
    np.testing.assert_array_equal(runs[0].loss, runs[1].loss)
    assert runs[0].test_acc == runs[1].test_acc
    other = train(TwoLayerNet(2, 8, 3, weight_init_std=0.5, seed=3),
                  x, t, x_test, t_test, iters=40, batch_size=16, seed=12)
    assert not np.array_equal(runs[0].loss, other.loss)


class PlainNet:
    """A net with only params, gradient, loss and accuracy (no
    last_loss): loss = mean((x w - t)^2) / 2 for one weight."""

    def __init__(self, nan_at=None):
        self.params = {"w": np.array([0.0])}
        self.calls = 0
        self.nan_at = nan_at

    def loss(self, x, t):
        if self.nan_at is not None and self.calls == self.nan_at + 1:
            return float("nan")
        return float(np.mean((x[:, 0] * self.params["w"][0] - t) ** 2) / 2)

    def gradient(self, x, t):
        self.calls += 1
        residual = x[:, 0] * self.params["w"][0] - t
        return {"w": np.array([np.mean(residual * x[:, 0])])}

    def accuracy(self, x, t):
        return float(np.mean(np.abs(x[:, 0] * self.params["w"][0] - t)
                             < 0.1))


def test_works_for_any_net_with_params_and_gradient():
    x = np.linspace(-1, 1, 50)[:, None]
    net = PlainNet()
    history = train(net, x, 3 * x[:, 0], x, 3 * x[:, 0], iters=200,
                    batch_size=10, lr=0.5)
    assert net.params["w"][0] == pytest.approx(3.0, abs=1e-3)
    assert history.test_acc[-1] == 1.0
    assert history.loss[0] > 100 * history.loss[-1]


def test_nan_loss_stops_with_the_iteration_and_advice():
    x = np.linspace(-1, 1, 50)[:, None]
    with pytest.raises(DivergedError,
                       match=r"nan at iteration 3.*smaller learning rate"
                       ) as caught:
        train(PlainNet(nan_at=3), x, x[:, 0], x, x[:, 0], iters=10,
              batch_size=5)
    assert caught.value.iteration == 3
    assert caught.value.history.loss.shape == (3,)


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning",
                            "ignore:invalid value:RuntimeWarning")
def test_too_large_a_learning_rate_diverges_clearly():
    x, t = blobs(300, seed=8)
    net = TwoLayerNet(2, 10, 3, weight_init_std=1.0, seed=0,
                      dtype=np.float32)
    with pytest.raises(DivergedError, match=r"lr=10000.*lr=1000\b"):
        train(net, x, t, x, t, iters=500, batch_size=30, lr=1e4)


def test_progress_bar_is_plain_text_on_stderr(capsys):
    x, t = blobs(40, seed=9)
    train(TwoLayerNet(2, 4, 3, seed=0), x, t, x, t, iters=8,
          batch_size=10, progress=True)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "8/8" in captured.err and "test_acc" in captured.err


def test_bad_arguments_are_clear_errors():
    x, t = blobs(20, seed=10)
    net = TwoLayerNet(2, 4, 3, seed=0)
    with pytest.raises(ValueError, match=r"x_train has 20.*t_train has 5"):
        train(net, x, t[:5], x, t)
    with pytest.raises(ValueError, match="lr must be a number > 0, got 0"):
        train(net, x, t, x, t, lr=0)


@pytest.mark.parametrize("option, message", [
    ({"lr": "0.1"}, r"train: lr must be a number > 0, got '0\.1' "
                    r"\(a number, not the text '0\.1'\)"),
    ({"lr": float("nan")}, r"lr must be a number > 0, got nan"),
    ({"iters": 10.5}, r"train: iters must be a whole number >= 0, got "
                      r"10\.5; round it, e.g\. iters=10"),
    ({"iters": "100"}, r"iters=100, without quotes"),
    ({"batch_size": 0}, r"batch_size must be a whole number >= 1, got 0"),
    ({"eval_every": 0}, r"eval_every must be a whole number >= 1, got 0"),
])
def test_bad_options_name_the_argument_and_the_fix(option, message):
    x, t = blobs(20, seed=10)
    net = TwoLayerNet(2, 4, 3, seed=0)
    before = {key: value.copy() for key, value in net.params.items()}
    with pytest.raises(ValueError, match=message):
        train(net, x, t, x, t, **option)
    for key, value in net.params.items():  # nothing was trained
        np.testing.assert_array_equal(value, before[key])


@pytest.mark.parametrize("where", ["x_train", "t_train", "x_test"])
def test_nan_in_the_data_is_named_before_any_step(where):
    x, t = blobs(20, seed=11)
    data = {"x_train": x.copy(), "t_train": np.eye(3)[t],
            "x_test": x.copy(), "t_test": np.eye(3)[t]}
    data[where][7, 1] = np.nan
    net = TwoLayerNet(2, 4, 3, seed=0)
    with pytest.raises(ValueError, match=rf"train: {where} holds 1 NaN or "
                       rf"infinite value\(s\), the first at row 7.*"
                       rf"np\.nan_to_num\({where}\)"):
        train(net, data["x_train"], data["t_train"], data["x_test"],
              data["t_test"], iters=5, batch_size=4)


def test_a_loss_that_is_nan_from_the_start_does_not_blame_lr():
    x, t = blobs(20, seed=14)
    net = TwoLayerNet(2, 4, 3, seed=0)
    net.params["W2"][0, 0] = np.nan
    with pytest.raises(DivergedError, match=r"iteration 0 .*before any "
                       r"update, so the learning rate is not the cause.*"
                       r"net\.params") as caught:
        train(net, x, t, x, t, iters=5, batch_size=20)
    assert "smaller learning rate" not in str(caught.value)


def test_learns_the_offline_mnist_sample(monkeypatch):
    monkeypatch.setenv("NNLIB_OFFLINE", "1")
    from nnlib.data import load_mnist

    (x_train, t_train), (x_test, t_test) = load_mnist()
    net = TwoLayerNet(784, 50, 10, seed=0, dtype=np.float32)
    # One BLAS thread: matrices this small gain little from a second one,
    # and a second thread stalls badly when other jobs share the cores.
    # Evaluate rarely: an epoch here is only 40 iterations.
    with threadpool_limits(limits=1, user_api="blas"):
        history = train(net, x_train, t_train, x_test, t_test,
                        iters=10000, batch_size=100, lr=0.1, seed=0,
                        eval_every=2500)
    assert history.test_acc[-1] >= 0.88


def test_an_optimizer_makes_the_steps():
    from nnlib.multilayer import MultiLayerNet
    from nnlib.optimizers import SGD, Adam

    (x, t), (x_test, t_test) = blobs(300, seed=12), blobs(100, seed=13)
    runs = []
    for options in ({"lr": 0.1}, {"lr": 5.0, "optimizer": SGD(lr=0.1)}):
        net = TwoLayerNet(2, 8, 3, weight_init_std=0.5, seed=4)
        runs.append(train(net, x, t, x_test, t_test, iters=30,
                          batch_size=20, **options))
    # SGD(lr=0.1) takes exactly the default steps; train's lr is unused,
    # so it is not checked either.
    np.testing.assert_array_equal(runs[0].loss, runs[1].loss)
    net = TwoLayerNet(2, 8, 3, weight_init_std=0.5, seed=4)
    unused = train(net, x, t, x_test, t_test, iters=30, batch_size=20,
                   lr=None, optimizer=SGD(lr=0.1))
    np.testing.assert_array_equal(unused.loss, runs[0].loss)

    adam = Adam(lr=0.01)
    net = MultiLayerNet(2, [8, 8], 3, use_batchnorm=True, seed=5)
    history = train(net, x, t, x_test, t_test, iters=150, batch_size=20,
                    optimizer=adam)
    assert adam.t == 150  # one update per iteration
    assert history.test_acc[-1] > 0.95
