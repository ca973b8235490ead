"""nnlib.book.layout: each step of the ordering untangles a graph it is
there for, the book's graphs keep their crossings, and a Layout depends
on the graph alone."""

import pytest

from nnlib.book import examples
from nnlib.book.layout import Layout
from nnlib.book.nodes import AddLayer, MulLayer, SumLayer
from nnlib.book.trace import Tracer

# Crossing edges in each of the book's graphs, as drawn.
CROSSINGS = {
    examples.apple_graph: 0, examples.fruit_graph: 0,
    examples.unary_graph: 0, examples.square_of_sum_graph: 0,
    examples.sigmoid_graph: 0, examples.softmax_loss_graph: 2,
    examples.affine_graph: 0, examples.batchnorm_graph: 0,
    examples.add_gate_graph: 0, examples.mul_gate_graph: 0,
    examples.max_gate_graph: 0, examples.fork_graph: 0,
    examples.two_paths_graph: 0, examples.reuse_graph: 0,
    examples.branching_graph: 0, examples.gates_graph: 0,
    examples.tiny_net_graph: 0,
}


@pytest.mark.parametrize("builder", CROSSINGS, ids=lambda b: b.__name__)
def test_crossings_of_the_books_graphs(builder):
    assert Layout(builder()).crossings() == CROSSINGS[builder]


def trace(n_inputs, nodes, extra_outputs=()):
    """A graph of × and + nodes: nodes are (op, (input names), name); the
    last is the output, summed with ``extra_outputs`` if any."""
    tr = Tracer("test graph")
    values = {f"i{k}": tr.input(f"i{k}", 1.0 + k) for k in range(n_inputs)}
    for op, inputs, name in nodes:
        layer = MulLayer() if op == "×" else AddLayer()
        values[name] = tr.call(layer, *(values[i] for i in inputs),
                               name=name)
    out = values[nodes[-1][2]]
    if extra_outputs:
        out = tr.call(SumLayer(), out, *(values[n] for n in extra_outputs),
                      name="out")
    return tr.backward(out)


# The smallest graphs found (among a few thousand random ones) where
# taking one step out of the ordering adds a crossing.
def test_shuffled_restarts_untangle_inputs_fed_in_swapped_order():
    # The depth-first order alone crosses i0 and i1 once.
    graph = trace(2, [("×", ("i1", "i0"), "n0"), ("×", ("n0", "i1"), "n1")])
    assert Layout(graph).crossings() == 0


def test_sweeps_sort_columns_by_their_neighbours():
    # Without the sweeps: 2 crossings.
    graph = trace(2, [("+", ("i0", "i1"), "n0"), ("×", ("i0", "n0"), "n1"),
                      ("×", ("i1", "i0"), "n2")], extra_outputs=["n1"])
    assert Layout(graph).crossings() == 1


def test_swaps_and_the_best_sweep_kept_each_save_a_crossing():
    # Without the neighbour swaps, or keeping the last sweep's order
    # instead of the best one: 4 crossings.
    graph = trace(3, [("+", ("i0", "i2"), "n0"), ("×", ("i0", "i2"), "n1"),
                      ("×", ("i0", "i1"), "n2"), ("×", ("i2", "n2"), "n3")],
                  extra_outputs=["n0", "n1"])
    assert Layout(graph).crossings() == 3


def test_a_layout_depends_on_the_graph_alone():
    graph = examples.fruit_graph()
    first, second = Layout(graph), Layout(examples.fruit_graph())
    place = [[(it.kind, round(it.y), round(it.x0)) for it in col]
             for col in first.columns]
    assert place == [[(it.kind, round(it.y), round(it.x0)) for it in col]
                     for col in second.columns]
    assert (first.width, first.height) == (second.width, second.height)
    assert not hasattr(graph, "_layout")   # nothing kept on the graph


def test_every_edge_runs_from_its_source_to_its_destination():
    graph = examples.softmax_loss_graph()
    layout = Layout(graph)
    for edge, chain in layout.chains.items():
        cols = [item.col for item in chain]
        assert cols == sorted(cols) and len(set(cols)) == len(cols)
        assert chain[0].ref in (edge.src, edge.src.node)
        assert chain[-1] is (layout.out_item if edge.dst is None
                             else layout.node_item[edge.dst])


def test_a_graph_without_nodes_cannot_be_laid_out():
    with pytest.raises(ValueError, match="no nodes"):
        Layout(Tracer().graph)
