"""Draw a traced Graph as an SVG picture, one picture per step.

``graph_svg(graph, step)`` is a pure function: the same graph and step
always give the same text (no random ids, no dates).  Forward values
are written above each edge in blue, upright; gradients below it in
red, italic, next to a thick arrow pointing back.  The node working at
the chosen step is filled yellow and its new numbers are bold.

Layout, left to right: nodes sit in columns by their distance from the
inputs; between two columns each edge gets a straight stretch where its
numbers are written; rows are found by repeatedly moving every item
towards the items it is joined to, keeping each column in order.
"""

import hashlib
import math
import random
from collections import defaultdict
from xml.sax.saxutils import escape

import numpy as np

from nnlib.trace import format_shape, format_value, levels

FONT = 13           # px, numbers and labels
GAP = 10            # px, least vertical space between two items
MARGIN = 8          # px, around the picture

# How each kind of mark looks, as SVG presentation attributes: they work
# inside <use> copies and in <img>, where page stylesheets do not reach.
FORWARD, GRADIENT = "#1a5fb4", "#c01c28"
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


def graph_svg(graph, step=None):
    """The SVG text of ``graph`` as it stands after ``step``.

    graph: a Graph from nnlib.trace (e.g. nnlib.examples.apple_graph()).
    step: an index into ``graph.steps`` (negative counts from the end),
    or None for the finished graph with every value and gradient and no
    highlight.
    """
    layout = _layout(graph)
    fixed = _fixed_parts(graph, layout)
    changing = _step_parts(graph, layout, _state(graph, step))
    return _svg(graph, layout, fixed + changing)


def shared_svgs(graph):
    """The pictures of every step, sharing what does not change.

    Returns (base, pictures): ``base`` is a hidden SVG holding the parts
    every step has (edges, nodes, labels) and the forward values, under
    ids made from their content; each picture draws those by reference
    (``<use>``) and adds its own numbers and highlights, so a page with
    many steps stays light.  A page must hold ``base`` once for the
    pictures to show (the stepper puts it beside its legend).
    """
    layout = _layout(graph)
    fixed = _fixed_parts(graph, layout)
    # The forward values, all known once backward starts, also shared.
    values = _values(graph, layout, _state(graph, None))
    ref = "nnl-" + hashlib.sha1((fixed + values).encode()).hexdigest()[:10]
    base = (f"<svg xmlns='http://www.w3.org/2000/svg' width='0' "
            f"height='0' style='position:absolute' aria-hidden='true'>"
            f"<defs><g id='{ref}' {FONT_ATTRS}>{fixed}</g>"
            f"<g id='{ref}-v' {FONT_ATTRS}>{values}</g></defs></svg>")
    pictures = []
    for i, step in enumerate(graph.steps):
        shared = f"<use href='#{ref}'/>"
        if step.kind == "backward":
            shared += f"<use href='#{ref}-v'/>"
        state = _state(graph, i)
        content = shared + _step_parts(graph, layout, state,
                                       values=step.kind == "forward")
        # Wide graphs scroll sideways rather than shrink below 3/4 size.
        pictures.append(_svg(graph, layout, content, least=0.75))
    return base, pictures


# ---------------------------------------------------------------- state

class _State:
    """What one picture shows: which numbers, and what is highlighted."""

    def __init__(self):
        self.computed = set()       # Vars whose forward value is shown
        self.grads = set()          # Edges whose gradient is shown
        self.active_node = None     # the Node at work (yellow)
        self.active_vars = set()    # values just computed (bold)
        self.active_edge = None     # gradient just computed (bold)
        self.caption = ""


