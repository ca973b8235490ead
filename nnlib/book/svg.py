"""Draw a traced Graph as an SVG picture, one picture per step.

``graph_svg(graph, step)`` is a pure function: the same graph and step
always give the same text (no random ids, no dates).  Forward values
are written above each edge in blue, upright; gradients below it in
red, italic, next to a thick arrow pointing back.  The node working at
the chosen step is filled yellow and its new numbers are bold.  Each
picture's title names its step, and its description lists the numbers
it shows (nnlib.book.step_text), for readers who do not see it.

Where everything goes comes from a nnlib.book.layout.Layout, and what a
step shows from nnlib.book.steps.step_state.  Both functions take the
graph's Layout if it is already made (the stepper makes it once for all
its pictures) and make it otherwise.
"""

import hashlib
import math
from xml.sax.saxutils import escape

from nnlib.book.layout import (FONT, LINE, Layout, extra_lines, grad_text,
                               node_name, text_width, value_text)
from nnlib.book.step_text import picture_description, picture_title
from nnlib.book.steps import step_state

# How each kind of mark looks, as SVG presentation attributes: they work
# inside <use> copies and in <img>, where page stylesheets do not reach.
# Both colours keep a contrast of at least 4.5:1 on white, on the pale
# yellow behind a new number, and on the light grey panel that the
# book's dark mode puts behind widgets (#ced6dd), where the legend is.
FORWARD, GRADIENT = "#1c559e", "#a51d2d"
HALO = "paint-order='stroke' stroke='#fff' stroke-width='3'"
LOOK = {
    "e": "fill='none' stroke='#555' stroke-width='1.3'",      # edges
    "eb": "fill='none' stroke='#555' stroke-width='2.6'",     # edge now
    "ah": "fill='#555'",                                       # arrowheads
    "ga": f"fill='none' stroke='{GRADIENT}' stroke-width='2.4'",
    "gb": f"fill='none' stroke='{GRADIENT}' stroke-width='4'",
    "gh": f"fill='{GRADIENT}'",
    "n": "fill='#fff' stroke='#333' stroke-width='1.5'",       # nodes
    "na": "fill='#ffd84d' stroke='#7a5c00' stroke-width='3'",  # node now
    "s": "text-anchor='middle' font-size='14'",                # symbols
    "nm": f"text-anchor='middle' font-size='11' fill='#555' {HALO}",
    "li": f"text-anchor='end' {HALO}",                         # inputs
    "lo": f"font-weight='bold' {HALO}",                        # output
    "v": f"text-anchor='middle' fill='{FORWARD}' {HALO}",      # values
    "g": f"text-anchor='middle' fill='{GRADIENT}' font-style='italic' "
         f"{HALO}",                                            # gradients
    "hl": "fill='#fff1a8'",                                    # marks
}
FONT_ATTRS = f"font-family='sans-serif' font-size='{FONT}'"
# The stepper's pictures are many on one page: there each mark carries
# only its class, and one stylesheet (beside the shared parts) gives
# the same looks.  A picture on its own (graph_svg) keeps the attributes.
CLASS_ONLY = dict.fromkeys(LOOK, "")


def _css(attrs):
    """"fill='#555' font-size='11'" as CSS: "fill:#555;font-size:11px"."""
    rules = []
    for pair in attrs.split():
        name, value = pair.split("=")
        value = value.strip("'")
        rules.append(f"{name}:{value}px" if name == "font-size"
                     else f"{name}:{value}")
    return ";".join(rules)


MARKS_STYLE = (
    "<style>" + f".nnlib-step svg{{{_css(FONT_ATTRS)}}}" + "".join(
        f".nnlib-step svg .{kind}{{{_css(attrs)}}}"
        for kind, attrs in LOOK.items()) + "</style>")


def graph_svg(graph, step=None, layout=None):
    """The SVG text of ``graph`` as it stands after ``step``.

    graph: a Graph from nnlib.book.trace (e.g.
    nnlib.book.examples.apple_graph()).  step: an index into
    ``graph.steps`` (negative counts from the end), or None for the
    finished graph with every value and gradient and no highlight.
    layout: the graph's Layout, if already made.
    """
    layout = layout or Layout(graph)
    fixed = _fixed_parts(graph, layout)
    state = step_state(graph, step)
    changing = _step_parts(layout, state, LOOK)
    return _svg(graph, layout, fixed + changing,
                title=picture_title(graph, step),
                desc=picture_description(graph, state))


