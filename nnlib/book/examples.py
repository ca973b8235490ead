"""The book's computational graphs, each traced by one call.

Every builder runs nnlib's own node layers through a Tracer and returns
the Graph with forward values and gradients, ready for
``nnlib.book.svg.graph_svg`` or ``nnlib.book.stepper.stepper``::

    g = apple_graph()
    g.value("price"), g.grad("apple")     # 220.00000000000003, 2.2

Keyword arguments are the graph's inputs; the defaults are the
article's numbers where it gives some.
"""

import numpy as np

from nnlib.book.formatting import format_value
from nnlib.book.nodes import (AddConstLayer, AddLayer, AffineNode,
                              DivLayer, DotLayer, ExpLayer, LogLayer,
                              MaxLayer, MeanLayer, MulConstLayer, MulLayer,
                              ReciprocalLayer, SoftmaxWithLossNode,
                              SqrtLayer, SquareLayer, SubLayer, SumLayer)
from nnlib.book.trace import Tracer
from nnlib.layers import Relu


def apple_graph(apple=100, apple_num=2, tax=1.1):
    """price = apple × apple_num × tax: 2 apples at 100 with 10 % tax."""
    tr = Tracer("Buying apples: price = apple × apple_num × tax")
    apple = tr.input("apple", apple)
    apple_num = tr.input("apple_num", apple_num)
    tax = tr.input("tax", tax)
    apple_price = tr.call(MulLayer(), apple, apple_num, name="apple_price")
    price = tr.call(MulLayer(), apple_price, tax, name="price")
    return tr.backward(price)


def fruit_graph(apple=100, apple_num=2, orange=150, orange_num=3,
                tax=1.1):
    """price = (apple × apple_num + orange × orange_num) × tax."""
    tr = Tracer("Buying apples and oranges: price = "
                "(apple × apple_num + orange × orange_num) × tax")
    apple = tr.input("apple", apple)
    apple_num = tr.input("apple_num", apple_num)
    orange = tr.input("orange", orange)
    orange_num = tr.input("orange_num", orange_num)
    tax = tr.input("tax", tax)
    apple_price = tr.call(MulLayer(), apple, apple_num, name="apple_price")
    orange_price = tr.call(MulLayer(), orange, orange_num,
                           name="orange_price")
    all_price = tr.call(AddLayer(), apple_price, orange_price,
                        name="all_price")
    price = tr.call(MulLayer(), all_price, tax, name="price")
    return tr.backward(price)


# The local function a generic node f can stand for in unary_graph.
UNARY_LAYERS = {
    "square": SquareLayer,
    "exp": ExpLayer,
    "log": LogLayer,
    "reciprocal": ReciprocalLayer,
}


def unary_graph(x=3.0, dout=1.0, f="square"):
    """A single node y = f(x): the signal E = ``dout`` arrives from the
    right and leaves as E·∂y/∂x.

    f: one of "square", "exp", "log", "reciprocal" (the node is drawn
    as "f"; the caption says which function it is).
    """
    if f not in UNARY_LAYERS:
        raise ValueError(f"unary_graph got f={f!r}; choose one of "
                         f"{', '.join(UNARY_LAYERS)}.")
    tr = Tracer(f"One node y = f(x), here f is {f}")
    x = tr.input("x", x, grad_label="E·∂y/∂x")
    y = tr.call(UNARY_LAYERS[f](), x, name="y", symbol="f")
    return tr.backward(y, dout, grad_label="E")


def square_of_sum_graph(x=2.0, y=3.0):
    """z = (x + y)² traced as t = x + y, then z = t²."""
    tr = Tracer("z = (x + y)², as t = x + y and z = t²")
    x = tr.input("x", x, grad_label="∂z/∂x")
    y = tr.input("y", y, grad_label="∂z/∂y")
    t = tr.call(AddLayer(), x, y, name="t", grad_label="∂z/∂t")
    z = tr.call(SquareLayer(), t, name="z", grad_label="∂z/∂z")
    for name in ("x", "y"):
        tr.note(name, f"chain rule: ∂z/∂t · ∂t/∂{name} = 2t · 1 "
                      "= 2(x + y)")
    return tr.backward(z)


