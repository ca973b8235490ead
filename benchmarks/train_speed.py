"""How fast does nnlib train TwoLayerNet, next to the article's code and
next to what the machine's matrix multiplications allow?

    .venv/bin/python benchmarks/train_speed.py            # the full run
    .venv/bin/python benchmarks/train_speed.py --iters 1000

The article's code (baseline.py), nnlib and a hand-tuned numpy loop
(tuned.py) train 784-50-10 with batch 100 and lr 0.1 on the same
synthetic 60000 x 784 data (seeded), measuring train and test accuracy
every 600 iterations.  See benchmarks/README.md.
"""

import argparse
import inspect
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import baseline  # noqa: E402  (benchmarks/baseline.py, next to this file)
import tuned  # noqa: E402  (benchmarks/tuned.py)

from nnlib.nets import TwoLayerNet  # noqa: E402
from nnlib.train import train  # noqa: E402

INPUT, HIDDEN, CLASSES = 784, 50, 10
N_TRAIN, N_TEST = 60000, 10000
BATCH, LR, EVAL_EVERY = 100, 0.1, 600
# TwoLayerNet.accuracy evaluates this many rows per matrix product.
EVAL_CHUNK = inspect.signature(TwoLayerNet.accuracy).parameters[
    "chunk_size"].default


def synthetic_data(seed):
    """MNIST-shaped data that can be learned: each class has a random
    template in [0, 1]; a sample is its template plus noise.
    x: (N, 784) float32 in [0, 1], t: (N,) int64 labels."""
    rng = np.random.default_rng(seed)
    templates = rng.random((CLASSES, INPUT), dtype=np.float32)
    n = N_TRAIN + N_TEST
    t = rng.integers(0, CLASSES, n)
    noise = rng.random((n, INPUT), dtype=np.float32)
    x = 0.1 * templates[t] + 0.9 * noise
    return (x[:N_TRAIN], t[:N_TRAIN]), (x[N_TRAIN:], t[N_TRAIN:])


# ---- counting the work --------------------------------------------------
# A matrix product (m, k) @ (k, n) takes 2 m k n floating-point operations.

def training_products(batch):
    """The matrix products of one iteration, as (m, k, n), at minimum:
    the first layer's dx is never needed, so it is not counted."""
    return [
        (batch, INPUT, HIDDEN),    # forward  Affine1: X W1
        (batch, HIDDEN, CLASSES),  # forward  Affine2: H W2
        (HIDDEN, batch, CLASSES),  # backward Affine2: dW2 = H^T dY
        (batch, CLASSES, HIDDEN),  # backward Affine2: dH = dY W2^T
        (INPUT, batch, HIDDEN),    # backward Affine1: dW1 = X^T dH
    ]


def evaluation_products(n_rows, chunk):
    """The products of predicting n_rows samples, chunk rows at a time."""
    products = []
    for start in range(0, n_rows, chunk):
        rows = min(chunk, n_rows - start)
        products += [(rows, INPUT, HIDDEN), (rows, HIDDEN, CLASSES)]
    return products


def flops(products):
    return sum(2 * m * k * n for m, k, n in products)


