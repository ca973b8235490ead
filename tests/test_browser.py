"""The built book in a real browser, with the network cut.

Serves _build/html on 127.0.0.1, opens every page in headless Chromium
(Debian's /usr/bin/chromium driven by Playwright) and blocks every request
to any other host. Each page is visited once; the tests below then check
what was recorded: requests, console errors, math, images, links, widgets,
and what axe-core (npm, package-lock.json) finds against WCAG 2.1 A and
AA in the light and the dark colour mode. On pages with a stepper, the
tests step it with no kernel running, and one test steps a stepper with
the keyboard alone, listening to what a screen reader would announce.

Build the book first: `make book` (`make test` does it for you).
"""
import functools
import http.server
import re
import threading
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest

from conftest import REPO, answer_self_checks

STEPPER = ".nnlib-stepper"
WIDGET_VIEW = 'script[type="application/vnd.jupyter.widget-view+json"]'

# Console errors known to be harmless, each with the reason.
HARMLESS_ERRORS = [
    (re.compile(r"Identifier 'THEBE_JS_URL' has already been declared"),
     "sphinx-thebe 0.3.1 writes its inline settings script twice on every "
     "page; the second copy fails to redeclare a const. Thebe (live code "
     "in the page) is switched off, so nothing reads it."),
    (re.compile(r"Got invalid theme mode"),
     "pydata-sphinx-theme logs this as an error on a first visit, when the "
     "browser has no stored light/dark choice; it then picks 'auto'."),
]


def is_harmless(message):
    """True if a console or page error is one of HARMLESS_ERRORS."""
    return any(pattern.search(message) for pattern, _ in HARMLESS_ERRORS)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files without printing a line per request."""

    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def site(built_html):
    """Base URL of the built book served on 127.0.0.1 (a free port)."""
    handler = functools.partial(QuietHandler, directory=str(built_html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


class PageVisit:
    """What happened while one page loaded: (N,) lists of problems."""

    def __init__(self, path):
        self.path = path
        self.blocked = []      # requests to hosts other than the site
        self.failed = []       # requests that failed or answered >= 400
        self.errors = []       # console errors and uncaught exceptions
        self.sockets = []      # websockets (a kernel connection)
        self.math_untypeset = 0
        self.math_errors = 0
        self.math_count = 0
        self.raw_tex = []      # prose text with TeX MathJax did not typeset
        self.imgs_without_alt = []
        self.hrefs = []
        self.widget_views = 0
        self.widgets_rendered = 0
        self.steppers = 0
        self.stepper_problems = []   # (what was tried, what went wrong)
        self.graph_steppers = 0      # steppers through a graph's steps
        self.stepper_code = []       # per one: (code at the first step,
                                     # code at the last step)
        self.self_checks = 0
        self.self_check_problems = []   # (question, what went wrong)
        self.fontawesome_observes = None
        self.play_icons = 0
        self.steps_tables = 0        # "All steps as a table" after steppers
        self.axe = {}                # colour mode -> axe's violations


def open_page(browser, site, path):
    """A new browser page for `path` with the network cut outside `site`.

    Returns (page, visit); the caller closes the page.
    """
    visit = PageVisit(path)
    page = browser.new_page()
    site_host = urlsplit(site).netloc

    def route(route):
        url = route.request.url
        if urlsplit(url).netloc == site_host:
            route.continue_()
        else:
            visit.blocked.append(url)
            route.abort()

    def on_response(response):
        if response.status >= 400:
            visit.failed.append(f"{response.status} {response.url}")

    def on_failed(request):
        if urlsplit(request.url).netloc == site_host:
            visit.failed.append(f"{request.failure} {request.url}")

    def on_console(message):
        if message.type == "error":
            visit.errors.append(f"console: {message.text}")

    page.route("**/*", route)
    page.on("response", on_response)
    page.on("requestfailed", on_failed)
    page.on("console", on_console)
    page.on("pageerror", lambda err: visit.errors.append(f"page: {err}"))
    page.on("websocket", lambda ws: visit.sockets.append(ws.url))
    page.goto(urljoin(site, path.as_posix()), wait_until="networkidle")
    return page, visit


def wait_until_settled(page):
    """Wait for MathJax's first typesetting and for widgets to render."""
    page.evaluate("""async () => {
        if (window.MathJax && window.MathJax.startup) {
            await window.MathJax.startup.promise;
        }
    }""")
    views = page.locator(WIDGET_VIEW).count()
    if views:
        page.wait_for_function(
            """n => document.querySelectorAll(
                '.widget-subarea .jupyter-widgets').length >= n""",
            arg=views, timeout=20000)
    page.wait_for_load_state("networkidle")


