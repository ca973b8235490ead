"""The public names of nnlib are importable from the package itself."""

import importlib

import nnlib

# Where each public name is defined; the package must hand out that object.
HOME = {
    "nnlib.book.nodes": ["MulLayer", "AddLayer"],
    "nnlib.functions": ["sigmoid", "relu", "softmax", "cross_entropy_error"],
    "nnlib.layers": ["Relu", "Sigmoid", "Affine", "SoftmaxWithLoss"],
    "nnlib.gradient": ["numerical_gradient", "gradient_check"],
    "nnlib.nets": ["TwoLayerNet"],
    "nnlib.data": ["load_mnist", "describe_source"],
    "nnlib.train": ["train", "History"],
    "nnlib.optimizers": ["SGD", "Momentum", "AdaGrad", "Adam"],
    "nnlib.training_layers": ["Dropout", "BatchNormalization"],
    "nnlib.multilayer": ["MultiLayerNet"],
}


def test_every_public_name_is_reexported_from_its_module():
    for module_name, names in HOME.items():
        module = importlib.import_module(module_name)
        for name in names:
            assert getattr(nnlib, name) is getattr(module, name), name


def test_all_lists_exactly_the_reexported_names():
    expected = {name for names in HOME.values() for name in names}
    assert set(nnlib.__all__) == expected