def _state(graph, step):
    state = _State()
    state.computed.update(graph.inputs)
    steps = graph.steps
    if step is None:
        state.computed.update(node.output for node in graph.nodes)
        state.grads.update(e for e in graph.edges if e.grad is not None
                           and not e.src.constant)
        return state
    if not isinstance(step, (int, np.integer)) or isinstance(step, bool):
        raise TypeError(f"step must be an int index into graph.steps or "
                        f"None, got {step!r}.")
    if not -len(steps) <= step < len(steps):
        raise IndexError(f"step {step} is out of range: this graph has "
                         f"{len(steps)} steps (0 to {len(steps) - 1}).")
    step = step % len(steps)
    current = steps[step]
    state.caption = current.caption
    for done in steps[:step + 1]:
        if done.kind == "forward":
            state.computed.add(done.node.output)
        else:
            state.computed.update(node.output for node in graph.nodes)
            state.grads.add(done.edge)
    if current.kind == "forward":
        state.active_node = current.node
        state.active_vars.add(current.node.output)
    else:
        state.active_node = current.node     # None at the output edge
        state.active_edge = current.edge
    return state


# --------------------------------------------------------------- layout

def _layout(graph):
    """The graph's layout, worked out once per graph and kept on it (it
    depends only on the graph, so the pictures stay the same)."""
    key = (len(graph.nodes), len(graph.edges))
    kept = getattr(graph, "_layout", None)
    if kept is None or kept[0] != key:
        kept = (key, _Layout(graph))
        graph._layout = kept
    return kept[1]


def _width(text, size=FONT):
    """Estimated width in px of ``text`` in a sans-serif font."""
    return round(len(text) * size * 0.6 + 2)


def value_text(var):
    """The forward number written above an edge carrying ``var``."""
    if np.ndim(var.value) > 0:
        return var.label or format_shape(np.shape(var.value))
    return format_value(var.value)


def grad_text(edge):
    """The gradient written below ``edge``."""
    src = edge.src
    if np.ndim(edge.grad) > 0:
        return src.grad_label or f"d{src.name}"
    text = format_value(edge.grad)
    if src.grad_label and len(src.uses) == 1:
        text = f"{src.grad_label} = {text}"
    return text


def node_name(graph, node):
    """The name written under a node: its result's name, unless the
    result is the graph's output (named at the end) or unnamed (v3)."""
    name = node.label
    unnamed = name[0] == "v" and name[1:].isdigit()
    if unnamed or node.output is graph.output or node is graph.nodes[-1]:
        return ""
    return name.replace("-", "−")


class _Item:
    """One thing in a column: an input label, a node, the output label,
    the straight stretch of an edge ("run"), or an edge passing by."""

    def __init__(self, kind, ref, col, top, bottom, width):
        self.kind = kind
        self.ref = ref
        self.col = col
        self.top = top              # px above the item's centre line
        self.bottom = bottom        # px below it
        self.width = width
        self.y = 0.0
        self.x0 = self.x1 = 0.0     # left and right end in px


