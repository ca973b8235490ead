"""Chapters in the browser (JupyterLite, Pyodide) against a local kernel.

Usage, after `make book`:

    .venv/bin/python benchmarks/lite_speed.py [chapter ...]

(default: chapters 1 and 7). For each chapter, twice, side by side:

* in the browser: the built book served on 127.0.0.1, the chapter opened
  through its page's "Run in the browser" link in headless Chromium with
  the network cut (tests/lite_browser.py), then Run All. "kernel ready"
  counts from the click to the kernel's first finished statement.
* locally: the same notebook without outputs, run cell by cell by
  nbclient with the book's ipykernel (as Jupyter Book runs it); "kernel
  ready" is the kernel's start.

Prints a Markdown table, the site's size and the machine's load (other
work on a shared machine slows both sides). Chapter 7 trains for 10,000
iterations here, as the reader runs it.
"""
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from conftest import BUILD_HTML, CHROMIUM, CHROMIUM_FLAGS, LITE_DIR  # noqa
from lite_browser import LiteRun, serve  # noqa: E402

CHAPTERS = {"1": "01_computational_graphs", "5": "05_affine_softmax",
            "7": "07_training"}
RUN_SECONDS = 1800


def in_browser(browser, site, name):
    """(kernel ready, run all) seconds in the site."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        run = LiteRun(context, site)
        run.open_from_book(site, f"book/{name}.html")
        run.run_all(timeout=RUN_SECONDS)
        errors = [c["index"] for c in run.cells() if any(
            o["output_type"] == "error" for o in c["outputs"])]
        if errors or run.blocked:
            sys.exit(f"{name}: cells {errors} failed; blocked {run.blocked}")
        return run.timings["kernel_ready"], run.timings["run_all"]
    finally:
        context.close()


def locally(name):
    """(kernel start, run all) seconds with nbclient and ipykernel."""
    import nbformat
    from nbclient import NotebookClient
    notebook = nbformat.read(ROOT / "book" / f"{name}.ipynb", as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    client = NotebookClient(notebook, timeout=RUN_SECONDS,
                            kernel_name="python3",
                            resources={"metadata": {"path": ROOT / "book"}})
    start = time.monotonic()
    with client.setup_kernel():
        ready = time.monotonic()
        for index, cell in enumerate(notebook.cells):
            client.execute_cell(cell, index)
        done = time.monotonic()
    return ready - start, done - ready


def folder_mb(path):
    return sum(p.stat().st_size for p in path.rglob("*")
               if p.is_file()) / 1e6


def site_sizes(lite):
    """Lines on what the site weighs."""
    dist = lite / "static" / "pyodide"
    lock = json.loads((dist / "pyodide-lock.json").read_text())
    files = {name: (dist / e["file_name"]).stat().st_size / 1e6
             for name, e in lock["packages"].items()}
    return [f"site: {folder_mb(lite):.1f} MB, of which Pyodide "
            f"{folder_mb(dist):.1f} MB (numpy {files['numpy']:.1f}, "
            f"matplotlib {files['matplotlib']:.1f}), JupyterLab "
            f"{folder_mb(lite / 'build'):.1f} MB, its extensions "
            f"{folder_mb(lite / 'extensions'):.1f} MB, chapters and "
            f"MNIST sample {folder_mb(lite / 'files'):.1f} MB"]


def main(argv):
    names = [CHAPTERS[a] for a in (argv or ["1", "7"])]
    lite = BUILD_HTML / LITE_DIR
    if not (lite / "lab" / "index.html").is_file():
        sys.exit("No JupyterLite site: run `make book` first.")
    os.environ["NNLIB_OFFLINE"] = "1"
    from playwright.sync_api import sync_playwright
    rows = []
    with serve(BUILD_HTML) as site, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                             args=CHROMIUM_FLAGS)
        for name in names:
            load = os.getloadavg()[0]
            b_ready, b_run = in_browser(browser, site, name)
            l_ready, l_run = locally(name)
            rows.append(f"| {name} | {b_ready:.1f} | {l_ready:.1f} | "
                        f"{b_run:.1f} | {l_run:.1f} | {b_run / l_run:.1f}x "
                        f"| {load:.1f} |")
        browser.close()
    print("| chapter | kernel ready, browser (s) | kernel ready, local (s) "
          "| run all, browser (s) | run all, local (s) | browser / local "
          "| load average |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    print("\n".join(rows))
    print("\n".join(site_sizes(lite)))


if __name__ == "__main__":
    main(sys.argv[1:])
