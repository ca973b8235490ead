"""benchmarks/: the two yardsticks compute what nnlib computes, and the
benchmark script runs.  Nothing here is timed: speed is measured by
running benchmarks/train_speed.py, not by tests."""

import subprocess
import sys

import numpy as np
import pytest

from conftest import REPO
from nnlib.nets import TwoLayerNet
from nnlib.train import train

sys.path.insert(0, str(REPO / "benchmarks"))
import baseline  # noqa: E402
import tuned  # noqa: E402

KEYS = ("W1", "b1", "W2", "b2")


def batch(n=8, d=12, c=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, d)), rng.integers(0, c, n)


def test_baseline_gradient_matches_nnlib():
    x, t = batch()
    ours = TwoLayerNet(12, 6, 4, weight_init_std=0.5, seed=1)
    theirs = baseline.TwoLayerNet(12, 6, 4)
    for key in KEYS:
        theirs.params[key][...] = ours.params[key]  # in place: layers see it
    expected = ours.gradient(x, t)
    got = theirs.gradient(x, np.eye(4)[t])
    for key in KEYS:
        np.testing.assert_allclose(got[key], expected[key], rtol=1e-10,
                                   atol=1e-12, err_msg=key)
    # The article's loss adds 1e-7 inside the log: close, not equal.
    assert theirs.loss(x, np.eye(4)[t]) == pytest.approx(ours.last_loss,
                                                         rel=1e-5)


def test_tuned_step_is_nnlib_step():
    x, t = batch()
    x = x.astype(np.float32)
    net = TwoLayerNet(12, 6, 4, weight_init_std=0.5, seed=1,
                      dtype=np.float32)
    params = [net.params[key].copy() for key in KEYS]
    loss = tuned.gradient_step(params, x, t, np.float32(0.1))
    grad = net.gradient(x, t)
    for key, param in zip(KEYS, params):
        expected = net.params[key] - np.float32(0.1) * grad[key]
        assert param.dtype == np.float32
        np.testing.assert_allclose(param, expected, rtol=1e-5, atol=1e-6,
                                   err_msg=key)
    assert loss == pytest.approx(net.last_loss, rel=1e-5)


def test_tuned_training_follows_nnlib_batch_for_batch():
    rng = np.random.default_rng(3)
    x = rng.random((300, 12), dtype=np.float32)
    t = (x[:, :4].argmax(axis=1))  # learnable labels
    net = TwoLayerNet(12, 6, 4, weight_init_std=0.5, seed=1,
                      dtype=np.float32)
    params = [net.params[key].copy() for key in KEYS]
    losses, train_acc, test_acc, _, _ = tuned.train(
        params, x[:200], t[:200], x[200:], t[200:], iters=60,
        batch_size=10, lr=0.5, eval_every=20, seed=4, chunk_size=64)
    history = train(net, x[:200], t[:200], x[200:], t[200:], iters=60,
                    batch_size=10, lr=0.5, eval_every=20, seed=4)
    np.testing.assert_allclose(losses, history.loss, rtol=1e-4)
    assert train_acc == history.train_acc
    assert test_acc == history.test_acc
    assert losses[-1] < losses[0]


@pytest.mark.slow
def test_benchmark_script_runs():
    """A short run prints every figure; its numbers are not checked."""
    result = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "train_speed.py"),
         "--iters", "30", "--repeat", "1"],
        capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    for text in ("baseline (article, float64)", "nnlib (float32)",
                 "tuned numpy loop", "drawing the batches alone",
                 "lower bound at those rates", "faster than the baseline",
                 "the tuned loop takes"):
        assert text in result.stdout, text
