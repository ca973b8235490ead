"""Re-execute notebooks in place, keeping widget state, with stable ids.

Usage: python tools/refresh_notebooks.py book/01_x.ipynb [more.ipynb ...]
(`make refresh` runs it on book/ with NNLIB_OFFLINE=1).

Each notebook is executed from its own folder, like Jupyter Book does, and
saved with its new outputs and the widget state that static pages need.
ipywidgets gives every widget a random id on each run, so a plain re-run
rewrites hundreds of lines even when nothing changed. Here the ids are
replaced by ones derived from the notebook's name and the widget's order
of creation, and no execution timestamps are stored, so re-running an
unchanged notebook changes nothing and a diff shows only real changes.

The values of the prose's {eval}`name` roles are stored too, in each
Markdown cell's ``user_expressions`` metadata, evaluated in the kernel at
that point of the notebook.  jupyterlab-myst reads them there, so a reader
who opens a chapter in JupyterLab sees its numbers before running it.
"""
import hashlib
import re
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.util import ensure_async

STATE_KEY = "application/vnd.jupyter.widget-state+json"
TIMEOUT = 300  # seconds a cell may run, as in _config.yml
EVAL_ROLE = re.compile(r"\{eval\}`([^`]+)`")


def eval_expressions(markdown):
    """The expressions of the {eval} roles in a Markdown text, in order,
    each once."""
    return list(dict.fromkeys(m.strip() for m in
                              EVAL_ROLE.findall(markdown)))


class EvalStoringClient(NotebookClient):
    """Executes code cells as usual; at each Markdown cell, evaluates its
    {eval} expressions in the kernel and stores the results as
    jupyterlab-myst does (``cell.metadata.user_expressions``)."""

    async def async_execute_cell(self, cell, cell_index, **kwargs):
        if cell.cell_type != "markdown":
            return await super().async_execute_cell(cell, cell_index,
                                                    **kwargs)
        expressions = eval_expressions(cell.source)
        cell.metadata.pop("user_expressions", None)
        if expressions:
            cell.metadata["user_expressions"] = await self._evaluate(
                expressions)
        return cell

    async def _evaluate(self, expressions):
        named = {str(i): text for i, text in enumerate(expressions)}
        msg_id = await ensure_async(self.kc.execute(
            "", store_history=False, user_expressions=named))
        reply = await self.async_wait_for_reply(msg_id)
        results = reply["content"]["user_expressions"]
        stored = []
        for key, text in named.items():
            result = results[key]
            if result["status"] != "ok":
                raise RuntimeError(
                    f"{{eval}}`{text}` failed in the kernel: "
                    f"{result.get('ename')}: {result.get('evalue')}")
            stored.append({"expression": text, "result": result})
        return stored


def stable_ids(notebook, name):
    """{random model id: stable id} for the widgets in the stored state.

    The state lists widgets in the order they were created, which is the
    same on every run of the same code.
    """
    state = (notebook.metadata.get("widgets", {})
             .get(STATE_KEY, {}).get("state", {}))
    return {old: hashlib.sha1(f"{name}:{i}".encode()).hexdigest()[:32]
            for i, old in enumerate(state)}


def with_stable_ids(notebook, name):
    """The notebook with every widget model id replaced by a stable one.

    Ids are 32 random hex digits, so replacing them in the serialized
    text reaches every place they occur (state keys, IPY_MODEL_ links
    between widgets, outputs' widget views) and nothing else.
    """
    text = nbformat.writes(notebook)
    for old, new in stable_ids(notebook, name).items():
        text = text.replace(old, new)
    return nbformat.reads(text, as_version=4)


def merged_streams(outputs):
    """The outputs with neighbouring prints to the same stream joined:
    the kernel flushes at random moments, so one cell's printout would
    otherwise be stored in a different number of pieces on each run."""
    merged = []
    for output in outputs:
        if (output.output_type == "stream" and merged
                and merged[-1].output_type == "stream"
                and merged[-1].name == output.name):
            merged[-1].text += output.text
        else:
            merged.append(output)
    return merged


def refresh(path):
    """Execute one notebook in place with stable widget ids."""
    path = Path(path)
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        # Timestamps of an earlier run: they would change on every run.
        cell.metadata.pop("execution", None)
    client = EvalStoringClient(
        notebook, timeout=TIMEOUT, store_widget_state=True,
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = merged_streams(cell.outputs)
    notebook = with_stable_ids(notebook, path.name)
    nbformat.validate(notebook)
    path.write_text(nbformat.writes(notebook) + "\n", encoding="utf-8")


def main(paths):
    if not paths:
        sys.exit("usage: python tools/refresh_notebooks.py NOTEBOOK...")
    for path in paths:
        print(f"executing {path}", flush=True)
        refresh(path)


if __name__ == "__main__":
    main(sys.argv[1:])