class _Layout:
    """Positions of every item; the same graph always gets the same."""

    def __init__(self, graph):
        if not graph.nodes:
            raise ValueError("the graph has no nodes to draw: call "
                             "tracer.call(layer, ...) at least once.")
        self.graph = graph
        self.radius = {}
        self.items = []
        self.chains = {}            # Edge -> [items from src to dst]
        self._build(graph)
        self._order()
        self._place_rows()
        self._place_columns()

    # Items and the columns they live in.
    def _build(self, graph):
        level = levels(graph.nodes)
        self.node_item = {}
        for node in graph.nodes:
            r = max(16, _width(node.op, 14) // 2 + 7)
            self.radius[node] = r
            below, width = r + 3, 2 * r
            if node_name(graph, node):
                below += 13
                width = max(width, _width(node_name(graph, node), 11) + 6)
            self.node_item[node] = self._add("node", node, 2 * level[node],
                                             r + 3, below, width)
        self.input_item = {}
        for var in graph.inputs:
            users = [level[e.dst] for e in var.uses if e.dst is not None]
            if users:
                self.input_item[var] = self._add(
                    "in", var, 2 * (min(users) - 1), 9, 7,
                    _width(var.name) + 8)
        out = graph.output or graph.nodes[-1].output
        self.out_item = self._add("out", out, 2 * level[out.node] + 2, 9, 7,
                                  _width(out.name) + 14)
        edges = list(graph.edges)
        if graph.output is None:            # not yet run backward
            edges.append(_Pending(out))
        for edge in edges:
            src = (self.input_item[edge.src] if edge.src.node is None
                   else self.node_item[edge.src.node])
            dst = (self.out_item if edge.dst is None
                   else self.node_item[edge.dst])
            width = _width(value_text(edge.src))
            if edge.grad is not None and not edge.src.constant:
                width = max(width, _width(grad_text(edge)))
            run = self._add("run", edge, src.col + 1, 19, 26,
                            max(width + 12, 40))
            chain = [src, run]
            for col in range(src.col + 2, dst.col):
                chain.append(self._add("pass", edge, col, 4, 4, 0))
            chain.append(dst)
            self.chains[edge] = chain

    def _add(self, kind, ref, col, top, bottom, width):
        item = _Item(kind, ref, col, top, bottom, width)
        self.items.append(item)
        return item

    def _segments(self):
        """Pairs of joined items in neighbouring columns, with weights."""
        for edge, chain in self.chains.items():
            # Edges from inputs bend so the main path can stay straight;
            # long edges keep straight while passing other columns.
            base = 0.5 if edge.src.node is None else 1.0
            for a, b in zip(chain, chain[1:]):
                inner = a.kind in ("run", "pass") and b.kind == "pass"
                yield a, b, base * (2.0 if inner else 1.0)

    # Order within columns: depth first from the output, then a few
    # sweeps that sort each column by the mean place of its neighbours.
    def _order(self):
        columns = defaultdict(list)
        seen = set()
        incoming = defaultdict(list)
        for edge, chain in self.chains.items():
            incoming[id(chain[-1])].append(chain)

        visited = set()

        def visit(item):
            if id(item) in visited:
                return
            visited.add(id(item))
            # chain[1] is the edge's run: its ref is the edge itself.
            for chain in sorted(incoming[id(item)],
                                key=lambda c: c[1].ref.slot):
                for part in reversed(chain[:-1]):
                    if id(part) not in seen:
                        seen.add(id(part))
                        columns[part.col].append(part)
                visit(chain[0])

        seen.add(id(self.out_item))
        columns[self.out_item.col].append(self.out_item)
        visit(self.out_item)
        for item in self.items:             # anything not reached
            if id(item) not in seen:
                seen.add(id(item))
                columns[item.col].append(item)
        first = [columns[c] for c in sorted(columns)]
        links = defaultdict(list)
        for a, b, _ in self._segments():
            links[id(a), 1].append(b)       # right-hand neighbours
            links[id(b), -1].append(a)      # left-hand neighbours
        # Start from the depth-first order, then from a few shuffled
        # ones (fixed seeds, so the result never changes); keep the
        # order with the fewest crossings.
        best, best_cross = None, None
        for attempt in range(12):
            self.columns = [list(col) for col in first]
            if attempt:
                shuffle = random.Random(attempt).shuffle
                for col in self.columns:
                    shuffle(col)
            self._sweep(links)
            self._transpose(links)
            cross = self._crossings(self.columns, links)
            if best is None or cross < best_cross:
                best, best_cross = self.columns, cross
        self.columns = best
        self.crossings = best_cross

    def _sweep(self, links):
        """Sort each column by the mean place of its neighbours, left to
        right then right to left; keep the best order seen."""
        best = [list(col) for col in self.columns]
        best_cross = self._crossings(best, links)
        for sweep in range(8):
            side = -1 if sweep % 2 == 0 else 1
            cols = self.columns if side == -1 else self.columns[::-1]
            place = self._places()
            for col in cols[1:]:
                col.sort(key=lambda it: (self._mean(it, side, links, place),
                                         place[id(it)]))
                place.update((id(it), i) for i, it in enumerate(col))
            cross = self._crossings(self.columns, links)
            if cross < best_cross:
                best, best_cross = [list(c) for c in self.columns], cross
        self.columns = best

    def _transpose(self, links):
        """Swap neighbours in a column while that removes crossings."""
        place = self._places()

        def local(col_index, a, b):
            # Crossings between the edges at a and at b, both sides.
            count = 0
            for side in (-1, 1):
                for na in links[id(a), side]:
                    for nb in links[id(b), side]:
                        if place[id(na)] > place[id(nb)]:
                            count += 1
            return count

        for _ in range(10):
            improved = False
            for ci, col in enumerate(self.columns):
                for i in range(len(col) - 1):
                    a, b = col[i], col[i + 1]
                    if local(ci, b, a) < local(ci, a, b):
                        col[i], col[i + 1] = b, a
                        place[id(a)], place[id(b)] = i + 1, i
                        improved = True
            if not improved:
                break

    def _places(self):
        return {id(it): i for col in self.columns for i, it in
                enumerate(col)}

    @staticmethod
    def _mean(item, side, links, place):
        near = links[id(item), side]
        if not near:
            return place[id(item)]
        return sum(place[id(n)] for n in near) / len(near)

    def _crossings(self, columns, links):
        place = {id(it): i for col in columns for i, it in enumerate(col)}
        count = 0
        for col in columns:
            pairs = [(place[id(a)], place[id(b)]) for a in col
                     for b in links[id(a), 1]]
            for i, (a1, b1) in enumerate(pairs):
                for a2, b2 in pairs[i + 1:]:
                    if (a1 - a2) * (b1 - b2) < 0:
                        count += 1
        return count

    # Rows: move each item towards the mean height of the items it is
    # joined to, then push apart what overlaps, column by column.
    def _place_rows(self):
        near = defaultdict(list)
        for a, b, w in self._segments():
            near[id(a)].append((b, w))
            near[id(b)].append((a, w))
        for col in self.columns:
            y = 0.0
            for i, item in enumerate(col):
                if i:
                    y += col[i - 1].bottom + GAP + item.top
                item.y = y
        for sweep in range(60):
            cols = self.columns if sweep % 2 == 0 else self.columns[::-1]
            for col in cols:
                wanted, weights = [], []
                for item in col:
                    total = sum(w for _, w in near[id(item)])
                    if total:
                        wanted.append(sum(o.y * w for o, w in
                                          near[id(item)]) / total)
                        weights.append(total)
                    else:
                        wanted.append(item.y)
                        weights.append(1e-3)
                for item, y in zip(col, _keep_apart(col, wanted, weights)):
                    item.y = y
        top = min(it.y - it.top for it in self.items)
        for item in self.items:
            item.y = round(item.y - top + MARGIN)
        self.height = max(it.y + it.bottom for it in self.items) + MARGIN

    # Columns: as wide as their widest item, with room for the curves.
    def _place_columns(self):
        x = MARGIN
        previous = None
        for col in self.columns:
            if previous is not None:
                rise = max((abs(a.y - b.y) for a in previous
                            for b, _ in self._right_of(a)), default=0)
                x += 14 + min(46, rise // 3)
            width = max(it.width for it in col)
            for item in col:
                if item.kind == "node":
                    item.x0 = x + (width - item.width) / 2
                    item.x1 = item.x0 + item.width
                elif item.kind == "in":
                    item.x0, item.x1 = x + width - item.width, x + width
                elif item.kind == "out":
                    item.x0, item.x1 = x, x + item.width
                else:
                    item.x0, item.x1 = x, x + width
            x += width
            previous = col
        self.width = round(x + MARGIN)

    def _right_of(self, item):
        for a, b, w in self._segments():
            if a is item:
                yield b, w


class _Pending:
    """The output's edge before backward has run: a value, no gradient."""

    def __init__(self, src):
        self.src = src
        self.dst = None
        self.slot = 0
        self.grad = None


def _keep_apart(col, wanted, weights):
    """Heights closest to ``wanted`` (least squares, weighted) that keep
    the items of ``col`` in order and apart: pool adjacent violators."""
    offsets = [0.0]
    for a, b in zip(col, col[1:]):
        offsets.append(offsets[-1] + a.bottom + GAP + b.top)
    blocks = []                     # [mean, weight, count]
    for want, off, w in zip(wanted, offsets, weights):
        blocks.append([want - off, w, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, w2, n2 = blocks.pop()
            m1, w1, n1 = blocks.pop()
            blocks.append([(m1 * w1 + m2 * w2) / (w1 + w2), w1 + w2,
                           n1 + n2])
    shifted = []
    for mean, _, count in blocks:
        shifted.extend([mean] * count)
    return [s + off for s, off in zip(shifted, offsets)]


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


def _svg(graph, layout, content, least=None):
    """The <svg> element: as wide as its container up to its natural
    width, and (if ``least``) never narrower than that share of it."""
    w, h = layout.width, layout.height
    narrowest = f";min-width:{round(w * least)}px" if least else ""
    return (f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {w} {h}' "
            f"width='100%' style='max-width:{w}px{narrowest}' role='img' "
            f"{FONT_ATTRS}>"
            f"<title>{escape(graph.title or 'Computational graph')}</title>"
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
        symbols.append(_text(cx, item.y + 5, node.op))
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


def _values(graph, layout, state):
    """The forward values known in ``state``, not highlighted."""
    texts = []
    for edge, chain in layout.chains.items():
        run = chain[1]
        if edge.src in state.computed and edge.src not in state.active_vars:
            texts.append(_text((run.x0 + run.x1) / 2, run.y - 6,
                               value_text(edge.src)))
    return _group("v", texts)


def _step_parts(graph, layout, state, values=True):
    """What one step adds: the numbers known so far and highlights
    (without the plain forward values if ``values`` is False)."""
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
            marks.append(_mark(mid, run.y - 6, text))
            busy_values.append(_text(mid, run.y - 6, text))
        if edge in state.grads:
            text = grad_text(edge)
            y = run.y + 7
            now = edge is state.active_edge
            line = busy_back if now else back
            line.move((run.x1 - 4, y))
            line.across(run.x0 + 9)
            _arrowhead(back_heads, (run.x0 + 3, y), (-1.0, 0.0), 7, 4)
            if now:
                marks.append(_mark(mid, y + 15, text))
            (busy_grads if now else grads).append(_text(mid, y + 15, text))
    active = []
    node = state.active_node
    if node is not None:
        item = layout.node_item[node]
        cx = (item.x0 + item.x1) / 2
        active = [_group("na", [_circle(cx, item.y, layout.radius[node])]),
                  _group("s", [_text(cx, item.y + 5, node.op)])]
    out = layout.out_item
    if state.active_edge is not None and state.active_edge.dst is None:
        marks.append(_mark(out.x0 + 5 + _width(out.ref.name) / 2,
                           out.y + 4, out.ref.name))
        active.append(_group("lo", [_text(out.x0 + 5, out.y + 4,
                                          out.ref.name)]))
    return "".join([
        "".join(marks),
        _path("eb", busy_edges), _path("ah", busy_heads),
        _path("ga", back), _path("gb", busy_back), _path("gh", back_heads),
        "".join(active),
        _values(graph, layout, state) if values else "",
        _group("v", busy_values, bold=True),
        _group("g", grads), _group("g", busy_grads, bold=True),
    ])


def _circle(cx, cy, r, extra=""):
    return f"<circle{extra} cx='{_n(cx)}' cy='{_n(cy)}' r='{r}'/>"


def _text(x, y, text):
    return f"<text x='{_n(x)}' y='{_n(y)}'>{escape(text)}</text>"


def _mark(x, y, text, size=FONT):
    """A pale box behind a number that just changed."""
    w = _width(text, size) + 4
    return (f"<rect {LOOK['hl']} x='{_n(x - w / 2)}' y='{_n(y - size)}' "
            f"width='{_n(w)}' height='{_n(size + 5)}' rx='3'/>")


def _path(kind, path):
    if not path.parts:
        return ""
    return f"<path class='{kind}' {LOOK[kind]} d='{path.text()}'/>"


def _group(kind, parts, bold=False):
    """A <g> of one kind of mark; class v holds forward values and
    class g gradients, so a reader (or a test) can pick them out."""
    if not parts:
        return ""
    weight = " font-weight='bold'" if bold else ""
    return f"<g class='{kind}' {LOOK[kind]}{weight}>{''.join(parts)}</g>"
