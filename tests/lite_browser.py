"""Driving the book's JupyterLite site in Chromium, with the network cut.

Shared by tests/test_lite.py and benchmarks/lite_speed.py. A chapter is
opened the way a reader opens it: on its page of the built book, through
the "Run in the browser" entry of the launch menu, which opens a new tab.
Everything runs in one browser context whose every request to a host
other than the book's server is recorded and refused; that covers the
pages, the service worker and the Pyodide kernel's web worker.

The site exposes its JupyterLab as ``window.jupyterapp``
(exposeAppInBrowser in tools/lite/jupyter-lite.json); cells, outputs and
the kernel are read from there.
"""
import functools
import http.server
import threading
import time
from contextlib import contextmanager
from urllib.parse import urljoin, urlsplit

LAUNCH_MENU = ".dropdown-launch-buttons button.dropdown-toggle"
LAUNCH_LINK = "a.btn-run-in-browser"

PANEL = "window.jupyterapp.shell.currentWidget"
NOTEBOOK_OPEN = f"""path => {{
    const panel = window.jupyterapp && {PANEL};
    return !!panel && !!panel.context && panel.context.path === path
        && !!panel.sessionContext.session
        && !!panel.sessionContext.session.kernel;
}}"""

# Resolves once the kernel ran a first statement: Pyodide loaded, the
# kernel's own packages installed.
KERNEL_READY = f"""async () => {{
    const panel = {PANEL};
    await panel.sessionContext.ready;
    const kernel = panel.sessionContext.session.kernel;
    await kernel.requestExecute({{code: 'pass', silent: true}}).done;
}}"""


def within(seconds, body):
    """JavaScript: an async function running `body` (an async arrow
    function's source, taking one argument) that fails after `seconds`
    instead of waiting forever (page.evaluate has no timeout)."""
    return f"""async arg => Promise.race([
        ({body})(arg),
        new Promise((_, reject) => setTimeout(
            () => reject(new Error('no answer within {seconds} s')),
            {seconds * 1000})),
    ])"""

# Done when every code cell ran, or when one failed (Run All stops there)
# and the kernel is idle.
RUN_FINISHED = f"""() => {{
    const panel = {PANEL};
    const cells = panel.content.widgets.filter(c => c.model.type === 'code');
    const failed = cells.some(c => c.model.outputs.toJSON().some(
        o => o.output_type === 'error'));
    const idle = panel.sessionContext.session.kernel.status === 'idle';
    return idle && (failed || cells.every(
        c => c.model.executionCount !== null));
}}"""

