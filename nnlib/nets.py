"""A two-layer network built from the layers in nnlib.layers.

    x -> Affine1 -> Relu1 (or Sigmoid1) -> Affine2 -> SoftmaxWithLoss

Its gradient is one forward pass, then every layer's backward in reverse.
"""

from collections import OrderedDict

import numpy as np

from nnlib.gradient import numerical_gradient
from nnlib.layers import Affine, SoftmaxWithLoss
from nnlib.net_parts import (ACTIVATIONS, check_batch, check_choice,
                             check_sizes, chunked_accuracy, float_dtype)


class TwoLayerNet:
    """input_size -> hidden_size -> output_size, fully connected.

    params: W1 (input_size, hidden_size), b1 (hidden_size,),
    W2 (hidden_size, output_size), b2 (output_size,).

    Weights start as weight_init_std times standard normal numbers from
    ``np.random.default_rng(seed)`` (seed: None, an int or a Generator),
    biases at 0.  dtype: np.float64 (default) or np.float32 for speed.

    The layers hold the very arrays in ``params``, so the update
    ``net.params[key] -= lr * grad[key]`` (in place) trains the layers.
    Replacing an array (``net.params['W1'] = ...``) would not.
    """

    def __init__(self, input_size, hidden_size, output_size,
                 weight_init_std=0.01, activation="relu", seed=None,
                 dtype=np.float64):
        check_sizes(self, input_size=input_size, hidden_size=hidden_size,
                    output_size=output_size)
        check_choice(self, "activation", activation, ACTIVATIONS)
        dtype = float_dtype(self, dtype)
        rng = np.random.default_rng(seed)
        std = weight_init_std
        self.params = {
            "W1": (std * rng.standard_normal((input_size, hidden_size))
                   ).astype(dtype),
            "b1": np.zeros(hidden_size, dtype=dtype),
            "W2": (std * rng.standard_normal((hidden_size, output_size))
                   ).astype(dtype),
            "b2": np.zeros(output_size, dtype=dtype),
        }
        self.input_size = input_size

        self.layers = OrderedDict()
        # Nothing uses dL/dx of the input, so Affine1 skips computing it.
        self.layers["Affine1"] = Affine(self.params["W1"],
                                        self.params["b1"], need_dx=False)
        name = activation.capitalize() + "1"
        self.layers[name] = ACTIVATIONS[activation]()
        self.layers["Affine2"] = Affine(self.params["W2"],
                                        self.params["b2"])
        self.last_layer = SoftmaxWithLoss()
        self.last_loss = None  # the loss seen by the latest gradient()

    def _check_input(self, x):
        return check_batch(self, x)

    def predict(self, x):
        """Scores before softmax.  x: (N, input_size) -> (N, output_size)."""
        x = self._check_input(x)
        for layer in self.layers.values():
            x = layer.forward(x)
        return x

    def loss(self, x, t):
        """Mean cross-entropy loss.  x: (N, input_size); t: (N,) integer
        labels or (N, output_size) one-hot.  Returns a float."""
        y = self.predict(x)
        return self.last_layer.forward(y, t)

    def accuracy(self, x, t, chunk_size=2000):
        """Fraction of samples whose highest score is the right class.

        x: (N, input_size); t: (N,) labels or (N, output_size) one-hot.
        Large inputs are evaluated chunk_size rows at a time, so memory
        stays small.
        """
        return chunked_accuracy(self, x, t, chunk_size)

    def numerical_gradient(self, x, t):
        """Gradients by central differences (slow: for checking only).
        Returns a dict keyed like params, each array in its param's shape.
        """
        def loss_w(w):
            return self.loss(x, t)

        return {key: numerical_gradient(loss_w, param)
                for key, param in self.params.items()}

    def gradient(self, x, t):
        """Gradients by backpropagation: a forward pass, then backward
        through the layers in reverse.  x: (N, input_size), t: (N,) labels
        or (N, output_size) one-hot.  Returns a dict keyed like params;
        the loss of this forward pass is kept in ``self.last_loss``.
        """
        self.last_loss = self.loss(x, t)

        dout = self.last_layer.backward(1)
        for layer in reversed(self.layers.values()):
            dout = layer.backward(dout)

        return {
            "W1": self.layers["Affine1"].dW,
            "b1": self.layers["Affine1"].db,
            "W2": self.layers["Affine2"].dW,
            "b2": self.layers["Affine2"].db,
        }
