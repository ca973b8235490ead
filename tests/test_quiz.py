"""predict(): a self-check whose feedback needs no kernel."""
import ipywidgets as widgets
import pytest

from nnlib.book.quiz import predict


def make():
    return predict("What gradient reaches apple_num?",
                   (110, "apple (100) times the tax (1.1)."),
                   [(100, "this forgets the tax."),
                    (220, "this is the price, not a gradient.")])


def test_nothing_is_chosen_or_shown_at_first():
    box = make()
    assert box.choice.index is None
    assert box.feedback.selected_index is None


def test_choice_drives_the_feedback_by_jslink():
    box = make()
    assert isinstance(box.link, widgets.widget_link.Link)
    assert {box.link.source, box.link.target} == {
        (box.choice, "index"), (box.feedback, "selected_index")}


def test_options_are_sorted_and_the_right_one_is_marked():
    box = make()
    assert list(box.choice.options) == ["100", "110", "220"]
    assert box.right == 1
    texts = [child.value for child in box.feedback.children]
    assert "Right" in texts[1] and "apple (100)" in texts[1]
    assert all("Not this one" in t for i, t in enumerate(texts) if i != 1)
    assert "forgets the tax" in texts[0]


def test_plain_text_does_not_give_the_answer_away():
    text = make()._repr_mimebundle_()["text/plain"]
    assert "apple_num" in text and "110" not in text


def test_options_must_differ():
    with pytest.raises(ValueError, match="must differ"):
        predict("q", (1, "a"), [(1.0, "b")])


def test_feedback_is_announced_and_the_script_goes_along(monkeypatch):
    # The page script (nnlib/book/widget_a11y.js) makes the feedback a
    # live region by this class; a live notebook gets the script too.
    box = make()
    assert "nnlib-feedback" in box.feedback._dom_classes
    shown = []
    monkeypatch.setattr("IPython.display.display",
                        lambda obj, **kw: shown.append(obj))
    monkeypatch.setenv("JPY_SESSION_NAME", "book/01.ipynb")
    box._ipython_display_()
    widget, script = shown
    assert "application/vnd.jupyter.widget-view+json" in widget
    assert widget["text/plain"] == f"Self-check: {box.question}"
    assert "<script>" in script.data
