"""nnlib.book.glue writes what myst_nb.glue writes, so the built book
finds every glued value, without loading nbformat on the way."""

import subprocess
import sys

import numpy as np
import pytest
from IPython.core.interactiveshell import InteractiveShell

from nnlib.book.glue import glue


@pytest.fixture
def published(monkeypatch):
    """What display() hands to the kernel, as (data, metadata) pairs."""
    shell = InteractiveShell.instance()
    calls = []

    def publish(data, metadata=None, **kwargs):
        calls.append((data, metadata))

    monkeypatch.setattr(shell.display_pub, "publish", publish)
    return calls


@pytest.mark.parametrize("value", [220.00000000000003, 110, "2.2 %",
                                   np.float32(0.5), np.arange(3),
                                   [1, 2]])
@pytest.mark.parametrize("display", [True, False])
def test_the_same_output_as_myst_nb(published, value, display):
    from myst_nb import glue as myst_glue
    myst_glue("p1_price", value, display=display)
    glue("p1_price", value, display=display)
    theirs, ours = published
    assert ours == theirs
    data, metadata = ours
    assert metadata["scrapbook"]["name"] == "p1_price"
    hidden = "application/papermill.record/"
    assert all(kind.startswith(hidden) != display for kind in data)


def test_no_nbformat_is_loaded():
    code = ("import sys; from nnlib.book.glue import glue; "
            "print('nbformat' in sys.modules, 'jsonschema' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], check=True,
                         capture_output=True, text=True).stdout
    assert out.split() == ["False", "False"]
