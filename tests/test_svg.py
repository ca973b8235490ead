"""graph_svg: well-formed, deterministic, readable pictures of a graph."""

import hashlib
import itertools
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from nnlib.book import examples
from nnlib.book.svg import graph_svg, shared_svgs
from nnlib.book.nodes import ExpLayer, MulLayer
from nnlib.book.trace import Tracer

SVG = "{http://www.w3.org/2000/svg}"
BUILDERS = [examples.apple_graph, examples.fruit_graph,
            examples.unary_graph, examples.square_of_sum_graph,
            examples.sigmoid_graph, examples.softmax_loss_graph,
            examples.affine_graph, examples.add_gate_graph,
            examples.mul_gate_graph, examples.max_gate_graph,
            examples.fork_graph, examples.two_paths_graph,
            examples.reuse_graph, examples.branching_graph,
            examples.gates_graph, examples.tiny_net_graph]
IDS = [b.__name__ for b in BUILDERS]


def parse(svg):
    """An <svg> as an HTML page's parser reads it: in the SVG namespace,
    with or without xmlns (a stepper's pictures leave it out)."""
    if "xmlns=" not in svg[:svg.index(">")]:
        svg = svg.replace("<svg", f"<svg xmlns='{SVG[1:-1]}'", 1)
    return ET.fromstring(svg)


def texts(svg, kind=None):
    """The <text> strings of an SVG, or only those in <g class=kind>."""
    root = parse(svg)
    if kind is None:
        return [t.text for t in root.iter(SVG + "text")]
    return [t.text for g in root.iter(SVG + "g") if g.get("class") == kind
            for t in g.iter(SVG + "text")]


def active_nodes(svg):
    root = ET.fromstring(svg)
    return [c for g in root.iter(SVG + "g") if g.get("class") == "na"
            for c in g.iter(SVG + "circle")]


@pytest.mark.parametrize("builder", BUILDERS, ids=IDS)
def test_every_step_is_well_formed_svg(builder):
    graph = builder()
    for step in [None] + list(range(len(graph.steps))):
        root = ET.fromstring(graph_svg(graph, step))
        assert root.tag == SVG + "svg"
        assert root.get("width") == "100%"
        assert re.fullmatch(r"0 0 \d+ \d+", root.get("viewBox"))
        assert root.get("role") == "img"
        title = root.find(SVG + "title").text
        if step is None:
            assert title == graph.title
        else:       # each step's picture has a name of its own
            assert title == (f"{graph.title}, step {step + 1} of "
                             f"{len(graph.steps)}, "
                             f"{graph.steps[step].kind}")
        assert root.find(SVG + "desc").text.strip()


@pytest.mark.parametrize("builder", BUILDERS, ids=IDS)
def test_same_graph_same_text(builder):
    assert graph_svg(builder(), 1) == graph_svg(builder(), 1)
    assert graph_svg(builder()) == graph_svg(builder())


def digest(builder):
    """A hash of every picture of one example graph: each step's
    graph_svg, the finished graph, and the shared pictures."""
    h = hashlib.sha256()
    graph = builder()
    for step in [None] + list(range(len(graph.steps))):
        h.update(graph_svg(graph, step).encode())
    base, pictures = shared_svgs(graph)
    h.update(base.encode())
    for picture in pictures:
        h.update(picture.encode())
    return h.hexdigest()[:16]


def all_digests():
    """Every example's digest (also run in a subprocess)."""
    return {builder.__name__: digest(builder)
            for builder in BUILDERS + [examples.batchnorm_graph]}