# Text in prose that looks like TeX: a dollar sign, or a backslash
# command such as \eta or \frac, or the \( \) delimiters.
RAW_TEX = r"\$|\\([A-Za-z]+|[()\[\]])"

# Where TeX-looking text is expected: typeset math, code, program
# output and widgets (a cell's printout is not prose).
NOT_PROSE = ("mjx-container, .math, code, pre, script, style, .highlight, "
             ".cell_output, .output, .jupyter-widgets, .widget-subarea")


def inspect(page, visit):
    """Record math, images, links and widgets of the loaded page."""
    visit.raw_tex = page.evaluate("""([pattern, skip]) => {
        const tex = new RegExp(pattern);
        const root = document.querySelector('main') || document.body;
        const walker = document.createTreeWalker(root,
            NodeFilter.SHOW_TEXT);
        const found = [];
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            if (node.parentElement.closest(skip)) continue;
            const text = node.textContent;
            const at = text.search(tex);
            if (at >= 0) {
                found.push(text.slice(Math.max(0, at - 30), at + 30)
                    .replace(/\\s+/g, ' '));
            }
        }
        return found;
    }""", [RAW_TEX, NOT_PROSE])
    found = page.evaluate("""() => {
        const math = [...document.querySelectorAll('.math')];
        return {
            math: math.length,
            untypeset: math.filter(
                m => !m.querySelector('mjx-container')).length,
            mathErrors: document.querySelectorAll('mjx-merror').length,
            // No alt text, or a file name for one (myst-nb's default).
            imgs: [...document.images]
                .filter(i => {
                    const alt = (i.getAttribute('alt') || '').trim();
                    return !alt || /\\.(png|jpe?g|gif|svg)$/i.test(alt);
                })
                .map(i => i.getAttribute('src')),
            hrefs: [...document.querySelectorAll('a[href]')]
                .map(a => a.href),
            views: document.querySelectorAll(
                'script[type="application/vnd.jupyter.widget-view+json"]'
            ).length,
            rendered: document.querySelectorAll(
                '.widget-subarea .jupyter-widgets').length,
            steppers: document.querySelectorAll('.nnlib-stepper').length,
            selfChecks: document.querySelectorAll('.nnlib-predict').length,
            tables: document.querySelectorAll('.nnlib-steps-table').length,
        };
    }""")
    visit.math_count = found["math"]
    visit.math_untypeset = found["untypeset"]
    visit.math_errors = found["mathErrors"]
    visit.imgs_without_alt = found["imgs"]
    visit.hrefs = found["hrefs"]
    visit.widget_views = found["views"]
    visit.widgets_rendered = found["rendered"]
    visit.steppers = found["steppers"]
    visit.self_checks = found["selfChecks"]
    visit.steps_tables = found["tables"]


AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0 and 2.1, levels A and AA: what universities must meet.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SERIOUS = {"critical", "serious"}
# The theme's violations that our own CSS and JS (tools/js/) cannot fix,
# each with the reason: (axe rule, a CSS selector part of the element).
THEME_EXCEPTIONS = [
]


def is_theme_exception(rule, target):
    return any(rule == known and part in target
               for known, part, _ in THEME_EXCEPTIONS)


def set_colour_mode(page, mode):
    """Switch the theme's colour mode as its own button does."""
    page.evaluate("""mode => {
        document.documentElement.dataset.mode = mode;
        document.documentElement.dataset.theme = mode;
    }""", mode)
    # Two frames: styles applied, our scripts' observers run.
    page.evaluate("() => new Promise(r => requestAnimationFrame("
                  "() => requestAnimationFrame(r)))")


