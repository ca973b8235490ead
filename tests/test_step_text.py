"""The steps in words: each picture's name, the table of every step, and
a frame stepper's frames as text; all from the same trace as the
pictures and captions."""
import xml.etree.ElementTree as ET

import pytest

from nnlib.book import examples
from nnlib.book.step_text import (COLUMNS, FramesTable, StepsTable,
                                  picture_title, step_rows, visible_text)
from nnlib.book.trace import Step

BUILDERS = [examples.apple_graph, examples.fruit_graph,
            examples.unary_graph, examples.square_of_sum_graph,
            examples.sigmoid_graph, examples.softmax_loss_graph,
            examples.affine_graph, examples.batchnorm_graph]
IDS = [b.__name__ for b in BUILDERS]


def test_the_apple_graph_as_rows():
    rows = step_rows(examples.apple_graph())
    assert rows[0] == ("1", "forward", "× (apple_price)", "100 × 2",
                       "apple_price = 200", "")
    assert rows[2] == ("3", "backward", "output (price)",
                       "dout = 1 (dprice/dprice = 1)", "",
                       "dprice = 1")
    assert rows[5] == ("6", "backward", "× (apple_price)",
                       "upstream 1.1 times the other input 2", "",
                       "dapple = 2.2")


@pytest.mark.parametrize("builder", BUILDERS, ids=IDS)
def test_rows_say_what_the_captions_say(builder):
    # One row per step, in order; its pieces are those of the caption
    # the stepper shows, so the table and the widget cannot disagree.
    graph = builder()
    rows = step_rows(graph)
    assert [row[0] for row in rows] == [str(i) for i in
                                        range(1, len(graph.steps) + 1)]
    for row, step in zip(rows, graph.steps):
        number, kind, node, rule, value, grad = row
        assert kind == step.kind
        assert rule in step.caption
        if kind == "forward":
            assert value and not grad
            assert value.split(" (")[0] in step.caption
        else:
            assert grad and not value
            if step.node is not None:   # not where dout arrives
                assert grad.split("; ")[0].split(" (")[0] in step.caption


def test_a_value_used_twice_adds_up_in_the_gradient_column():
    rows = step_rows(examples.softmax_loss_graph())
    adding = [row for row in rows if "adds up" in row[5]]
    assert adding, "no row says that a gradient adds up"
    for row in adding:
        assert row[5].index(" = ") < row[5].index("adds up")
        assert "adds up" not in row[3]


def test_a_step_made_by_hand_keeps_its_caption():
    graph = examples.apple_graph()
    graph.steps[0] = Step("forward", "my own words", node=graph.nodes[0])
    assert step_rows(graph)[0][3] == "my own words"


def parse(html):
    return ET.fromstring(html)


def test_the_table_reads_with_no_javascript():
    graph = examples.fruit_graph()
    html = StepsTable(graph)._repr_html_()
    root = parse(html)            # well-formed: plain HTML, nothing else
    assert root.tag == "details"
    assert "script" not in html
    assert root.find("summary").text == "All steps as a table"
    table = root.find("table")
    assert graph.title in table.find("caption").text
    heads = [th.text for th in table.find("thead").iter("th")]
    assert heads == list(COLUMNS)
    assert all(th.get("scope") == "col" for th in table.find("thead")
               .iter("th"))
    body = table.find("tbody").findall("tr")
    assert len(body) == len(graph.steps) == 13
    first = [cell.text or "" for cell in body[0]]
    assert first == ["1", "forward", "× (apple_price)", "100 × 2",
                     "apple_price = 200", ""]
    assert body[0][0].tag == "th" and body[0][0].get("scope") == "row"


def test_the_table_as_text_is_the_captions():
    graph = examples.apple_graph()
    text = repr(StepsTable(graph))
    lines = text.splitlines()
    assert lines[0] == f"All steps as a table: {graph.title}"
    assert lines[1:] == [f"Step {i} of 7: {step.caption}"
                         for i, step in enumerate(graph.steps, start=1)]
    # nbval compares it: the same graph always gives the same text.
    assert repr(StepsTable(examples.apple_graph())) == text
    assert StepsTable(examples.apple_graph())._repr_html_() == \
        StepsTable(graph)._repr_html_()


def test_picture_titles_differ_by_step():
    graph = examples.apple_graph()
    titles = [picture_title(graph, i) for i in range(len(graph.steps))]
    assert len(set(titles)) == len(titles)
    assert titles[3] == f"{graph.title}, step 4 of 7, backward"
    assert picture_title(graph, -1) == titles[-1]
    assert picture_title(graph) == graph.title


def test_frames_as_text():
    frames = [f"<div><svg><text>{i}</text></svg></div><style>p{{}}</style>"
              f"<p><b>Step {i} of 2.</b> f = {i * 0.5}</p>"
              for i in range(3)]
    table = FramesTable(frames)
    assert table.texts == ["Step 0 of 2. f = 0.0", "Step 1 of 2. f = 0.5",
                           "Step 2 of 2. f = 1.0"]
    root = parse(table._repr_html_())
    assert root.find("summary").text == "All frames as text"
    rows = root.find("table").find("tbody").findall("tr")
    assert [row[1].text for row in rows] == table.texts
    assert repr(table).splitlines()[2] == "Frame 2: Step 1 of 2. f = 0.5"


def test_visible_text_skips_pictures_styles_and_scripts():
    assert visible_text("<p>a <svg><title>t</title></svg>b</p>"
                        "<script>x()</script><style>p{}</style>") == "a b"
