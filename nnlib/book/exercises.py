"""Automatic checks for the book's exercises.

Two checks, each answering with a ``Verdict`` (``.passed``: bool; printed,
or shown as a cell's result, it reads as a short report):

``check_backward(make_layer, *inputs, params=(), solution=None, ...)``
    For "write this layer's backward" exercises.  Runs forward on
    ``inputs``, then backward with a random (seeded) ``dout``, and compares
    every gradient backward returns -- and every parameter gradient named
    in ``params`` (``params=("W", "b")`` reads ``layer.dW``, ``layer.db``)
    -- with numerical gradients of ``sum(forward(*inputs) * dout)``.
    It names a wrong gradient, says by how much it is off, and gives a
    hint.

``check_values(got, expected, names=None, solution=None, ...)``
    For "compute these numbers" exercises: each wrong value, expected
    against got.

Exercises not attempted yet: when the reader's ``backward`` (or forward)
still raises ``NotImplementedError``, or the answer to ``check_values`` is
still ``...``, the check says so and checks the stored ``solution``
instead, so a notebook run as shipped passes.

Verdicts print only rounded numbers, so the same answer gives the same
text on every machine.
"""

import numpy as np

from nnlib.gradient import numerical_gradient


class Verdict:
    """The outcome of a check: ``passed`` and the report's ``lines``."""

    def __init__(self, passed, lines):
        self.passed = bool(passed)
        self.lines = list(lines)

    def __repr__(self):
        return "\n".join(self.lines)

    __str__ = __repr__


class _NotAttempted(Exception):
    """The reader's code still raises NotImplementedError."""


def _numbers(value):
    """value as a float64 array; text is refused, not parsed."""
    if np.asarray(value).dtype.kind in "USO":
        raise TypeError("not numbers")
    return np.asarray(value, dtype=np.float64)


def _fmt(value):
    """A number rounded for a deterministic, readable report."""
    return f"{float(value):.4g}"


# ---- check_backward ----------------------------------------------------

def check_backward(make_layer, *inputs, params=(), wrt=None, names=None,
                   solution=None, seed=0, rtol=1e-5):
    """Check a layer's backward against numerical gradients.

    Args:
        make_layer: a class or zero-argument callable returning a fresh
            layer with ``forward(*inputs)`` and ``backward(dout)``, e.g.
            ``Relu`` or ``lambda: Affine(W, b)``.
        inputs: what forward takes, e.g. x: (N, D).  Numbers and float
            arrays are differentiated (copied to float64); integer
            arrays, such as labels t: (N,), are passed through and not
            differentiated.
        params: names of parameters whose gradients backward stores, e.g.
            ("W", "b") to compare layer.dW: W.shape and layer.db: b.shape.
        wrt: indices of the inputs backward returns gradients for, in
            order (default: every differentiated input).  One gradient is
            returned as is (dx), several as a tuple (dx, dy).
        names: the inputs' names for the report (default x, or x, y).
        solution: the stored solution (class or callable like
            make_layer), checked instead while the reader's code raises
            NotImplementedError.
        seed: seeds the random dout.
        rtol: tolerated error, relative to the size of the gradient.

    Returns:
        A Verdict.
    """
    args = (inputs, params, wrt, names, seed, rtol)
    try:
        return _check_layer(make_layer, *args)
    except _NotAttempted as err:
        if solution is None:
            return Verdict(False, [
                f"✘ {err} is not written yet (it raises "
                f"NotImplementedError): write it, then run this cell "
                f"again."])
        verdict = _check_layer(solution, *args)
        return Verdict(verdict.passed, [
            f"… {err} is not written yet; checking the stored solution "
            f"instead:"] + verdict.lines)


def _check_layer(make_layer, inputs, params, wrt, names, seed, rtol):
    layer = make_layer()
    name = type(layer).__name__
    xs = [_as_input(x) for x in inputs]
    if wrt is None:
        wrt = [i for i, x in enumerate(xs) if x.dtype.kind == "f"]
    if names is None:
        names = ["x"] if len(xs) == 1 else ["x", "y"] if len(xs) == 2 \
            else [f"x{i + 1}" for i in range(len(xs))]

    out = _call(f"{name}.forward", layer.forward, *xs)
    if out is None:
        return _fail(name, "not usable", [
            "  forward returned None: did you forget `return out`?"])
    # A stream of its own: default_rng(seed) alone would give dout equal
    # to inputs a reader drew with the same seed (hiding, e.g., a W^T).
    rng = np.random.default_rng([seed, 0xD0D7])
    dout = np.asarray(rng.standard_normal(np.shape(out)))
    dout_passed = dout.copy()  # to notice a backward that writes into it
    grads = _call(f"{name}.backward", layer.backward, dout_passed)

    lines, summary = [], []
    if not np.array_equal(dout_passed, dout):
        summary.append("it writes into dout")
        lines += ["  dout: backward changed dout in place; the layer to "
                  "its left may still need it.",
                  "      hint: compute a new array (dx = dout * mask) "
                  "instead of writing into dout."]
    grads, problem = _as_tuple(grads, [f"d{names[i]}" for i in wrt])
    if problem:
        return _fail(name, "not usable", lines + [f"  {problem}"])
    # Read the parameter gradients now: the numerical ones rerun forward.
    checks = [(f"d{names[i]}", g, xs[i], names[i])
              for i, g in zip(wrt, grads)]
    checks += [(f"d{p}", _copy(getattr(layer, f"d{p}", None)),
                getattr(layer, p, None), p) for p in params]

    def loss(_):
        return np.sum(np.asarray(layer.forward(*xs)) * dout)

    numerics = {label: _numeric(loss, target, of, name)
                for label, got, target, of in checks if got is not None}
    n_wrong = 0
    for label, got, target, of in checks:
        if got is None:
            ok, detail = False, [_missing(label, of in params)]
        else:
            ok, detail = _compare(label, got, numerics, of, rtol, dout)
        n_wrong += not ok
        lines += detail
    labels = ", ".join(label for label, *_ in checks)
    if n_wrong:
        summary.insert(0, f"{n_wrong} of {len(checks)} gradient"
                          f"{'s' if len(checks) > 1 else ''} wrong")
    if summary:
        return _fail(name, "; ".join(summary), lines)
    verb = "matches" if len(checks) == 1 else "match"
    return Verdict(True, [f"✔ {name}.backward is right: {labels} {verb} "
                          f"numerical gradients."] + lines)