# The pictures as they were checked by eye.  A change to the drawing
# changes these: look at the new pictures (make book), then copy the
# digests the failing test prints.
DIGESTS = {
    "apple_graph": "5293d1904fc7d1cb",
    "fruit_graph": "52f6c94757d68972",
    "unary_graph": "78ed7ce44328ac42",
    "square_of_sum_graph": "bc72659368b6d656",
    "sigmoid_graph": "c20182c9d85db1c3",
    "softmax_loss_graph": "345ea9c5b659d500",
    "affine_graph": "1bdedb55f42d5e73",
    "add_gate_graph": "7d6d36414230ca87",
    "mul_gate_graph": "6ffb20a349642484",
    "max_gate_graph": "c003fc1543ba8320",
    "fork_graph": "41fc45ae9f159c47",
    "two_paths_graph": "3c047c61ff1d644a",
    "reuse_graph": "d63021e1bef020d8",
    "branching_graph": "0a7f80525282d7a6",
    "gates_graph": "35a75c78b5bff699",
    "tiny_net_graph": "917f961993d2a65d",
    "batchnorm_graph": "5feb81cd7902c893",
}


def test_every_examples_pictures_are_as_checked():
    assert all_digests() == DIGESTS


def test_identical_in_another_process():
    code = ("import sys; sys.path.insert(0, 'tests'); "
            "import test_svg; print(test_svg.all_digests())")
    other = subprocess.run([sys.executable, "-c", code], check=True,
                           capture_output=True, text=True,
                           env={"PYTHONHASHSEED": "123"},
                           cwd=__file__.rsplit("/tests/", 1)[0])
    assert other.stdout.strip() == str(all_digests())


def test_no_random_ids_or_dates():
    svg = graph_svg(examples.fruit_graph())
    assert " id=" not in svg
    assert not re.search(r"20\d\d-\d\d-\d\d", svg)


def test_finished_graph_shows_values_gradients_and_labels():
    svg = graph_svg(examples.fruit_graph())
    values = texts(svg, "v")
    for number in ["100", "2", "150", "3", "1.1", "200", "450", "650",
                   "715"]:
        assert number in values
    assert sorted(texts(svg, "g")) == sorted(
        ["2.2", "110", "3.3", "165", "1.1", "1.1", "1.1", "650", "1"])
    assert texts(svg, "li") == ["apple", "apple_num", "orange",
                                "orange_num", "tax"]
    assert texts(svg, "lo") == ["price"]
    # Numbers are rounded for reading.
    assert "715.0000000000001" not in svg
    assert "2.2000000000000002" not in svg
    assert active_nodes(svg) == []


def test_forward_steps_show_values_as_they_are_computed():
    graph = examples.apple_graph()
    first = graph_svg(graph, 0)
    assert "200" in texts(first, "v") and "220" not in texts(first, "v")
    assert texts(first, "g") == []
    second = graph_svg(graph, 1)
    assert "220" in texts(second, "v")
    # The active node is highlighted, one at a time.
    assert len(active_nodes(first)) == len(active_nodes(second)) == 1
    assert active_nodes(first)[0].get("cx") != \
        active_nodes(second)[0].get("cx")


def test_backward_steps_add_one_gradient_each():
    graph = examples.apple_graph()
    seen = []
    for i, step in enumerate(graph.steps):
        grads = texts(graph_svg(graph, i), "g")
        if step.kind == "forward":
            assert grads == []
        else:
            assert len(grads) == len(seen) + 1
            seen = grads
    assert sorted(seen) == sorted(["1", "1.1", "200", "2.2", "110"])
    # The 1 → 1.1 → 2.2 flow, one bold number at a time.
    bold = []
    for i in range(2, len(graph.steps)):
        root = ET.fromstring(graph_svg(graph, i))
        bold += [t.text for g in root.iter(SVG + "g")
                 if g.get("class") == "g" and g.get("font-weight") == "bold"
                 for t in g.iter(SVG + "text")]
    assert bold == ["1", "1.1", "200", "2.2", "110"]


def test_gradients_differ_from_values_without_colour():
    root = ET.fromstring(graph_svg(examples.apple_graph()))
    groups = {g.get("class"): g for g in root.iter(SVG + "g")}
    assert groups["g"].get("font-style") == "italic"
    assert groups["v"].get("font-style") is None
    # Each gradient has its own backward arrow (a path drawn leftwards).
    back = [p for p in root.iter(SVG + "path") if p.get("class") == "ga"]
    assert back[0].get("d").count("h-") == len(texts(
        graph_svg(examples.apple_graph()), "g"))


