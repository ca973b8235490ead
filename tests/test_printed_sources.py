"""The nnlib code the chapters print: it exists, and the layers read
like the math (few lines of logic, checks reached in one line)."""

import inspect
import sys

import pytest

from conftest import REPO
from nnlib.checks import Layer

sys.path.insert(0, str(REPO / "tools"))
import printed_sources  # noqa: E402  (tools/printed_sources.py)

ROWS = printed_sources.table()
PRINTED = {name: printed_sources.resolve(name,
                                         printed_sources.nnlib_namespace())
           for _, name, _, _ in ROWS}

# Lines of logic in forward + backward, at most (issue 14's targets).
FORWARD_BACKWARD_AT_MOST = {
    "Affine": 16, "SoftmaxWithLoss": 14, "Relu": 8, "Sigmoid": 8,
    "MulLayer": 10, "AddLayer": 10, "Dropout": 12,
}


def test_the_chapters_print_nnlib_objects():
    names = [name for _, name, _, _ in ROWS]
    assert len(names) >= 25
    for name in FORWARD_BACKWARD_AT_MOST:
        assert name in names, f"no chapter prints {name} any more"


@pytest.mark.parametrize("name", sorted(FORWARD_BACKWARD_AT_MOST))
def test_printed_layers_are_short(name):
    lines = printed_sources.forward_backward_lines(PRINTED[name])
    assert lines <= FORWARD_BACKWARD_AT_MOST[name], (
        f"{name}.forward + backward have {lines} lines of logic: move "
        f"checks to nnlib.checks.Layer")


@pytest.mark.parametrize("name", sorted(FORWARD_BACKWARD_AT_MOST))
def test_printed_layers_reach_their_checks_in_one_line(name):
    cls = PRINTED[name]
    assert issubclass(cls, Layer)
    for method in ("forward", "backward"):
        source = inspect.getsource(getattr(cls, method))
        assert "raise" not in source, f"{name}.{method} raises itself"


def test_logic_lines_skip_docstrings_comments_and_blanks():
    def example(x):
        """A docstring
        of two lines."""
        # a comment

        return x  # a trailing comment still counts as code
    assert printed_sources.logic_lines(example) == 2
