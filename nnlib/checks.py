"""Clear errors for the mistakes a learner makes, in one place.

A layer's ``forward`` and ``backward`` should read like the math, so
what can go wrong around them is checked here, and a layer reaches each
check in one line: ``Layer``, the base class of every layer in nnlib,
holds the checks of a forward or backward call.  The functions below
check the arguments of the optimizers, the networks and ``train``.
Every message names the argument and says what to do.
"""

import math
import numbers

import numpy as np

from nnlib.functions import check_targets


class Layer:
    """The checks every layer shares; the layer's own code is its math.

    A layer's forward keeps what its backward needs, so the usual
    mistakes are calling backward before forward and handing backward
    a dout that does not fit the output forward returned.
    """

    def require_forward(self, kept):
        """Raise the error for a backward called before its forward.

        kept: what forward keeps for backward; None until forward ran.
        """
        if kept is None:
            name = type(self).__name__
            raise RuntimeError(f"{name}.backward called before forward: "
                               f"call {name}.forward first, it keeps "
                               f"what backward needs.")

    def check_dout(self, dout, kept, width=None):
        """Raise a clear error unless forward ran and dout has the shape
        of its output.

        kept: what forward kept, shaped like its output (Relu's mask),
        or that shape itself (a tuple); None before forward.  width:
        the output's last axis where it differs from kept's (Affine
        keeps x: (N, D) and returns (N, M)).
        """
        self.require_forward(kept)
        shape = kept if isinstance(kept, tuple) else np.shape(kept)
        if width is not None:
            shape = shape[:-1] + (width,)
        if np.shape(dout) != shape:
            raise ValueError(
                f"{type(self).__name__}.backward: dout has shape "
                f"{np.shape(dout)} but the forward output had shape "
                f"{shape}; dout must have the output's shape.")

    def check_weights(self, W, b):
        """W: (D, M) and b: (M,) as arrays (the very arrays given, not
        copies, so an in-place update trains the layer)."""
        W, b = np.asarray(W), np.asarray(b)
        if W.ndim != 2 or b.shape != (W.shape[1],):
            raise ValueError(
                f"{type(self).__name__}: W must be (D, M) and b (M,); "
                f"got W {W.shape} and b {b.shape}.")
        return W, b

    def as_rows(self, x, W):
        """x as the (N, D) rows of a batch, in W's float dtype (so a
        float32 layer computes in float32).

        W: the parameter whose first axis has the D features of a
        sample (Affine's W: (D, M), BatchNormalization's gamma: (D,)).
        A batch of images (N, d1, d2, ...) with d1 * d2 * ... = D
        becomes N flattened rows (a view, not a copy).
        """
        dtype = W.dtype if W.dtype.kind == "f" else np.dtype(float)
        x = np.asarray(x, dtype=dtype)
        n_in = W.shape[0]
        if x.ndim < 2 or math.prod(x.shape[1:]) != n_in:
            raise ValueError(
                f"{type(self).__name__}: x has shape {x.shape}, but the "
                f"layer takes {n_in} features per sample (its weights: "
                f"{W.shape}); x must be a batch (N, {n_in}), or (N, ...) "
                f"with {n_in} values after the batch axis.  For one "
                f"sample use x.reshape(1, -1).")
        return x.reshape(len(x), n_in)

    def as_one_hot(self, t, y):
        """The targets t as one-hot rows shaped like the probabilities
        y: (N, C), in y's dtype.  Integer labels t: (N,) get a 1 at
        their class; a t shaped like y is kept as it is."""
        t, is_labels = check_targets(y, t, where=type(self).__name__)
        if is_labels:
            return np.eye(y.shape[-1], dtype=y.dtype)[t]
        return t.astype(y.dtype, copy=False)

    def check_positive(self, x, why):
        """Raise a clear error unless every entry of x is greater than 0.
        why: what the layer needs it for, and what to do."""
        if np.any(np.asarray(x) <= 0):
            raise ValueError(
                f"{type(self).__name__}.forward got {x!r}: {why}")

    def check_nonzero(self, x, what):
        """Raise a clear error if an entry of x is 0.  what: the
        operation that divides by it, e.g. "1 / x"."""
        if np.any(np.asarray(x) == 0):
            raise ValueError(f"{type(self).__name__}.forward got {x!r}: "
                             f"{what} needs it different from 0.")


# ---- arguments ----------------------------------------------------------

# How a number may be restricted, and the test for each.
_RULES = {
    "> 0": lambda v: v > 0,
    ">= 0": lambda v: v >= 0,
    "in [0, 1)": lambda v: 0 <= v < 1,
    "in [0, 1]": lambda v: 0 <= v <= 1,
}


def check_number(where, name, value, rule):
    """value, if it is a finite real number that follows ``rule``:
    ``"> 0"``, ``">= 0"``, ``"in [0, 1)"`` or ``"in [0, 1]"``; else a
    clear error naming the argument ``name`` of ``where`` (a function
    or class name)."""
    is_real = isinstance(value, numbers.Real) and not isinstance(value,
                                                                 bool)
    if not (is_real and math.isfinite(value) and _RULES[rule](value)):
        hint = ""
        if isinstance(value, str):
            hint = f" (a number, not the text {value!r})"
        raise ValueError(f"{where}: {name} must be a number {rule}, got "
                         f"{value!r}{hint}.")
    return value


def check_count(where, name, value, least=1):
    """value, if it is a whole number >= least; else a clear error."""
    if not (isinstance(value, numbers.Integral) and not isinstance(
            value, bool) and value >= least):
        hint = ""
        if isinstance(value, str):
            hint = f"; write {name}={value.strip()}, without quotes"
        elif isinstance(value, float) and math.isfinite(value):
            hint = f"; round it, e.g. {name}={max(round(value), least)}"
        raise ValueError(f"{where}: {name} must be a whole number >= "
                         f"{least}, got {value!r}{hint}.")
    return int(value)


def check_finite(where, name, x):
    """Raise a clear error if the array x holds NaN or an infinity."""
    x = np.asarray(x)
    # The sum is quick and is NaN or infinite if any entry is (it can
    # also overflow with every entry finite: then look entry by entry).
    with np.errstate(over="ignore", invalid="ignore"):
        if x.dtype.kind not in "fc" or np.isfinite(x.sum()):
            return
    bad = np.argwhere(~np.isfinite(x))
    if len(bad):
        where_bad = f"row {bad[0][0]}" if x.ndim > 1 else \
            f"index {bad[0][0]}"
        raise ValueError(
            f"{where}: {name} holds {len(bad)} NaN or infinite "
            f"value(s), the first at {where_bad}.  Remove or replace them "
            f"(e.g. np.nan_to_num({name})) before training.")
