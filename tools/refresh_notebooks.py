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
"""
import hashlib
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

STATE_KEY = "application/vnd.jupyter.widget-state+json"
TIMEOUT = 300  # seconds a cell may run, as in _config.yml


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


def refresh(path):
    """Execute one notebook in place with stable widget ids."""
    path = Path(path)
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        # Timestamps of an earlier run: they would change on every run.
        cell.metadata.pop("execution", None)
    client = NotebookClient(
        notebook, timeout=TIMEOUT, store_widget_state=True,
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}})
    client.execute()
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