def audit(page, visit):
    """Run axe-core on the page in the light and the dark colour mode;
    record each violation as (rule, impact, element, summary)."""
    if not AXE.is_file():
        pytest.fail(f"axe-core is not installed at {AXE}: run `npm ci` "
                    "(or `make install`).", pytrace=False)
    page.add_script_tag(path=str(AXE))
    # No fading in or changing colours gradually: axe would measure the
    # colours halfway.
    page.add_style_tag(content="*, *::before, *::after { transition: none "
                       "!important; animation: none !important; }")
    # What a reader can open is checked open: the tables of steps,
    # hidden code, solutions.
    page.evaluate("""() => {
        document.querySelectorAll('details')
            .forEach(d => { d.open = true; });
        document.querySelectorAll('button.toggle-button-hidden')
            .forEach(b => b.click());
    }""")
    for mode in ("light", "dark"):
        set_colour_mode(page, mode)
        visit.axe[mode] = [tuple(v) for v in page.evaluate(
            """async tags => {
                const result = await axe.run(document, {
                    runOnly: {type: 'tag', values: tags},
                    resultTypes: ['violations']});
                return result.violations.flatMap(v => v.nodes.map(n => [
                    v.id, v.impact, n.target.join(' '),
                    (n.failureSummary || '').replace(/\\s+/g, ' ')
                        .slice(0, 300)]));
            }""", AXE_TAGS)]
    set_colour_mode(page, "light")


@pytest.fixture(scope="session")
def visits(browser, site, html_pages):
    """One PageVisit per page of the built book, each page loaded once.

    Steppers are stepped and self-checks answered during the visit, so
    errors they raise are recorded with the page's other console errors.
    """
    assert html_pages, "the built book has no HTML pages"
    results = []
    for path in html_pages:
        page, visit = open_page(browser, site, path)
        try:
            wait_until_settled(page)
            inspect(page, visit)
            audit(page, visit)
            if visit.steppers:
                step_through(page, visit)
            if visit.self_checks:
                visit.self_check_problems = answer_self_checks(page)
        finally:
            page.close()
        results.append(visit)
    return results


def report(problems):
    """One line per (page, problem) for an assertion message."""
    return "\n".join(f"{path}: {what}" for path, what in problems)


def test_every_page_is_visited(visits, built_html):
    # The book has its pages and every one of them was opened.
    paths = {visit.path.as_posix() for visit in visits}
    assert "index.html" in paths
    assert any(p.startswith("book/") for p in paths), paths


def test_no_request_leaves_the_site(visits):
    problems = [(v.path, url) for v in visits for url in v.blocked]
    assert not problems, "requests outside the site:\n" + report(problems)


def test_no_request_fails(visits):
    problems = [(v.path, f) for v in visits for f in v.failed]
    assert not problems, "failed requests:\n" + report(problems)


def test_no_console_errors(visits):
    problems = [(v.path, e) for v in visits for e in v.errors
                if not is_harmless(e)]
    assert not problems, "console errors:\n" + report(problems)


def test_no_kernel_connection(visits):
    # Static pages must never try to reach a kernel.
    problems = [(v.path, url) for v in visits for url in v.sockets]
    assert not problems, "websockets opened:\n" + report(problems)


def test_math_is_typeset(visits):
    problems = [(v.path, f"{v.math_untypeset} of {v.math_count} math "
                 "elements not typeset by MathJax")
                for v in visits if v.math_untypeset]
    problems += [(v.path, f"{v.math_errors} TeX errors")
                 for v in visits if v.math_errors]
    assert not problems, report(problems)
    # The intro has math, so this test cannot pass by finding none.
    intro = [v for v in visits if v.path.as_posix() == "book/intro.html"]
    assert intro and intro[0].math_count > 0


def test_no_raw_tex_in_prose(visits):
    # TeX that MathJax did not typeset shows as "$" or "\\eta" in the
    # text, e.g. display math written inside a list item.
    problems = [(v.path, f"untypeset TeX: ...{text}...")
                for v in visits for text in v.raw_tex]
    assert not problems, report(problems)


def test_every_image_has_alt_text(visits):
    problems = [(v.path, f"<img src={src!r}> has no alt text saying what "
                 "it shows")
                for v in visits for src in v.imgs_without_alt]
    assert not problems, report(problems)


class IdCollector(HTMLParser):
    """Collects every id= in an HTML file (link targets)."""

    def __init__(self):
        super().__init__()
        self.ids = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("id", "name") and value:
                self.ids.add(value)