def product_seconds(shape, rng, min_seconds=0.3):
    """Best time of one float32 (m, k) @ (k, n) product, the operands
    laid out as in the layers (a transposed view for X^T and H^T)."""
    m, k, n = shape
    a = rng.random((m, k), dtype=np.float32)
    b = rng.random((k, n), dtype=np.float32)
    if k == BATCH:   # X^T, H^T: transposed views of (N, D) arrays
        a = np.ascontiguousarray(a.T).T
    if (k, n) == (CLASSES, HIDDEN):   # W2^T: a view of W2
        b = np.ascontiguousarray(b.T).T
    reps = max(1, int(2e7 // (2 * m * k * n)))
    best = float("inf")
    deadline = time.perf_counter() + min_seconds
    while True:
        start = time.perf_counter()
        for _ in range(reps):
            a @ b
        best = min(best, (time.perf_counter() - start) / reps)
        if time.perf_counter() > deadline:
            return best


def lower_bound(products, seconds_of):
    """Seconds for the products alone, each at its measured rate."""
    return sum(seconds_of[shape] for shape in products)


# ---- running ------------------------------------------------------------

def describe_machine():
    lines = [f"numpy {np.__version__}, {os.cpu_count()} cores, "
             f"load average {os.getloadavg()[0]:.1f}"]
    for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
                 "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        if name in os.environ:
            lines.append(f"{name}={os.environ[name]}")
    try:
        from threadpoolctl import threadpool_info
        for pool in threadpool_info():
            if pool.get("user_api") == "blas":
                lines.append(f"BLAS: {pool.get('internal_api')} "
                             f"{pool.get('version')}, kernel "
                             f"{pool.get('architecture')}, "
                             f"{pool.get('num_threads')} threads")
    except ImportError:
        lines.append("BLAS: (install threadpoolctl to see which)")
    return "\n".join(lines)


@dataclass
class Run:
    """One implementation's training run: wall and CPU seconds, the part
    of the wall time spent evaluating (None if not measured apart), and
    the final loss and accuracies (to show the runs did the same work)."""
    seconds: float
    cpu: float
    eval_seconds: float | None
    loss: float
    train_acc: float
    test_acc: float
    note: str = ""

    def describe(self):
        text = (f"{self.seconds:7.2f} s   final loss {self.loss:.3f}, "
                f"train acc {self.train_acc:.3f}, test acc "
                f"{self.test_acc:.3f}")
        if self.eval_seconds is not None:
            text += f" ({self.eval_seconds:.2f} s evaluating)"
        return text + self.note


def run_baseline(data, iters, seed):
    (x_train, t_train), (x_test, t_test) = data
    one_hot = np.eye(CLASSES)
    x_train, x_test = x_train.astype(np.float64), x_test.astype(np.float64)
    cpu_start = time.process_time()
    loss, train_acc, test_acc, seconds = baseline.train(
        x_train, one_hot[t_train], x_test, one_hot[t_test],
        iters_num=iters, batch_size=BATCH, learning_rate=LR,
        iter_per_epoch=EVAL_EVERY, seed=seed)
    cpu = time.process_time() - cpu_start
    # The article's loop measures accuracy at i = 0, 600, ..., not at the
    # end, so its last accuracies are older than the others'.
    note = f" (accuracy at iteration {(len(train_acc) - 1) * EVAL_EVERY})"
    return Run(seconds, cpu, None, loss[-1], train_acc[-1], test_acc[-1],
               note)


def run_nnlib(data, iters, seed):
    (x_train, t_train), (x_test, t_test) = data
    start, cpu_start = time.perf_counter(), time.process_time()
    net = TwoLayerNet(INPUT, HIDDEN, CLASSES, seed=seed, dtype=np.float32)
    history = train(net, x_train, t_train, x_test, t_test, iters=iters,
                    batch_size=BATCH, lr=LR, seed=seed,
                    eval_every=EVAL_EVERY)
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    return Run(seconds, cpu, history.eval_seconds, history.loss[-1],
               history.train_acc[-1], history.test_acc[-1])


def run_tuned(data, iters, seed):
    """The hand-tuned loop, from the same initial weights as nnlib's."""
    (x_train, t_train), (x_test, t_test) = data
    net = TwoLayerNet(INPUT, HIDDEN, CLASSES, seed=seed, dtype=np.float32)
    params = [net.params[key].copy() for key in ("W1", "b1", "W2", "b2")]
    cpu_start = time.process_time()
    losses, train_acc, test_acc, seconds, eval_seconds = tuned.train(
        params, x_train, t_train, x_test, t_test, iters=iters,
        batch_size=BATCH, lr=LR, eval_every=EVAL_EVERY, seed=seed,
        chunk_size=EVAL_CHUNK)
    cpu = time.process_time() - cpu_start
    return Run(seconds, cpu, eval_seconds, losses[-1], train_acc[-1],
               test_acc[-1])


def run_drawing(data, iters, seed):
    """Only drawing the batches, as every loop does."""
    (x_train, t_train), _ = data
    cpu_start = time.process_time()
    seconds = tuned.draw_batches(x_train, t_train, iters, BATCH, seed)
    return Run(seconds, time.process_time() - cpu_start, None,
               float("nan"), float("nan"), float("nan"))


RUNNERS = {"baseline": run_baseline, "nnlib": run_nnlib,
           "tuned": run_tuned, "drawing": run_drawing}


def best_runs(data, iters, seed, repeat):
    """Run every implementation ``repeat`` times, in a rotating order (so
    none always runs first or last), and keep each one's fastest run:
    other jobs on a shared machine only ever add time."""
    best = {}
    names = list(RUNNERS)
    for round_ in range(repeat):
        order = names[round_ % len(names):] + names[:round_ % len(names)]
        for name in order:
            run = RUNNERS[name](data, iters, seed)
            if name not in best or run.seconds < best[name].seconds:
                best[name] = run
    return best


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--iters", type=int, default=10000,
                        help="training iterations (default 10000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each implementation; the fastest "
                        "counts (default 3)")
    parser.add_argument("--threads", type=int, default=None,
                        help="BLAS threads for the whole run (default: "
                        "BLAS's own choice); needs threadpoolctl")
    args = parser.parse_args(argv)
    if args.threads is not None:
        from threadpoolctl import threadpool_limits
        with threadpool_limits(limits=args.threads, user_api="blas"):
            return benchmark(args)
    return benchmark(args)


def measure_products(shapes, rng):
    """Best seconds of each product shape, over BLAS's own thread count
    and over one thread (for small products one thread is often faster:
    the fastest way is the machine's rate)."""
    seconds_of = {shape: product_seconds(shape, rng) for shape in shapes}
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return seconds_of
    with threadpool_limits(limits=1, user_api="blas"):
        for shape in shapes:
            seconds_of[shape] = min(seconds_of[shape],
                                    product_seconds(shape, rng))
    return seconds_of


def benchmark(args):
    """Measure, train all three, measure again, print the figures."""
    print(describe_machine())
    data = synthetic_data(args.seed)

    rng = np.random.default_rng(args.seed)
    train_shapes = training_products(BATCH)
    n_evals = -(-args.iters // EVAL_EVERY)  # evaluations in either loop
    eval_shapes = (evaluation_products(N_TRAIN, EVAL_CHUNK)
                   + evaluation_products(N_TEST, EVAL_CHUNK))
    shapes = set(train_shapes + eval_shapes)
    before = measure_products(shapes, rng)

    print(f"\ntraining {args.iters} iterations, batch {BATCH}, lr {LR}, "
          f"evaluating every {EVAL_EVERY}; fastest of {args.repeat} runs:")
    runs = best_runs(data, args.iters, args.seed, args.repeat)
    base, ours, fast = runs["baseline"], runs["nnlib"], runs["tuned"]
    drawing = runs["drawing"].seconds
    print(f"  baseline (article, float64): {base.describe()}")
    print(f"  nnlib (float32):             {ours.describe()}")
    print(f"  tuned numpy loop (float32):  {fast.describe()}")
    x_train = data[0][0]
    print(f"  drawing the batches alone:   {drawing:7.2f} s   "
          f"({args.iters} x {BATCH} random rows of the "
          f"{x_train.nbytes / 1e6:.0f} MB training set)")
    # With one BLAS thread on a busy machine, CPU time is the steadier.
    print(f"  CPU time: baseline {base.cpu:.2f} s, nnlib {ours.cpu:.2f} s "
          f"(ratio {base.cpu / ours.cpu:.1f}x), tuned {fast.cpu:.2f} s")

    # Measured before and after the runs: other jobs on a shared machine
    # come and go, and the bound wants the machine at its fastest.
    after = measure_products(shapes, rng)
    seconds_of = {shape: min(before[shape], after[shape])
                  for shape in shapes}
    print("\nfloat32 matrix products at the shapes of the work "
          "(best of before and after the runs):")
    for shape in sorted(seconds_of, key=lambda s: -flops([s])):
        rate = flops([shape]) / seconds_of[shape] / 1e9
        print(f"  ({shape[0]:5d}, {shape[1]:3d}) @ ({shape[1]:3d}, "
              f"{shape[2]:3d}): {rate:6.1f} GFLOP/s")

    train_work = flops(train_shapes) * args.iters
    eval_work = flops(eval_shapes) * n_evals
    train_bound = lower_bound(train_shapes, seconds_of) * args.iters
    eval_bound = lower_bound(eval_shapes, seconds_of) * n_evals
    bound = train_bound + eval_bound
    print(f"work: {flops(train_shapes) / 1e6:.1f} MFLOP per iteration "
          f"x {args.iters} = {train_work / 1e9:.1f} GFLOP, plus "
          f"{n_evals} evaluations x {flops(eval_shapes) / 1e9:.2f} GFLOP "
          f"= {eval_work / 1e9:.1f} GFLOP")
    print(f"lower bound at those rates: {train_bound:.2f} s training + "
          f"{eval_bound:.2f} s evaluating = {bound:.2f} s")

    print(f"\nnnlib is {base.seconds / ours.seconds:.1f}x faster than the "
          f"baseline (target: at least 3x)")
    print(f"nnlib takes {ours.seconds / bound:.2f}x the lower bound "
          f"(target: within 2x); training alone "
          f"{(ours.seconds - ours.eval_seconds) / train_bound:.2f}x, "
          f"evaluating {ours.eval_seconds / eval_bound:.2f}x")
    print(f"the tuned loop takes {fast.seconds / bound:.2f}x the lower "
          f"bound (training alone "
          f"{(fast.seconds - fast.eval_seconds) / train_bound:.2f}x); "
          f"nnlib takes {ours.seconds / fast.seconds:.2f}x the tuned "
          f"loop's time")
    print(f"drawing the batches, which the bound leaves out, takes "
          f"{drawing / train_bound:.2f}x the training bound by itself")


if __name__ == "__main__":
    main()