def shared_svgs(graph, layout=None):
    """The pictures of every step, sharing what does not change.

    Returns (base, pictures): ``base`` is a hidden SVG holding the parts
    every step has (edges, nodes, labels) and the forward values, under
    ids made from their content; each picture draws those by reference
    (``<use>``) and adds its own numbers and highlights, so a page with
    many steps stays light.  A page must hold ``base`` once for the
    pictures to show (the stepper puts it beside its legend).
    layout: the graph's Layout, if already made.
    """
    layout = layout or Layout(graph)
    fixed = _fixed_parts(graph, layout)
    # The forward values, all known once backward starts, also shared.
    values = _values(layout, step_state(graph, None), LOOK)
    ref = "nnl-" + hashlib.sha1((fixed + values).encode()).hexdigest()[:10]
    base = (MARKS_STYLE +
            f"<svg xmlns='http://www.w3.org/2000/svg' width='0' "
            f"height='0' style='position:absolute' aria-hidden='true'>"
            f"<defs><g id='{ref}' {FONT_ATTRS}>{fixed}</g>"
            f"<g id='{ref}-v' {FONT_ATTRS}>{values}</g></defs></svg>")
    pictures = []
    for i, step in enumerate(graph.steps):
        shared = f"<use href='#{ref}'/>"
        if step.kind == "backward":
            shared += f"<use href='#{ref}-v'/>"
        state = step_state(graph, i)
        content = shared + _step_parts(layout, state, CLASS_ONLY,
                                       values=step.kind == "forward")
        # Wide graphs scroll sideways rather than shrink below 3/4 size.
        pictures.append(_svg(graph, layout, content, least=0.75,
                             title=picture_title(graph, i),
                             desc=picture_description(graph, state),
                             in_page=True))
    return base, pictures


# -------------------------------------------------------------- drawing

def _n(x):
    """A coordinate in whole pixels."""
    return str(round(x))


def _nums(*values):
    """Numbers for path data: "12 -3 4" written as "12-3 4"."""
    text = ""
    for v in values:
        v = str(round(v))
        text += v if (not text or v.startswith("-")) else " " + v
    return text


class _Path:
    """Path data in whole pixels, each move relative to the last point."""

    def __init__(self):
        self.parts = []
        self.at = (0, 0)

    def move(self, point):
        x, y = round(point[0]), round(point[1])
        self.parts.append("M" + _nums(x, y))
        self.at = (x, y)

    def curve(self, c0, c1, end):
        ax, ay = self.at
        ex, ey = round(end[0]), round(end[1])
        self.parts.append("c" + _nums(c0[0] - ax, c0[1] - ay, c1[0] - ax,
                                      c1[1] - ay, ex - ax, ey - ay))
        self.at = (ex, ey)

    def across(self, x):
        x = round(x)
        self.parts.append("h" + _nums(x - self.at[0]))
        self.at = (x, self.at[1])

    def line(self, point):
        x, y = round(point[0]), round(point[1])
        self.parts.append("l" + _nums(x - self.at[0], y - self.at[1]))
        self.at = (x, y)

    def text(self):
        return "".join(self.parts)


def _curve_to(path, end, start_dir=None, end_dir=None):
    """A smooth cubic from the path's point to ``end``, leaving and
    arriving horizontally unless unit directions are given."""
    (x0, y0), (x1, y1) = path.at, end
    reach = max(abs(x1 - x0) * 0.45, 6)
    c0 = ((x0 + reach, y0) if start_dir is None else
          (x0 + start_dir[0] * reach, y0 + start_dir[1] * reach))
    c1 = ((x1 - reach, y1) if end_dir is None else
          (x1 - end_dir[0] * reach, y1 - end_dir[1] * reach))
    path.curve(c0, c1, end)


def _rim(item, r, toward):
    """Where a line towards ``toward`` leaves a node's circle, and the
    unit direction of that line (kept within 55° of horizontal)."""
    cx, cy = (item.x0 + item.x1) / 2, item.y
    dx, dy = toward[0] - cx, toward[1] - cy
    angle = math.atan2(dy, abs(dx) or 1e-9)
    angle = max(-0.96, min(0.96, angle))
    ux = math.copysign(math.cos(angle), dx or 1)
    uy = math.sin(angle)
    return (cx + r * ux, cy + r * uy), (ux, uy)


