"""The stepper: built-in widgets tied by jslink, one step per child,
captions with the local rule, a fallback picture, a light page."""

import json
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

import ipywidgets as widgets
import numpy as np
from ipywidgets.widgets.widget_link import Link
import pytest
from ipywidgets.embed import dependency_state

from nnlib.book import examples
from nnlib.book.step_code import CODE_STYLE, code_html, step_code
from nnlib.book.svg import graph_svg
from nnlib.book.stepper import PANEL_TITLE, Stepper, frame_stepper, stepper

BUILDERS = [examples.apple_graph, examples.fruit_graph,
            examples.unary_graph, examples.square_of_sum_graph,
            examples.sigmoid_graph, examples.softmax_loss_graph,
            examples.affine_graph, examples.batchnorm_graph,
            examples.add_gate_graph, examples.mul_gate_graph,
            examples.max_gate_graph, examples.fork_graph,
            examples.two_paths_graph, examples.reuse_graph,
            examples.branching_graph, examples.gates_graph,
            examples.tiny_net_graph]


def walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from walk(child)


def test_dom_contract():
    box = stepper(examples.apple_graph)
    assert isinstance(box, widgets.VBox)
    assert "nnlib-stepper" in box._dom_classes
    parts = list(walk(box))
    plays = [w for w in parts if isinstance(w, widgets.Play)]
    sliders = [w for w in parts if isinstance(w, widgets.IntSlider)]
    stacks = [w for w in parts if isinstance(w, widgets.Stack)]
    assert plays == [box.play] and sliders == [box.slider]
    assert stacks == [box.stack]
    graph = box.graph
    assert len(box.stack.children) == len(graph.steps) == 7
    assert all(isinstance(c, widgets.HTML) for c in box.stack.children)
    assert box.play.max == box.slider.max == len(graph.steps) - 1
    assert box.stack.selected_index == 0


def test_stepping_is_linked_in_the_browser():
    box = stepper(examples.apple_graph)
    play_link, stack_link = box.links
    # jslink (not dlink, not observe): the browser keeps them in step.
    assert type(play_link) is Link
    assert type(stack_link) is Link
    assert play_link.source == (box.play, "value")
    assert play_link.target == (box.slider, "value")
    assert stack_link.source == (box.slider, "value")
    assert stack_link.target == (box.stack, "selected_index")
    # Only built-in widget models, so the static page can draw them.
    state = dependency_state(box)
    modules = {s["model_module"] for s in state.values()}
    assert modules <= {"@jupyter-widgets/controls", "@jupyter-widgets/base"}


def test_each_step_shows_its_picture_and_rule():
    box = stepper(examples.apple_graph)
    graph = box.graph
    base = box.legend.value
    for i, (step, child) in enumerate(zip(graph.steps, box.stack.children)):
        html = child.value
        assert f"Step {i + 1} of 7, {step.kind}." in html
        assert escape(step.caption) in html
        svg = html[html.index("<svg"):html.index("</svg>") + 6]
        # In a page, HTML's parser puts an <svg> in the SVG namespace.
        ref = ET.fromstring(svg).find("use").get("href")
        assert f"id='{ref[1:]}'" in base
    rule = box.stack.children[5].value
    assert "upstream 1.1 times the other input 2" in rule
    assert "→ dapple = 2.2" in rule
    # The number a step computes is text in the step itself.
    assert ">200</text>" in box.stack.children[0].value
    assert ">2.2</text>" in box.stack.children[5].value


@pytest.mark.parametrize("builder", BUILDERS,
                         ids=[b.__name__ for b in BUILDERS])
def test_each_step_shows_the_code_that_computes_it(builder):
    box = stepper(builder)
    for i, child in enumerate(box.stack.children):
        assert code_html(step_code(box.graph, i)) in child.value
    # The code's style is on the page once, with what the steps share.
    assert box.legend.value.count(CODE_STYLE) == 1
    assert all(CODE_STYLE not in c.value for c in box.stack.children)
    assert CODE_STYLE not in frame_stepper(["<p>a</p>"]).legend.value


