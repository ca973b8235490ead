"""What the reader sees at one step of a traced graph.

``step_state(graph, step)`` says which forward values and which
gradients are known after that step, and what the step itself did (the
node at work, the value or gradient it just computed).  The drawing
(nnlib.book.svg) shows exactly that; anything else that describes a
step (a caption, a text table of the steps) can read the same state.
"""

import numpy as np


class StepState:
    """What one picture shows: which numbers, and what is highlighted.

    computed: the Vars whose forward value is known; grads: the Edges
    whose gradient is known; active_node: the Node at work (None at the
    step where dout arrives at the output); active_vars: the value just
    computed; active_edge: the gradient just computed; caption: the
    step's caption ("" for the finished graph).
    """

    def __init__(self):
        self.computed = set()
        self.grads = set()
        self.active_node = None
        self.active_vars = set()
        self.active_edge = None
        self.caption = ""


def step_state(graph, step):
    """The StepState after ``step``, an index into ``graph.steps``
    (negative counts from the end), or None for the finished graph:
    every value and gradient, nothing highlighted."""
    state = StepState()
    state.computed.update(graph.inputs)
    steps = graph.steps
    if step is None:
        state.computed.update(node.output for node in graph.nodes)
        state.grads.update(e for e in graph.edges if e.grad is not None
                           and not e.src.constant)
        return state
    if not isinstance(step, (int, np.integer)) or isinstance(step, bool):
        raise TypeError(f"step must be an int index into graph.steps or "
                        f"None, got {step!r}.")
    if not -len(steps) <= step < len(steps):
        raise IndexError(f"step {step} is out of range: this graph has "
                         f"{len(steps)} steps (0 to {len(steps) - 1}).")
    step = step % len(steps)
    current = steps[step]
    state.caption = current.caption
    for done in steps[:step + 1]:
        if done.kind == "forward":
            state.computed.add(done.node.output)
        else:
            state.computed.update(node.output for node in graph.nodes)
            state.grads.add(done.edge)
    state.active_node = current.node     # None at the output edge
    if current.kind == "forward":
        state.active_vars.add(current.node.output)
    else:
        state.active_edge = current.edge
    return state
