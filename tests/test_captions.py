"""nnlib.book.captions: one entry per node type, which a new node type
can add, and the captions of the book's graphs made from the entries."""

import numpy as np
import pytest

from nnlib.book import captions, examples
from nnlib.book.captions import CAPTIONS, GENERAL, add_words, words_for
from nnlib.book.nodes import MulLayer
from nnlib.book.trace import Tracer
from nnlib.checks import Layer


class HalfLayer(Layer):
    """out = x / 2, a node type the table does not know."""

    symbol = "½"

    def __init__(self):
        self.x = None

    def forward(self, x):
        self.x = x
        return x / 2

    def backward(self, dout):
        self.require_forward(self.x)
        return dout / 2


def trace_half():
    tr = Tracer("half")
    x = tr.input("x", 3.0)
    y = tr.call(HalfLayer(), x, name="y")
    return tr.backward(y)


def test_every_node_type_of_the_book_has_an_entry():
    from nnlib.book import nodes
    node_types = [obj for obj in vars(nodes).values()
                  if isinstance(obj, type) and issubclass(obj, Layer)
                  and obj is not Layer]
    assert node_types and all(t in CAPTIONS for t in node_types)


def test_an_unknown_node_type_is_described_in_general_terms():
    assert words_for(HalfLayer()) is GENERAL
    graph = trace_half()
    assert graph.steps[0].caption == "½ node, forward: half(3) → y = 1.5"
    assert graph.steps[-1].caption == (
        "½ node, backward: upstream 1 times the node's local derivative "
        "→ dx = 0.5")


def test_a_new_node_type_adds_its_entry(monkeypatch):
    monkeypatch.setitem(CAPTIONS, HalfLayer, None)   # removed again after
    add_words(HalfLayer,
              forward=lambda node, say: f"{say.value(node.inputs[0].value)}"
                                        f" / 2",
              backward=lambda edge, say: f"{say.upstream(edge.dst)} / 2")
    graph = trace_half()
    assert graph.steps[0].caption == "½ node, forward: 3 / 2 → y = 1.5"
    assert graph.steps[-1].caption == ("½ node, backward: upstream 1 / 2 "
                                       "→ dx = 0.5")


def test_a_subclass_speaks_like_its_parent():
    class LoudMul(MulLayer):
        pass
    assert words_for(LoudMul()) is CAPTIONS[MulLayer]


def test_batch_norm_captions_come_from_the_entries():
    graph = examples.batchnorm_graph()
    texts = [step.caption for step in graph.steps]
    assert texts[0] == ("mean node, forward: the mean over the batch, "
                        "(1 + 2 + 3 + 6) / 4 → mu = 3")
    assert texts[1] == ("− node, forward: x − mu = [1, 2, 3, 6] − 3 → "
                        "xc = [−2, −1, 0, 3]")
    assert texts[4].endswith("(ε keeps the square root away from 0)")
    assert "minus upstream" in texts[-2] and "dmu = −0.428" in texts[-2]
    # Every step of the graph reads its numbers; none is generic.
    assert not any("local derivative" in text for text in texts)
    # The entries are shared with the scalar graphs: the same words.
    mul = [t for t in texts if t.startswith("× node, backward")][0]
    assert "times the other input 2 → dxn = [0.2, −0.6, 0.4, 0.8]" in mul


def test_say_writes_arrays_by_shape_or_in_full():
    class Graph:
        write_arrays = False
    say = captions.Say(Graph())
    assert say.value(np.ones((2, 3))) == "(2, 3)"
    assert say.result("dX", np.ones((2, 3))) == "dX, shape (2, 3)"
    Graph.write_arrays = True
    say = captions.Say(Graph())
    assert say.value(np.array([1.0, -2.0])) == "[1, −2]"
    assert say.value(np.ones(9)) == "(9,)"     # too long to write out
    assert say.term(-1.5) == "(−1.5)"


@pytest.mark.parametrize("name, d", [("apple", "dapple"), ("1/S", "d(1/S)"),
                                     ("gamma·xn", "d(gamma·xn)"),
                                     ("xc²", "d(xc²)")])
def test_gradient_names(name, d):
    assert captions.d(name) == d


def test_max_captions_name_the_winner_or_the_entries_it_won():
    from nnlib.book.nodes import MaxLayer
    texts = [s.caption for s in examples.max_gate_graph(x=3.0, y=5.0).steps]
    assert texts[0] == "max node, forward: max(3, 5) → z = 5"
    assert texts[2] == "max node, backward: x = 3 lost to 5, so it gets 0 " \
                       "→ dx = 0"
    assert texts[3] == ("max node, backward: y = 5 won against 3, so it "
                        "gets all of upstream 2 → dy = 2")
    tr = Tracer("vector max", write_arrays=True)
    x = tr.input("x", np.array([1.0, 4.0]))
    c = tr.input("c", 2.0)
    graph = tr.backward(tr.call(MaxLayer(), x, c, name="m"),
                        np.array([1.0, 1.0]))
    texts = [s.caption for s in graph.steps]
    assert "upstream [1, 1] where x was the larger, 0 elsewhere → " \
           "dx = [0, 1]" in texts[2]
    assert "where c was the larger, 0 elsewhere, summed over the " \
           "entries c was compared with → dc = 1" in texts[3]


def test_network_layer_captions_give_shapes_when_arrays_are_big():
    from nnlib.book.nodes import AffineNode, SoftmaxWithLossNode
    from nnlib.layers import Relu
    rng = np.random.default_rng(0)
    tr = Tracer("a batch of 3")
    x = tr.input("X", rng.normal(size=(3, 4)))
    w = tr.input("W", rng.normal(size=(4, 5)))
    b = tr.input("b", rng.normal(size=5))
    t = tr.input("t", np.array([0, 4, 2]), constant=True)
    a = tr.call(AffineNode(), x, w, b, name="A")
    h = tr.call(Relu(), a, name="H", symbol="ReLU")
    graph = tr.backward(tr.call(SoftmaxWithLossNode(), h, t, name="L"))
    texts = [s.caption for s in graph.steps]
    assert texts[0] == ("Affine node, forward: X·W + b, (3, 4)·(4, 5) + "
                        "(5,) → A, shape (3, 5)")
    assert texts[1] == ("ReLU node, forward: max(0, A), entry by entry: "
                        "(3, 5) → H, shape (3, 5)")
    assert texts[2].startswith("Softmax-with-Loss node, forward: y = "
                               "softmax(H) = (3, 5), then the cross-entropy "
                               "against the labels t = (3,), averaged over "
                               "the batch of 3 → L = ")
    assert "(y − t) / N, with N = 3" in texts[4]
    assert "upstream (3, 5) where A > 0 (mask (3, 5)), 0 elsewhere" \
        in texts[5]
    assert texts[-1].endswith("db = dA (3, 5) summed over axis 0, the "
                              "batch → db, shape (5,)")
    tiny = examples.tiny_net_graph()
    assert tiny.nodes[-1].op == "Softmax\nwith Loss"
    assert captions.op_name(tiny.nodes[-1]) == "Softmax with Loss"
