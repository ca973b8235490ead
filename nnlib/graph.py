"""The nodes of a computational graph: a multiply and an add layer.

Each layer remembers in ``forward`` what its ``backward`` needs, and
``backward(dout)`` turns the derivative arriving from the right (``dout``)
into one derivative per input.  They work on Python numbers and on numpy
arrays; when numpy broadcast an input to a larger shape, its gradient is
summed back to the input's own shape.
"""

import numpy as np


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


class MulLayer:
    """out = x * y.  Backward swaps the inputs: dx = dout * y, dy = dout * x."""

    def __init__(self):
        self.x = None
        self.y = None

    def forward(self, x, y):
        self.x = x
        self.y = y
        return x * y

    def backward(self, dout):
        if self.x is None:
            raise RuntimeError("MulLayer.backward called before forward: "
                               "call forward(x, y) first.")
        dx = reduce_to_shape(dout * self.y, self.x)
        dy = reduce_to_shape(dout * self.x, self.y)
        return dx, dy


class AddLayer:
    """out = x + y.  Backward passes dout on unchanged to both inputs."""

    def __init__(self):
        self.x = None
        self.y = None

    def forward(self, x, y):
        self.x = x
        self.y = y
        return x + y

    def backward(self, dout):
        if self.x is None:
            raise RuntimeError("AddLayer.backward called before forward: "
                               "call forward(x, y) first.")
        dx = reduce_to_shape(dout * 1, self.x)
        dy = reduce_to_shape(dout * 1, self.y)
        return dx, dy