@functools.lru_cache(maxsize=None)
def ids_in(path):
    collector = IdCollector()
    collector.feed(path.read_text(encoding="utf-8"))
    return collector.ids


def test_internal_links_resolve(visits, site, built_html):
    site_host = urlsplit(site).netloc
    problems = []
    for visit in visits:
        for href in set(visit.hrefs):
            parts = urlsplit(href)
            if parts.netloc != site_host:
                continue  # external links are not requests; not checked
            target = built_html / unquote(parts.path).lstrip("/")
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                problems.append((visit.path, f"missing file: {href}"))
            elif (parts.fragment and target.suffix == ".html"
                  and unquote(parts.fragment) not in ids_in(target)):
                problems.append((visit.path, f"missing anchor: {href}"))
    assert not problems, "broken links:\n" + report(problems)


def test_widgets_render_without_kernel(visits):
    problems = [(v.path, f"{v.widgets_rendered} of {v.widget_views} "
                 "widget views rendered")
                for v in visits if v.widgets_rendered < v.widget_views]
    assert not problems, report(problems)


def stepper_pages(visits):
    pages = [v for v in visits if v.steppers]
    assert pages, "no page of the built book has a stepper"
    return pages


def shown_step(stepper):
    """HTML of the step a stepper shows now (its Stack's visible child).

    A Stack renders only its selected child, so the HTML widgets present
    in the stepper hold the visible step (plus any fixed legend, which
    does not change). HTML rather than text, so that two steps with the
    same numbers but a different highlight still differ.
    """
    return "\n".join(stepper.locator(".widget-html-content").evaluate_all(
        "els => els.map(e => e.innerHTML)"))


