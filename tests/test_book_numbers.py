"""The numbers in the chapters' prose come from code, and every reader
sees the same ones.

The prose writes a computed number as {eval}`name`.  JupyterLab
(jupyterlab-myst) shows the kernel variable ``name``; the built book
shows the value glued as ``name`` (tools/sphinx/eval_glue.py).  These
tests read the committed notebooks (no kernel) and check that the two
cannot differ:

* every {eval} name is glued, from the variable of the same name, in a
  code cell before the prose that uses it, and never reassigned later;
* no prose number is pasted by {glue:text} (JupyterLab shows its key);
* the values stored for JupyterLab (``user_expressions``, written by
  ``make refresh``) are the glued ones.
"""
import ast
import json
import re
from pathlib import Path

import pytest

BOOK = Path(__file__).resolve().parent.parent / "book"
NOTEBOOKS = sorted(BOOK.glob("*.ipynb"))
EVAL_ROLE = re.compile(r"\{eval\}`([^`]+)`")
GLUE_ROLE = re.compile(r"\{glue(:[a-z]+)?\}`[^`]*`")
RECORD = "application/papermill.record/text/plain"


def cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def source(cell):
    return "".join(cell["source"])


def python_of(cell):
    """The cell's code as Python: IPython magics and shell lines dropped."""
    lines = [line for line in source(cell).splitlines()
             if not line.lstrip().startswith(("%", "!"))]
    return ast.parse("\n".join(lines))


def glue_calls(tree):
    """(key, value node, line) for each glue(...) call in a syntax tree."""
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id == "glue" and len(node.args) >= 2):
            key = node.args[0]
            text = key.value if isinstance(key, ast.Constant) else None
            yield text, node.args[1], node.lineno


def assigned_names(tree):
    """(name, line) for every name a statement binds."""
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign,
                             ast.For, ast.comprehension, ast.NamedExpr)):
            targets = (node.targets if isinstance(node, ast.Assign)
                       else [node.target])
        for target in targets:
            for name in ast.walk(target):
                if isinstance(name, ast.Name):
                    yield name.id, getattr(node, "lineno", 0)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_glue_is_a_variable_of_the_same_name(path):
    # glue("key", key): the built book and the kernel show one value.
    problems = []
    for index, cell in enumerate(cells(path)):
        if cell["cell_type"] != "code":
            continue
        for key, value, line in glue_calls(python_of(cell)):
            if key is None or not (isinstance(value, ast.Name)
                                   and value.id == key):
                problems.append(
                    f"cell {index}, line {line}: glue the variable of the "
                    f"same name, glue({key!r}, {key}, display=False)")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_eval_is_glued_before_it_and_kept(path):
    glued = {}          # key -> (cell, line) of its glue
    problems = []
    for index, cell in enumerate(cells(path)):
        if cell["cell_type"] == "markdown":
            for name in EVAL_ROLE.findall(source(cell)):
                if name not in glued:
                    problems.append(f"cell {index}: {{eval}}`{name}` is not "
                                    f"glued in a code cell before it")
            continue
        if cell["cell_type"] != "code":
            continue
        tree = python_of(cell)
        for name, line in assigned_names(tree):
            if name in glued and (index, line) > glued[name]:
                problems.append(
                    f"cell {index}, line {line}: {name} is assigned again "
                    f"after it was glued (cell {glued[name][0]}), so the "
                    f"kernel and the built book could show different "
                    f"values: give the new value another name")
        for key, _, line in glue_calls(tree):
            if key is not None:
                glued[key] = (index, line)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_glue_role_in_prose(path):
    # {glue:text}`key` shows the key itself in JupyterLab.
    problems = [f"cell {index}: {match.group(0)} (write {{eval}}`key`)"
                for index, cell in enumerate(cells(path))
                if cell["cell_type"] == "markdown"
                for match in GLUE_ROLE.finditer(source(cell))]
    assert not problems, "\n".join(problems)


def glued_texts(path):
    """key -> the text/plain the notebook's stored outputs glued."""
    texts = {}
    for cell in cells(path):
        for output in cell.get("outputs", []):
            name = (output.get("metadata", {}).get("scrapbook", {})
                    .get("name"))
            if name is not None and RECORD in output.get("data", {}):
                texts[name] = output["data"][RECORD]
    return texts


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_values_for_jupyterlab_are_the_glued_ones(path):
    glued = glued_texts(path)
    problems = []
    for index, cell in enumerate(cells(path)):
        if cell["cell_type"] != "markdown":
            continue
        wanted = list(dict.fromkeys(EVAL_ROLE.findall(source(cell))))
        stored = cell["metadata"].get("user_expressions", [])
        if [item["expression"] for item in stored] != wanted:
            problems.append(f"cell {index}: stored values are for "
                            f"{[item['expression'] for item in stored]}, "
                            f"the prose has {wanted}: run `make refresh`")
            continue
        for item in stored:
            text = item["result"]["data"].get("text/plain")
            if text != glued.get(item["expression"]):
                problems.append(
                    f"cell {index}: {item['expression']} is stored as "
                    f"{text!r} but glued as "
                    f"{glued.get(item['expression'])!r}: run `make refresh`")
    assert not problems, "\n".join(problems)