def test_symbolic_labels_and_shapes():
    unary = texts(graph_svg(examples.unary_graph()), "g")
    assert "E·∂y/∂x = 6" in unary and "E = 1" in unary
    affine = graph_svg(examples.affine_graph())
    assert {"(N, D)", "(D, M)", "(M,)", "(N, M)"} <= set(texts(affine,
                                                              "v"))
    assert {"dY·Wᵀ", "Xᵀ·dY", "sum(dY, axis=0)", "dY"} <= set(
        texts(affine, "g"))
    symbols = texts(graph_svg(examples.sigmoid_graph()), "s")
    assert symbols == ["×−1", "exp", "+1", "/"]
    assert texts(graph_svg(examples.softmax_loss_graph()), "s").count(
        "log") == 3


def _boxes(svg):
    """Estimated boxes (x0, y0, x1, y1, what) of texts and node circles."""
    root = ET.fromstring(svg)
    boxes = []
    for g in root.iter(SVG + "g"):
        size = float(g.get("font-size", 13))
        anchor = g.get("text-anchor", "start")
        for t in g.iter(SVG + "text"):
            if g.get("class") == "s":
                continue                # a symbol sits inside its node
            x, y, w = float(t.get("x")), float(t.get("y")), \
                len(t.text) * size * 0.55
            x0 = {"start": x, "middle": x - w / 2, "end": x - w}[anchor]
            boxes.append((x0, y - 0.72 * size, x0 + w, y + 0.2 * size,
                          t.text))
        for c in g.iter(SVG + "circle"):
            x, y, r = (float(c.get(k)) for k in ("cx", "cy", "r"))
            boxes.append((x - r, y - r, x + r, y + r, "node"))
    return boxes


@pytest.mark.parametrize("builder", BUILDERS, ids=IDS)
def test_labels_do_not_overlap(builder):
    boxes = _boxes(graph_svg(builder()))
    for a, b in itertools.combinations(boxes, 2):
        apart = (a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1]
                 or b[3] <= a[1])
        assert apart, f"{a[4]!r} overlaps {b[4]!r}"


SMALL = BUILDERS[:5] + BUILDERS[6:-1]


@pytest.mark.parametrize("builder", SMALL, ids=[b.__name__ for b in SMALL])
def test_small_graphs_fit_book_width(builder):
    root = ET.fromstring(graph_svg(builder()))
    width = int(root.get("viewBox").split()[2])
    assert width <= 720
    assert f"max-width:{width}px" in root.get("style")


def test_left_to_right_layout():
    root = ET.fromstring(graph_svg(examples.apple_graph()))
    circles = [c for c in root.iter(SVG + "circle")]
    xs = [float(c.get("cx")) for c in circles]
    assert xs == sorted(xs) and xs[0] < xs[1]
    label = {t.text: float(t.get("x")) for t in root.iter(SVG + "text")}
    assert label["apple"] < xs[0] < xs[1] < label["price"]


def test_shared_pictures_reference_their_base():
    graph = examples.softmax_loss_graph()
    base, pictures = shared_svgs(graph)
    # The marks' stylesheet, then the hidden SVG of the shared parts.
    assert base.startswith("<style>.nnlib-step svg{font-family:sans-serif")
    root = ET.fromstring(base[base.index("<svg"):])
    ids = {g.get("id") for g in root.iter(SVG + "g") if g.get("id")}
    assert len(ids) == 2
    assert len(pictures) == len(graph.steps)
    for step, picture in zip(graph.steps, pictures):
        uses = {u.get("href")[1:] for u in
                parse(picture).iter(SVG + "use")}
        assert uses <= ids and uses
        # Forward values are shared only once all are known.
        assert (len(uses) == 2) == (step.kind == "backward")
    # The value a forward step computes is text in its own picture.
    assert "74.1" in texts(pictures[3], "v")
    # Another graph gets other ids.
    other_base, _ = shared_svgs(examples.softmax_loss_graph(a=(1, 2, 3)))
    assert other_base != base


