"""The chapters live in JupyterLab, as a reader runs them on a laptop or
in Binder.

Starts a real JupyterLab server on 127.0.0.1 over a copy of book/ (so the
run never writes into the repository; the copy of chapter 1 has no stored
outputs, so everything shown comes from the kernel), opens chapter 1 in
headless Chromium with the network cut outside the server, runs every
cell with a real kernel, and checks what the reader sees: no error in any
cell, the chapter's MyST markup rendered (not shown as raw text), the
prose's numbers ({eval} roles) evaluated by the kernel, steppers whose
slider and Play button step with the captions nnlib traced, and an input
panel that re-traces its graph in the kernel.  A second copy, opened and
not run, shows the numbers ``make refresh`` stored in the notebook.
"""
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from urllib.parse import urlsplit

import pytest

from conftest import REPO, answer_self_checks
from test_browser import (STEPPER, assert_steps_show_captions, try_play,
                          try_slider)

CHAPTER = "01_computational_graphs.ipynb"
UNRUN_COPY = "unrun_" + CHAPTER   # opened, never run
START_SECONDS = 120   # for the server to listen, on a slow machine
RUN_SECONDS = 180     # for every cell of the chapter to run

# Settings a reader could choose too; they keep the test self-contained:
# no autosave (the copy stays as it was), no news or update checks (they
# would ask the network).
LAB_SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
    "@jupyterlab/apputils-extension/notification": {
        "fetchNews": "false", "checkForUpdates": False},
}

# Errors that are expected, each with the reason.
EXPECTED_ERRORS = [
    ("Cross reference target was not found",
     "a {ref} to another chapter resolves only in the built book, where "
     "all chapters are one document; jupyterlab-myst logs it and shows "
     "the reference as plain text."),
    ("_markdownOverlapsToolbar",
     "JupyterLab 4.6's cell toolbar measures a rendered Markdown cell to "
     "keep clear of it, and finds no node in a cell that jupyterlab-myst "
     "2.7 rendered; the toolbar still works. Without jupyterlab-myst this "
     "error does not occur, but readers would see raw MyST."),
]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def strip_outputs(path):
    """Remove a notebook's stored outputs, widget state and the prose's
    stored numbers, so that all a run shows comes from the kernel."""
    notebook = json.loads(path.read_text())
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
        cell["metadata"].pop("user_expressions", None)
    notebook["metadata"].pop("widgets", None)
    path.write_text(json.dumps(notebook))


def write_settings(folder):
    for plugin, values in LAB_SETTINGS.items():
        path = folder / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """URL of a JupyterLab server over a copy of book/, with its token."""
    root = tmp_path_factory.mktemp("lab")
    shutil.copytree(REPO / "book", root / "book")
    shutil.copy(root / "book" / CHAPTER, root / "book" / UNRUN_COPY)
    strip_outputs(root / "book" / CHAPTER)
    write_settings(root / "settings")
    port, token = free_port(), secrets.token_hex(16)
    env = dict(os.environ, NNLIB_OFFLINE="1",
               JUPYTERLAB_SETTINGS_DIR=str(root / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(root / "workspaces"))
    log = open(root / "server.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser",
         "--ip=127.0.0.1", f"--port={port}", "--allow-root",
         f"--IdentityProvider.token={token}",
         "--LabApp.expose_app_in_browser=True",  # window.jupyterapp
         f"--ServerApp.root_dir={root}"],
        env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), 1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail("JupyterLab did not start:\n"
                                + (root / "server.log").read_text()[-3000:])
                time.sleep(0.5)
        yield f"http://127.0.0.1:{port}", token
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


KERNEL_IDLE = """() => {
    const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    const kernel = panel && panel.sessionContext
        && panel.sessionContext.session && panel.sessionContext.session.kernel;
    return !!kernel && kernel.status === 'idle';
}"""

CODE_CELLS = """() => window.jupyterapp.shell.currentWidget.content.widgets
    .filter(cell => cell.model.type === 'code')"""
ALL_RUN = f"""() => ({CODE_CELLS})().every(
    cell => cell.model.executionCount !== null)"""


SCROLL_THROUGH = """async () => {
    const notebook = window.jupyterapp.shell.currentWidget.content;
    for (let index = 0; index < notebook.widgets.length; index++) {
        await notebook.scrollToItem(index, 'center');
        await new Promise(resolve => setTimeout(resolve, 50));
    }
    await notebook.scrollToItem(0, 'start');
}"""


