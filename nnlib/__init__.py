"""nnlib: the numpy library that Backprop by Hand builds, chapter by chapter.

The names below can be imported straight from ``nnlib``.  The drawing and
widget modules (``nnlib.trace``, ``nnlib.examples``, ``nnlib.draw``,
``nnlib.widgets``) are imported by name, because they need ipywidgets.
"""

from nnlib.graph import AddLayer, MulLayer
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
