"""Step through a traced graph: forward node by node, then backward
edge by edge.

``stepper(apple_graph)`` shows a Play button and a slider above a
picture of the graph with a one-line caption of the rule at work, and
under it the layer's ``forward`` or ``backward`` with the lines that
compute the step marked, beside the values that went in and came out
(nnlib.book.step_code).  It
uses only built-in ipywidgets tied together with ``jslink``, so it
steps in a static HTML page with no kernel.  Its DOM: a VBox with class
``nnlib-stepper`` holding a Play, an IntSlider and a Stack of HTML
widgets, one per step.

With ``controls=True`` and a builder function, a collapsed panel of
input boxes re-traces and redraws the graph; that needs a live kernel
(Jupyter, Binder), and the panel's title says so.

``frame_stepper(frames)`` is the same widget for any list of HTML
frames, such as the paths of an optimizer drawn after each step.

Shown in a notebook, a stepper is followed by its steps as text, which
reads with no JavaScript: a graph's "All steps as a table"
(nnlib.book.step_text), a frame stepper's frames as text.  Its controls
get names and its steps are announced by nnlib.book.accessible's
script.
"""

import inspect
import numbers

from xml.sax.saxutils import escape

import ipywidgets as widgets
import numpy as np
from ipywidgets.widgets.widget_string import HTMLStyle

from nnlib.book.accessible import STYLE, show_script
from nnlib.book.layout import Layout
from nnlib.book.step_code import CODE_STYLE, code_html, step_code
from nnlib.book.step_text import FramesTable, StepsTable
from nnlib.book.svg import FORWARD, GRADIENT, graph_svg, shared_svgs

PANEL_TITLE = "Change the inputs (live notebook only)"
# Lets a step's box be narrower than its picture, which then scrolls;
# with the focus ring and screen-reader text of nnlib.book.accessible.
FIT = ("<style>.nnlib-stepper .widget-html-content{min-width:0}"
       ".nnlib-step{width:100%}.nnlib-scroll{overflow-x:auto}"
       ".nnlib-caption{margin:.2em 0;line-height:1.4}</style>" + STYLE)
LEGEND = ("<p class='nnlib-legend' style='margin:0;font-size:90%;"
          "line-height:1.4'>"
          f"<span style='color:{FORWARD}'>Blue, upright, above an edge: "
          "the forward value.</span> "
          f"<i style='color:{GRADIENT}'>Red, italic, below with an arrow "
          "pointing back: the gradient.</i> "
          "<b>Yellow node, bold number:</b> what this step does.</p>")


class FrameStepper(widgets.VBox):
    """The widget frame_stepper() returns: a VBox with the parts named.

    play, slider, stack: the Play, IntSlider and Stack; links: the two
    jslinks (play-slider, slider-stack).  legend: the HTML under the
    frames (it also holds what all frames share).  text_display: once
    shown in a notebook, the handle of its steps as text (as_text()).
    """

    def _repr_mimebundle_(self, **kwargs):
        data = super()._repr_mimebundle_(**kwargs)
        data["text/plain"] = (f"Stepper through "
                              f"{len(self.stack.children)} frames")
        return data

    def _ipython_display_(self):
        """The widget, then its steps as text (which reads with no
        JavaScript), then, in a live notebook, the script that names
        its controls (nnlib.book.accessible)."""
        from IPython.display import display
        display(self._repr_mimebundle_(), raw=True)
        # Kept, so that a redraw (Stepper.show) can replace the text.
        self.text_display = display(self.as_text(), display_id=True)
        show_script()

    def as_text(self):
        """The frames as text: a FramesTable."""
        return FramesTable([child.value for child in self.stack.children])