@pytest.fixture(scope="module")
def chapter(browser, lab):
    """Chapter 1 open in JupyterLab with every cell run: (page, errors,
    requests blocked)."""
    base, token = lab
    host = urlsplit(base).netloc
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    errors, blocked = [], []

    def route(route):
        if urlsplit(route.request.url).netloc == host:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.route("**/*", route)
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda err: errors.append(f"page: {err.stack}"))
    page.goto(f"{base}/lab/tree/book/{CHAPTER}?token={token}")
    page.wait_for_function(KERNEL_IDLE, timeout=START_SECONDS * 1000)
    assert page.locator(STEPPER).count() == 0  # nothing before the run
    # Scroll through once, as a reader would: jupyterlab-myst evaluates a
    # Markdown cell's {eval} roles when the cell runs only if it has been
    # drawn, and JupyterLab draws only the cells near the view.
    page.evaluate(SCROLL_THROUGH)
    page.evaluate("window.jupyterapp.commands.execute("
                  "'notebook:run-all-cells')")
    page.wait_for_function(ALL_RUN, timeout=RUN_SECONDS * 1000)
    page.wait_for_function(KERNEL_IDLE, timeout=RUN_SECONDS * 1000)
    yield page, errors, blocked
    page.close()


def stored_numbers():
    """{cell index: [(expression, text)]}: the values of the chapter's
    {eval} roles as `make refresh` stored them (the built book's too)."""
    notebook = json.loads((REPO / "book" / CHAPTER).read_text())
    return {index: [(item["expression"], item["result"]["data"]["text/plain"])
                    for item in cell["metadata"].get("user_expressions", [])]
            for index, cell in enumerate(notebook["cells"])
            if cell["metadata"].get("user_expressions")}


# The notebook is found by its path: the tab in front may be another one
# (JupyterLab restores the tabs the other page had open).
SHOW_CELL = """([path, index]) => {
    const shell = window.jupyterapp.shell;
    const panel = [...shell.widgets('main')].find(
        widget => widget.context && widget.context.path === path);
    if (shell.currentWidget !== panel) {
        shell.activateById(panel.id);
    }
    const notebook = panel.content;
    notebook.scrollToItem(index, 'center');
    const cell = notebook.widgets[index];
    return {
        text: cell.node.textContent,
        code: [...cell.node.querySelectorAll('code')].map(c => c.textContent),
    };
}"""


def cell_number_problems(page, name, index, values):
    """What Markdown cell `index` of the notebook book/`name` shows wrong,
    once scrolled into view (JupyterLab draws only the cells in view): an
    {eval} shown as its expression, or a number other than the stored
    one."""
    shown = page.evaluate(SHOW_CELL, [f"book/{name}", index])
    problems = []
    for expression, text in values:
        text = text.strip("'\"")   # a string shows without quotes
        if expression in shown["code"]:
            problems.append(f"cell {index} shows {expression!r}, not its "
                            f"number")
        elif text not in shown["text"]:
            problems.append(f"cell {index} does not show {expression} = "
                            f"{text}")
    return problems


def number_problems(page, name, patience=15):
    """Problems with the prose numbers of the open notebook book/`name`,
    waiting up to `patience` seconds for each cell (answers from the
    kernel may still be on their way)."""
    problems = []
    for index, values in stored_numbers().items():
        deadline = time.monotonic() + patience
        while True:
            found = cell_number_problems(page, name, index, values)
            if not found or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        problems += found
    return problems


def bring_into_view(page, stepper):
    """Scroll to a stepper and wait until it is drawn: JupyterLab skips
    drawing cells outside the view (CSS content-visibility)."""
    stepper.scroll_into_view_if_needed()
    page.wait_for_function(
        "el => el.innerText.includes('Step ')",
        arg=stepper.element_handle(), timeout=15000)


def back_to_first_step(page, stepper):
    stepper.locator(".noUi-handle").first.focus()
    page.keyboard.press("Home")
    page.wait_for_function(
        "el => el.innerText.includes('Step 1 of')",
        arg=stepper.element_handle(), timeout=15000)


def stored_stepper_count():
    """Steppers the stored chapter shows: code cells with a widget view,
    other than the self-checks (nnlib.book.quiz.predict)."""
    notebook = json.loads((REPO / "book" / CHAPTER).read_text())
    return sum(
        any("application/vnd.jupyter.widget-view+json" in out.get("data", {})
            and not "".join(out["data"].get("text/plain", "")).startswith(
                "Self-check:")
            for out in cell.get("outputs", []))
        for cell in notebook["cells"] if cell["cell_type"] == "code")


def test_every_cell_runs_without_error(chapter):
    page, _, _ = chapter
    errors = page.locator(".jp-OutputArea-output[data-mime-type="
                          "'application/vnd.jupyter.stderr']")
    texts = errors.all_inner_texts()
    assert not [t for t in texts if "Error" in t], texts


def test_myst_markup_is_rendered(chapter):
    page, _, _ = chapter
    text = page.locator(".jp-Notebook").inner_text()
    for raw in (":class: dropdown", "```{", "{ref}`", "{glue:"):
        assert raw not in text, f"raw MyST shown to the reader: {raw}"
    # jupyterlab-myst turns each exercise's solution into a dropdown.
    assert page.locator(".jp-MarkdownCell .myst-admonition").count() > 0


def test_prose_shows_the_numbers_the_kernel_computed(chapter):
    # The copy was run with no stored numbers: the kernel evaluated every
    # {eval}, and the numbers are those of the built book.
    page, _, _ = chapter
    assert stored_numbers(), "chapter 1 has no {eval} numbers to check"
    problems = number_problems(page, CHAPTER)
    assert not problems, problems


