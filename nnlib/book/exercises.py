"""Automatic checks for the book's exercises.

Four checks, each answering with a ``Verdict`` (``.passed``: the
reader's own answer is right; printed, or shown as a cell's result, it
reads as a short report):

``check_backward(make_layer, *inputs, params=(), ...)``
    For "write this layer's backward" exercises.  Runs forward on
    ``inputs``, then backward with a random (seeded) ``dout``, and compares
    every gradient backward returns -- and every parameter gradient named
    in ``params`` (``params=("W", "b")`` reads ``layer.dW``, ``layer.db``)
    -- with numerical gradients of ``sum(forward(*inputs) * dout)``.
``check_values(got, expected, names=None, ...)``
    For "compute these numbers" exercises: each wrong value, expected
    against got, with enough digits to see the difference.
``check_update(update, params, grads, expected, ...)``
    For "write this update rule" exercises: the new parameters, and that
    the arrays were changed in place.
``check_function(function, args, expected, ...)``
    For "write this function" exercises: what ``function(*args)``
    returns, compared as check_values compares numbers.

``answer_from(function, *args)`` runs the reader's code for check_values
when the answer is more than one call: ``...`` while it is not written,
and what it raised, if it raised, for check_values to report.

``backprop_mistakes(graph)`` names the classic wrong gradients of a
backward pass written by hand over a traced graph.

A wrong answer gets a verdict that says what is wrong and, where it
recognises the pattern, which classic mistake gives it (a missing 1/N,
swapped inputs, the wrong sign, a missing transpose, writing into
``dout``, ...).  Nothing the reader's code does makes a check crash: an
exception in it is reported with the line it came from.

An exercise not attempted yet (its code still raises
``NotImplementedError``, or its answer is still ``...``) gets one neutral
line that shows no values.  The stored ``solution`` is then checked
quietly instead: if it is wrong, the check raises ``AssertionError``, so
the book's tests catch a broken solution without showing the answer.
"""

import traceback
from pathlib import Path

import numpy as np

import nnlib
from nnlib.gradient import numerical_gradient

# Frames in here are the checker's; the reader's code is everywhere else.
NNLIB_DIR = Path(nnlib.__file__).resolve().parent


class Verdict:
    """The outcome of a check.

    passed: the reader's answer is right.  attempted: False while the
    exercise is not (fully) answered.  lines: the report.
    """

    def __init__(self, passed, lines, attempted=True):
        self.passed = bool(passed)
        self.attempted = bool(attempted)
        self.lines = list(lines)

    def __repr__(self):
        return "\n".join(self.lines)

    __str__ = __repr__


class _NotAttempted(Exception):
    """The reader's code still raises NotImplementedError."""

    def __init__(self, what, started):
        super().__init__(what)
        self.what = what        # e.g. "Tanh.backward"
        self.started = started  # True if an earlier part already ran


class _ReaderError(Exception):
    """The reader's code raised an exception: what, and where."""


class Raised:
    """An answer that could not be computed: the reader's code raised.
    message says what raised what, and at which line."""

    def __init__(self, message):
        self.message = message

    def __repr__(self):
        return f"Raised({self.message!r})"


def answer_from(function, *args, what=None):
    """``function(*args)``, the reader's answer for check_values.

    ``...`` while the reader's code raises NotImplementedError (not
    attempted yet); a Raised if it raises anything else, which
    check_values reports as its verdict instead of a traceback.
    what: the name of the reader's code in that report (default: the
    function's name), e.g. the class whose method is called inside.
    """
    what = what or getattr(function, "__name__", "your code")
    try:
        return _reader_call(what, function, *args)
    except _NotAttempted:
        return ...
    except _ReaderError as err:
        return Raised(str(err))


def _reader_call(what, function, *args, started=False):
    """Call the reader's code; turn its exceptions into _NotAttempted
    (NotImplementedError) or _ReaderError (anything else)."""
    try:
        return function(*args)
    except NotImplementedError:
        raise _NotAttempted(what, started) from None
    except Exception as err:  # the reader's bug, reported, never raised
        raise _ReaderError(f"{what} raised {type(err).__name__}: "
                           f"{err}{_where(err)}") from None


