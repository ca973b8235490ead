"""The layers of a network, each with forward and backward.

Every layer follows one protocol:

* ``forward(x)`` computes the output and keeps what backward will need;
* ``backward(dout)`` takes dL/d(output) from the layer to its right and
  returns dL/d(input), ``dx``, in the input's shape.  It never writes into
  ``dout``.  A layer with parameters also stores their gradients
  (``Affine.dW``, ``Affine.db``).

``SoftmaxWithLoss`` ends the network: ``forward(x, t)`` returns the loss and
``backward(dout=1)`` starts the backward pass.

What can go wrong around the math (a backward before its forward, a dout
or an x of the wrong shape) is checked by the base class
``nnlib.checks.Layer``, one line in each method.
"""

import numpy as np

from nnlib.checks import Layer
from nnlib.functions import cross_entropy_error, sigmoid, softmax


class Relu(Layer):
    """y = max(x, 0).  Gradient passes where x > 0 and stops elsewhere.

    x: any shape; dout and dx have the same shape.
    """

    def __init__(self):
        self.mask = None  # True where x > 0

    def forward(self, x):
        self.mask = np.asarray(x) > 0
        return np.maximum(x, 0)

    def backward(self, dout):
        self.check_dout(dout, self.mask)
        return dout * self.mask  # a new array: dout stays as it was


class Sigmoid(Layer):
    """y = 1 / (1 + exp(-x)).  dy/dx = y (1 - y), so we keep y.

    x: any shape; dout and dx have the same shape.
    """

    def __init__(self):
        self.out = None

    def forward(self, x):
        self.out = sigmoid(x)
        return self.out

    def backward(self, dout):
        self.check_dout(dout, self.out)
        return dout * (1.0 - self.out) * self.out


class Affine(Layer):
    """Y = X W + b, the fully connected layer.

    W: (D, M), b: (M,).  forward(x) takes a batch x: (N, D), or images
    (N, d1, d2, ...) with d1 * d2 * ... = D, which are flattened, and
    returns Y: (N, M).  backward(dout) takes dout: (N, M), stores
    dW: (D, M) and db: (M,), and returns dx in x's own shape:

        dx = dout W^T,   dW = X^T dout,   db = sum of dout over the batch.

    The layer holds W and b themselves, not copies: updating the arrays in
    place (``W -= lr * dW``) updates the layer.  x is converted to W's float
    dtype, so a float32 layer computes in float32.  ``need_dx=False``
    skips dx (backward returns None): the first layer's dx is never used.
    """

    def __init__(self, W, b, need_dx=True):
        self.W, self.b = self.check_weights(W, b)
        self.need_dx = need_dx
        self.x = None        # the input as rows, (N, D)
        self.x_shape = None  # the input's own shape, for dx
        self.dW = None
        self.db = None

    def forward(self, x):
        self.x = self.as_rows(x, self.W)  # (N, D), checked against W
        self.x_shape = np.shape(x)        # dx gets this shape back
        out = self.x @ self.W
        out += self.b  # in place: a second (N, M) array would cost time
        return out

    def backward(self, dout):
        self.check_dout(dout, self.x, width=self.W.shape[1])
        self.dW = self.x.T @ dout
        self.db = np.sum(dout, axis=0)
        if not self.need_dx:  # a first layer: nothing to its left
            return None
        return (dout @ self.W.T).reshape(self.x_shape)


class SoftmaxWithLoss(Layer):
    """Softmax followed by the cross-entropy loss, as one layer.

    forward(x, t): scores x: (N, C) (or (C,) for one sample); targets t
    one-hot (N, C) or integer labels (N,).  Returns the mean loss over
    the batch (a float).  backward(dout=1) returns
    dx: (N, C) = (y - t) * dout / N, where y is the softmax output and
    integer labels t are read as one-hot rows.
    """

    def __init__(self):
        self.y = None     # softmax output, (N, C)
        self.t = None     # targets as one-hot rows, (N, C)
        self.loss = None

    def forward(self, x, t):
        self.y = softmax(x)
        self.t = self.as_one_hot(t, self.y)  # labels (N,) -> rows (N, C)
        self.loss = cross_entropy_error(self.y, t)
        return self.loss

    def backward(self, dout=1):
        self.require_forward(self.y)
        batch_size = self.y.size // self.y.shape[-1]  # N (1 for y: (C,))
        # float(dout): a numpy float64 scalar would turn float32 into 64.
        return (self.y - self.t) * (float(dout) / batch_size)