def test_a_graph_before_backward_can_be_drawn():
    tr = Tracer("forward only")
    x = tr.input("x", 1.0)
    e = tr.call(ExpLayer(), x, name="e")
    tr.call(MulLayer(), e, x, name="y")
    svg = graph_svg(tr.graph)
    assert "2.72" in texts(svg, "v") and texts(svg, "g") == []
    assert texts(svg, "lo") == ["y"]


def test_bad_steps_get_clear_errors():
    graph = examples.apple_graph()
    with pytest.raises(IndexError, match="0 to 6"):
        graph_svg(graph, 7)
    with pytest.raises(TypeError, match="int index"):
        graph_svg(graph, "2")
    assert graph_svg(graph, -1) == graph_svg(graph, 6)
    with pytest.raises(ValueError, match="no nodes"):
        graph_svg(Tracer().graph)


def test_a_matrix_is_written_one_row_a_line_above_and_below_its_edge():
    graph = examples.tiny_net_graph()
    svg = graph_svg(graph)
    root = ET.fromstring(svg)
    values = [(t.text, float(t.get("x")), float(t.get("y")))
              for g in root.iter(SVG + "g") if g.get("class") == "v"
              for t in g.iter(SVG + "text")]
    first_row = [v[0] for v in values].index("[[1, −1],")
    w2 = values[first_row - 1:first_row + 2]
    # Shape, then the rows, each line 15 px below the last, one column.
    assert [v[0] for v in w2] == ["(2, 2)", "[[1, −1],", " [−0.5, 1]]"]
    assert len({v[1] for v in w2}) == 1
    assert [v[2] - w2[0][2] for v in w2] == [0, 15, 30]
    grads = texts(svg, "g")
    assert "[[−0.0715, 0.0715]," in grads and " [−0.84, 0.84]]" in grads
    # The node's symbol of two lines sits inside its circle.
    symbols = texts(svg, "s")
    assert symbols[-2:] == ["Softmax", "with Loss"]
    # The step that computes dW2 marks both its lines.
    step = next(i for i, s in enumerate(graph.steps)
                if s.edge is not None and s.edge.src.name == "W2")
    marks = [r for r in ET.fromstring(graph_svg(graph, step)).iter(
        SVG + "rect") if r.get("fill") == "#fff1a8"]
    assert len(marks) == 1 and int(marks[0].get("height")) == 18 + 15


def descriptions(svgs):
    return [parse(svg).find(SVG + "desc").text for svg in svgs]


def test_each_picture_says_its_numbers():
    # A reader who does not see the picture is told what it shows: the
    # node at work, the values and gradients written on it so far.
    graph = examples.apple_graph()
    base, pictures = shared_svgs(graph)
    said = descriptions(pictures)
    assert said[0] == ("At work: the × node apple_price. Values: "
                       "apple = 100, apple_num = 2, tax = 1.1, "
                       "apple_price = 200.")
    assert said[2].startswith("At work: the output price, where backward "
                              "starts.")
    assert said[2].endswith("Gradients: dprice = 1.")
    assert said[5].endswith("Gradients: dprice = 1, dapple_price = 1.1, "
                            "dtax = 200, dapple = 2.2.")
    assert len(set(said)) == len(said)
    # graph_svg and the stepper's pictures say the same.
    assert descriptions([graph_svg(graph, 5)]) == [said[5]]
    finished = descriptions([graph_svg(graph)])[0]
    assert "At work" not in finished
    assert finished.endswith("dapple = 2.2, dapple_num = 110.")


def test_descriptions_name_the_edge_of_a_value_used_twice():
    graph = examples.softmax_loss_graph()
    finished = descriptions([graph_svg(graph)])[0]
    assert "d(1/S) = −74.1 (on the edge into y3)" in finished
    assert "da3 = −0.263" in finished
    affine = descriptions([graph_svg(examples.affine_graph())])[0]
    assert "X (N, D)" in affine and "db = sum(dY, axis=0), shape (2,)" \
        in affine
