"""Where each part of a traced graph goes in its drawing.

``Layout(graph)`` places, left to right: nodes sit in columns by their
distance from the inputs; between two columns each edge gets a straight
stretch (a "run") where its numbers are written, and passes through
the columns it skips.  The order within each column starts from a
depth-first walk back from the output and is improved by sweeps that
sort each column by the mean place of its neighbours, keeping the order
with the fewest crossings.  Rows are found by repeatedly moving every
item towards the items it is joined to, keeping each column in order
and apart.  The same graph always gets the same layout; it depends only
on the graph, so one Layout serves every step's picture.

The book's own graphs need little of the ordering (only the
Softmax-with-Loss graph has crossings: 2), but graphs a reader traces
can be tangled; tests/test_layout.py pins a small graph for each step
of the ordering that it untangles.
"""

import random
from collections import defaultdict

import numpy as np

from nnlib.book.formatting import format_shape, format_value
from nnlib.book.trace import levels

FONT = 13           # px, numbers and labels
LINE = 15           # px from one line of a label to the next
GAP = 10            # px, least vertical space between two items
MARGIN = 8          # px, around the picture


def text_width(text, size=FONT):
    """Estimated width in px of ``text`` in a sans-serif font (of its
    longest line: a matrix is written one row per line)."""
    return round(max(len(line) for line in text.split("\n")) * size * 0.6
                 + 2)


def extra_lines(text):
    """The px a label of several lines needs beyond one line's."""
    return text.count("\n") * LINE


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


class Layout:
    """Positions of every item; the same graph always gets the same.

    columns: the items of each column, top to bottom; chains: for each
    edge, its items from source to destination; node_item, input_item,
    out_item: where the nodes, inputs and output label are; radius: each
    node's circle; width and height of the whole picture, in px.
    """

    def __init__(self, graph):
        if not graph.nodes:
            raise ValueError("the graph has no nodes to draw: call "
                             "tracer.call(layer, ...) at least once.")
        self.graph = graph
        self.radius = {}
        self.items = []
        self.chains = {}            # Edge -> [items from src to dst]
        self._build(graph)
        self.links = self._links()
        self._order()
        self._place_rows()
        self._place_columns()

    # Items and the columns they live in.
    def _build(self, graph):
        level = levels(graph.nodes)
        self.node_item = {}
        for node in graph.nodes:
            r = max(16, text_width(node.op, 14) // 2 + 7,
                    extra_lines(node.op) // 2 + 16)
            self.radius[node] = r
            below, width = r + 3, 2 * r
            if node_name(graph, node):
                below += 13
                width = max(width, text_width(node_name(graph, node), 11) + 6)
            self.node_item[node] = self._add("node", node, 2 * level[node],
                                             r + 3, below, width)
        self.input_item = {}
        for var in graph.inputs:
            users = [level[e.dst] for e in var.uses if e.dst is not None]
            if users:
                self.input_item[var] = self._add(
                    "in", var, 2 * (min(users) - 1), 9, 7,
                    text_width(var.name) + 8)
        out = graph.output or graph.nodes[-1].output
        self.out_item = self._add("out", out, 2 * level[out.node] + 2, 9, 7,
                                  text_width(out.name) + 14)
        edges = list(graph.edges)
        if graph.output is None:            # not yet run backward
            edges.append(_Pending(out))
        for edge in edges:
            src = (self.input_item[edge.src] if edge.src.node is None
                   else self.node_item[edge.src.node])
            dst = (self.out_item if edge.dst is None
                   else self.node_item[edge.dst])
            width = text_width(value_text(edge.src))
            above, below = 19 + extra_lines(value_text(edge.src)), 26
            if edge.grad is not None and not edge.src.constant:
                width = max(width, text_width(grad_text(edge)))
                below += extra_lines(grad_text(edge))
            run = self._add("run", edge, src.col + 1, above, below,
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

    def _links(self):
        """(id(item), 1) -> its right-hand neighbours, (id(item), -1) ->
        its left-hand ones."""
        links = defaultdict(list)
        for a, b, _ in self._segments():
            links[id(a), 1].append(b)
            links[id(b), -1].append(a)
        return links

    # Order within columns: depth first from the output, then sweeps
    # that sort each column by the mean place of its neighbours and
    # swaps of neighbours, from that order and from shuffled ones.
    def _order(self):
        first = self._depth_first()
        # Fixed seeds for the shuffles, so the result never changes;
        # the order with the fewest crossings wins.
        best, best_cross = None, None
        for attempt in range(12):
            self.columns = [list(col) for col in first]
            if attempt:
                shuffle = random.Random(attempt).shuffle
                for col in self.columns:
                    shuffle(col)
            self._sweep()
            self._transpose()
            cross = self.crossings()
            if best is None or cross < best_cross:
                best, best_cross = self.columns, cross
        self.columns = best

    def _depth_first(self):
        """Columns in the order a depth-first walk back from the output
        meets their items, inputs of a node in argument order."""
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
        return [columns[c] for c in sorted(columns)]

    def _sweep(self):
        """Sort each column by the mean place of its neighbours, left to
        right then right to left; keep the best order seen."""
        best = [list(col) for col in self.columns]
        best_cross = self.crossings()
        for sweep in range(8):
            side = -1 if sweep % 2 == 0 else 1
            cols = self.columns if side == -1 else self.columns[::-1]
            place = self._places()
            for col in cols[1:]:
                col.sort(key=lambda it: (self._mean(it, side, place),
                                         place[id(it)]))
                place.update((id(it), i) for i, it in enumerate(col))
            cross = self.crossings()
            if cross < best_cross:
                best, best_cross = [list(c) for c in self.columns], cross
        self.columns = best

    def _transpose(self):
        """Swap neighbours in a column while that removes crossings."""
        place = self._places()

        def local(a, b):
            # Crossings between the edges at a and at b, both sides.
            count = 0
            for side in (-1, 1):
                for na in self.links[id(a), side]:
                    for nb in self.links[id(b), side]:
                        if place[id(na)] > place[id(nb)]:
                            count += 1
            return count

        for _ in range(10):
            improved = False
            for col in self.columns:
                for i in range(len(col) - 1):
                    a, b = col[i], col[i + 1]
                    if local(b, a) < local(a, b):
                        col[i], col[i + 1] = b, a
                        place[id(a)], place[id(b)] = i + 1, i
                        improved = True
            if not improved:
                break

    def _places(self):
        return {id(it): i for col in self.columns for i, it in
                enumerate(col)}

    def _mean(self, item, side, place):
        near = self.links[id(item), side]
        if not near:
            return place[id(item)]
        return sum(place[id(n)] for n in near) / len(near)

    def crossings(self):
        """How many pairs of edges cross in the current column order."""
        place = self._places()
        count = 0
        for col in self.columns:
            pairs = [(place[id(a)], place[id(b)]) for a in col
                     for b in self.links[id(a), 1]]
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
