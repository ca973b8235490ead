"""Mini-batch stochastic gradient descent, with a record of how it went.

Each iteration draws a random mini-batch, asks the net for its gradient
and moves every parameter a small step against it:

    params[key] -= lr * grad[key]

Works for any net with ``params`` (a dict of arrays), ``gradient(x, t)``
(a dict keyed like params) and ``accuracy(x, t)``.
"""

import math
import numbers
import time
from dataclasses import dataclass, field

import numpy as np

from nnlib.checks import check_count, check_finite, check_number
from nnlib.optimizers import SGD


@dataclass(repr=False)
class History:
    """What happened during train().

    loss: (iters,) the mini-batch loss at each iteration.
    eval_iters: the number of iterations done at each evaluation.
    train_acc, test_acc: the accuracies measured then, one per evaluation.
    elapsed: seconds for the whole loop; eval_seconds: the part of it
    spent measuring accuracy.
    """
    loss: np.ndarray
    eval_iters: list = field(default_factory=list)
    train_acc: list = field(default_factory=list)
    test_acc: list = field(default_factory=list)
    elapsed: float = 0.0
    eval_seconds: float = 0.0

    def __repr__(self):
        # No timings here, so that a printed History is reproducible.
        text = f"History({len(self.loss)} iterations"
        if len(self.loss):
            text += f", final loss {self.loss[-1]:.4f}"
        if self.eval_iters:
            text += (f", train acc {self.train_acc[-1]:.4f}, "
                     f"test acc {self.test_acc[-1]:.4f}")
        return text + ")"


class DivergedError(FloatingPointError):
    """The loss became NaN or infinite.  ``history`` holds the run so far
    (its loss array is cut at the failing iteration)."""

    def __init__(self, message, iteration, history):
        super().__init__(message)
        self.iteration = iteration
        self.history = history


def _check_data(name_x, x, name_t, t):
    if len(x) != len(t):
        raise ValueError(f"train: {name_x} has {len(x)} samples but "
                         f"{name_t} has {len(t)}; they must match.")
    if len(x) == 0:
        raise ValueError(f"train: {name_x} is empty.")
    check_finite("train", name_x, x)
    check_finite("train", name_t, t)


def train(net, x_train, t_train, x_test, t_test, iters=10000,
          batch_size=100, lr=0.1, seed=0, eval_every=None, progress=False,
          optimizer=None):
    """Train net by mini-batch SGD; return a History.

    x_train: (N, D), t_train: (N,) labels or (N, C) one-hot; the same for
    x_test, t_test.  Each of the ``iters`` iterations draws ``batch_size``
    random rows (with replacement, from ``np.random.default_rng(seed)``)
    and updates the parameters in place.  Train and test accuracy are
    measured every ``eval_every`` iterations (default: one epoch,
    N // batch_size) and after the last one.  progress=True shows a tqdm
    bar.  A NaN or infinite loss stops training with a DivergedError.
    optimizer: None for plain SGD with ``lr``, or an object such as
    ``nnlib.optimizers.Adam(lr=0.001)`` whose ``update(net.params, grad)``
    makes the step (lr is then unused).
    """
    _check_data("x_train", x_train, "t_train", t_train)
    _check_data("x_test", x_test, "t_test", t_test)
    iters = check_count("train", "iters", iters, least=0)
    batch_size = check_count("train", "batch_size", batch_size)
    if eval_every is None:
        eval_every = max(len(x_train) // batch_size, 1)
    eval_every = check_count("train", "eval_every", eval_every)
    if optimizer is None:
        optimizer = SGD(check_number("train", "lr", lr, "> 0"))
    rng = np.random.default_rng(seed)
    history = History(loss=np.zeros(iters))
    steps = _progress_bar(iters) if progress else range(iters)

    start = time.perf_counter()
    for i in steps:
        batch = rng.integers(0, len(x_train), size=batch_size)
        loss = _step(net, optimizer, x_train[batch], t_train[batch])
        if not math.isfinite(loss):
            history.loss = history.loss[:i]
            history.elapsed = time.perf_counter() - start
            raise _diverged(loss, i, optimizer, history)
        history.loss[i] = loss
        if (i + 1) % eval_every == 0 or i + 1 == iters:
            _evaluate(net, history, i + 1, x_train, t_train, x_test, t_test)
            if progress:
                steps.set_postfix(loss=f"{loss:.3f}",
                                  train_acc=f"{history.train_acc[-1]:.3f}",
                                  test_acc=f"{history.test_acc[-1]:.3f}")
    history.elapsed = time.perf_counter() - start
    if progress:
        steps.close()
    return history


def _step(net, optimizer, x_batch, t_batch):
    """One gradient step on a batch; returns the batch's loss."""
    grad = net.gradient(x_batch, t_batch)
    # Our nets remember the loss of that forward pass; others pay for a
    # second one.
    loss = getattr(net, "last_loss", None)
    if loss is None:
        loss = net.loss(x_batch, t_batch)
    optimizer.update(net.params, grad)  # in place: the layers see it
    return float(loss)


def _evaluate(net, history, done, x_train, t_train, x_test, t_test):
    """Record train and test accuracy after ``done`` iterations."""
    eval_start = time.perf_counter()
    history.eval_iters.append(done)
    history.train_acc.append(net.accuracy(x_train, t_train))
    history.test_acc.append(net.accuracy(x_test, t_test))
    history.eval_seconds += time.perf_counter() - eval_start


def _diverged(loss, i, optimizer, history):
    """The DivergedError for a loss that became NaN or infinite."""
    lr = getattr(optimizer, "lr", None)
    if i == 0:
        why = ("before any update, so the learning rate is not the "
               "cause: look for NaN or huge values in the network's "
               "initial weights (net.params).")
    elif isinstance(lr, numbers.Real):
        why = (f"with lr={lr}.  The steps are too large: try a smaller "
               f"learning rate, e.g. lr={lr / 10:g}.")
    else:
        why = "The steps are too large: try a smaller learning rate."
    return DivergedError(f"train: the loss became {loss} at iteration {i} "
                         f"(counting from 0) {why}", i, history)


def _progress_bar(iters):
    from tqdm import tqdm  # plain tqdm: text on stderr, no widget
    return tqdm(range(iters), desc="train")
