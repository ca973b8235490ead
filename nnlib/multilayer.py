"""A fully connected network of any depth, with the options of part II.

For each hidden layer i = 1 .. L-1, in this order::

    Affine{i} -> BatchNorm{i} (optional) -> Relu{i} or Sigmoid{i}
              -> Dropout{i} (optional)

then AffineL and SoftmaxWithLoss.  Like TwoLayerNet, its gradient is one
forward pass, then every layer's backward in reverse.
"""

import math
import numbers
from collections import OrderedDict
from contextlib import contextmanager

import numpy as np

from nnlib.checks import check_number
from nnlib.gradient import numerical_gradient
from nnlib.layers import Affine, SoftmaxWithLoss
from nnlib.net_parts import (ACTIVATIONS, check_batch, check_choice,
                             check_sizes, chunked_accuracy, float_dtype)
from nnlib.training_layers import BatchNormalization, Dropout

# Layers whose forward takes the train flag.
TRAIN_MODE_LAYERS = (BatchNormalization, Dropout)


def init_std(weight_init_std, n_in):
    """The standard deviation of a layer's initial weights.

    weight_init_std: a number (used as it is), ``'xavier'`` for
    ``sqrt(1 / n_in)`` or ``'he'`` for ``sqrt(2 / n_in)``, where n_in is
    the number of inputs of the layer (the rows of its W).  Xavier keeps
    the variance from layer to layer for activations that behave like the
    identity near 0 (tanh); He doubles it because ReLU zeroes half of the
    inputs.
    """
    if isinstance(weight_init_std, str):
        scale = {"xavier": 1.0, "he": 2.0}.get(weight_init_std.lower())
        if scale is None:
            raise ValueError(
                f"weight_init_std must be a number, 'xavier' or 'he'; got "
                f"{weight_init_std!r}.")
        return math.sqrt(scale / n_in)
    if not (isinstance(weight_init_std, numbers.Real)
            and weight_init_std >= 0):
        raise ValueError(
            f"weight_init_std must be a number >= 0, 'xavier' or 'he'; "
            f"got {weight_init_std!r}.")
    return float(weight_init_std)


