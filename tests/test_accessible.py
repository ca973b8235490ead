"""The widgets' accessibility helpers: the script that names their
controls, where it is sent, and colours a reader can read."""
import re

import pytest

from nnlib.book import accessible
from nnlib.book.quiz import RIGHT, WRONG
from nnlib.book.svg import FORWARD, GRADIENT


def luminance(colour):
    """WCAG 2 relative luminance of "#rrggbb"."""
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
              for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a, b):
    high, low = sorted([luminance(a), luminance(b)], reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_formula():
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    # The measurements: the old legend blue on the dark mode's
    # grey panel, and the panel header's grey.
    assert contrast("#1a5fb4", "#ced6dd") == pytest.approx(4.28, abs=0.01)
    assert contrast("#777777", "#eeeeee") == pytest.approx(3.85, abs=0.01)


# White (light mode and every picture), the grey panel the dark mode
# puts behind widgets, and the pale yellow behind a new number.
BACKGROUNDS = ["#ffffff", "#ced6dd", "#fff1a8"]


@pytest.mark.parametrize("colour", [
    FORWARD, GRADIENT,
    re.search(r"#[0-9a-f]{6}", RIGHT).group(),
    re.search(r"#[0-9a-f]{6}", WRONG).group(),
    re.search(r"#[0-9a-f]{6}", accessible.FOCUS).group()])
def test_our_colours_read_on_every_background(colour):
    for background in BACKGROUNDS:
        assert contrast(colour, background) >= 4.5, (colour, background)


def test_the_script_is_packaged_and_names_every_control():
    script = accessible.script_text()
    for needed in ('"Play"', '"Pause"', '"Stop"', '"Loop"', "aria-pressed",
                   "aria-valuetext", '"Step "', 'role", "status"',
                   "radiogroup", "nnlib-caption", "nnlib-scroll"):
        assert needed in script, needed
    # It may run twice on a page (built book and an output): once only.
    assert "window.nnlibWidgetA11y" in script
    assert "</script" not in script


def test_the_script_goes_along_only_in_a_live_notebook(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display",
                        lambda obj, **kw: shown.append(obj))
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    assert not accessible.in_live_notebook()
    accessible.show_script()
    assert shown == []
    monkeypatch.setenv("JPY_SESSION_NAME", "book/01.ipynb")
    assert accessible.in_live_notebook()
    accessible.show_script()
    [html] = shown
    assert html.data == f"<script>{accessible.script_text()}</script>"


def test_style_gives_a_visible_focus_ring():
    assert "focus-visible" in accessible.STYLE
    assert "outline:3px solid" in accessible.STYLE
    assert ".nnlib-sr-only" in accessible.STYLE
