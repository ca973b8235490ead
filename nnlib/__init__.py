"""nnlib: the numpy library that Backprop by Hand builds, chapter by chapter.

Two halves:

* the network the reader builds, in this package's own modules:
  ``functions`` (sigmoid, softmax, ...), ``layers`` (Relu, Affine, ...),
  ``training_layers`` (Dropout, BatchNormalization), ``gradient``,
  ``nets`` and ``multilayer`` (the networks), ``optimizers``, ``train``
  and ``data`` (MNIST); ``checks`` holds the clear errors they share
  and ``net_parts`` what both networks share;
* the book's machinery, in ``nnlib.book``: the node layers of the
  computational graphs, tracing them, captions, layout, SVG, the
  stepper widget, the example graphs and the exercise checks (see
  ``nnlib.book``'s docstring for how a stepper is made).

The names below can be imported straight from ``nnlib``.  Only
``nnlib.book.stepper`` needs ipywidgets, and ``nnlib.book.glue`` IPython.
"""

from nnlib.book.nodes import AddLayer, MulLayer
from nnlib.functions import cross_entropy_error, relu, sigmoid, softmax
from nnlib.layers import Affine, Relu, Sigmoid, SoftmaxWithLoss
from nnlib.gradient import gradient_check, numerical_gradient
from nnlib.nets import TwoLayerNet
from nnlib.data import describe_source, load_mnist
from nnlib.train import History, train
from nnlib.optimizers import SGD, AdaGrad, Adam, Momentum
from nnlib.training_layers import BatchNormalization, Dropout
from nnlib.multilayer import MultiLayerNet

__all__ = [
    "AddLayer", "MulLayer",
    "cross_entropy_error", "relu", "sigmoid", "softmax",
    "Affine", "Relu", "Sigmoid", "SoftmaxWithLoss",
    "gradient_check", "numerical_gradient",
    "TwoLayerNet",
    "describe_source", "load_mnist",
    "History", "train",
    "SGD", "Momentum", "AdaGrad", "Adam",
    "Dropout", "BatchNormalization",
    "MultiLayerNet",
]