def _edge_path(layout, edge, path):
    """Add one edge to ``path``; return its arrow tip and direction."""
    chain = layout.chains[edge]
    runs = [((it.x0, it.y), (it.x1, it.y)) for it in chain[1:-1]]
    first, last = chain[0], chain[-1]
    if first.kind == "node":
        start, out_dir = _rim(first, layout.radius[first.ref], runs[0][0])
    else:
        start, out_dir = (first.x1, first.y), None
    path.move(start)
    _curve_to(path, runs[0][0], start_dir=out_dir)
    for i, (entry, exit_) in enumerate(runs):
        path.across(exit_[0])
        if i + 1 < len(runs):
            _curve_to(path, runs[i + 1][0])
    if last.kind == "node":
        tip, in_dir = _rim(last, layout.radius[last.ref], runs[-1][1])
        in_dir = (-in_dir[0], -in_dir[1])       # pointing into the node
    else:
        tip, in_dir = (last.x0 + 1, last.y), (1.0, 0.0)
    # The line stops at the base of the arrowhead.
    _curve_to(path, (tip[0] - in_dir[0] * 6, tip[1] - in_dir[1] * 6),
              end_dir=in_dir)
    return tip, in_dir


def _arrowhead(path, tip, direction, size=8, half=4):
    ux, uy = direction
    bx, by = tip[0] - ux * size, tip[1] - uy * size
    path.move(tip)
    path.line((bx - uy * half, by + ux * half))
    path.line((bx + uy * half, by - ux * half))
    path.parts.append("z")


def _svg(graph, layout, content, least=None, title="", desc="",
         in_page=False):
    """The <svg> element: as wide as its container up to its natural
    width, and (if ``least``) never narrower than that share of it.
    title names the picture (the graph's title if empty); desc says
    what it shows.  in_page: the picture sits in an HTML page beside
    MARKS_STYLE, which gives its font; the HTML parser needs no xmlns."""
    w, h = layout.width, layout.height
    narrowest = f";min-width:{round(w * least)}px" if least else ""
    title = title or graph.title or "Computational graph"
    desc = f"<desc>{escape(desc)}</desc>" if desc else ""
    own = "" if in_page else \
        f" xmlns='http://www.w3.org/2000/svg' {FONT_ATTRS}"
    return (f"<svg{own} viewBox='0 0 {w} {h}' "
            f"width='100%' style='max-width:{w}px{narrowest}' role='img'>"
            f"<title>{escape(title)}</title>{desc}"
            f"{content}</svg>")


def _fixed_parts(graph, layout):
    """What every step shows: edges, arrowheads, nodes and labels."""
    edges, heads = _Path(), _Path()
    for edge in layout.chains:
        _arrowhead(heads, *_edge_path(layout, edge, edges))
    nodes, symbols, names = [], [], []
    for node, item in layout.node_item.items():
        cx = (item.x0 + item.x1) / 2
        nodes.append(_circle(cx, item.y, layout.radius[node]))
        symbols.append(_symbol(cx, item.y, node.op))
        name = node_name(graph, node)
        if name:
            names.append(_text(cx, item.y + layout.radius[node] + 13, name))
    labels_in = [_text(it.x1 - 5, it.y + 4, it.ref.name)
                 for it in layout.input_item.values()]
    out = layout.out_item
    return "".join([
        f"<rect width='{layout.width}' height='{layout.height}' "
        f"fill='#fff'/>",
        _path("e", edges), _path("ah", heads),
        _group("n", nodes), _group("s", symbols), _group("nm", names),
        _group("li", labels_in),
        _group("lo", [_text(out.x0 + 5, out.y + 4, out.ref.name)]),
    ])


def _values(layout, state, look):
    """The forward values known in ``state``, not highlighted (marks
    drawn with ``look``: LOOK or CLASS_ONLY)."""
    texts = []
    for edge, chain in layout.chains.items():
        run = chain[1]
        if edge.src in state.computed and edge.src not in state.active_vars:
            texts.append(_text((run.x0 + run.x1) / 2, run.y - 6,
                               value_text(edge.src), up=True))
    return _group("v", texts, look)