def _where(err):
    """' (at line 3: x = ...)' for the innermost frame outside nnlib."""
    frames = [frame for frame in traceback.extract_tb(err.__traceback__)
              if NNLIB_DIR not in Path(frame.filename).resolve().parents]
    if not frames or not frames[-1].line:
        return ""
    return f" (at line {frames[-1].lineno}: {frames[-1].line.strip()})"


def _not_attempted(exercise, todo, check_solution):
    """The neutral verdict of an unanswered exercise, after checking the
    stored solution quietly (``check_solution``: None or a callable
    returning its Verdict)."""
    title = f"Exercise {exercise}" if exercise else "This exercise"
    if check_solution is not None:
        verdict = check_solution()
        if not verdict.passed:
            raise AssertionError(f"The stored solution of {title.lower()} "
                                 f"fails its own check:\n{verdict}")
    return Verdict(False, [f"{title}: {todo}, then run this cell "
                           f"again."], attempted=False)


def _numbers(value):
    """value as a float64 array, or TypeError/ValueError if it is not
    numbers (text, None, a ragged list, complex numbers)."""
    if value is None or value is Ellipsis:
        raise TypeError(type(value).__name__)
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{array.dtype.kind}")
    return array.astype(np.float64)


def _pair(expected, got):
    """The two numbers as text, with just enough significant digits to
    tell them apart (at least 4), so a report never reads "expected 0.5,
    got 0.5"."""
    for digits in range(4, 18):
        e, g = f"{float(expected):.{digits}g}", f"{float(got):.{digits}g}"
        if e != g:
            break
    return e, g


def _fmt(value):
    """A number rounded for a short report."""
    return f"{float(value):.4g}"


def _close(a, b):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-4,
                                                   atol=1e-7))


# ---- check_backward ----------------------------------------------------

def check_backward(make_layer, *inputs, params=(), wrt=None, names=None,
                   solution=None, exercise=None, seed=0, rtol=1e-5):
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
            returned as is (dx), several as a tuple or list (dx, dy).
        names: the inputs' names for the report (default x, or x, y).
        solution: the stored solution (class or callable like
            make_layer), checked quietly while the reader's code raises
            NotImplementedError.
        exercise: its number, e.g. "4.2", for the report.
        seed: seeds the random dout.
        rtol: tolerated error, relative to the size of the gradient.

    Returns:
        A Verdict.
    """
    args = (inputs, params, wrt, names, seed, rtol)
    try:
        return _check_layer(make_layer, *args)
    except _NotAttempted as err:
        todo = (f"not finished yet: {err.what} still raises "
                f"NotImplementedError; write it" if err.started else
                f"not attempted yet: write {err.what}")
        check = None if solution is None else (
            lambda: _solution_verdict(solution, args))
        return _not_attempted(exercise, todo, check)
    except _ReaderError as err:
        return Verdict(False, [f"✘ {err}"])


def _solution_verdict(solution, args):
    try:
        return _check_layer(solution, *args)
    except (_NotAttempted, _ReaderError) as err:
        return Verdict(False, [f"the solution fails: {err}"])


def _check_layer(make_layer, inputs, params, wrt, names, seed, rtol):
    layer = _reader_call("creating the layer", make_layer)
    name = type(layer).__name__
    xs = [_as_input(x) for x in inputs]
    if wrt is None:
        wrt = [i for i, x in enumerate(xs) if x.dtype.kind == "f"]
    if names is None:
        names = ["x"] if len(xs) == 1 else ["x", "y"] if len(xs) == 2 \
            else [f"x{i + 1}" for i in range(len(xs))]

    out = _reader_call(f"{name}.forward", layer.forward, *xs)
    if out is None:
        return _fail(name, "not usable", [
            "  forward returned None: did you forget `return out`?"])
    try:
        out = _numbers(out)
    except (TypeError, ValueError):
        return _fail(name, "not usable", [
            f"  forward returned {type(out).__name__}, not numbers."])
    # A stream of its own: default_rng(seed) alone would give dout equal
    # to inputs a reader drew with the same seed (hiding, e.g., a W^T).
    rng = np.random.default_rng([seed, 0xD0D7])
    dout = np.asarray(rng.standard_normal(np.shape(out)))
    dout_passed = dout.copy()  # to notice a backward that writes into it
    grads = _reader_call(f"{name}.backward", layer.backward, dout_passed,
                         started=True)

    lines, summary = [], []
    if not np.array_equal(dout_passed, dout):
        summary.append("it writes into dout")
        lines += ["  dout: backward changed dout in place; the layer to "
                  "its left may still need it.",
                  "      hint: compute a new array (dx = dout * mask) "
                  "instead of writing into dout."]
    grads, problem = _as_tuple(grads, [f"d{names[i]}" for i in wrt],
                               [np.shape(xs[i]) for i in wrt])
    if problem:
        return _fail(name, "not usable", lines + [f"  {problem}"])
    # Read the parameter gradients now: the numerical ones rerun forward.
    checks = [(f"d{names[i]}", g, xs[i], names[i])
              for i, g in zip(wrt, grads)]
    checks += [(f"d{p}", _copy(getattr(layer, f"d{p}", None)),
                getattr(layer, p, None), p) for p in params]

    def loss(_):
        return np.sum(np.asarray(layer.forward(*xs), dtype=float) * dout)

    numerics = {}
    for label, got, target, of in checks:
        if got is not None:
            numerics[label] = _numeric(loss, target, of, name)
    context = _Context(numerics, dout, out, xs, names)
    n_wrong = 0
    for label, got, target, of in checks:
        if got is None:
            ok, detail = False, [_missing(label, of in params)]
        else:
            ok, detail = _compare(label, got, of, rtol, context)
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


class _Context:
    """What the hints look at: the numerical gradients by label, dout,
    forward's output, the inputs and their names."""

    def __init__(self, numerics, dout, out, inputs, names):
        self.numerics = numerics
        self.dout = dout
        self.out = out
        self.inputs = dict(zip(names, inputs))
        first = inputs[0] if inputs else None
        self.batch = first.shape[0] if (first is not None and first.ndim
                                        >= 2) else None