def test_prose_shows_stored_numbers_before_any_run(browser, lab):
    # A reader who opens a chapter and runs nothing sees its numbers too:
    # jupyterlab-myst reads the values `make refresh` stored.
    base, token = lab
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    try:
        page.goto(f"{base}/lab/tree/book/{UNRUN_COPY}?token={token}")
        page.wait_for_function(KERNEL_IDLE, timeout=START_SECONDS * 1000)
        # Every cell loaded (a long chapter loads in parts), not just some.
        cells = len(json.loads((REPO / "book" / CHAPTER).read_text())[
            "cells"])
        page.wait_for_function(
            "([path, n]) => [...window.jupyterapp.shell.widgets('main')]"
            ".some(w => w.context && w.context.path === path"
            " && w.content.widgets.length === n)",
            arg=[f"book/{UNRUN_COPY}", cells], timeout=30000)
        problems = number_problems(page, UNRUN_COPY)
        assert not problems, problems
    finally:
        page.close()


def test_first_stepper_shows_the_traced_captions(chapter):
    import nnlib.book.examples
    page, _, _ = chapter
    graph = nnlib.book.examples.apple_graph()
    stepper = page.locator(STEPPER).first
    bring_into_view(page, stepper)
    assert_steps_show_captions(page, stepper, graph)
    back_to_first_step(page, stepper)  # where the tests below expect it


def test_input_panel_retraces_with_the_kernel(chapter):
    # Only a live notebook has this: a new tax in the stepper's input
    # panel re-traces the graph in Python and redraws every step.
    import nnlib.book.examples
    page, _, _ = chapter
    graph = nnlib.book.examples.apple_graph(tax=1.2)
    last_caption = " ".join(graph.steps[-1].caption.split())
    stepper = page.locator(STEPPER).filter(
        has=page.locator(".widget-accordion")).first
    bring_into_view(page, stepper)
    stepper.locator(".jupyter-widget-Collapse-header").first.click()
    field = stepper.locator(".widget-text").filter(has_text="tax").locator(
        "input")
    field.fill("1.2")
    field.press("Enter")
    stepper.locator(".noUi-handle").first.focus()
    page.keyboard.press("End")   # its caption shows the new tax: 1.2
    page.wait_for_function(
        "([el, caption]) => el.innerText.replace(/\\s+/g, ' ')"
        ".includes(caption)",
        arg=[stepper.element_handle(), last_caption], timeout=30000)
    back_to_first_step(page, stepper)
    assert_steps_show_captions(page, stepper, graph)
    back_to_first_step(page, stepper)


def test_every_stepper_renders_and_steps(chapter):
    page, _, _ = chapter
    steppers = page.locator(STEPPER)
    expected = stored_stepper_count()
    assert expected > 0
    page.wait_for_function(
        f"() => document.querySelectorAll('{STEPPER}').length >= {expected}",
        timeout=30000)
    assert steppers.count() == expected
    for index in range(expected):
        stepper = steppers.nth(index)
        bring_into_view(page, stepper)
        for attempt in (try_slider, try_play):
            problem = attempt(page, stepper)
            assert problem is None, f"stepper {index}: {problem}"


def test_self_checks_answer(chapter):
    # Choosing an option shows its verdict in JupyterLab as in the book.
    page, _, _ = chapter
    assert page.locator(".nnlib-predict").count() > 0
    problems = answer_self_checks(page)
    assert not problems, problems


def test_no_unexpected_console_errors_or_requests(chapter):
    _, errors, blocked = chapter
    unexpected = [e for e in errors
                  if not any(known in e for known, _ in EXPECTED_ERRORS)]
    assert not unexpected, unexpected
    assert not blocked, f"requests outside the server: {blocked}"


def test_steppers_are_named_and_tabled_in_lab(chapter):
    # Each stepper's output brings the script that names its controls
    # (JupyterLab runs it: the output was made in this session) and its
    # steps as a table; the input panel's header is a keyboard button.
    page, _, _ = chapter
    stepper = page.locator(STEPPER).first
    bring_into_view(page, stepper)
    page.wait_for_function(
        "el => { const b = el.querySelector('.widget-play button');"
        " return b && b.getAttribute('aria-label') === 'Play'; }",
        arg=stepper.element_handle(), timeout=15000)
    handle = stepper.locator(".noUi-handle").first
    assert handle.get_attribute("aria-label") == "step"
    assert handle.get_attribute("aria-valuetext").startswith("Step ")
    assert page.locator(".nnlib-steps-table").count() == \
        page.locator(STEPPER).count() > 0
    header = page.locator(STEPPER).filter(
        has=page.locator(".widget-accordion")).first.locator(
        ".jupyter-widget-Collapse-header").first
    assert header.get_attribute("role") == "button"
    assert header.get_attribute("tabindex") == "0"
    assert header.is_visible()      # the built book hides it; Lab not