def test_widgets_and_finished_graph_in_the_display_data():
    box = stepper(examples.fruit_graph)
    data = box._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data
    assert data["image/svg+xml"] == graph_svg(box.graph)
    assert data["text/plain"].startswith("Stepper through 13 steps")
    assert isinstance(box, Stepper)


def test_a_finished_graph_or_a_builder_with_inputs():
    graph = examples.apple_graph(tax=1.2)
    assert stepper(graph).graph is graph
    box = stepper(examples.apple_graph, tax=1.2)
    assert box.graph.value("price") == pytest.approx(240)
    with pytest.raises(TypeError, match="builder function"):
        stepper(graph, controls=True)
    with pytest.raises(TypeError, match="Graph with steps"):
        stepper(42)


def test_no_controls_unless_asked():
    box = stepper(examples.apple_graph)
    assert box.panel is None
    assert not [w for w in walk(box) if isinstance(w, widgets.FloatText)]


def test_controls_retrace_and_redraw():
    box = stepper(examples.apple_graph, controls=True)
    panel = box.panel
    assert isinstance(panel, widgets.Accordion)
    assert panel.get_title(0) == PANEL_TITLE
    assert "live notebook only" in PANEL_TITLE
    assert panel.selected_index is None          # collapsed
    fields = {w.description: w for w in walk(panel)
              if isinstance(w, widgets.FloatText)}
    assert set(fields) == {"apple", "apple_num", "tax"}
    old_stack = box.stack.children[1].value
    fields["tax"].value = 1.2
    assert box.graph.value("price") == pytest.approx(240)
    assert box.stack.children[1].value != old_stack
    assert "240" in box.stack.children[1].value
    assert len(box.stack.children) == len(box.graph.steps)


def test_controls_for_sequences_and_bad_input():
    box = stepper(examples.softmax_loss_graph, controls=True,
                  a=(0.3, 2.9, 4.0), t=(0, 0, 1))
    fields = {w.description: w for w in walk(box.panel)
              if isinstance(w, widgets.Text)}
    assert fields["a"].value == "0.3, 2.9, 4"
    fields["t"].value = "0, 1, 0"
    assert box.graph.grad("a2") == pytest.approx(box.graph.value("y2") - 1)
    before = box.graph
    fields["t"].value = "1, 1, 0"           # not one-hot: said, not raised
    assert box.graph is before
    status = [w for w in walk(box.panel) if isinstance(w, widgets.HTML)]
    assert "one-hot" in status[0].value


@pytest.mark.parametrize("controls", [False, True],
                         ids=["steps", "with-controls"])
@pytest.mark.parametrize("builder", BUILDERS,
                         ids=[b.__name__ for b in BUILDERS])
def test_a_stepper_adds_under_150_kb_to_its_page(builder, controls):
    # The state nbconvert stores and the page embeds: every model the
    # stepper depends on, with default values included; most chapters
    # add the panel of inputs (softmax-with-loss is the heaviest).
    state = dependency_state(stepper(builder, controls=controls),
                             drop_defaults=False)
    size = len(json.dumps(state, ensure_ascii=False).encode())
    assert size <= 150_000


def test_frame_stepper_steps_through_any_html_frames():
    frames = [f"<p>frame {i}</p>" for i in range(4)]
    box = frame_stepper(frames, shared="<svg><defs/></svg>")
    assert "nnlib-stepper" in box._dom_classes
    assert [c.value for c in box.stack.children] == frames
    assert box.play.max == box.slider.max == 3
    play_link, stack_link = box.links
    assert type(play_link) is Link and type(stack_link) is Link
    assert stack_link.target == (box.stack, "selected_index")
    assert "<svg><defs/></svg>" in box.legend.value
    bundle = box._repr_mimebundle_()
    assert bundle["text/plain"] == "Stepper through 4 frames"


def test_frame_stepper_needs_frames():
    with pytest.raises(ValueError, match="at least one frame"):
        frame_stepper([])


def panel_fields(box, kind):
    return {w.description: w for w in walk(box.panel)
            if isinstance(w, kind)}


def panel_status(box):
    return [w for w in walk(box.panel) if isinstance(w, widgets.HTML)][0]