def _as_input(x):
    """Integer arrays (labels) pass as they are; the rest as float64."""
    if isinstance(x, np.ndarray) and x.dtype.kind in "biu":
        return x
    return np.array(x, dtype=np.float64)


def _fail(name, summary, lines):
    return Verdict(False, [f"✘ {name}.backward: {summary}."] + lines)


def _copy(value):
    """A copy of a stored parameter gradient (kept as it is if it is not
    an array; the comparison then says so)."""
    try:
        return None if value is None else np.array(value)
    except ValueError:
        return value


def _missing(label, is_param):
    if is_param:
        return (f"  {label}: missing -- backward must store it as "
                f"self.{label}.")
    return f"  {label}: backward returned None in its place."


def _as_tuple(grads, labels, shapes):
    """backward's return value as one gradient per label, or a problem.
    shapes: the shape of each gradient, to tell one gradient written as
    a list of rows from a list of gradients."""
    want = ", ".join(labels)
    if grads is None:
        return None, ("backward returned None: did you forget "
                      f"`return {want}`?")
    if len(labels) == 1:
        if isinstance(grads, list) and _shape_of(grads) == shapes[0]:
            return (grads,), None       # one gradient, as nested lists
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


def _shape_of(value):
    try:
        return np.shape(value)
    except ValueError:          # ragged nested lists
        return None


def _numeric(loss, target, of, name):
    """The numerical gradient of loss with respect to target's values."""
    if not (isinstance(target, np.ndarray) and target.dtype.kind == "f"):
        raise TypeError(
            f"check_backward: {name}.{of} must be a float numpy array to "
            f"be nudged numerically; it is {type(target).__name__}.")
    saved = target.copy()
    try:
        return numerical_gradient(
            lambda w: _reader_call(f"{name}.forward", loss, w), target)
    except _ReaderError:
        target[...] = saved     # the reader's forward failed mid-nudge
        raise