def _assemble(box_class, children, legend, interval):
    """Play and IntSlider jslinked to a Stack of ``children``, in a
    ``box_class`` VBox with the DOM class ``nnlib-stepper``."""
    last = len(children) - 1
    play = widgets.Play(value=0, min=0, max=last, step=1,
                        interval=interval, description="Play")
    slider = widgets.IntSlider(value=0, min=0, max=last, step=1,
                               description="step", readout=False)
    stack = widgets.Stack(children=children, selected_index=0)
    stack.add_class("nnlib-steps")
    # jslink ties the values in the browser: stepping needs no kernel.
    links = (widgets.jslink((play, "value"), (slider, "value")),
             widgets.jslink((slider, "value"), (stack, "selected_index")))
    box = box_class([widgets.HBox([play, slider]), stack, legend])
    box.add_class("nnlib-stepper")
    box.play, box.slider, box.stack = play, slider, stack
    box.legend, box.links = legend, links
    return box


def frame_stepper(frames, shared="", interval=500):
    """A stepper through a list of HTML strings, one per frame.

    shared: HTML put on the page once, under the frames (e.g. an SVG
    ``<defs>`` block every frame refers to), so each frame stays small.
    """
    if not frames:
        raise ValueError("frame_stepper needs at least one frame.")
    # One layout and one style object shared by every frame keep the
    # page light.
    layout, style = widgets.Layout(width="100%"), HTMLStyle()
    children = [widgets.HTML(frame, layout=layout, style=style)
                for frame in frames]
    return _assemble(FrameStepper, children,
                     widgets.HTML(FIT + shared), interval)


class Stepper(FrameStepper):
    """The widget that stepper() returns: a FrameStepper of graph steps.

    graph: the Graph on show, and graph_layout its Layout.  panel: the
    Accordion of input controls, or None.  Where widgets cannot be
    shown, it displays the finished graph.
    """

    def _repr_mimebundle_(self, **kwargs):
        data = super()._repr_mimebundle_(**kwargs)
        steps = len(self.stack.children)
        data["text/plain"] = (f"Stepper through {steps} steps: "
                              f"{self.graph.title}")
        # A viewer without widget support shows the finished graph.
        data["image/svg+xml"] = graph_svg(self.graph,
                                          layout=self.graph_layout)
        return data

    def as_text(self):
        """Every step of the graph on show: a StepsTable."""
        return StepsTable(self.graph)

    def show(self, graph):
        """Step through another graph (the panel's redraw)."""
        layout = Layout(graph)
        base, pictures = shared_svgs(graph, layout)
        self.legend.value = _graph_legend(base)
        old = self.stack.children
        self.slider.value = min(self.slider.value, len(pictures) - 1)
        self.stack.children = _step_widgets(graph, pictures, self.shared)
        self.play.max = self.slider.max = len(pictures) - 1
        self.graph, self.graph_layout = graph, layout
        if getattr(self, "text_display", None) is not None:
            self.text_display.update(self.as_text())
        for child in old:
            child.close()


def step_html(graph, index, svg):
    """The HTML of one step: its picture, its caption, and the code of
    the layer that computes it (nnlib.book.step_code)."""
    step = graph.steps[index]
    caption = (f"<b>Step {index + 1} of {len(graph.steps)}, "
               f"{step.kind}.</b> {escape(step.caption)}")
    # A wide picture scrolls sideways on its own; the caption wraps.
    # Their looks are in FIT, once per stepper.
    return (f"<div class='nnlib-step'>"
            f"<div class='nnlib-scroll'>{svg}</div>"
            f"<p class='nnlib-caption'>{caption}</p>"
            f"{code_html(step_code(graph, index))}</div>")


