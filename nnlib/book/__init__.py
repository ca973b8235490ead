"""The book's own machinery: graphs that step, and exercise checks.

nnlib's top level is the network the reader builds (functions, layers,
gradients, nets, optimizers, training, data).  This subpackage is what
the book uses to show and check that work (the top level only hands
out MulLayer and AddLayer, which chapter 3 teaches).  A stepper is made
in five stages, each a module::

    nodes       MulLayer, AddLayer, ExpLayer, ...: one operation each,
       │        forward keeps what backward needs (as every nnlib layer)
       │ called through
    trace       Tracer -> Graph: inputs, nodes, edges, the values from
       │        each forward and the gradients from each backward, and
       │        the steps [forward node 1 .. k, backward edge 1 .. m],
       │        each with its caption (captions: one entry per node type)
       │ placed by
    layout      columns by distance from the inputs, order within a
       │        column, rows and widths: a Layout, computed once
       │ drawn by
    svg         one deterministic SVG text per step, from the Graph and
       │        its Layout (what a step shows: steps.StepState)
       │ packed into
    stepper     Play + IntSlider + Stack of HTML steps, linked in the
                browser (jslink): it steps with no kernel; under each
                picture, the lines of the layer's own forward or
                backward that compute the step (step_code); shown with
                its steps as a table (step_text, which also names and
                describes each picture), its controls named by
                accessible's script

``examples`` builds every graph the chapters show, and ``exercises``
checks the readers' answers (a layer's backward against numerical
gradients, or numbers against the expected ones).  ``formatting``
writes numbers and shapes as the reader sees them, and ``glue`` keeps
the numbers the chapters' prose quotes for the built book.  ``quiz``
makes the self-checks that answer with no kernel, and ``clock`` is the
clock the chapters time code with.

The drawing modules need numpy only; ``stepper`` needs ipywidgets and
``glue`` IPython.
"""