def _compare(label, got, of, rtol, context):
    """(ok, report lines) for one gradient against its numerical value."""
    numeric = context.numerics[label]
    try:
        got = _numbers(got)
    except (TypeError, ValueError):
        return False, [f"  {label}: not an array of numbers "
                       f"({type(got).__name__})."]
    if got.shape != numeric.shape:
        return False, [
            f"  {label}: shape {got.shape}, expected {numeric.shape} "
            f"(the shape of {of}).",
            f"      hint: {_shape_hint(label, got.shape, numeric.shape)}"]
    if not np.all(np.isfinite(got)):
        return False, [f"  {label}: contains NaN or infinity."]
    diff = np.abs(got - numeric)
    scale = max(np.abs(numeric).max(initial=0), np.abs(got).max(initial=0))
    if diff.size == 0 or diff.max() <= max(rtol * scale, 1e-8):
        return True, [f"  {label}: ok"]
    worst = np.unravel_index(np.argmax(diff), diff.shape)
    at = f"at {label}[{', '.join(str(int(i)) for i in worst)}]: " \
        if worst else ""
    right, yours = _pair(numeric[worst], got[worst])
    return False, [
        f"  {label}: WRONG, off by up to {_fmt(diff[worst])} "
        f"(relative error {diff[worst] / scale:.2g})",
        f"      {at}numerical {right}, yours {yours}",
        f"      hint: {_value_hint(label, got, context)}"]


def _shape_hint(label, got, expected):
    if got == expected[::-1]:
        if label == "dW":
            return "transposed? dW = xᵀ · dout has W's shape (D, M)."
        return "transposed?"
    if len(got) == len(expected) == 1 or (len(got) == 1 and got[0] in
                                          expected):
        return "a sum over the wrong axis? (the batch axis is 0)"
    return "a gradient has the shape of what it is the gradient of."


# Each hint: (test, message).  A test gets (got, right, context, label)
# and says whether got shows that mistake; the first that fits is shown.
# All of them compare arrays of the same shape only.

def _is_dout(got, right, ctx, label):
    return (got.shape == ctx.dout.shape and _close(got, ctx.dout)
            and not _close(right, ctx.dout))


def _wrong_sign(got, right, ctx, label):
    return _close(got, -right)


def _swapped(got, right, ctx, label):
    return any(other != label and _close(got, value)
               for other, value in ctx.numerics.items())


def _no_dout(got, right, ctx, label):
    return (got.shape == ctx.dout.shape and not _close(ctx.dout, 1)
            and _close(got * ctx.dout, right))


def _transposed(got, right, ctx, label):
    return got.ndim == 2 and _close(got, right.T)


def _batch_times(got, right, ctx, label):
    return bool(ctx.batch and ctx.batch > 1
                and _close(got, ctx.batch * right))


def _batch_over(got, right, ctx, label):
    return bool(ctx.batch and ctx.batch > 1
                and _close(got, right / ctx.batch))


def _plus_for_minus(got, right, ctx, label):
    # y(1 + y) for the sigmoid's y(1 - y), 1 + y² for tanh's 1 - y².
    y, dout = ctx.out, ctx.dout
    return y.shape == got.shape == dout.shape and (
        _close(got, dout * y * (1 + y)) or _close(got, dout * (1 + y ** 2)))


def _half(got, right, ctx, label):
    return got.size > 1 and _close(2 * got, right)


HINTS = [
    (_wrong_sign, lambda label, ctx: "yours has the wrong sign."),
    (_is_dout, lambda label, ctx: (
        "yours is dout itself, passed on unchanged: multiply it by the "
        "local derivative (for ReLU, zero it where x <= 0).")),
    (_swapped, lambda label, ctx: (
        f"yours equals the right "
        f"{next(o for o, v in ctx.numerics.items() if o != label)}: are "
        f"two gradients swapped? (A product sends each input the *other* "
        f"input times dout.)")),
    (_no_dout, lambda label, ctx: (
        "yours does not use dout: multiply by it (chain rule).")),
    (_transposed, lambda label, ctx: (
        "yours is the transpose of the right one"
        + (": dW = xᵀ · dout, not dout · x or (dout · xᵀ)ᵀ."
           if label == "dW" else "."))),
    (_batch_times, lambda label, ctx: (
        f"yours is {ctx.batch} times the right one, the batch size: the "
        f"loss is a mean over the batch, so divide by N = {ctx.batch}.")),
    (_batch_over, lambda label, ctx: (
        f"yours is the right one divided by {ctx.batch}, the batch size: "
        f"divided by N once too often?")),
    (_plus_for_minus, lambda label, ctx: (
        "yours has a plus where the derivative has a minus: the "
        "sigmoid's is y(1 − y) (tanh's 1 − y²).")),
    (_half, lambda label, ctx: (
        "yours is half the right one: where a value is used twice (as in "
        "x · x), each use sends back a gradient and they add up (+=, not "
        "=).")),
]


