"""What TwoLayerNet and MultiLayerNet share: the activation layers by
name, the checks of their arguments and inputs, and accuracy measured a
chunk of rows at a time."""

import math

import numpy as np

from nnlib.checks import check_count
from nnlib.layers import Relu, Sigmoid

ACTIVATIONS = {"relu": Relu, "sigmoid": Sigmoid}


def check_sizes(net, **sizes):
    """Raise a clear error unless every layer size is a whole number
    >= 1; the keywords name them (``input_size=784``)."""
    for name, size in sizes.items():
        check_count(type(net).__name__, name, size, least=1)


def check_choice(net, name, value, choices):
    """Raise a clear error unless ``value`` is one of ``choices``."""
    if value not in choices:
        raise ValueError(f"{type(net).__name__}: {name} must be one of "
                         f"{sorted(choices)}, got {value!r}.")


def float_dtype(net, dtype):
    """dtype as a numpy float dtype; a clear error for any other type."""
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"{type(net).__name__}: dtype must be a float type "
                        f"such as np.float32, got {dtype}.")
    return dtype


def check_batch(net, x):
    """x as an array, if it is a batch (N, net.input_size) (or (N, ...)
    with that many values per sample); a clear error otherwise."""
    x = np.asarray(x)
    if x.ndim < 2 or math.prod(x.shape[1:]) != net.input_size:
        raise ValueError(
            f"{type(net).__name__}: x has shape {x.shape}; expected a "
            f"batch (N, {net.input_size}).  For one sample use "
            f"x.reshape(1, -1).")
    return x


def chunked_accuracy(net, x, t, chunk_size=2000):
    """Fraction of samples whose highest score from ``net.predict`` is the
    right class.  x: (N, input_size); t: (N,) labels or (N, classes)
    one-hot.  Evaluated chunk_size rows at a time, so memory stays small.
    """
    x = check_batch(net, x)
    t = np.asarray(t)
    labels = t.argmax(axis=1) if t.ndim == 2 else t
    if labels.shape != (len(x),):
        raise ValueError(
            f"{type(net).__name__}.accuracy: x has shape {x.shape} and t "
            f"has shape {t.shape}; t must be ({len(x)},) labels or "
            f"({len(x)}, classes) one-hot.")
    correct = 0
    for start in range(0, len(x), chunk_size):
        y = net.predict(x[start:start + chunk_size])
        hits = y.argmax(axis=1) == labels[start:start + chunk_size]
        correct += int(np.count_nonzero(hits))
    return correct / len(x)