def sigmoid_graph(x=1.0, dout=1.0):
    """y = 1 / (1 + exp(−x)) as the nodes ×−1, exp, +1 and /.

    ``dout`` is ∂L/∂y, the derivative arriving from the loss; the
    gradient reaching x equals ∂L/∂y · y(1 − y).
    """
    tr = Tracer("Sigmoid y = 1 / (1 + exp(−x)) as ×−1, exp, +1, /")
    x = tr.input("x", x)
    neg = tr.call(MulConstLayer(-1), x, name="-x")
    e = tr.call(ExpLayer(), neg, name="exp(-x)")
    s = tr.call(AddConstLayer(1), e, name="1+exp(-x)")
    y = tr.call(ReciprocalLayer(), s, name="y")
    tr.note("x", "the same as ∂L/∂y · y(1 − y) = "
                 f"{format_value(dout)} × {format_value(y.value)} × "
                 f"{format_value(1 - y.value)}")
    return tr.backward(y, dout, grad_label="∂L/∂y")


def softmax_loss_graph(a=(0.3, 2.9, 4.0), t=(0, 0, 1)):
    """Softmax of 3 scores a, then the cross-entropy loss L against
    the one-hot label t, one node per operation.

    The gradient reaching each score a_k is y_k − t_k.
    """
    a = tuple(a)
    t = tuple(t)
    if len(a) != len(t) or sorted(t) != [0] * (len(t) - 1) + [1]:
        raise ValueError(f"softmax_loss_graph needs scores a and a one-hot "
                         f"label t of the same length, got a={a}, t={t}.")
    n = len(a)
    tr = Tracer(f"Softmax-with-Loss for {n} classes")
    scores = [tr.input(f"a{k}", a[k - 1]) for k in range(1, n + 1)]
    exps = [tr.call(ExpLayer(), s, name=f"exp(a{k})")
            for k, s in enumerate(scores, 1)]
    total = tr.call(SumLayer(), *exps, name="S")
    inv = tr.call(ReciprocalLayer(), total, name="1/S")
    ys = [tr.call(MulLayer(), e, inv, name=f"y{k}")
          for k, e in enumerate(exps, 1)]
    logs = [tr.call(LogLayer(), y, name=f"log(y{k})")
            for k, y in enumerate(ys, 1)]
    labels = [tr.input(f"t{k}", t[k - 1], constant=True)
              for k in range(1, n + 1)]
    terms = [tr.call(MulLayer(), lg, lb, name=f"t{k}·log(y{k})")
             for k, (lg, lb) in enumerate(zip(logs, labels), 1)]
    total_log = tr.call(SumLayer(), *terms, name="sum")
    loss = tr.call(MulConstLayer(-1), total_log, name="L")
    for k, (y, label) in enumerate(zip(ys, labels), 1):
        tr.note(f"a{k}", f"= y{k} − t{k} = {format_value(y.value)} − "
                         f"{format_value(label.value)}")
    return tr.backward(loss)


def affine_graph(X=None, W=None, b=None, dY=None, seed=0):
    """Y = X·W + b for a batch of N rows, with the matrix shapes shown.

    X: (N, D), W: (D, M), b: (M,), Y and dY: (N, M).  Arrays left as None
    are drawn from a seeded generator (N = 3, D = 4, M = 2: three
    different sizes, so only the right products have the right shapes),
    rounded to one decimal.  Backward gives dX = dY·Wᵀ, dW = Xᵀ·dY and
    db = dY summed over axis 0 (the batch).
    """
    rng = np.random.default_rng(seed)
    X = np.asarray(X if X is not None else rng.normal(size=(3, 4)).round(1),
                   dtype=float)
    n, d = X.shape
    W = np.asarray(W if W is not None else rng.normal(size=(d, 2)).round(1),
                   dtype=float)
    m = W.shape[1]
    b = np.asarray(b if b is not None else rng.normal(size=m).round(1),
                   dtype=float)
    dY = np.asarray(dY if dY is not None
                    else rng.normal(size=(n, m)).round(1), dtype=float)
    if b.shape != (m,) or dY.shape != (n, m):
        raise ValueError(f"affine_graph needs b of shape ({m},) and dY of "
                         f"shape ({n}, {m}) for X {X.shape} and W "
                         f"{W.shape}; got b {b.shape}, dY {dY.shape}.")
    tr = Tracer("Affine layer for a batch: Y = X·W + b")
    x = tr.input("X", X, label="(N, D)", grad_label="dY·Wᵀ")
    w = tr.input("W", W, label="(D, M)", grad_label="Xᵀ·dY")
    bias = tr.input("b", b, label="(M,)", grad_label="sum(dY, axis=0)")
    xw = tr.call(DotLayer(), x, w, name="XW", label="(N, M)",
                 grad_label="dY")
    y = tr.call(AddLayer(), xw, bias, name="Y", label="(N, M)")
    return tr.backward(y, dY, grad_label="dY")