def _value_hint(label, got, context):
    """A guess at what went wrong, from how got relates to the numerical
    gradients (its own and the other inputs') and to dout."""
    right = context.numerics[label]
    if not np.any(got):
        return "yours is all zeros: is dout used, and the result returned?"
    for test, message in HINTS:
        if test(got, right, context, label):
            return message(label, context)
    norm = float(np.sum(right * right))
    factor = float(np.sum(got * right)) / norm if norm else 0.0
    if got.size > 1 and _close(got, factor * right):
        return (f"yours is {factor:.3g} times the right one: a missing "
                f"or extra factor?")
    return ("compare with the local derivative of forward; is each "
            "factor the cached value it should be?")


# ---- check_values ------------------------------------------------------

def check_values(got, expected, names=None, solution=None, exercise=None,
                 answer=None, mistakes=None, rtol=1e-6, atol=1e-9):
    """Check computed numbers against reference values.

    Args:
        got, expected: one value (a number or an array), a tuple or list of
            values, or a dict name -> value.  Arrays must match in shape.
            A Raised from answer_from, in got or among its values, is
            the verdict: the reader's code raised.
        names: labels for a tuple or list (default "value 1", "value 2",
            ...); a dict's keys are its names.
        solution: checked quietly instead while got is still ``...``
            (not attempted), or while some of its values are.
        exercise: its number, e.g. "1.1", for the report.
        answer: the name of the reader's answer variable, for the report
            ("fill in answer_1_1").
        mistakes: {name: [(wrong value, what mistake gives it), ...]}:
            known wrong answers, each named when the reader's value
            matches it (e.g. a gradient that forgot the tax).  For a
            single value, the name is the one in ``names`` or "value".
        rtol, atol: a value is right when
            ``|got - expected| <= atol + rtol * |expected|``, elementwise.

    Returns:
        A Verdict.
    """
    if isinstance(names, str):
        names = [names]
    raised = _raised(got)
    if raised is not None:
        return Verdict(False, [f"✘ {raised.message}"])
    unanswered = _unanswered(got, expected, names)
    if unanswered is not None:
        where = f"`{answer}`" if answer else "the `...`"
        if unanswered == "all":
            todo = f"not attempted yet: fill in {where}"
        else:
            todo = (f"not finished yet: answer {', '.join(unanswered)} "
                    f"(still `...`)")
        check = None if solution is None else (
            lambda: check_values(solution, expected, names, rtol=rtol,
                                 atol=atol))
        return _not_attempted(exercise, todo, check)
    pairs, problem = _pairs(got, expected, names)
    if problem:
        return Verdict(False, [f"✘ {problem}"])
    mistakes = mistakes or {}
    lines = [_compare_value(name, g, e, rtol, atol, mistakes.get(name, ()))
             for name, g, e in pairs]
    n_wrong = sum(not ok for ok, _ in lines)
    if len(pairs) == 1:
        head = "✘ Wrong." if n_wrong else "✔ Right."
    else:
        head = f"✘ {n_wrong} of {len(pairs)} values wrong." if n_wrong \
            else f"✔ All {len(pairs)} values are right."
    return Verdict(not n_wrong, [head] + [line for _, line in lines])


def _raised(got):
    """The first Raised in got (itself, or one of its values), or None."""
    values = got.values() if isinstance(got, dict) else \
        got if isinstance(got, (list, tuple)) else [got]
    return next((v for v in values if isinstance(v, Raised)), None)