def _as_input(x):
    """Integer arrays (labels) pass as they are; the rest as float64."""
    if isinstance(x, np.ndarray) and x.dtype.kind in "biu":
        return x
    return np.array(x, dtype=np.float64)


def _call(what, method, *args):
    try:
        return method(*args)
    except NotImplementedError:
        raise _NotAttempted(what) from None


def _fail(name, summary, lines):
    return Verdict(False, [f"✘ {name}.backward: {summary}."] + lines)


def _copy(value):
    return None if value is None else np.array(value)


def _missing(label, is_param):
    if is_param:
        return (f"  {label}: missing -- backward must store it as "
                f"self.{label}.")
    return f"  {label}: backward returned None in its place."


def _as_tuple(grads, labels):
    """backward's return value as one gradient per label, or a problem."""
    want = ", ".join(labels)
    if grads is None:
        return None, ("backward returned None: did you forget "
                      f"`return {want}`?")
    if len(labels) == 1:
        if isinstance(grads, (tuple, list)):
            if len(grads) != 1:
                return None, (f"backward returned {len(grads)} values; "
                              f"it should return {want} alone.")
            return tuple(grads), None
        return (grads,), None
    if not isinstance(grads, (tuple, list)) or len(grads) != len(labels):
        got = f"{len(grads)} values" if isinstance(
            grads, (tuple, list)) else "one value"
        return None, (f"backward returned {got}; it should return the "
                      f"tuple ({want}).")
    return tuple(grads), None


def _numeric(loss, target, of, name):
    """The numerical gradient of loss with respect to target's values."""
    if not (isinstance(target, np.ndarray) and target.dtype.kind == "f"):
        raise TypeError(
            f"check_backward: {name}.{of} must be a float numpy array to "
            f"be nudged numerically; it is {type(target).__name__}.")
    return numerical_gradient(loss, target)


def _compare(label, got, numerics, of, rtol, dout):
    """(ok, report lines) for one gradient against its numerical value.
    numerics: label -> numerical gradient, for this and the others."""
    numeric = numerics[label]
    try:
        got = _numbers(got)
    except (TypeError, ValueError):
        return False, [f"  {label}: not an array of numbers "
                       f"({type(got).__name__})."]
    if got.shape != numeric.shape:
        return False, [
            f"  {label}: shape {got.shape}, expected {numeric.shape} "
            f"(the shape of {of}).",
            f"      hint: {_shape_hint(got.shape, numeric.shape)}"]
    if not np.all(np.isfinite(got)):
        return False, [f"  {label}: contains NaN or infinity."]
    diff = np.abs(got - numeric)
    scale = max(np.abs(numeric).max(initial=0), np.abs(got).max(initial=0))
    if diff.size == 0 or diff.max() <= max(rtol * scale, 1e-8):
        return True, [f"  {label}: ok"]
    worst = np.unravel_index(np.argmax(diff), diff.shape)
    at = f"at {label}[{', '.join(str(int(i)) for i in worst)}]: " \
        if worst else ""
    return False, [
        f"  {label}: WRONG, off by up to {_fmt(diff[worst])} "
        f"(relative error {diff[worst] / scale:.2g})",
        f"      {at}numerical {_fmt(numeric[worst])}, "
        f"yours {_fmt(got[worst])}",
        f"      hint: {_value_hint(label, got, numerics, dout)}"]


def _shape_hint(got, expected):
    if len(got) == len(expected) == 1 or (len(got) == 1 and got[0] in
                                          expected):
        return "a sum over the wrong axis? (the batch axis is 0)"
    if got == expected[::-1]:
        return "transposed?"
    return "a gradient has the shape of what it is the gradient of."


def _close(a, b):
    return a.shape == b.shape and np.allclose(a, b, rtol=1e-4, atol=1e-7)


