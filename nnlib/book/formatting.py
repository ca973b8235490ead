"""Numbers and shapes as a reader sees them, in captions and drawings."""

import math

import numpy as np


def format_value(value):
    """A number as a reader wants to see it: 3 significant digits.

    715.0000000000001 -> "715", 2.2000000000000002 -> "2.2",
    -0.53444 -> "−0.534" (with a real minus sign, U+2212).  Arrays of up
    to 8 numbers are written out; bigger arrays by their shape.
    """
    if np.ndim(value) > 0:
        arr = np.asarray(value)
        if arr.size > 8:
            return "array " + format_shape(arr.shape)
        if arr.ndim == 1:
            return "[" + ", ".join(format_value(v) for v in arr) + "]"
        return "[" + ", ".join(format_value(row) for row in arr) + "]"
    v = float(value)
    if v == 0 or not math.isfinite(v):
        return "0" if v == 0 else str(v)
    magnitude = math.floor(math.log10(abs(v)))
    if -4 <= magnitude < 6:
        text = f"{v:.{max(0, 2 - magnitude)}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
    else:
        text = f"{v:.2e}"
    if text in ("-0", "0"):
        return "0"
    return text.replace("-", "−")


def format_shape(shape):
    """(2, 3) -> "(2, 3)"; (3,) -> "(3,)"."""
    return str(tuple(shape))


def format_sum(values):
    """The terms of a sum: [1, -2, 3] -> "1 − 2 + 3"."""
    return " + ".join(format_value(v) for v in np.ravel(values)).replace(
        "+ −", "− ")


def format_rows(value):
    """A matrix of up to 8 numbers one row per line, as numpy prints it:
    "[[1, 2],\\n [3, 4]]".  Anything else as format_value writes it."""
    arr = np.asarray(value)
    if arr.ndim != 2 or arr.size > 8:
        return format_value(value)
    return "[" + ",\n ".join(format_value(row) for row in arr) + "]"


def format_label(value):
    """An array written out on an edge: a matrix as its shape, then its
    rows, one per line; a vector (or a bigger array) as format_value."""
    if np.ndim(value) == 2 and np.size(value) <= 8:
        return f"{format_shape(np.shape(value))}\n{format_rows(value)}"
    return format_value(value)