def test_text_that_is_not_numbers_names_the_input():
    box = stepper(examples.softmax_loss_graph, controls=True)
    before = box.graph
    panel_fields(box, widgets.Text)["a"].value = "0.3, x, 4"
    said = panel_status(box).value
    assert "a: &#x27;0.3, x, 4&#x27; is not a list of numbers" in said \
        or "a: '0.3, x, 4' is not a list of numbers" in said
    assert "separated by commas" in said
    assert "could not convert" not in said
    assert box.graph is before


def test_an_input_that_overflows_is_said_not_drawn_as_nan():
    box = stepper(examples.sigmoid_graph, controls=True)
    before, pictures = box.graph, [c.value for c in box.stack.children]
    panel_fields(box, widgets.FloatText)["x"].value = -1000.0
    said = panel_status(box).value
    assert said.startswith("<span")
    assert "x = -1000.0: the exp node exp(-x) is inf" in said
    assert "Choose inputs nearer 0" in said
    assert box.graph is before
    assert [c.value for c in box.stack.children] == pictures
    assert not any("nan" in p for p in pictures)
    # A good value afterwards clears the message and redraws.
    panel_fields(box, widgets.FloatText)["x"].value = 2.0
    assert panel_status(box).value == ""
    assert box.graph.value("y") == pytest.approx(1 / (1 + np.exp(-2.0)))


class Shown:
    """What display() was handed: (object, keyword arguments) each, and
    a handle for the ones given a display_id."""

    def __init__(self, monkeypatch):
        self.items = []
        monkeypatch.setattr("IPython.display.display", self)

    def __call__(self, obj, **kwargs):
        self.items.append((obj, kwargs))
        if kwargs.get("display_id"):
            return Handle(self)
        return None


class Handle:
    def __init__(self, shown):
        self.shown = shown

    def update(self, obj):
        self.shown.items.append((obj, {"update": True}))


def test_a_stepper_shows_its_steps_as_a_table_after_the_widget(
        monkeypatch):
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    shown = Shown(monkeypatch)
    box = stepper(examples.apple_graph)
    box._ipython_display_()
    (widget, widget_kw), (table, table_kw) = shown.items
    assert widget_kw == {"raw": True}
    assert "application/vnd.jupyter.widget-view+json" in widget
    assert table_kw == {"display_id": True}
    assert "All steps as a table" in table._repr_html_()
    assert repr(table).splitlines()[1] == \
        f"Step 1 of 7: {box.graph.steps[0].caption}"


def test_a_redraw_replaces_the_table(monkeypatch):
    shown = Shown(monkeypatch)
    box = stepper(examples.apple_graph, controls=True)
    box._ipython_display_()
    fields = {w.description: w for w in walk(box.panel)
              if isinstance(w, widgets.FloatText)}
    fields["tax"].value = 1.2
    updated, kwargs = shown.items[-1]
    assert kwargs == {"update": True}
    assert "price = 240" in updated._repr_html_()


def test_in_a_live_notebook_the_script_follows(monkeypatch):
    monkeypatch.setenv("JPY_SESSION_NAME", "book/01.ipynb")
    shown = Shown(monkeypatch)
    frame_stepper(["<p>a</p>", "<p>b</p>"])._ipython_display_()
    (widget, _), (text, _), (script, _) = shown.items
    assert repr(text) == "All frames as text\nFrame 1: a\nFrame 2: b"
    assert script.data.startswith("<script>")


def test_what_the_page_script_finds():
    # Classes the script (nnlib/book/widget_a11y.js) looks for.
    box = stepper(examples.apple_graph, controls=True)
    assert "nnlib-steps" in box.stack._dom_classes
    assert "nnlib-live-only" in box.panel._dom_classes
    html = box.stack.children[0].value
    assert "<div class='nnlib-scroll'" in html
    assert "<p class='nnlib-caption'" in html
    # The focus ring's style travels with the widget.
    assert "focus-visible" in box.legend.value


def test_legend_colours_are_the_pictures():
    from nnlib.book.svg import FORWARD, GRADIENT
    legend = stepper(examples.apple_graph).legend.value
    assert f"color:{FORWARD}" in legend and f"color:{GRADIENT}" in legend