def stepper(graph_or_builder, controls=False, interval=1500, **inputs):
    """A step-through widget for a traced graph.

    graph_or_builder: a Graph (from nnlib.book.trace or
    nnlib.book.examples), or a function that returns one, such as
    ``nnlib.book.examples.apple_graph``;
    ``inputs`` are passed to it (``stepper(apple_graph, tax=1.2)``).
    controls: with a builder, add a collapsed panel of input boxes that
    re-trace the graph when changed (needs a live kernel).
    interval: milliseconds per step when playing.
    """
    if callable(graph_or_builder):
        builder = graph_or_builder
        graph = builder(**inputs)
    else:
        if inputs or controls:
            raise TypeError("inputs and controls=True need a builder "
                            "function such as nnlib.book.examples."
                            "apple_graph, not a finished Graph.")
        builder, graph = None, graph_or_builder
    if not hasattr(graph, "steps") or not graph.steps:
        raise TypeError(f"stepper needs a Graph with steps (from "
                        f"nnlib.book.trace or nnlib.book.examples), got "
                        f"{graph!r}.")
    layout = Layout(graph)
    base, pictures = shared_svgs(graph, layout)
    # One layout and one style object shared by every step keep the
    # page light.
    shared = (widgets.Layout(width="100%"), HTMLStyle())
    # What every step draws alike is held once, hidden, by the legend.
    box = _assemble(Stepper, _step_widgets(graph, pictures, shared),
                    widgets.HTML(_graph_legend(base)), interval)
    box.graph, box.graph_layout, box.shared = graph, layout, shared
    box.panel = None
    if controls:
        if builder is None:
            raise TypeError("controls=True needs a builder function.")
        box.panel = _controls(box, builder, inputs)
        if box.panel is not None:
            box.children = box.children + (box.panel,)
    return box


def _graph_legend(base):
    """The legend of a graph stepper, holding what its steps share: the
    SVG parts (``base``) and the style of the code under each step."""
    return FIT + CODE_STYLE + base + LEGEND


def _step_widgets(graph, pictures, shared):
    layout, style = shared
    return [widgets.HTML(step_html(graph, i, svg), layout=layout,
                         style=style)
            for i, svg in enumerate(pictures)]


def _controls(box, builder, inputs):
    """Input boxes for the builder's numeric arguments; each change
    re-traces the graph and redraws every step (needs a kernel).  A
    value that cannot be traced is said in the panel, naming the input;
    the graph on show stays."""
    boxes = {}
    for name, param in inspect.signature(builder).parameters.items():
        value = inputs.get(name, param.default)
        if isinstance(value, bool):
            continue
        if isinstance(value, numbers.Real):
            boxes[name] = widgets.FloatText(value=float(value),
                                            description=name)
        elif np.ndim(value) == 1 and all(
                isinstance(v, numbers.Real) for v in value):
            boxes[name] = widgets.Text(
                value=", ".join(f"{float(v):g}" for v in value),
                description=name)
    if not boxes:
        return None
    status = widgets.HTML("")

    def redraw(change=None):
        try:
            kwargs = dict(inputs)
            kwargs.update((name, _read(name, field))
                          for name, field in boxes.items())
            graph = builder(**kwargs)
        except (ValueError, TypeError, ZeroDivisionError) as err:
            said = str(err)
            if change is not None and not said.startswith(
                    change["owner"].description + ":"):
                said = f"{change['owner'].description} = " \
                       f"{change['new']}: {said}"
            status.value = (f"<span style='color:#c01c28'>"
                            f"{escape(said)}</span>")
            return
        status.value = ""
        box.show(graph)

    for field in boxes.values():
        field.observe(redraw, names="value")
    panel = widgets.Accordion(
        children=[widgets.VBox(list(boxes.values()) + [status])],
        selected_index=None)
    panel.set_title(0, PANEL_TITLE)
    # The built book hides it: with no kernel it could change nothing.
    panel.add_class("nnlib-live-only")
    return panel


def _read(name, field):
    """The value of one input box: a number, or a tuple of numbers
    written with commas."""
    if not isinstance(field, widgets.Text):
        return field.value
    try:
        return tuple(float(v) for v in field.value.split(","))
    except ValueError:
        raise ValueError(
            f"{name}: {field.value!r} is not a list of numbers; write "
            f"numbers separated by commas, such as 0.3, 2.9, 4.") from None
