"""How long a reader waits: each chapter run in a fresh kernel, timed from
the kernel's start to its first output and to the whole notebook done.

    .venv/bin/python benchmarks/chapter_latency.py       # every chapter
    .venv/bin/python benchmarks/chapter_latency.py book/05_*.ipynb
    .venv/bin/python benchmarks/chapter_latency.py --repeat 3 --cells 2

Each chapter runs ``--repeat`` times (default 1) in a new kernel, started
in book/ with NNLIB_OFFLINE=1 as `make test` does, and its fastest run
counts: other jobs on a shared machine only ever add time.  The code
cells run one after another as a reader's "Run all" does; the notebook
files are not changed.  See benchmarks/README.md for the figures.
"""

import argparse
import os
import queue
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
from jupyter_client import KernelManager

BOOK = Path(__file__).resolve().parent.parent / "book"
OUTPUTS = {"stream", "display_data", "execute_result", "error"}


@dataclass
class Run:
    """One chapter in one kernel: seconds from the kernel's start until
    it was ready, until the first output (and the code cell that made
    it, counting from 0), and until the last cell finished; and each
    code cell's own seconds."""
    ready: float
    first_output: float
    first_cell: int
    done: float
    cell_seconds: list


def run_chapter(path, timeout=600):
    """Run every code cell of the notebook at ``path`` in a new kernel."""
    cells = [c for c in nbformat.read(path, as_version=4).cells
             if c.cell_type == "code"]
    env = dict(os.environ, NNLIB_OFFLINE="1")
    manager = KernelManager(kernel_name="python3")
    start = time.perf_counter()
    manager.start_kernel(cwd=str(BOOK), env=env)
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=timeout)
        ready = time.perf_counter() - start
        first, first_cell, cell_seconds = None, None, []
        for index, cell in enumerate(cells):
            cell_start = time.perf_counter()
            msg_id = client.execute(cell.source, store_history=False)
            while True:
                msg = client.get_iopub_msg(timeout=timeout)
                if msg["parent_header"].get("msg_id") != msg_id:
                    continue
                kind = msg["msg_type"]
                if kind in OUTPUTS and first is None:
                    first = time.perf_counter() - start
                    first_cell = index
                if kind == "error":
                    raise RuntimeError(f"{path.name}, code cell {index}: "
                                       f"{msg['content']['ename']}: "
                                       f"{msg['content']['evalue']}")
                if kind == "status" and \
                        msg["content"]["execution_state"] == "idle":
                    break
            cell_seconds.append(time.perf_counter() - cell_start)
        done = time.perf_counter() - start
    except queue.Empty:
        raise RuntimeError(f"{path.name}: no answer from the kernel within "
                           f"{timeout} s") from None
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    return Run(ready, first if first is not None else done,
               first_cell if first_cell is not None else -1, done,
               cell_seconds)


def fastest(path, repeat):
    """The run with the earliest first output, and the fastest total."""
    runs = [run_chapter(path) for _ in range(repeat)]
    best = min(runs, key=lambda r: r.first_output)
    return Run(min(r.ready for r in runs), best.first_output,
               best.first_cell, min(r.done for r in runs),
               [min(seconds) for seconds in zip(*(r.cell_seconds
                                                  for r in runs))])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="default: every book/*.ipynb")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs of each chapter; the fastest counts")
    parser.add_argument("--cells", type=int, default=0, metavar="K",
                        help="also list each chapter's K slowest cells")
    args = parser.parse_args(argv)
    notebooks = args.notebooks or sorted(BOOK.glob("*.ipynb"))
    print(f"{os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.1f}; fastest of {args.repeat} run(s)")
    print(f"{'chapter':34} {'kernel':>7} {'first output':>13} "
          f"{'(code cell)':>11} {'done':>7}")
    for path in notebooks:
        run = fastest(path, args.repeat)
        print(f"{path.name:34} {run.ready:6.2f}s {run.first_output:12.2f}s "
              f"{run.first_cell:>11} {run.done:6.2f}s", flush=True)
        if args.cells:
            sources = [c.source for c in nbformat.read(
                path, as_version=4).cells if c.cell_type == "code"]
            slowest = sorted(range(len(sources)),
                             key=lambda i: -run.cell_seconds[i])
            for i in slowest[:args.cells]:
                line = sources[i].strip().splitlines()[0][:50]
                print(f"    code cell {i:3d}: {run.cell_seconds[i]:5.2f}s  "
                      f"{line}")
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    sys.exit(main())
