"""The two-layer network as the article writes it, errors fixed.

This is the yardstick for benchmarks/train_speed.py: plain float64,
one-hot labels turned back into class numbers with argmax, a second
forward pass to record the loss after each update, dx computed for every
layer, and accuracy measured on the whole data set in one go.  Its
results are correct; only its speed is at stake.  It uses numpy alone,
not nnlib, so the two implementations are independent.
"""

import time
from collections import OrderedDict

import numpy as np


def softmax(x):
    """x: (N, C) -> (N, C), each row summing to 1."""
    x = x - np.max(x, axis=1, keepdims=True)
    return np.exp(x) / np.sum(np.exp(x), axis=1, keepdims=True)


def cross_entropy_error(y, t):
    """y: (N, C) probabilities, t: (N, C) one-hot -> mean loss."""
    t = np.argmax(t, axis=1)
    batch_size = y.shape[0]
    return -np.sum(np.log(y[np.arange(batch_size), t] + 1e-7)) / batch_size


class Relu:
    def __init__(self):
        self.mask = None

    def forward(self, x):
        self.mask = x <= 0
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout):
        dx = dout.copy()  # the article wrote into dout itself
        dx[self.mask] = 0
        return dx


class Affine:
    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.x = None
        self.dW = None
        self.db = None

    def forward(self, x):
        self.x = x
        return np.dot(x, self.W) + self.b

    def backward(self, dout):
        dx = np.dot(dout, self.W.T)
        self.dW = np.dot(self.x.T, dout)
        self.db = np.sum(dout, axis=0)  # the article summed over axis 1
        return dx


class SoftmaxWithLoss:
    def __init__(self):
        self.loss = None
        self.y = None
        self.t = None

    def forward(self, x, t):
        self.t = t
        self.y = softmax(x)
        self.loss = cross_entropy_error(self.y, self.t)
        return self.loss

    def backward(self, dout=1):
        batch_size = self.t.shape[0]
        return (self.y - self.t) / batch_size


class TwoLayerNet:
    def __init__(self, input_size, hidden_size, output_size,
                 weight_init_std=0.01):
        self.params = {}
        self.params['W1'] = weight_init_std * \
            np.random.randn(input_size, hidden_size)
        self.params['b1'] = np.zeros(hidden_size)
        self.params['W2'] = weight_init_std * \
            np.random.randn(hidden_size, output_size)
        self.params['b2'] = np.zeros(output_size)

        self.layers = OrderedDict()
        self.layers['Affine1'] = Affine(self.params['W1'], self.params['b1'])
        self.layers['Relu1'] = Relu()
        self.layers['Affine2'] = Affine(self.params['W2'], self.params['b2'])
        self.last_layer = SoftmaxWithLoss()

    def predict(self, x):
        for layer in self.layers.values():
            x = layer.forward(x)
        return x

    def loss(self, x, t):
        y = self.predict(x)
        return self.last_layer.forward(y, t)

    def accuracy(self, x, t):
        y = np.argmax(self.predict(x), axis=1)
        if t.ndim != 1:
            t = np.argmax(t, axis=1)
        return np.sum(y == t) / float(x.shape[0])

    def gradient(self, x, t):
        self.loss(x, t)
        dout = self.last_layer.backward(1)
        layers = list(self.layers.values())
        layers.reverse()  # reverse() works in place and returns None
        for layer in layers:
            dout = layer.backward(dout)
        return {'W1': self.layers['Affine1'].dW,
                'b1': self.layers['Affine1'].db,
                'W2': self.layers['Affine2'].dW,
                'b2': self.layers['Affine2'].db}


def train(x_train, t_train, x_test, t_test, iters_num=10000,
          batch_size=100, learning_rate=0.1, iter_per_epoch=None, seed=0):
    """The article's loop.  t_train, t_test: one-hot (N, 10).
    Returns (train_loss_list, train_acc_list, test_acc_list, seconds)."""
    np.random.seed(seed)
    start = time.perf_counter()
    network = TwoLayerNet(input_size=x_train.shape[1], hidden_size=50,
                          output_size=t_train.shape[1])
    train_size = x_train.shape[0]
    if iter_per_epoch is None:
        iter_per_epoch = max(train_size // batch_size, 1)
    train_loss_list, train_acc_list, test_acc_list = [], [], []

    for i in range(iters_num):
        batch_mask = np.random.choice(train_size, batch_size)
        x_batch = x_train[batch_mask]
        t_batch = t_train[batch_mask]

        grad = network.gradient(x_batch, t_batch)
        for key in ('W1', 'b1', 'W2', 'b2'):
            network.params[key] -= learning_rate * grad[key]

        loss = network.loss(x_batch, t_batch)
        train_loss_list.append(loss)

        if i % iter_per_epoch == 0:
            train_acc_list.append(network.accuracy(x_train, t_train))
            test_acc_list.append(network.accuracy(x_test, t_test))
    return (train_loss_list, train_acc_list, test_acc_list,
            time.perf_counter() - start)
