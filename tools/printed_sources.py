"""Count the lines of logic in every nnlib object a chapter prints.

    .venv/bin/python tools/printed_sources.py

The chapters print nnlib's own source (``inspect.getsource(X)``); this
finds every such cell in book/*.ipynb, resolves X in nnlib and prints,
for each, its lines of logic: the lines of code that are not blank, not
a comment and not part of a docstring (a ``def`` line counts).  For a
layer class it also counts ``forward`` + ``backward`` alone, the part
that should read like the math.  tests/test_printed_sources.py holds the
limits.
"""

import ast
import importlib
import inspect
import json
import re
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PRINTED = re.compile(r"inspect\.getsource\(([A-Za-z_][\w.]*)\)")


def logic_lines(obj):
    """Lines of code in obj's source: no blanks, comments or docstrings."""
    source = textwrap.dedent(inspect.getsource(obj))
    docstrings = set()
    for node in ast.walk(ast.parse(source)):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and \
                isinstance(body[0], ast.Expr) and \
                isinstance(body[0].value, ast.Constant) and \
                isinstance(body[0].value.value, str):
            docstrings.update(range(body[0].lineno, body[0].end_lineno + 1))
    return sum(1 for number, line in enumerate(source.splitlines(), 1)
               if line.strip() and not line.strip().startswith("#")
               and number not in docstrings)


def forward_backward_lines(cls):
    """Lines of logic in a layer class's forward and backward together."""
    return sum(logic_lines(getattr(cls, name))
               for name in ("forward", "backward") if name in vars(cls))


def printed_names(notebooks):
    """(notebook, name) for every ``inspect.getsource(name)`` in a code
    cell, in book order."""
    found = []
    for path in notebooks:
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] == "code":
                for name in PRINTED.findall("".join(cell["source"])):
                    found.append((path.name, name))
    return found


def resolve(name, namespace):
    """The object a chapter calls ``name``, looked up in nnlib."""
    head, *rest = name.split(".")
    obj = namespace[head]
    for part in rest:
        obj = getattr(obj, part)
    return obj


def nnlib_namespace():
    """Every public name of nnlib's modules, as the chapters import them."""
    import pkgutil

    import nnlib
    names = {}
    for info in pkgutil.walk_packages(nnlib.__path__, "nnlib."):
        module = importlib.import_module(info.name)
        for key, value in vars(module).items():
            if getattr(value, "__module__", "").startswith("nnlib"):
                names.setdefault(key, value)
    return names


def table():
    """Rows (notebook, name, lines, forward + backward lines or None)."""
    namespace = nnlib_namespace()
    rows = []
    for notebook, name in printed_names(sorted((REPO / "book").glob(
            "*.ipynb"))):
        obj = resolve(name, namespace)
        fb = forward_backward_lines(obj) if inspect.isclass(obj) and \
            hasattr(obj, "backward") else None
        rows.append((notebook, name, logic_lines(obj), fb))
    return rows


def main():
    print(f"{'notebook':32} {'printed object':28} {'lines':>5} "
          f"{'fwd+bwd':>7}")
    for notebook, name, lines, fb in table():
        print(f"{notebook:32} {name:28} {lines:5d} "
              f"{'' if fb is None else fb:>7}")


if __name__ == "__main__":
    sys.exit(main())
