"""Ways to update the parameters from their gradients.

Plain SGD takes a step straight down the gradient.  The others remember
something about earlier steps: Momentum a velocity, AdaGrad the sum of
squared gradients, Adam running means of both.

Every optimizer has one method, ``update(params, grads)``: params and
grads are dicts of arrays keyed alike (``'W1'``, ``'b1'``, ...).  It
changes each array of ``params`` in place, so the layers that hold those
arrays train, and keeps a float32 array float32.  What an optimizer
remembers is kept per key, so use one optimizer object per network.

In the formulas, ``W`` is one parameter array, ``dW`` its gradient and
``lr`` the learning rate; every operation is elementwise.
"""

import numpy as np


def _check_lr(name, lr):
    if not lr > 0:
        raise ValueError(f"{name}: the learning rate lr must be > 0, "
                         f"got {lr}.")


def _pairs(optimizer, params, grads):
    """Yield (key, param, grad) after checking that they fit together."""
    name = type(optimizer).__name__
    for key, param in params.items():
        if key not in grads:
            raise KeyError(f"{name}.update: grads has no {key!r}; it "
                           f"needs one gradient per key of params.")
        if not (isinstance(param, np.ndarray) and param.dtype.kind == "f"):
            raise TypeError(
                f"{name}.update: params[{key!r}] must be a float numpy "
                f"array, so that it can be changed in place.")
        grad = grads[key]
        if np.shape(grad) != param.shape:
            raise ValueError(
                f"{name}.update: grads[{key!r}] has shape "
                f"{np.shape(grad)} but params[{key!r}] has shape "
                f"{param.shape}; they must match.")
        yield key, param, grad


def _state(optimizer, store, key, param):
    """The zero-initialised memory array for key, shaped like param."""
    if key not in store:
        store[key] = np.zeros_like(param)
    elif store[key].shape != param.shape:
        name = type(optimizer).__name__
        raise ValueError(
            f"{name}.update: params[{key!r}] has shape {param.shape} but "
            f"this optimizer remembers shape {store[key].shape} for it; "
            f"use a new {name} for each network.")
    return store[key]


class SGD:
    """Stochastic gradient descent: a step of size lr against the gradient.

    ``W <- W - lr * dW``
    """

    def __init__(self, lr=0.01):
        _check_lr("SGD", lr)
        self.lr = lr

    def update(self, params, grads):
        for _, param, grad in _pairs(self, params, grads):
            param -= self.lr * grad


class Momentum:
    """SGD with a velocity ``v`` that keeps part of the earlier steps.

    ``v <- momentum * v - lr * dW``, then ``W <- W + v``.

    v starts at 0, so the first step is plain SGD's.  Along a direction
    where the gradient keeps its sign the steps grow (up to
    ``1 / (1 - momentum)`` times SGD's); where it flips they cancel.
    """

    def __init__(self, lr=0.01, momentum=0.9):
        _check_lr("Momentum", lr)
        if not 0 <= momentum < 1:
            raise ValueError(f"Momentum: momentum must be in [0, 1), got "
                             f"{momentum}.")
        self.lr = lr
        self.momentum = momentum
        self.v = {}  # key -> velocity, shaped like the param

    def update(self, params, grads):
        for key, param, grad in _pairs(self, params, grads):
            v = _state(self, self.v, key, param)
            v *= self.momentum
            v -= self.lr * grad
            param += v


class AdaGrad:
    """A learning rate per element that shrinks as gradients add up.

    ``h <- h + dW * dW``, then ``W <- W - lr * dW / (sqrt(h) + eps)``.

    h starts at 0 and grows before the division, so it is still 0 only
    where every gradient so far was exactly 0; there ``eps = 1e-7`` turns
    the step 0/0 (NaN) into 0.  Elements with large gradients so far take
    smaller steps.
    """

    eps = 1e-7

    def __init__(self, lr=0.01):
        _check_lr("AdaGrad", lr)
        self.lr = lr
        self.h = {}  # key -> sum of squared gradients

    def update(self, params, grads):
        for key, param, grad in _pairs(self, params, grads):
            h = _state(self, self.h, key, param)
            h += grad * grad
            param -= self.lr * grad / (np.sqrt(h) + self.eps)


class Adam:
    """Momentum and a per-element scale together, with bias correction.

    At step ``t = 1, 2, ...``, with ``m`` and ``v`` starting at 0::

        m <- beta1 * m + (1 - beta1) * dW        mean of the gradients
        v <- beta2 * v + (1 - beta2) * dW * dW   mean of their squares
        m_hat = m / (1 - beta1 ** t)             undo the pull towards 0
        v_hat = v / (1 - beta2 ** t)
        W <- W - lr * m_hat / (sqrt(v_hat) + eps)

    Because m and v start at 0 they are too small in the first steps; the
    division by ``1 - beta ** t`` corrects that, so the first step moves
    each element by about lr.  ``eps = 1e-8`` turns 0/0 (NaN) into 0 where
    every gradient so far was exactly 0.
    t counts calls of update().
    """

    eps = 1e-8

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999):
        _check_lr("Adam", lr)
        for name, beta in (("beta1", beta1), ("beta2", beta2)):
            if not 0 <= beta < 1:
                raise ValueError(f"Adam: {name} must be in [0, 1), got "
                                 f"{beta}.")
        self.lr = lr
        self.beta1 = beta1
        self.beta2 = beta2
        self.t = 0   # number of updates so far
        self.m = {}  # key -> running mean of the gradient
        self.v = {}  # key -> running mean of the squared gradient

    def update(self, params, grads):
        self.t += 1
        # Python floats, so a float32 array stays float32.
        m_scale = 1.0 / (1.0 - self.beta1 ** self.t)
        v_scale = 1.0 / (1.0 - self.beta2 ** self.t)
        for key, param, grad in _pairs(self, params, grads):
            m = _state(self, self.m, key, param)
            v = _state(self, self.v, key, param)
            m *= self.beta1
            m += (1.0 - self.beta1) * grad
            v *= self.beta2
            v += (1.0 - self.beta2) * grad * grad
            m_hat, v_hat = m * m_scale, v * v_scale
            param -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