def _unanswered(got, expected, names):
    """None if answered; "all" if got is still ...; else the names of the
    values still left as ..."""
    if got is Ellipsis:
        return "all"
    if isinstance(expected, dict) and isinstance(got, dict):
        missing = [str(k) for k in expected
                   if k in got and got[k] is Ellipsis]
    elif isinstance(expected, (tuple, list)) and isinstance(got,
                                                            (tuple, list)):
        labels = names or [f"value {i + 1}" for i in range(len(expected))]
        missing = [label for label, value in zip(labels, got)
                   if value is Ellipsis]
    else:
        return None
    if not missing:
        return None
    return "all" if len(missing) == len(expected) else missing


def _pairs(got, expected, names):
    """[(name, got value, expected value)], or a problem to report."""
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return None, (f"Expected a dict with keys "
                          f"{', '.join(map(str, expected))}; got "
                          f"{type(got).__name__}.")
        if got and not any(key in got for key in expected):
            keys = ", ".join(repr(key) for key in list(got)[:3])
            return None, (f"Expected a dict with keys "
                          f"{', '.join(map(str, expected))}; got one with "
                          f"keys {keys}{', ...' if len(got) > 3 else ''}.")
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


def _compare_value(name, got, expected, rtol, atol, known):
    """(ok, one report line) for one value; ``known``: [(wrong value,
    mistake)] to name when got matches one."""
    if got is None:
        return False, f"  {name}: no answer (None)."
    if isinstance(expected, (bool, np.bool_)):
        return _compare_truth(name, got, bool(expected), known)
    expected = np.asarray(expected, dtype=np.float64)
    try:
        got = _numbers(got)
    except (TypeError, ValueError):
        return False, f"  {name}: not a number ({type(got).__name__})."
    if got.shape != expected.shape:
        return False, (f"  {name}: shape {got.shape}, expected "
                       f"{expected.shape}.")
    close = np.isclose(got, expected, rtol=rtol, atol=atol)
    if close.all():
        if expected.ndim == 0:
            return True, f"  {name} = {_fmt(got)}: ok"
        return True, f"  {name}: ok (all {close.size} entries)"
    hint = _known_mistake(got, known) or _values_hint(got, expected)
    hint = f" {hint}" if hint else ""
    if expected.ndim == 0:
        right, yours = _pair(expected, got)
        return False, f"  {name}: expected {right}, got {yours}.{hint}"
    worst = np.unravel_index(np.argmax(np.abs(got - expected)), got.shape)
    index = ", ".join(str(int(i)) for i in worst)
    right, yours = _pair(expected[worst], got[worst])
    return False, (f"  {name}: {int((~close).sum())} of {close.size} "
                   f"entries wrong; at [{index}] expected {right}, got "
                   f"{yours}.{hint}")


def _compare_truth(name, got, expected, known):
    """(ok, one report line) for a yes-or-no answer, said as True/False."""
    if not isinstance(got, (bool, np.bool_)):
        return False, (f"  {name}: expected True or False, got "
                       f"{type(got).__name__}.")
    if bool(got) == expected:
        return True, f"  {name} = {expected}: ok"
    hint = _known_mistake(got, known)
    hint = f" {hint}" if hint else ""
    return False, f"  {name}: expected {expected}, got {bool(got)}.{hint}"


def _known_mistake(got, known):
    for value, mistake in known:
        try:
            if _close(got, _numbers(value)):
                return f"({mistake})"
        except (TypeError, ValueError):
            continue
    return None


def _values_hint(got, expected):
    if np.any(expected) and _close(got, -expected):
        return "(the sign is wrong)"
    if got.ndim == 2 and _close(got, expected.T):
        return "(transposed)"
    return None


# ---- check_update --------------------------------------------------------

