"""The nodes of a computational graph: ×, +, exp, log, /, ``**2``, dot, ...

Each node layer does one operation.  It remembers in ``forward`` what
its ``backward`` needs, and ``backward(dout)`` turns the derivative
arriving from the right (``dout``) into one derivative per input.  They
work on Python numbers and on numpy arrays; when numpy broadcast an
input to a larger shape, its gradient is summed back to the input's own
shape.  ``symbol`` is what a drawing writes in the node's circle.

The last two, AffineNode and SoftmaxWithLossNode, are the network
layers of nnlib.layers as nodes, so that a whole network can be traced.
"""

import numpy as np

from nnlib import layers
from nnlib.checks import Layer


def reduce_to_shape(grad, like):
    """Sum ``grad`` over the axes along which ``like`` was broadcast.

    A Python number comes back as a Python float, an array in ``like``'s
    shape.  Broadcasting copies a value to many places, so the derivative
    of the copies adds up.
    """
    if np.ndim(like) == 0 and np.ndim(grad) == 0:
        return float(grad) if not isinstance(like, np.ndarray) else grad
    grad = np.asarray(grad)
    shape = np.shape(like)
    # Axes that numpy added in front of the input's shape.
    extra = grad.ndim - len(shape)
    grad = grad.sum(axis=tuple(range(extra))) if extra > 0 else grad
    # Axes where the input had length 1 and was stretched.
    stretched = tuple(i for i, n in enumerate(shape)
                      if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    if not isinstance(like, np.ndarray):
        return float(grad.sum())
    return grad.reshape(shape)


class MulLayer(Layer):
    """out = x * y.  Backward swaps the inputs: dx = dout*y, dy = dout*x."""

    symbol = "×"

    def __init__(self):
        self.x = None
        self.y = None

    def forward(self, x, y):
        self.x = x
        self.y = y
        return x * y

    def backward(self, dout):
        self.require_forward(self.x)
        dx = reduce_to_shape(dout * self.y, self.x)
        dy = reduce_to_shape(dout * self.x, self.y)
        return dx, dy


class AddLayer(Layer):
    """out = x + y.  Backward passes dout on unchanged to both inputs."""

    symbol = "+"

    def __init__(self):
        self.x = None
        self.y = None

    def forward(self, x, y):
        self.x = x
        self.y = y
        return x + y

    def backward(self, dout):
        self.require_forward(self.x)
        dx = reduce_to_shape(dout * 1, self.x)
        dy = reduce_to_shape(dout * 1, self.y)
        return dx, dy


# The layers below are the other nodes of the article's graphs: sigmoid
# is ×−1, exp, +1 and /; softmax-with-loss adds +, log, × and a sum.
# One-input layers return one derivative from backward, like Relu and
# Sigmoid in nnlib.layers; several-input layers return a tuple.


class MulConstLayer(Layer):
    """out = c * x for a fixed number c (the article's "×−1" node).

    Backward: dx = dout * c.  The constant is part of the node, not an
    input, so it gets no derivative.
    """

    def __init__(self, c):
        self.c = c
        self.symbol = "×" + _short(c)

    def forward(self, x):
        return self.c * x

    def backward(self, dout):
        return dout * self.c


class AddConstLayer(Layer):
    """out = x + c for a fixed number c (the "+1" node of sigmoid).

    Backward: dx = dout, passed on unchanged like AddLayer's.
    """

    def __init__(self, c):
        self.c = c
        self.symbol = ("+" if c >= 0 else "") + _short(c)

    def forward(self, x):
        return x + self.c

    def backward(self, dout):
        return dout * 1


class ExpLayer(Layer):
    """out = exp(x).  Backward: dx = dout * exp(x), i.e. dout * out."""

    symbol = "exp"

    def __init__(self):
        self.out = None

    def forward(self, x):
        self.out = np.exp(x)
        return self.out

    def backward(self, dout):
        self.require_forward(self.out)
        return dout * self.out


class LogLayer(Layer):
    """out = log(x), the natural log.  Backward: dx = dout / x."""

    symbol = "log"

    def __init__(self):
        self.x = None

    def forward(self, x):
        self.check_positive(x, "log needs inputs greater than 0 (add a "
                            "small epsilon such as 1e-7 if a probability "
                            "can be 0).")
        self.x = x
        return np.log(x)

    def backward(self, dout):
        self.require_forward(self.x)
        return dout / self.x


class ReciprocalLayer(Layer):
    """out = 1 / x (the article's "/" node).

    Backward: dx = dout * (−1 / x²) = dout * (−out²).
    """

    symbol = "/"

    def __init__(self):
        self.out = None

    def forward(self, x):
        self.check_nonzero(x, "1 / x")
        self.out = 1 / x
        return self.out

    def backward(self, dout):
        self.require_forward(self.out)
        return dout * (-self.out ** 2)


class SquareLayer(Layer):
    """out = x ** 2 (the ``**2`` node of z = (x + y)²).

    Backward: dx = dout * 2x.
    """

    symbol = "**2"

    def __init__(self):
        self.x = None

    def forward(self, x):
        self.x = x
        return x ** 2

    def backward(self, dout):
        self.require_forward(self.x)
        return dout * 2 * self.x


class SumLayer(Layer):
    """out = x1 + x2 + ... for any number of inputs (a "+" node).

    Backward passes dout on unchanged to every input, as AddLayer does
    for two: returns one derivative per input, in order.
    """

    symbol = "+"

    def __init__(self):
        self.xs = None

    def forward(self, *xs):
        if len(xs) == 0:
            raise ValueError("SumLayer.forward needs at least one input.")
        self.xs = xs
        out = xs[0]
        for x in xs[1:]:
            out = out + x
        return out

    def backward(self, dout):
        self.require_forward(self.xs)
        return tuple(reduce_to_shape(dout * 1, x) for x in self.xs)


class DotLayer(Layer):
    """out = x · W, the matrix product inside Affine.

    x: (N, D), W: (D, M), out: (N, M).
    Backward: dx = dout · Wᵀ (N, D) and dW = xᵀ · dout (D, M).
    """

    symbol = "dot"

    def __init__(self):
        self.x = None
        self.W = None

    def forward(self, x, W):
        x = np.asarray(x)
        W = np.asarray(W)
        if x.ndim != 2 or W.ndim != 2 or x.shape[1] != W.shape[0]:
            raise ValueError(f"DotLayer.forward got x {x.shape} and W "
                             f"{W.shape}: it needs x (N, D) and W (D, M) "
                             "with the same D.")
        self.x = x
        self.W = W
        return np.dot(x, W)

    def backward(self, dout):
        self.require_forward(self.x)
        dx = np.dot(dout, self.W.T)
        dW = np.dot(self.x.T, dout)
        return dx, dW


def _short(c):
    """A constant as the node shows it: −1, not -1.0."""
    text = f"{c:g}"
    return text.replace("-", "−")


# The nodes below complete the graph of batch normalization: the mean
# over a batch, a difference, a square root and a quotient.


class MeanLayer(Layer):
    """out = the mean of x over axis 0, the batch (a "mean" node).

    x: (N,) gives a number; x: (N, D) gives (D,).
    Backward: every x_n had weight 1/N in the mean, so each gets
    dout / N: dx = dout / N copied to x's shape.
    """

    symbol = "mean"

    def __init__(self):
        self.shape = None

    def forward(self, x):
        x = np.asarray(x)
        if x.ndim == 0 or len(x) == 0:
            raise ValueError(f"MeanLayer.forward got {x!r}: it averages "
                             "over axis 0 and needs at least one row.")
        self.shape = x.shape
        return x.mean(axis=0)

    def backward(self, dout):
        self.require_forward(self.shape)
        n = self.shape[0]
        return np.broadcast_to(np.asarray(dout) / n, self.shape).copy()


class SubLayer(Layer):
    """out = x − y.  Backward: dx = dout, dy = −dout.

    Broadcasting-aware like AddLayer: with x: (N,) and a number y, y was
    subtracted from every entry, so dy sums −dout over them.
    """

    symbol = "−"

    def __init__(self):
        self.x = None
        self.y = None

    def forward(self, x, y):
        self.x = x
        self.y = y
        return x - y

    def backward(self, dout):
        self.require_forward(self.x)
        dx = reduce_to_shape(dout * 1, self.x)
        dy = reduce_to_shape(-dout, self.y)
        return dx, dy


class SqrtLayer(Layer):
    """out = √x.  Backward: dx = dout / (2√x) = dout / (2 out)."""

    symbol = "sqrt"

    def __init__(self):
        self.out = None

    def forward(self, x):
        self.check_positive(x, "the square root's derivative needs "
                            "inputs greater than 0 (add a small epsilon "
                            "to a variance).")
        self.out = np.sqrt(x)
        return self.out

    def backward(self, dout):
        self.require_forward(self.out)
        return dout / (2 * self.out)


class DivLayer(Layer):
    """out = x / y.  Backward: dx = dout / y, dy = −dout · x / y².

    Broadcasting-aware like MulLayer: a number y that divided every
    entry of x collects the sum of their gradients.
    """

    symbol = "/"

    def __init__(self):
        self.x = None
        self.y = None

    def forward(self, x, y):
        self.check_nonzero(y, "x / y")
        self.x = x
        self.y = y
        return x / y

    def backward(self, dout):
        self.require_forward(self.x)
        dx = reduce_to_shape(dout / self.y, self.x)
        dy = reduce_to_shape(-dout * self.x / self.y ** 2, self.y)
        return dx, dy


# The max gate: the gradient goes to whichever input won.


class MaxLayer(Layer):
    """out = max(x, y), elementwise (a "max" node).

    Backward routes dout to the larger input: dx = dout where x won,
    dy = dout where y won, 0 for the other.  At a tie (x == y) max has
    no derivative; this node gives all of dout to y and 0 to x, so the
    two still add up to dout, the slope when x and y move together
    (central differences at a tie split it, dout/2 to each).  With
    y = 0 that is Relu's choice: max(x, 0) passes no gradient at x = 0.
    Broadcasting-aware like MulLayer.
    """

    symbol = "max"

    def __init__(self):
        self.x = None
        self.y = None
        self.x_wins = None      # True where x > y: a tie goes to y

    def forward(self, x, y):
        self.x = x
        self.y = y
        self.x_wins = np.asarray(x) > np.asarray(y)
        out = np.maximum(x, y)
        if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
            return out
        return float(out)   # numbers in, a number out, as for × and +

    def backward(self, dout):
        self.require_forward(self.x_wins)
        dx = reduce_to_shape(dout * self.x_wins, self.x)
        dy = reduce_to_shape(dout * ~self.x_wins, self.y)
        return dx, dy


# Whole layers of nnlib.layers as graph nodes: the weights arrive as
# inputs, so a traced network shows their gradients on its edges.  The
# arithmetic is the layers' own (each node calls its parent class).


class AffineNode(layers.Affine):
    """Affine as a node with three inputs: forward(X, W, b) = X·W + b.

    X: (N, D), W: (D, M), b: (M,).  Backward returns (dX, dW, db), the
    results of Affine.backward: dX = dout·Wᵀ, dW = Xᵀ·dout and
    db = dout summed over the batch.  need_dx=False skips dX (None), as
    a network's first layer does: trace X as a constant input then.
    """

    symbol = "Affine"
    code_from = layers.Affine   # its steps show Affine's own code

    def __init__(self, need_dx=True):
        # No weights yet: forward receives them, as a graph node does.
        self.W = self.b = None
        self.need_dx = need_dx
        self.x = self.x_shape = None
        self.dW = self.db = None

    def forward(self, x, W, b):
        self.W, self.b = self.check_weights(W, b)
        return super().forward(x)

    def backward(self, dout):
        dx = super().backward(dout)
        return dx, self.dW, self.db


class SoftmaxWithLossNode(layers.SoftmaxWithLoss):
    """SoftmaxWithLoss as a node with two inputs: forward(S, t) = L.

    S: (N, C) scores; t: (N,) labels or (N, C) one-hot, a fixed input.
    Backward returns (dS, None): dS = (y − t) · dout / N from
    SoftmaxWithLoss.backward, and no gradient for the labels, which
    are data, not something to learn (trace them as constant inputs).
    """

    symbol = "Softmax-with-Loss"
    code_from = layers.SoftmaxWithLoss  # its steps show that code

    def backward(self, dout=1):
        return super().backward(dout), None