def _step_parts(layout, state, look, values=True):
    """What one step adds: the numbers known so far and highlights
    (without the plain forward values if ``values`` is False), marks
    drawn with ``look`` (LOOK or CLASS_ONLY)."""
    busy_edges, busy_heads = _Path(), _Path()
    back, busy_back, back_heads = _Path(), _Path(), _Path()
    busy_values, grads, busy_grads, marks = [], [], [], []
    for edge, chain in layout.chains.items():
        run = chain[1]
        busy = edge.src in state.active_vars
        if busy:        # the value just computed: its edge drawn bold
            _arrowhead(busy_heads, *_edge_path(layout, edge, busy_edges))
        mid = (run.x0 + run.x1) / 2
        if edge.src in state.computed and busy:
            text = value_text(edge.src)
            marks.append(_mark(mid, run.y - 6, text, look, up=True))
            busy_values.append(_text(mid, run.y - 6, text, up=True))
        if edge in state.grads:
            text = grad_text(edge)
            y = run.y + 7
            now = edge is state.active_edge
            line = busy_back if now else back
            line.move((run.x1 - 4, y))
            line.across(run.x0 + 9)
            _arrowhead(back_heads, (run.x0 + 3, y), (-1.0, 0.0), 7, 4)
            if now:
                marks.append(_mark(mid, y + 15, text, look))
            (busy_grads if now else grads).append(_text(mid, y + 15, text))
    active = []
    node = state.active_node
    if node is not None:
        item = layout.node_item[node]
        cx = (item.x0 + item.x1) / 2
        active = [_group("na", [_circle(cx, item.y, layout.radius[node])],
                         look),
                  _group("s", [_symbol(cx, item.y, node.op)], look)]
    out = layout.out_item
    if state.active_edge is not None and state.active_edge.dst is None:
        marks.append(_mark(out.x0 + 5 + text_width(out.ref.name) / 2,
                           out.y + 4, out.ref.name, look))
        active.append(_group("lo", [_text(out.x0 + 5, out.y + 4,
                                          out.ref.name)], look))
    return "".join([
        "".join(marks),
        _path("eb", busy_edges, look), _path("ah", busy_heads, look),
        _path("ga", back, look), _path("gb", busy_back, look),
        _path("gh", back_heads, look),
        "".join(active),
        _values(layout, state, look) if values else "",
        _group("v", busy_values, look, bold=True),
        _group("g", grads, look), _group("g", busy_grads, look, bold=True),
    ])


def _circle(cx, cy, r):
    return f"<circle cx='{_n(cx)}' cy='{_n(cy)}' r='{r}'/>"


def _text(x, y, text, up=False):
    """``text`` with its first line at height y; a text of several lines
    (a matrix, one row per line) goes on downwards, or, if ``up``, is
    lifted so that its last line is at y."""
    lines = text.split("\n")
    top = y - extra_lines(text) if up else y
    return "".join(f"<text x='{_n(x)}' y='{_n(top + i * LINE)}'>"
                   f"{escape(line)}</text>" for i, line in enumerate(lines))


def _symbol(cx, cy, op):
    """A node's symbol, its lines centred on the node."""
    return _text(cx, cy + 5 - extra_lines(op) / 2, op)


def _mark(x, y, text, look, size=FONT, up=False):
    """A pale box behind a number that just changed (placed as _text
    places it)."""
    w = text_width(text, size) + 4
    top = y - extra_lines(text) if up else y
    return (f"<rect class='hl'{_attrs(look, 'hl')} x='{_n(x - w / 2)}' "
            f"y='{_n(top - size)}' "
            f"width='{_n(w)}' height='{_n(size + 5 + extra_lines(text))}' "
            f"rx='3'/>")


def _attrs(look, kind):
    """' fill=...' for a mark of ``kind``, or '' where a stylesheet
    gives its look (CLASS_ONLY)."""
    return f" {look[kind]}" if look[kind] else ""


def _path(kind, path, look=LOOK):
    if not path.parts:
        return ""
    return (f"<path class='{kind}'{_attrs(look, kind)} "
            f"d='{path.text()}'/>")


def _group(kind, parts, look=LOOK, bold=False):
    """A <g> of one kind of mark; class v holds forward values and
    class g gradients, so a reader (or a test) can pick them out."""
    if not parts:
        return ""
    weight = " font-weight='bold'" if bold else ""
    return (f"<g class='{kind}'{_attrs(look, kind)}{weight}>"
            f"{''.join(parts)}</g>")
