"""The same training as nnlib's, written for speed alone.

This is the second yardstick for benchmarks/train_speed.py.  It does the
work nnlib's TwoLayerNet and train() do, batch for batch (the same random
rows, the same float32 arithmetic), but as one function with as few numpy
calls and as few new arrays as we could manage: ReLU, softmax and the
gradient of the loss are computed in place, and no layer objects, checks
or dicts are involved.  Where nnlib is slower than this loop, the price is
its layers; where this loop is slower than the lower bound, the price is
numpy and the machine.  It uses numpy alone, not nnlib.
"""

import time

import numpy as np


def gradient_step(params, x, t, lr):
    """One step of SGD on a 2-layer ReLU net; returns the batch's loss.

    params: [W1 (D, H), b1 (H,), W2 (H, C), b2 (C,)] float32, updated in
    place.  x: (N, D) float32, t: (N,) integer labels.
    """
    W1, b1, W2, b2 = params
    n = len(x)
    hidden = x @ W1
    hidden += b1
    np.maximum(hidden, 0, out=hidden)          # ReLU, in place
    scores = hidden @ W2
    scores += b2
    scores -= scores.max(axis=1, keepdims=True)
    np.exp(scores, out=scores)
    scores /= scores.sum(axis=1, keepdims=True)  # now the softmax y
    rows = np.arange(n)
    right = scores[rows, t]
    loss = -float(np.log(np.maximum(right, np.finfo(right.dtype).tiny))
                  .mean())
    scores[rows, t] = right - 1                  # y - onehot(t)
    scores *= np.float32(1 / n)                  # now dL/dscores
    dW2 = hidden.T @ scores
    db2 = scores.sum(axis=0)
    dhidden = scores @ W2.T
    dhidden *= hidden > 0                        # ReLU's backward
    dW1 = x.T @ dhidden
    db1 = dhidden.sum(axis=0)
    for param, grad in zip(params, (dW1, db1, dW2, db2)):
        grad *= lr
        param -= grad
    return loss


def accuracy(params, x, t, chunk_size):
    """Fraction of x's rows whose highest score is t's class."""
    W1, b1, W2, b2 = params
    correct = 0
    for start in range(0, len(x), chunk_size):
        hidden = x[start:start + chunk_size] @ W1
        hidden += b1
        np.maximum(hidden, 0, out=hidden)
        scores = hidden @ W2
        scores += b2
        correct += int(np.count_nonzero(
            scores.argmax(axis=1) == t[start:start + chunk_size]))
    return correct / len(x)


def train(params, x_train, t_train, x_test, t_test, iters, batch_size,
          lr, eval_every, seed, chunk_size):
    """Train as nnlib.train.train does: rows drawn with replacement by
    ``np.random.default_rng(seed).integers``, accuracy every eval_every
    iterations and after the last.  params as for gradient_step (copies
    of a TwoLayerNet's give the same run).  Returns (losses, train_acc,
    test_acc, seconds, eval_seconds)."""
    lr = np.float32(lr)
    rng = np.random.default_rng(seed)
    losses = np.zeros(iters)
    train_acc, test_acc = [], []
    eval_seconds = 0.0
    start = time.perf_counter()
    for i in range(iters):
        batch = rng.integers(0, len(x_train), size=batch_size)
        losses[i] = gradient_step(params, x_train[batch], t_train[batch],
                                  lr)
        if (i + 1) % eval_every == 0 or i + 1 == iters:
            eval_start = time.perf_counter()
            train_acc.append(accuracy(params, x_train, t_train, chunk_size))
            test_acc.append(accuracy(params, x_test, t_test, chunk_size))
            eval_seconds += time.perf_counter() - eval_start
    return (losses, train_acc, test_acc, time.perf_counter() - start,
            eval_seconds)


def draw_batches(x_train, t_train, iters, batch_size, seed):
    """Only draw and copy the batches of a run; returns the seconds.
    The gathering of random rows is work every loop does and the lower
    bound does not count."""
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    for _ in range(iters):
        batch = rng.integers(0, len(x_train), size=batch_size)
        x_train[batch], t_train[batch]
    return time.perf_counter() - start