def batchnorm_graph(x=(1.0, 2.0, 3.0, 6.0), gamma=2.0, beta=0.5,
                    eps=1e-5, dout=(0.1, -0.3, 0.2, 0.4)):
    """Batch normalization of one feature over a batch, node by node.

    x, dout: the batch's N values of the feature and the upstream
    gradient ∂L/∂y, (N,) each; gamma, beta: the feature's scale and
    shift; eps: as in nnlib.training_layers.BatchNormalization.  The
    nodes: mu = mean(x), xc = x − mu, xc², var = mean(xc²), var + eps,
    std = sqrt(var + eps), xn = xc / std, gamma·xn, y = gamma·xn + beta.
    Vectors of N numbers are short enough to write out, on the edges and
    in the captions.
    """
    x = np.asarray(x, dtype=float)
    dout = np.asarray(dout, dtype=float)
    if x.ndim != 1 or len(x) < 2 or dout.shape != x.shape:
        raise ValueError(f"batchnorm_graph needs x and dout of the same "
                         f"length, at least 2, got {len(np.ravel(x))} and "
                         f"{len(np.ravel(dout))} values.")
    n = len(x)
    tr = Tracer(f"Batch normalization of one feature over a batch "
                f"of {n}", write_arrays=True)
    xs = tr.input("x", x)
    g = tr.input("gamma", float(gamma))
    b = tr.input("beta", float(beta))
    mu = tr.call(MeanLayer(), xs, name="mu")
    xc = tr.call(SubLayer(), xs, mu, name="xc")
    sq = tr.call(SquareLayer(), xc, name="xc²")
    var = tr.call(MeanLayer(), sq, name="var")
    var_eps = tr.call(AddConstLayer(eps), var, name="var+eps", symbol="+ε",
                      note="ε keeps the square root away from 0")
    std = tr.call(SqrtLayer(), var_eps, name="std")
    xn = tr.call(DivLayer(), xc, std, name="xn")
    gxn = tr.call(MulLayer(), xn, g, name="gamma·xn")
    y = tr.call(AddLayer(), gxn, b, name="y")
    return tr.backward(y, dout, grad_label="dout")


# ---- the gate patterns: one small graph each ------------------------------
# Each starts its backward pass with an upstream gradient dout (2 by
# default, not 1, so that what each gate does to it shows).

def add_gate_graph(x=3.0, y=-1.0, dout=2.0):
    """z = x + y: the add gate hands dout to both inputs unchanged."""
    tr = Tracer("Add gate: z = x + y distributes the gradient")
    z = tr.call(AddLayer(), tr.input("x", x), tr.input("y", y), name="z")
    return tr.backward(z, dout)


def mul_gate_graph(x=3.0, y=-4.0, dout=2.0):
    """z = x × y: the multiply gate sends each input dout times the
    other input."""
    tr = Tracer("Multiply gate: z = x × y swaps its inputs")
    z = tr.call(MulLayer(), tr.input("x", x), tr.input("y", y), name="z")
    return tr.backward(z, dout)


def max_gate_graph(x=3.0, y=5.0, dout=2.0):
    """z = max(x, y): the max gate routes dout to the larger input and
    0 to the other."""
    tr = Tracer("Max gate: z = max(x, y) routes the gradient to the winner")
    z = tr.call(MaxLayer(), tr.input("x", x), tr.input("y", y), name="z")
    return tr.backward(z, dout)


def fork_graph(x=2.0, a=3.0, b=-1.0, dout=2.0):
    """z = a·x + b·x: x forks into two nodes, and the gradients that
    come back along the two branches add up."""
    tr = Tracer("Fork: x feeds two nodes, z = a·x + b·x; what comes back "
                "adds up")
    x = tr.input("x", x)
    p = tr.call(MulLayer(), tr.input("a", a), x, name="p")
    q = tr.call(MulLayer(), tr.input("b", b), x, name="q")
    z = tr.call(AddLayer(), p, q, name="z")
    return tr.backward(z, dout)


def two_paths_graph(x=2.0, y=3.0):
    """z = t · x with t = x + y: x feeds both nodes."""
    tr = Tracer("z = (x + y) · x, as t = x + y and z = t · x")
    x = tr.input("x", x)
    y = tr.input("y", y)
    t = tr.call(AddLayer(), x, y, name="t")
    z = tr.call(MulLayer(), t, x, name="z")
    return tr.backward(z)


