"""The layers of a network, each with forward and backward.

Every layer follows one protocol:

* ``forward(x)`` computes the output and keeps what backward will need;
* ``backward(dout)`` takes dL/d(output) from the layer to its right and
  returns dL/d(input), ``dx``, in the input's shape.  It never writes into
  ``dout``.  A layer with parameters also stores their gradients
  (``Affine.dW``, ``Affine.db``).

``SoftmaxWithLoss`` ends the network: ``forward(x, t)`` returns the loss and
``backward(dout=1)`` starts the backward pass.
"""

import numpy as np

from nnlib.functions import cross_entropy_error, sigmoid, softmax


def _require_forward(layer, cached):
    if cached is None:
        name = type(layer).__name__
        raise RuntimeError(f"{name}.backward called before forward: "
                           f"call {name}.forward first.")


def _check_dout(layer, dout, shape):
    if np.shape(dout) != shape:
        raise ValueError(
            f"{type(layer).__name__}.backward: dout has shape "
            f"{np.shape(dout)} but the forward output had shape {shape}; "
            f"dout must have the output's shape.")


class Relu:
    """y = max(x, 0).  Gradient passes where x > 0 and stops elsewhere.

    x: any shape; dout and dx have the same shape.
    """

    def __init__(self):
        self.mask = None  # True where x > 0

    def forward(self, x):
        x = np.asarray(x)
        self.mask = x > 0
        return np.maximum(x, 0)

    def backward(self, dout):
        _require_forward(self, self.mask)
        _check_dout(self, dout, self.mask.shape)
        return dout * self.mask  # a new array: dout stays as it was


class Sigmoid:
    """y = 1 / (1 + exp(-x)).  dy/dx = y (1 - y), so we keep y.

    x: any shape; dout and dx have the same shape.
    """

    def __init__(self):
        self.out = None

    def forward(self, x):
        self.out = sigmoid(x)
        return self.out

    def backward(self, dout):
        _require_forward(self, self.out)
        _check_dout(self, dout, self.out.shape)
        return dout * (1.0 - self.out) * self.out


class Affine:
    """Y = X W + b, the fully connected layer.

    W: (D, M), b: (M,).  forward(x) takes x: (N, D), or (N, d1, d2, ...)
    with d1 * d2 * ... = D (a batch of images is flattened), or one sample
    (D,).  It returns Y: (N, M) (or (M,)).
    backward(dout) takes dout like Y, stores dW: (D, M) and db: (M,), and
    returns dx in x's own shape:

        dx = dout W^T,   dW = X^T dout,   db = sum of dout over the batch.

    The layer holds W and b themselves, not copies: updating the arrays in
    place (``W -= lr * dW``) updates the layer.  x is converted to W's float
    dtype, so a float32 layer computes in float32 (integer W: float64).
    ``need_dx=False`` skips dx
    (backward returns None): the first layer's dx is never used.
    """

    def __init__(self, W, b, need_dx=True):
        W, b = np.asarray(W), np.asarray(b)
        if W.ndim != 2 or b.shape != (W.shape[1],):
            raise ValueError(
                f"Affine: W must be (D, M) and b (M,); got W {W.shape} "
                f"and b {b.shape}.")
        self.W = W
        self.b = b
        self.dtype = W.dtype if W.dtype.kind == "f" else np.dtype(float)
        self.need_dx = need_dx
        self.x = None        # the input as (N, D)
        self.x_shape = None  # the input's own shape, for dx
        self.dW = None
        self.db = None

    def forward(self, x):
        x = np.asarray(x, dtype=self.dtype)
        n_in = self.W.shape[0]
        x2d = x.reshape(1, -1) if x.ndim == 1 else x.reshape(len(x), -1)
        if x2d.shape[1] != n_in:
            raise ValueError(
                f"Affine: x has shape {x.shape} but W has shape "
                f"{self.W.shape}; each sample needs {n_in} values, so x "
                f"must be ({n_in},) or (N, {n_in}) (or (N, ...) with "
                f"{n_in} values after the batch axis).")
        self.x, self.x_shape = x2d, x.shape
        out = x2d @ self.W
        out += self.b  # in place: a second (N, M) array would cost time
        return out[0] if x.ndim == 1 else out

    def backward(self, dout):
        _require_forward(self, self.x)
        n_out = self.W.shape[1]
        out_shape = (n_out,) if len(self.x_shape) == 1 else (
            len(self.x), n_out)
        _check_dout(self, dout, out_shape)
        dout = np.reshape(dout, (-1, n_out))
        self.dW = self.x.T @ dout
        self.db = dout.sum(axis=0)
        if not self.need_dx:
            return None
        return (dout @ self.W.T).reshape(self.x_shape)


class SoftmaxWithLoss:
    """Softmax followed by the cross-entropy loss, as one layer.

    forward(x, t): scores x: (N, C) (or (C,)); targets t one-hot (N, C) or
    integer labels (N,).  Returns the mean loss over the batch (a float).
    backward(dout=1) returns dx: (N, C) = (y - t) * dout / N, where y is
    the softmax output; with integer labels t is read as one-hot.
    """

    def __init__(self):
        self.y = None     # softmax output, (N, C)
        self.t = None     # targets: one-hot (N, C) or labels (N,)
        self.loss = None

    def forward(self, x, t):
        self.y = softmax(x)
        self.t = np.asarray(t)
        self.loss = cross_entropy_error(self.y, self.t,
                                        where="SoftmaxWithLoss")
        return self.loss

    def backward(self, dout=1):
        _require_forward(self, self.y)
        y = self.y.reshape(-1, self.y.shape[-1])  # (N, C), even for N = 1
        batch_size = len(y)
        if self.t.shape != self.y.shape:  # integer labels
            # y - onehot(t): subtract 1 at each row's right class.
            dx = y.copy()
            dx[np.arange(batch_size), self.t.reshape(-1)] -= 1
        else:
            dx = (y - self.t.reshape(y.shape)).astype(y.dtype, copy=False)
        # float(dout): a numpy float64 scalar would turn float32 into 64.
        dx *= float(dout) / batch_size
        return dx.reshape(self.y.shape)