def _value_hint(label, got, numerics, dout):
    """A guess at what went wrong, from how got relates to the numerical
    gradients (its own and the other inputs')."""
    numeric = numerics[label]
    if not np.any(got):
        return "yours is all zeros: is dout used, and the result returned?"
    for other, value in numerics.items():
        if other != label and _close(got, value):
            return (f"yours equals the right {other}: are two gradients "
                    f"swapped?")
    if np.shape(got * dout) == got.shape and _close(got * dout, numeric):
        return "yours does not use dout: multiply by it (chain rule)."
    if got.ndim == 2 and _close(got, numeric.T):
        return "yours is the transpose of the right one."
    if _close(got, -numeric):
        return "yours has the wrong sign."
    norm = float(np.sum(numeric * numeric))
    factor = float(np.sum(got * numeric)) / norm if norm else 0.0
    if got.size > 1 and _close(got, factor * numeric):
        return (f"yours is {factor:.3g} times the right one: a missing "
                f"or extra factor?")
    return ("compare with the local derivative of forward; is each "
            "factor the cached value it should be?")


# ---- check_values ------------------------------------------------------

def check_values(got, expected, names=None, solution=None, rtol=1e-6,
                 atol=1e-9):
    """Check computed numbers against reference values.

    Args:
        got, expected: one value (a number or an array), a tuple or list of
            values, or a dict name -> value.  Arrays must match in shape.
        names: labels for a tuple or list (default "value 1", "value 2",
            ...); a dict's keys are its names.
        solution: checked instead while got is still ``...`` (not
            attempted).
        rtol, atol: a value is right when
            ``|got - expected| <= atol + rtol * |expected|``, elementwise.

    Returns:
        A Verdict.
    """
    if got is Ellipsis:
        if solution is None:
            return Verdict(False, ["✘ Not answered yet: replace the ... "
                                   "with your answer."])
        verdict = check_values(solution, expected, names, None, rtol, atol)
        return Verdict(verdict.passed, [
            "… Not answered yet; checking the stored solution "
            "instead:"] + verdict.lines)
    if isinstance(names, str):
        names = [names]
    pairs, problem = _pairs(got, expected, names)
    if problem:
        return Verdict(False, [f"✘ {problem}"])
    lines = [_compare_value(name, g, e, rtol, atol) for name, g, e in pairs]
    n_wrong = sum(not ok for ok, _ in lines)
    if len(pairs) == 1:
        head = "✘ Wrong." if n_wrong else "✔ Right."
    else:
        head = f"✘ {n_wrong} of {len(pairs)} values wrong." if n_wrong \
            else f"✔ All {len(pairs)} values are right."
    return Verdict(not n_wrong, [head] + [line for _, line in lines])


def _pairs(got, expected, names):
    """[(name, got value, expected value)], or a problem to report."""
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return None, (f"Expected a dict with keys "
                          f"{', '.join(map(str, expected))}; got "
                          f"{type(got).__name__}.")
        return [(str(k), got.get(k), v) for k, v in expected.items()], None
    if isinstance(expected, (tuple, list)):
        names = names or [f"value {i + 1}" for i in range(len(expected))]
        if len(names) != len(expected):
            # A mistake in the exercise itself, not in the reader's answer.
            raise ValueError(f"check_values: {len(names)} names for "
                             f"{len(expected)} expected values; give one "
                             f"name per value.")
        if not isinstance(got, (tuple, list)):
            return None, (f"Expected {len(expected)} values "
                          f"({', '.join(names)}); got one "
                          f"{type(got).__name__}.")
        if len(got) != len(expected):
            return None, (f"Expected {len(expected)} values "
                          f"({', '.join(names)}); got {len(got)}.")
        return list(zip(names, got, expected)), None
    return [((names or ["value"])[0], got, expected)], None


def _compare_value(name, got, expected, rtol, atol):
    """(ok, one report line) for one value."""
    if got is None or got is Ellipsis:
        return False, f"  {name}: no answer ({got!r})."
    expected = np.asarray(expected, dtype=np.float64)
    try:
        got = _numbers(got)
    except (TypeError, ValueError):
        return False, f"  {name}: not a number ({type(got).__name__})."
    if got.shape != expected.shape:
        return False, (f"  {name}: shape {got.shape}, expected "
                       f"{expected.shape}.")
    close = np.isclose(got, expected, rtol=rtol, atol=atol)
    if expected.ndim == 0:
        if close:
            return True, f"  {name} = {_fmt(got)}: ok"
        return False, (f"  {name}: expected {_fmt(expected)}, got "
                       f"{_fmt(got)}.")
    if close.all():
        return True, f"  {name}: ok (all {close.size} entries)"
    worst = np.unravel_index(np.argmax(np.abs(got - expected)), got.shape)
    index = ", ".join(str(int(i)) for i in worst)
    return False, (f"  {name}: {int((~close).sum())} of {close.size} "
                   f"entries wrong; at [{index}] expected "
                   f"{_fmt(expected[worst])}, got {_fmt(got[worst])}.")