def reuse_graph(x=2.0, y=-1.5, c=4.0, backward=True):
    """z = u · v with u = x · y and v = u + c: u feeds both nodes, one
    of them through v.  u's node may run its backward only after both
    have sent their part.

    backward=False returns the Graph after the forward pass only, with
    no gradients yet.
    """
    tr = Tracer("z = u · (u + c) with u = x · y: u is used twice")
    x, y, c = tr.input("x", x), tr.input("y", y), tr.input("c", c)
    u = tr.call(MulLayer(), x, y, name="u")
    v = tr.call(AddLayer(), u, c, name="v")
    z = tr.call(MulLayer(), u, v, name="z")
    return tr.backward(z) if backward else tr.graph


def branching_graph(a=2.0, b=1.5, c=4.0, backward=True):
    """out = u · max(u + a, c) with u = a · b: a and u are each used
    twice, and u's two uses are three nodes apart.

    backward=False returns the Graph after the forward pass only.
    """
    tr = Tracer("out = u · max(u + a, c) with u = a · b")
    a, b, c = tr.input("a", a), tr.input("b", b), tr.input("c", c)
    u = tr.call(MulLayer(), a, b, name="u")
    v = tr.call(AddLayer(), u, a, name="v")
    w = tr.call(MaxLayer(), v, c, name="w")
    out = tr.call(MulLayer(), u, w, name="out")
    return tr.backward(out) if backward else tr.graph


def gates_graph(x=3.0, y=-4.0, z=1.0):
    """f = 2·(x·y + max(x, z)): every pattern in one graph, x forking
    into the × and the max node (chapter 9's Exercise 9.1)."""
    tr = Tracer("f = 2·(x·y + max(x, z))")
    x, y, z = tr.input("x", x), tr.input("y", y), tr.input("z", z)
    p = tr.call(MulLayer(), x, y, name="p")
    m = tr.call(MaxLayer(), x, z, name="m")
    s = tr.call(AddLayer(), p, m, name="s")
    f = tr.call(MulConstLayer(2), s, name="f")
    return tr.backward(f)


# ---- a whole tiny network, one node per layer -----------------------------

TINY_NET = {
    "x": [[1.0, 2.0], [-1.0, 0.5]],     # 2 samples, 2 features
    "W1": [[0.5, -1.0], [0.5, 0.5]],    # 2 inputs -> 2 hidden units
    "b1": [0.0, 0.5],
    "W2": [[1.0, -1.0], [-0.5, 1.0]],   # 2 hidden units -> 2 classes
    "b2": [0.0, 0.0],
    "t": [0, 0],                        # the right class of each sample
}


def tiny_net_graph(x=None, W1=None, b1=None, W2=None, b2=None, t=None):
    """The two-layer network for a batch of 2 samples, 2 inputs, 2 hidden
    ReLU units and 2 classes, each layer one node::

        A = X·W1 + b1,  H = ReLU(A),  S = H·W2 + b2,
        L = SoftmaxWithLoss(S, t)

    traced with nnlib.layers' Affine, Relu and SoftmaxWithLoss (as
    AffineNode and SoftmaxWithLossNode, which take W, b and t as
    inputs).  Every matrix is small enough to write out on its edge,
    shape first.  Arrays left as None take the values in TINY_NET; t
    holds the right class of each sample (labels, not one-hot).
    """
    given = {"x": x, "W1": W1, "b1": b1, "W2": W2, "b2": b2, "t": t}
    arrays = {name: np.asarray(TINY_NET[name] if value is None else value,
                               dtype=int if name == "t" else float)
              for name, value in given.items()}
    tr = Tracer("A tiny two-layer network: 2 inputs, 2 hidden ReLU units, "
                "2 classes, a batch of 2", write_arrays=True)
    # The images are data, and the first layer skips dX as
    # TwoLayerNet's does: X is a fixed input.
    x = tr.input("X", arrays["x"], constant=True)
    W1, b1 = tr.input("W1", arrays["W1"]), tr.input("b1", arrays["b1"])
    W2, b2 = tr.input("W2", arrays["W2"]), tr.input("b2", arrays["b2"])
    t = tr.input("t", arrays["t"], constant=True)
    a = tr.call(AffineNode(need_dx=False), x, W1, b1, name="A")
    h = tr.call(Relu(), a, name="H", symbol="ReLU")
    s = tr.call(AffineNode(), h, W2, b2, name="S")
    # A symbol on two lines keeps the node's circle small.
    loss = tr.call(SoftmaxWithLossNode(), s, t, name="L",
                   symbol="Softmax\nwith Loss")
    return tr.backward(loss)