def check_update(update, params, grads, expected, solution=None,
                 exercise=None):
    """Check an update rule: the new values, and that it works in place.

    Args:
        update: the reader's function ``update(params, grads)``, which
            must change each array of ``params`` in place (the layers of
            a net hold those very arrays).
        params, grads: dicts of arrays keyed alike; copies are used, so
            the caller's arrays stay as they were.
        expected: dict of the parameters' values after one update.
        solution: an update function checked quietly while ``update``
            raises NotImplementedError.
        exercise: its number, for the report.

    Returns:
        A Verdict.
    """
    try:
        return _check_update(update, params, grads, expected)
    except _NotAttempted as err:
        check = None if solution is None else (
            lambda: _check_update(solution, params, grads, expected))
        return _not_attempted(exercise, f"not attempted yet: write "
                              f"{err.what}", check)
    except _ReaderError as err:
        return Verdict(False, [f"✘ {err}"])


def _check_update(update, params, grads, expected):
    mine = {key: np.array(value, dtype=float) for key, value in
            params.items()}
    held = dict(mine)       # what the layers would hold
    grads = {key: np.array(value, dtype=float) for key, value in
             grads.items()}
    name = getattr(update, "__name__", "update")
    _reader_call(name, update, mine, grads)
    lines, wrong = [], 0
    for key, value in expected.items():
        if mine.get(key) is not held[key]:
            wrong += 1
            lines.append(
                f"  {key}: params[{key!r}] now holds a new array, so the "
                f"layers still use the old one: update it in place "
                f"(params[{key!r}] -= ...).")
            continue
        ok, line = _compare_value(key, mine[key], value, 1e-6, 1e-9, ())
        wrong += not ok
        lines.append(line)
    head = (f"✘ {name}: {wrong} of {len(expected)} parameters wrong."
            if wrong else f"✔ {name} is right: every parameter updated in "
                          f"place.")
    return Verdict(not wrong, [head] + lines)


# ---- check_function ------------------------------------------------------

def check_function(function, args, expected, names=None, solution=None,
                   exercise=None, mistakes=None, rtol=1e-6, atol=1e-9):
    """Check what a function of the reader's returns, as check_values does.

    Args:
        function: the reader's function, called as ``function(*args)``.
        args: a tuple of its arguments, also handed to ``solution``.
        expected, names, mistakes, rtol, atol: as for check_values.
        solution: the stored solution function, checked quietly while
            ``function`` raises NotImplementedError.
        exercise: its number, for the report.

    Returns:
        A Verdict.
    """
    name = getattr(function, "__name__", "the function")
    got = answer_from(function, *args, what=name)
    if got is Ellipsis:
        check = None if solution is None else (
            lambda: check_values(solution(*args), expected, names,
                                 rtol=rtol, atol=atol))
        return _not_attempted(exercise, f"not attempted yet: write {name}",
                              check)
    if got is None:
        return Verdict(False, [f"✘ {name} returned None: end it with "
                               f"return ..."])
    return check_values(got, expected, names, mistakes=mistakes, rtol=rtol,
                        atol=atol)


def backprop_mistakes(graph):
    """The classic wrong gradients of a hand-written backward pass over a
    traced graph, as check_values' ``mistakes``: {name: [(value, why)]}.

    For a value used several times: what one use alone sends back (``=``
    where ``+=`` belongs), and what its node's inputs get if that node
    runs with one part only (before all its users ran).  For every value
    whose gradient is not 0: 0, the gradient of a value nothing reached.
    graph: a Graph from nnlib.book.trace, after its backward pass.
    """
    mistakes = {}

    def add(name, value, why):
        mistakes.setdefault(name, []).append((value, why))

    for var in graph.vars.values():
        uses = [use for use in var.uses if use.dst is not None]
        for use in uses if len(uses) > 1 else ():
            add(var.name, use.grad, f"only what the {use.dst.op} node "
                f"sends back: {var.name} is used {len(uses)} times, add "
                f"every part (+=)")
            if var.node is None:
                continue
            parts = var.node.layer.backward(use.grad)
            parts = parts if len(var.node.inputs) > 1 else (parts,)
            for src, part in zip(var.node.inputs, parts):
                add(src.name, part, f"{var.name}'s node passed on only "
                    f"one part of {var.name}'s gradient: add every part "
                    f"into it (+=), and run its node after all the nodes "
                    f"that use {var.name}")
        if var.grad is not None and np.any(var.grad != 0):
            add(var.name, 0.0, f"nothing reached {var.name}: did a node "
                f"run before the gradient of its output was known?")
    return mistakes