CELLS = f"""() => {PANEL}.content.widgets.map((cell, index) => ({{
    index,
    type: cell.model.type,
    source: cell.model.sharedModel.getSource(),
    count: cell.model.type === 'code' ? cell.model.executionCount : null,
    outputs: cell.model.type === 'code' ? cell.model.outputs.toJSON() : [],
}}))"""


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files without printing a line per request."""

    def log_message(self, *args):
        pass


@contextmanager
def serve(folder):
    """Base URL of folder served on 127.0.0.1 (a free port)."""
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


class LiteRun:
    """One chapter opened in the site: its page and what happened.

    blocked: URLs refused because they left the book's server; failed:
    requests on the server that failed or answered >= 400; errors:
    console errors and uncaught exceptions in the site (book_errors:
    on the book's page); timings in seconds.
    """

    def __init__(self, context, site):
        self.context = context
        self.site_host = urlsplit(site).netloc
        self.page = None
        self.blocked, self.failed = [], []
        self.errors, self.book_errors = [], []
        self.timings = {}
        context.route("**/*", self._route)

    def _route(self, route):
        if urlsplit(route.request.url).netloc == self.site_host:
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def _watch(self, page, errors):
        page.on("console", lambda m: m.type == "error"
                and errors.append(f"console: {m.text}"))
        page.on("pageerror", lambda err: errors.append(
            f"page: {err.stack or err}"))
        page.on("response", lambda r: r.status >= 400
                and self.failed.append(f"{r.status} {r.url}"))
        page.on("requestfailed", lambda r: urlsplit(
            r.url).netloc == self.site_host
            and self.failed.append(f"{r.failure} {r.url}"))

    def open_from_book(self, site, chapter_page, timeout=120):
        """Open chapter_page (e.g. 'book/01_x.html') of the built book and
        follow its "Run in the browser" link; waits until the notebook is
        open with a kernel session. Returns the notebook's path."""
        book = self.context.new_page()
        self._watch(book, self.book_errors)
        book.goto(urljoin(site, chapter_page))
        book.locator(LAUNCH_MENU).click()
        link = book.locator(LAUNCH_LINK)
        path = link.get_attribute("href").split("?path=", 1)[1]
        start = time.monotonic()
        with self.context.expect_page() as new_tab:
            link.click()
        self.page = new_tab.value
        self._watch(self.page, self.errors)
        book.close()
        self.page.wait_for_function(NOTEBOOK_OPEN, arg=path,
                                    timeout=timeout * 1000)
        self.timings["notebook_open"] = time.monotonic() - start
        self.page.evaluate(within(timeout, KERNEL_READY))
        self.timings["kernel_ready"] = time.monotonic() - start
        return path

    def edit_cell(self, marker, old, new):
        """Replace `old` by `new` in the one cell whose source contains
        marker, before it runs."""
        found = self.page.evaluate(f"""([marker, before, after]) => {{
            const cells = {PANEL}.content.widgets.filter(
                c => c.model.sharedModel.getSource().includes(marker));
            if (cells.length !== 1) return cells.length;
            const shared = cells[0].model.sharedModel;
            if (!shared.getSource().includes(before)) return -1;
            shared.setSource(shared.getSource().replace(before, after));
            return 1;
        }}""", [marker, old, new])
        assert found == 1, (f"expected one cell with {marker!r} holding "
                            f"{old!r}; found {found}")

    def start_run_all(self):
        """Start running every cell (Run > Run All Cells), not waiting:
        several chapters can run at once, each in its own kernel."""
        self._run_start = time.monotonic()
        self.page.evaluate("() => { window.jupyterapp.commands.execute("
                           "'notebook:run-all-cells'); }")

    def wait_run_all(self, timeout):
        """Wait until Run All finished; seconds since it started."""
        self.page.wait_for_function(RUN_FINISHED, timeout=timeout * 1000,
                                    polling=250)
        self.timings["run_all"] = time.monotonic() - self._run_start
        return self.timings["run_all"]

    def run_all(self, timeout):
        """Run every cell; seconds it took."""
        self.start_run_all()
        return self.wait_run_all(timeout)

    def run_cell(self, index, source, timeout=60):
        """Give cell `index` a new source, run it; its outputs."""
        return self.page.evaluate(within(timeout, f"""async ([index, s]) => {{
            const panel = {PANEL};
            const cell = panel.content.widgets[index];
            cell.model.sharedModel.setSource(s);
            panel.content.activeCellIndex = index;
            await window.jupyterapp.commands.execute('notebook:run-cell');
            const kernel = panel.sessionContext.session.kernel;
            while (cell.model.executionCount === null
                   || kernel.status !== 'idle') {{
                await new Promise(r => setTimeout(r, 100));
            }}
            return cell.model.outputs.toJSON();
        }}"""), [index, source])

    def execute(self, code, timeout=60):
        """Run code in the chapter's kernel, outside any cell; the text
        it printed."""
        return self.page.evaluate(within(timeout, f"""async code => {{
            const kernel = {PANEL}.sessionContext.session.kernel;
            const future = kernel.requestExecute({{code}});
            let text = '';
            future.onIOPub = msg => {{
                if (msg.header.msg_type === 'stream') text += msg.content.text;
                if (msg.header.msg_type === 'error') {{
                    text += msg.content.ename + ': ' + msg.content.evalue;
                }}
            }};
            await future.done;
            return text;
        }}"""), code)

    def show_cell(self, index):
        """Scroll cell `index` into view; a locator of its node. (The
        site's JupyterLab draws only the cells in view.)"""
        self.page.evaluate(f"""async index => {{
            await {PANEL}.content.scrollToItem(index, 'center');
        }}""", index)
        cell = self.page.locator(
            f'.jp-Cell[data-windowed-list-index="{index}"]')
        cell.wait_for(state="visible", timeout=15000)
        return cell

    def cells(self):
        """Every cell: index, type, source, count, outputs (nbformat)."""
        return self.page.evaluate(CELLS)


def output_text(output):
    """The text a reader sees of one output (stream, result, error)."""
    if output["output_type"] == "stream":
        return "".join(output["text"])
    if output["output_type"] == "error":
        return f"{output['ename']}: {output['evalue']}"
    return "".join(output.get("data", {}).get("text/plain", ""))


def cell_text(cell):
    return "".join(output_text(out) for out in cell["outputs"])