class MultiLayerNet:
    """input_size -> hidden_size_list[0] -> ... -> output_size.

    params: W{i} (n_in, n_out) and b{i} (n_out,) for every Affine layer
    i = 1 .. L, where L = len(hidden_size_list) + 1; with use_batchnorm
    also gamma{i} and beta{i} (n_out,) for each hidden layer i < L.
    Weights start as normal numbers with the standard deviation given by
    weight_init_std (see ``init_std``: a number, 'xavier' or 'he'),
    biases and betas at 0, gammas at 1.

    activation: 'relu' or 'sigmoid'.
    weight_decay_lambda: lambda >= 0.  The loss adds
    ``0.5 * lambda * sum(W ** 2)`` over every W, so each dW gains
    ``lambda * W``, pulling the weights towards 0.
    use_dropout, dropout_ratio: a Dropout layer after each activation.
    use_batchnorm: a BatchNormalization layer before each activation.
    seed: None, an int or a Generator, for the weights and the dropout
    masks.  dtype: np.float64 (default) or np.float32.

    The layers hold the very arrays in ``params``, so an in-place update
    (``net.params[key] -= lr * grad[key]``, or an optimizer's update)
    trains the layers.
    """

    def __init__(self, input_size, hidden_size_list, output_size,
                 activation="relu", weight_init_std="he",
                 weight_decay_lambda=0, use_dropout=False,
                 dropout_ratio=0.5, use_batchnorm=False, seed=None,
                 dtype=np.float64):
        if isinstance(hidden_size_list, numbers.Integral):
            raise TypeError(
                f"MultiLayerNet: hidden_size_list is a list of layer "
                f"sizes; for one hidden layer write [{hidden_size_list}].")
        self.sizes = [input_size] + list(hidden_size_list) + [output_size]
        check_sizes(self, input_size=input_size, output_size=output_size,
                    **{f"hidden_size_list[{k}]": size
                       for k, size in enumerate(hidden_size_list)})
        check_choice(self, "activation", activation, ACTIVATIONS)
        # A Python float, so that lambda * W keeps W's dtype.
        self.weight_decay_lambda = float(check_number(
            "MultiLayerNet", "weight_decay_lambda", weight_decay_lambda,
            ">= 0"))
        self.input_size = input_size
        self.n_affine = len(self.sizes) - 1  # L
        self.activation = activation
        self.use_dropout = use_dropout
        self.use_batchnorm = use_batchnorm
        rng = np.random.default_rng(seed)
        self.params = self._init_params(weight_init_std, rng,
                                        float_dtype(self, dtype))
        self.layers = self._build_layers(dropout_ratio, rng)
        self.last_layer = SoftmaxWithLoss()
        self.last_loss = None  # the loss seen by the latest gradient()

    def _init_params(self, weight_init_std, rng, dtype):
        """W{i}, b{i} for each Affine layer, and gamma{i}, beta{i} for
        each batch-norm layer, as the class docstring says."""
        params = {}
        for i in range(1, self.n_affine + 1):
            n_in, n_out = self.sizes[i - 1], self.sizes[i]
            std = init_std(weight_init_std, n_in)
            params[f"W{i}"] = (
                std * rng.standard_normal((n_in, n_out))).astype(dtype)
            params[f"b{i}"] = np.zeros(n_out, dtype=dtype)
            if self.use_batchnorm and i < self.n_affine:
                params[f"gamma{i}"] = np.ones(n_out, dtype=dtype)
                params[f"beta{i}"] = np.zeros(n_out, dtype=dtype)
        return params

    def _build_layers(self, dropout_ratio, rng):
        """The layers in order, holding the arrays of self.params."""
        layers = OrderedDict()
        for i in range(1, self.n_affine + 1):
            # Nothing uses dL/dx of the input, so Affine1 skips it.
            layers[f"Affine{i}"] = Affine(
                self.params[f"W{i}"], self.params[f"b{i}"],
                need_dx=i > 1)
            if i == self.n_affine:
                break
            if self.use_batchnorm:
                layers[f"BatchNorm{i}"] = BatchNormalization(
                    self.params[f"gamma{i}"], self.params[f"beta{i}"])
            name = self.activation.capitalize() + str(i)
            layers[name] = ACTIVATIONS[self.activation]()
            if self.use_dropout:
                layers[f"Dropout{i}"] = Dropout(
                    dropout_ratio, seed=rng.integers(2 ** 63))
        return layers

    def _layers_of(self, kind):
        return [layer for layer in self.layers.values()
                if isinstance(layer, kind)]

    def _check_input(self, x):
        return check_batch(self, x)

    def predict(self, x, train=False):
        """Scores before softmax.  x: (N, input_size) -> (N, output_size).
        train=True: dropout drops and batch norm uses batch statistics.
        """
        x = self._check_input(x)
        for layer in self.layers.values():
            if isinstance(layer, TRAIN_MODE_LAYERS):
                x = layer.forward(x, train)
            else:
                x = layer.forward(x)
        return x

    def loss(self, x, t, train=False):
        """Mean cross-entropy plus ``0.5 * lambda * sum(W ** 2)`` over all
        weights.  x: (N, input_size); t: (N,) labels or (N, output_size)
        one-hot.  Returns a float."""
        y = self.predict(x, train)
        data_loss = self.last_layer.forward(y, t)
        lam = self.weight_decay_lambda
        if lam == 0:
            return data_loss
        squares = sum(float(np.sum(self.params[f"W{i}"] ** 2))
                      for i in range(1, self.n_affine + 1))
        return data_loss + 0.5 * lam * squares

    def accuracy(self, x, t, chunk_size=2000):
        """Fraction of samples whose highest score (at test time) is the
        right class.  x: (N, input_size); t: (N,) labels or
        (N, output_size) one-hot; evaluated chunk_size rows at a time.
        """
        return chunked_accuracy(self, x, t, chunk_size)

    @contextmanager
    def frozen_dropout_masks(self):
        """Within ``with net.frozen_dropout_masks():`` every training
        forward reuses each Dropout layer's mask, so that numerical and
        backprop gradients see one and the same network::

            with net.frozen_dropout_masks():
                report = gradient_check(net, x, t)
        """
        dropouts = self._layers_of(Dropout)
        before = [layer.freeze_mask for layer in dropouts]
        for layer in dropouts:
            layer.freeze_mask = True
        try:
            yield self
        finally:
            for layer, frozen in zip(dropouts, before):
                layer.freeze_mask = frozen

    def numerical_gradient(self, x, t):
        """Gradients of the training-time loss by central differences
        (slow: for checking only).  Returns a dict keyed like params.

        The dropout masks stay fixed while it measures (see
        frozen_dropout_masks), and the batch-norm running statistics
        are restored afterwards.
        """
        def loss_w(w):
            return self.loss(x, t, train=True)

        norms = self._layers_of(BatchNormalization)
        saved = [(bn.running_mean.copy(), bn.running_var.copy())
                 for bn in norms]
        with self.frozen_dropout_masks():
            grads = {key: numerical_gradient(loss_w, param)
                     for key, param in self.params.items()}
        for bn, (mean, var) in zip(norms, saved):
            bn.running_mean[...] = mean
            bn.running_var[...] = var
        return grads

    def gradient(self, x, t):
        """Gradients by backpropagation of the training-time loss.
        x: (N, input_size), t: (N,) labels or (N, output_size) one-hot.
        Returns a dict keyed like params; each dW includes the weight
        decay term ``lambda * W``.  The loss of this forward pass is kept
        in ``self.last_loss``.
        """
        self.last_loss = self.loss(x, t, train=True)

        dout = self.last_layer.backward(1)
        for layer in reversed(self.layers.values()):
            dout = layer.backward(dout)

        lam = self.weight_decay_lambda
        grads = {}
        for i in range(1, self.n_affine + 1):
            affine = self.layers[f"Affine{i}"]
            grads[f"W{i}"] = affine.dW + lam * affine.W if lam else \
                affine.dW
            grads[f"b{i}"] = affine.db
            if self.use_batchnorm and i < self.n_affine:
                norm = self.layers[f"BatchNorm{i}"]
                grads[f"gamma{i}"] = norm.dgamma
                grads[f"beta{i}"] = norm.dbeta
        return grads
