"""Numerical differentiation, and checking backprop against it.

Backpropagation is fast but easy to get wrong; the slope measured by
nudging one number at a time is slow but hard to get wrong.  Comparing
the two is called a gradient check.
"""

from typing import NamedTuple

import numpy as np


def numerical_gradient(f, x, h=1e-4):
    """dL/dx by central differences, one element of x at a time.

    f: the loss as a function of x, called as f(x), returning a scalar.
    (``lambda W: net.loss(x, t)`` also works: it ignores its argument but
    the net reads the very array we nudge.)  x: a float array of any
    shape, changed in place while we measure and restored exactly after.
    Returns an array of x's shape:  (f(x + h) - f(x - h)) / 2h.
    Use float64: in float32 the rounding of f swamps the differences.
    """
    if not (isinstance(x, np.ndarray) and x.dtype.kind == "f"):
        kind = type(x).__name__ if not isinstance(x, np.ndarray) \
            else f"an array of dtype {x.dtype}"
        raise TypeError(
            f"numerical_gradient nudges x in place, so x must be a float "
            f"numpy array; got {kind}.  Use np.asarray(x, dtype=float).")
    grad = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        original = x[idx]
        x[idx] = original + h
        loss_plus = float(f(x))
        x[idx] = original - h
        loss_minus = float(f(x))
        x[idx] = original  # the saved value, so x is restored bit for bit
        grad[idx] = (loss_plus - loss_minus) / (2 * h)
    return grad


class ParamError(NamedTuple):
    """How far one parameter's two gradients are apart."""
    max_abs: float  # max |backprop - numerical|
    max_rel: float  # max |backprop - numerical| / (|backprop| + |num.|)


def relative_error(analytic, numeric, floor=1e-8):
    """Elementwise ``|a - n| / (|a| + |n|)``, with the denominator at least
    ``floor`` so that two gradients that are both almost 0 agree.
    analytic, numeric: arrays of the same shape -> array of that shape.
    """
    analytic, numeric = np.asarray(analytic), np.asarray(numeric)
    scale = np.maximum(np.abs(analytic) + np.abs(numeric), floor)
    return np.abs(analytic - numeric) / scale


class GradientCheck(dict):
    """Parameter name -> ParamError, printed as a table."""

    @property
    def max_rel(self):
        """The largest relative error over all parameters."""
        return max((e.max_rel for e in self.values()), default=0.0)

    @property
    def max_abs(self):
        """The largest absolute error over all parameters."""
        return max((e.max_abs for e in self.values()), default=0.0)

    def __str__(self):
        width = max([5] + [len(name) for name in self])
        lines = [f"{'param':<{width}}  max abs error  max rel error"]
        for name, err in self.items():
            lines.append(f"{name:<{width}}  {err.max_abs:13.2e}"
                         f"  {err.max_rel:13.2e}")
        return "\n".join(lines)

    __repr__ = __str__


def compare_gradients(analytic, numeric):
    """Compare two dicts of gradients keyed alike (e.g. by 'W1', 'b1').

    Each value: an array, the same shape in both dicts.
    Returns a GradientCheck with one ParamError per key.
    """
    if analytic.keys() != numeric.keys():
        raise ValueError(
            f"compare_gradients: the two dicts have different keys: "
            f"{sorted(analytic)} and {sorted(numeric)}.")
    report = GradientCheck()
    for name in analytic:
        a, n = np.asarray(analytic[name]), np.asarray(numeric[name])
        if a.shape != n.shape:
            raise ValueError(
                f"compare_gradients: '{name}' has shape {a.shape} from "
                f"backprop and {n.shape} numerically.")
        if a.size == 0:
            report[name] = ParamError(0.0, 0.0)
            continue
        report[name] = ParamError(float(np.max(np.abs(a - n))),
                                  float(np.max(relative_error(a, n))))
    return report


def gradient_check(net, x, t):
    """Backprop against numerical gradients for every parameter of net.

    net: anything with ``gradient(x, t)`` and ``numerical_gradient(x, t)``
    returning dicts keyed like its params.  x: (N, D) inputs, t: their
    targets.  Use a few samples and a float64 net: the numerical side
    evaluates the loss twice per parameter element.
    Returns a GradientCheck; print it for a table, or read
    ``report['W1'].max_rel`` and ``report.max_rel``.
    """
    numeric = net.numerical_gradient(x, t)
    analytic = net.gradient(x, t)
    return compare_gradients(analytic, numeric)
