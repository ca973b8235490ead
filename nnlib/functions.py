"""Activation and loss functions, written to stay finite for any input.

Each function works on a numpy array of any shape (``softmax`` and
``cross_entropy_error`` treat the last axis as the classes) and keeps the
array's float dtype, so float32 data stays float32.
"""

import numpy as np


def sigmoid(x):
    """1 / (1 + exp(-x)), elementwise.  x: any shape -> same shape.

    exp(-x) overflows for x around -710, so we only ever take the
    exponential of ``-|x|``, which lies in (0, 1], and pick the matching
    form for each sign.
    """
    x = np.asarray(x)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def relu(x):
    """max(x, 0), elementwise.  x: any shape -> same shape."""
    return np.maximum(x, 0)


def softmax(x):
    """Turn scores into probabilities along the last axis.

    x: (C,) or (N, C) (or any shape; the last axis holds the C classes).
    Returns the same shape; each row is positive and sums to 1.
    Subtracting the row's maximum first changes nothing mathematically
    (it cancels in the fraction) but keeps exp() from overflowing.
    """
    x = np.asarray(x)
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def check_targets(y, t, where):
    """Check the targets ``t`` against the scores or probabilities ``y``.

    y: (N, C) or (C,).  t is either one-hot (or any distribution) with the
    same shape as y, or integer class labels with y's shape minus the last
    axis: (N,) or a single integer.  Returns ``(t, is_labels)`` with t as an
    array.  ``where`` names the caller in the error messages.
    """
    y = np.asarray(y)
    t = np.asarray(t)
    if y.ndim == 0:
        raise ValueError(f"{where}: y must have a class axis, "
                         f"got a scalar; pass an array of shape (N, C).")
    if y.size == 0:
        raise ValueError(f"{where}: y of shape {y.shape} is empty; "
                         f"pass at least one sample.")
    if t.shape == y.shape:
        return t, False
    if t.shape != y.shape[:-1]:
        raise ValueError(
            f"{where}: y has shape {y.shape} and t has shape {t.shape}; "
            f"t must be one-hot with the same shape as y, or integer "
            f"labels of shape {y.shape[:-1]}.")
    if t.dtype.kind not in "iu":  # signed or unsigned integers
        raise TypeError(
            f"{where}: t of shape {t.shape} looks like class labels but has "
            f"dtype {t.dtype}; labels must be integers (t.astype(int)).")
    n_classes = y.shape[-1]
    if t.size and (t.min() < 0 or t.max() >= n_classes):
        raise ValueError(
            f"{where}: labels must lie in 0..{n_classes - 1} for "
            f"{n_classes} classes; t holds values from {t.min()} "
            f"to {t.max()}.")
    return t, True


def cross_entropy_error(y, t, where="cross_entropy_error"):
    """Mean over the batch of -sum_k t_k log y_k.

    y: (N, C) probabilities (or (C,) for one sample).
    t: one-hot (N, C) like y, or integer labels (N,) (a single int for
    one sample).  Returns a Python float.  ``where`` names the caller in
    error messages.
    A probability of exactly 0 is read as the smallest positive float of
    y's dtype, so the loss stays finite (large) instead of log(0) = -inf.
    """
    y = np.asarray(y)
    t, is_labels = check_targets(y, t, where)
    tiny = np.finfo(y.dtype).tiny if y.dtype.kind == "f" else 1e-300
    n_classes = y.shape[-1]
    y = y.reshape(-1, n_classes)
    batch_size = y.shape[0]
    if is_labels:
        # Only the probability of the right class enters the sum.
        p = y[np.arange(batch_size), t.reshape(-1)]
        return float(-np.sum(np.log(np.maximum(p, tiny))) / batch_size)
    t = t.reshape(-1, n_classes)
    log_y = np.log(np.maximum(y, tiny))
    return float(-np.sum(t * log_y) / batch_size)
