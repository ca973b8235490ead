"""Layers that behave differently while training and at test time.

Both take ``forward(x, train=True)``: ``train=True`` while the network
learns, ``train=False`` when it is used (predicting, measuring accuracy).
Otherwise they follow the protocol of nnlib.layers: forward keeps what
backward needs, ``backward(dout)`` returns ``dx`` and never writes into
``dout``, and parameter gradients are stored on the layer.
"""

import numpy as np

from nnlib.checks import Layer, check_number


class Dropout(Layer):
    """Inverted dropout: while training, each unit is switched off with
    probability ``dropout_ratio``.

    forward(x, train=True), x: any shape, returns an array of x's shape.

    * Training: a fresh random mask keeps each element with probability
      ``p = 1 - dropout_ratio``, and the kept values are divided by p::

          y = x * mask / p

      so the expected value of each output equals its input.
    * Test time (train=False): ``y = x``, nothing to rescale.

    backward(dout) uses the same mask and scale: ``dx = dout * mask / p``
    (after a test-time forward, ``dx = dout``).

    seed: None, an int or a np.random.Generator, for the masks.
    ``freeze_mask = True`` makes training forwards reuse the latest mask
    (while its shape fits) instead of drawing a new one: a gradient check
    needs the same mask in every evaluation of the loss.
    """

    def __init__(self, dropout_ratio=0.5, seed=None):
        check_number("Dropout", "dropout_ratio", dropout_ratio, "in [0, 1)")
        self.keep = 1.0 - dropout_ratio  # p, the probability to keep
        self.rng = np.random.default_rng(seed)
        self.freeze_mask = False
        self.mask = None     # True where a unit is kept, x's shape
        self.train = None    # the mode of the latest forward

    def forward(self, x, train=True):
        self.train = train
        if not train:
            return x
        self.mask = self.new_mask(np.shape(x))
        return x * self.mask / self.keep

    def backward(self, dout):
        self.require_forward(self.train)
        if not self.train:
            return np.array(dout)  # a copy: dout stays the caller's
        self.check_dout(dout, self.mask)
        return dout * self.mask / self.keep

    def new_mask(self, shape):
        """A random mask of ``shape``, or the latest one while
        freeze_mask is set and its shape fits."""
        if self.freeze_mask and np.shape(self.mask) == shape:
            return self.mask
        return self.rng.random(shape) < self.keep


class BatchNormalization(Layer):
    """Normalise each feature over the batch, then scale and shift it.

    gamma, beta: (D,) the learned scale and shift (held, not copied: an
    in-place update trains the layer).  forward(x, train=True) takes
    x: (N, D), or (N, ...) with D values per sample (flattened and
    restored), and returns y of x's shape::

        mu  = mean of x over the batch             (D,)
        var = mean of (x - mu) ** 2 over the batch (D,)
        xn  = (x - mu) / sqrt(var + eps)           (N, D)
        y   = gamma * xn + beta                    (N, D)

    While training, mu and var are the batch's own, and the running
    averages ``running = momentum * running + (1 - momentum) * batch``
    are updated (in place) for later use.  At test time (train=False)
    running_mean and running_var stand in for mu and var, so one
    sample's output does not depend on the rest of its batch.
    running_mean and running_var start at 0 and 1 unless given;
    ``eps = 1e-5`` keeps the division finite when a feature's variance
    is 0.

    backward(dout), dout like y, returns dx like x and stores
    dgamma: (D,) and dbeta: (D,).
    """

    def __init__(self, gamma, beta, momentum=0.9, running_mean=None,
                 running_var=None, eps=1e-5):
        gamma, beta = np.asarray(gamma), np.asarray(beta)
        if gamma.ndim != 1 or beta.shape != gamma.shape:
            raise ValueError(
                f"BatchNormalization: gamma and beta must both be (D,); "
                f"got gamma {gamma.shape} and beta {beta.shape}.")
        check_number("BatchNormalization", "momentum", momentum,
                     "in [0, 1]")
        self.gamma = gamma
        self.beta = beta
        self.dtype = gamma.dtype if gamma.dtype.kind == "f" else \
            np.dtype(float)
        self.momentum = momentum
        self.eps = eps
        self.running_mean = self._running(running_mean, 0.0,
                                          "running_mean")
        self.running_var = self._running(running_var, 1.0, "running_var")
        self.cache = None    # what backward needs, see forward
        self.x_shape = None
        self.dgamma = None
        self.dbeta = None

    def _running(self, given, start, name):
        if given is None:
            return np.full(self.gamma.shape, start, dtype=self.dtype)
        # Held, not copied, if it already has that dtype.
        given = np.asarray(given).astype(self.dtype, copy=False)
        if given.shape != self.gamma.shape:
            raise ValueError(
                f"BatchNormalization: {name} has shape {given.shape}; it "
                f"must be (D,) = {self.gamma.shape} like gamma.")
        return given

    def forward(self, x, train=True):
        x_shape = np.shape(x)
        x = self.as_rows(x, self.gamma)  # (N, D) in gamma's float dtype
        self.x_shape = x_shape

        if train:
            mu = x.mean(axis=0)
            xc = x - mu                     # centred
            var = np.mean(xc ** 2, axis=0)
            self.running_mean *= self.momentum
            self.running_mean += (1 - self.momentum) * mu
            self.running_var *= self.momentum
            self.running_var += (1 - self.momentum) * var
        else:
            xc = x - self.running_mean
            var = self.running_var
        std = np.sqrt(var + self.eps)
        xn = xc / std
        self.cache = (bool(train), xc, std, xn)
        out = self.gamma * xn + self.beta
        return out.reshape(self.x_shape)

    def backward(self, dout):
        self.check_dout(dout, self.x_shape)
        train, xc, std, xn = self.cache
        n = len(xc)
        dout = np.reshape(dout, xn.shape)

        # y = gamma * xn + beta: beta and gamma are shared by all N rows,
        # so their gradients sum over the batch.
        self.dbeta = dout.sum(axis=0)
        self.dgamma = np.sum(dout * xn, axis=0)
        dxn = dout * self.gamma
        # xn = xc / std: xc gets dxn / std; std gets -dxn * xc / std**2,
        # summed over the rows because std is shared by all of them.
        dxc = dxn / std
        if not train:
            # At test time mu and std are constants: that is all.
            return dxc.reshape(self.x_shape)
        dstd = -np.sum(dxn * xc / std ** 2, axis=0)
        # std = sqrt(var + eps):  d std / d var = 1 / (2 std).
        dvar = dstd / (2 * std)
        # var = mean(xc ** 2): each xc gets 2 xc / N times dvar.  This is
        # xc's second path; the two paths add.
        dxc = dxc + (2.0 / n) * xc * dvar
        # xc = x - mu: x gets dxc directly; mu collects -dxc from every
        # row ...
        dmu = -dxc.sum(axis=0)
        # ... and mu = mean(x) hands 1 / N of it back to each x.
        dx = dxc + dmu / n
        return dx.reshape(self.x_shape)