def wait_for_step_change(page, stepper, before, timeout=15000):
    """Wait until the stepper shows something other than `before`.

    Returns None, or what went wrong as a sentence.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    try:
        page.wait_for_function(
            """([el, before]) => [...el.querySelectorAll(
                    '.widget-html-content')]
                .map(e => e.innerHTML).join('\\n') !== before""",
            arg=[stepper.element_handle(), before], timeout=timeout)
    except PlaywrightTimeout:
        return f"the shown step did not change within {timeout} ms"
    return None


def try_slider(page, stepper):
    """Move the slider one step right and back with the keyboard.

    Returns None, or what went wrong.
    """
    first = shown_step(stepper)
    if not stepper.locator(".widget-html-content").first.inner_text().strip():
        return "the stepper shows no step"
    stepper.locator(".noUi-handle").first.focus()
    page.keyboard.press("ArrowRight")
    problem = wait_for_step_change(page, stepper, first)
    if problem:
        return f"slider right: {problem}"
    second = shown_step(stepper)
    page.keyboard.press("ArrowLeft")
    problem = wait_for_step_change(page, stepper, second)
    if problem:
        return f"slider left: {problem}"
    if shown_step(stepper) != first:
        return "slider back to the start did not show the first step again"
    return None


def try_play(page, stepper):
    """Press the Play button; returns None, or what went wrong."""
    first = shown_step(stepper)
    stepper.locator(".widget-play button").first.click()
    problem = wait_for_step_change(page, stepper, first)
    return f"play: {problem}" if problem else None


def shown_code(stepper):
    """The code the shown step lights: {"method": "module:Class.method",
    "lit": [the marked lines' text]}, or None if the step shows none."""
    return stepper.evaluate("""el => {
        const pre = el.querySelector('.nnlib-step pre[data-method]');
        if (!pre) return null;
        return {method: pre.dataset.method,
                lit: [...pre.querySelectorAll('mark')]
                    .map(m => m.textContent)};
    }""")


def try_code(page, stepper, visit):
    """Record the code lit at the first and the last step (End key),
    then go back to the first step (Home).  Returns None, or what went
    wrong.  A stepper through other frames than a graph's is left
    alone."""
    if not stepper.locator(".nnlib-step").count():
        return None
    visit.graph_steppers += 1
    first = shown_code(stepper)
    before = shown_step(stepper)
    stepper.locator(".noUi-handle").first.focus()
    page.keyboard.press("End")
    problem = wait_for_step_change(page, stepper, before)
    if problem:
        return f"End key: {problem}"
    last, at_end = shown_code(stepper), shown_step(stepper)
    page.keyboard.press("Home")
    problem = wait_for_step_change(page, stepper, at_end)
    if problem:
        return f"Home key: {problem}"
    visit.stepper_code.append((first, last))
    return None


def step_through(page, visit):
    """Step every stepper of the page; record what went wrong."""
    steppers = page.locator(STEPPER)
    for index in range(steppers.count()):
        stepper = steppers.nth(index)
        stepper.scroll_into_view_if_needed()
        for name, attempt in (
                ("code", functools.partial(try_code, visit=visit)),
                ("slider", try_slider), ("play", try_play)):
            problem = attempt(page, stepper)
            if problem:
                visit.stepper_problems.append(
                    (name, f"stepper {index}: {problem}"))
    visit.fontawesome_observes = page.evaluate(
        "() => window.FontAwesome ? "
        "window.FontAwesome.config.observeMutations : null")
    visit.play_icons = page.locator(f"{STEPPER} .widget-play i").count()


def test_sliders_step_without_kernel(visits):
    problems = [(v.path, what) for v in stepper_pages(visits)
                for name, what in v.stepper_problems if name == "slider"]
    assert not problems, report(problems)


def test_play_steps_without_kernel(visits):
    problems = [(v.path, what) for v in stepper_pages(visits)
                for name, what in v.stepper_problems if name == "play"]
    assert not problems, report(problems)


def method_lines(where):
    """The lines of a method named "module:Class.method", read from its
    class and dedented (as the chapters print it)."""
    import importlib
    import inspect
    import textwrap
    module, qualname = where.split(":")
    obj = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return textwrap.dedent(inspect.getsource(obj)).splitlines()


def code_problems(code, kind):
    """What is wrong with a step's shown code (a shown_code() dict) for
    a ``kind`` ("forward" or "backward") step: a list of sentences."""
    from nnlib.book.step_code import MARK
    if code is None:
        return [f"a {kind} step shows no code"]
    if not code["method"].endswith("." + kind):
        return [f"a {kind} step shows {code['method']}"]
    if not code["lit"]:
        return [f"{code['method']}: no line is marked"]
    source = method_lines(code["method"])
    return [f"{code['method']}: the marked line {line!r} is not in its "
            f"source" for line in code["lit"]
            if not line.startswith(MARK) or line[len(MARK):] not in source]


def test_each_stepper_lights_the_lines_of_its_layer(visits):
    # At the first step (a node's forward) and the last (a node's
    # backward), the stepper marks lines of that very method of the
    # traced node's class, as read from nnlib; stepping changes them.
    problems = [(v.path, what) for v in stepper_pages(visits)
                for name, what in v.stepper_problems if name == "code"]
    for visit in stepper_pages(visits):
        for index, (first, last) in enumerate(visit.stepper_code):
            where = f"stepper {index}"
            problems += [(visit.path, f"{where}, first step: {p}")
                         for p in code_problems(first, "forward")]
            problems += [(visit.path, f"{where}, last step: {p}")
                         for p in code_problems(last, "backward")]
            if first == last:
                problems.append((visit.path, f"{where}: the marked "
                                 f"lines did not change"))
    assert not problems, report(problems)
    assert sum(v.graph_steppers for v in visits) > 0


def test_fontawesome_leaves_widget_icons_alone(visits):
    # The theme's FontAwesome must not watch the page (pitfall B): it
    # would swap the Play widget's <i> icons for <svg> and break jslinks.
    for visit in stepper_pages(visits):
        assert visit.fontawesome_observes is False, visit.path
        assert visit.play_icons > 0, (
            f"{visit.path}: the Play widget's icons were replaced")


def shown_text(stepper):
    """The visible text of the step a stepper shows now."""
    return stepper.locator(".nnlib-step").first.inner_text()


def assert_steps_show_captions(page, stepper, graph):
    """Step `stepper` with the keyboard from its first step to its last,
    asserting that each step shows the caption nnlib traced for it."""
    stepper.locator(".noUi-handle").first.focus()
    total = len(graph.steps)
    for number, step in enumerate(graph.steps, start=1):
        if number > 1:
            before = shown_step(stepper)
            page.keyboard.press("ArrowRight")
            assert wait_for_step_change(page, stepper, before) is None
        text = " ".join(shown_text(stepper).split())
        assert f"Step {number} of {total}" in text
        assert " ".join(step.caption.split()) in text, (number, text)
        assert_step_shows_its_code(stepper, graph, number - 1, text)


def assert_step_shows_its_code(stepper, graph, index, text):
    """The shown step marks the lines nnlib picks for step ``index``,
    of its node's own method, with the step's values beside them."""
    from nnlib.book.step_code import (MARK, shown_method, step_code,
                                      values_text)
    code, shown = step_code(graph, index), shown_code(stepper)
    if code is None:                # backward starts: no layer runs
        assert shown is None and "No layer's code runs" in text
        return
    step = graph.steps[index]
    method = shown_method(step.node.layer, step.kind)
    assert shown["method"] == f"{method.__module__}:{method.__qualname__}"
    assert shown["lit"] == [MARK + code.source[n - 1] for n in code.lit]
    assert not code_problems(shown, step.kind)
    assert " ".join(values_text(code).split()) in text


def step_through_and_compare(browser, site, page_path, index,
                             builder_name):
    """Step the page's stepper number `index` and compare every step with
    the graph nnlib.book.examples.<builder_name>() traces."""
    import nnlib.book.examples
    graph = getattr(nnlib.book.examples, builder_name)()
    page, visit = open_page(browser, site, Path(page_path))
    try:
        wait_until_settled(page)
        stepper = page.locator(STEPPER).nth(index)
        stepper.scroll_into_view_if_needed()
        assert_steps_show_captions(page, stepper, graph)
    finally:
        page.close()
    assert not [e for e in visit.errors if not is_harmless(e)]


@pytest.mark.parametrize("index, builder_name", [
    (0, "apple_graph"),   # chapter 1's first stepper: problem 1
    (1, "fruit_graph"),   # its second: problem 2
])
def test_chapter_one_stepper_shows_each_steps_values(
        browser, site, index, builder_name):
    # Click through a stepper of the static page, step by step, and read
    # each step's caption: it must be the one nnlib traced, values and all.
    step_through_and_compare(browser, site,
                             "book/01_computational_graphs.html", index,
                             builder_name)


@pytest.mark.parametrize("page_path, index, builder_name", [
    ("book/05_affine_softmax.html", 0, "affine_graph"),       # shapes
    ("book/13_batch_norm.html", 0, "batchnorm_graph"),        # vectors
])
def test_steppers_with_arrays_light_each_steps_lines(
        browser, site, page_path, index, builder_name):
    # Step by step, each step marks the lines nnlib picks, in its node's
    # own forward or backward, with the values as the captions write
    # them (shapes, or short vectors written out).
    step_through_and_compare(browser, site, page_path, index, builder_name)


def test_self_checks_answer_without_kernel(visits, built_html):
    # A self-check ties its choice to its feedback with jslink only, so a
    # reader of the static page, with no kernel and no network, is told
    # whether a prediction is right and which mistake a wrong one is.
    # A page has one if its stored widget state holds one (the class
    # name also appears in the steppers' shared style).
    holds_one = re.compile(r'"_dom_classes": *\[[^]]*"nnlib-predict"')
    pages = [v for v in visits if holds_one.search(
             (built_html / v.path).read_text(encoding="utf-8"))]
    assert pages, "no page of the built book has a self-check"
    problems = [(v.path, "its self-checks do not render") for v in pages
                if not v.self_checks]
    problems += [(v.path, f"{question}: {problem}") for v in pages
                 for question, problem in v.self_check_problems]
    assert not problems, report(problems)


@pytest.mark.parametrize("mode", ["light", "dark"])
def test_no_serious_accessibility_violations(visits, mode):
    # axe-core on every page: nothing critical or serious in our content
    # and widgets; the theme's own faults only where listed above.
    assert all(mode in v.axe for v in visits)
    problems = [(v.path, f"{rule} ({impact}) at {target}: {summary}")
                for v in visits for rule, impact, target, summary
                in v.axe[mode]
                if impact in SERIOUS and not is_theme_exception(rule, target)]
    assert not problems, f"axe, {mode} mode:\n" + report(problems)


def test_every_stepper_has_its_steps_as_text(visits, built_html):
    # Under each stepper, its steps as a table, in the page's HTML itself
    # (it reads with no JavaScript); none missing, none extra.
    for visit in stepper_pages(visits):
        html = (built_html / visit.path).read_text(encoding="utf-8")
        assert visit.steps_tables == visit.steppers, visit.path
        assert html.count("class='nnlib-steps-table'") == visit.steppers, \
            visit.path


ANNOUNCED = ".nnlib-announce"
FOCUSED = """() => {
    const el = document.activeElement;
    return {inStepper: !!el.closest('.nnlib-stepper'),
            name: el.getAttribute('aria-label'),
            pressed: el.getAttribute('aria-pressed'),
            role: el.getAttribute('role'),
            valuetext: el.getAttribute('aria-valuetext')};
}"""


def tab_into_stepper(page, stepper, limit=20):
    """Focus the cell before the stepper, then press Tab until the focus
    is in the stepper; return what the focused control says."""
    stepper.evaluate("""el => {
        const cell = el.closest('.cell');
        cell.setAttribute('tabindex', '-1');
        cell.focus();
    }""")
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused["inStepper"]:
            return focused
    raise AssertionError(f"Tab did not reach the stepper in {limit} presses")


def announced(stepper):
    return stepper.locator(ANNOUNCED).text_content()


def test_keyboard_alone_steps_and_hears_each_step(browser, site):
    # A screen-reader user's path through chapter 1's first stepper: Tab
    # reaches its named controls, the arrow keys step it, and each step's
    # caption is announced; autoplay is not announced at every tick.
    import nnlib.book.examples
    graph = nnlib.book.examples.apple_graph()
    captions = [" ".join(s.caption.split()) for s in graph.steps]
    page, visit = open_page(browser, site,
                            Path("book/01_computational_graphs.html"))
    try:
        wait_until_settled(page)
        stepper = page.locator(STEPPER).first
        stepper.scroll_into_view_if_needed()
        assert tab_into_stepper(page, stepper)["name"] == "Play"
        page.keyboard.press("Tab")
        assert page.evaluate(FOCUSED)["name"] == "Stop"
        page.keyboard.press("Tab")
        loop = page.evaluate(FOCUSED)
        assert (loop["name"], loop["pressed"]) == ("Loop", "false")
        page.keyboard.press("Tab")
        handle = page.evaluate(FOCUSED)
        assert handle == {"inStepper": True, "name": "step", "pressed": None,
                          "role": "slider", "valuetext": "Step 1 of 7"}
        assert announced(stepper) == ""     # nothing said unasked
        for number in (2, 3):
            page.keyboard.press("ArrowRight")
            page.wait_for_function(
                "([el, n]) => el.querySelector('.nnlib-announce')"
                ".textContent.includes('Step ' + n + ' of 7')",
                arg=[stepper.element_handle(), number], timeout=10000)
            said = " ".join(announced(stepper).split())
            assert said == (f"Step {number} of 7, "
                            f"{graph.steps[number - 1].kind}. "
                            f"{captions[number - 1]}")
            assert page.evaluate(FOCUSED)["valuetext"] == \
                f"Step {number} of 7"
        # Play with the keyboard: the ticks are not announced ...
        before = announced(stepper)
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Shift+Tab")
        assert page.evaluate(FOCUSED)["name"] == "Play"
        page.keyboard.press("Enter")
        page.wait_for_function(
            "el => el.querySelector('.widget-play button')"
            ".getAttribute('aria-label') === 'Pause'",
            arg=stepper.element_handle(), timeout=5000)
        shown = shown_step(stepper)
        assert wait_for_step_change(page, stepper, shown) is None
        assert announced(stepper) == before
        # ... and where it stops is.
        page.keyboard.press("Enter")
        page.wait_for_function(
            "([el, before]) => el.querySelector('.nnlib-announce')"
            ".textContent !== before",
            arg=[stepper.element_handle(), before], timeout=5000)
        caption = stepper.locator(".nnlib-step .nnlib-caption").first
        assert " ".join(announced(stepper).split()) == \
            " ".join(caption.inner_text().split())
    finally:
        page.close()
    assert not [e for e in visit.errors if not is_harmless(e)]
