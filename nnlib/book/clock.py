"""The clock the chapters time code with."""
import sys
import time


def processor_seconds():
    """Processor seconds this program has used so far (time.process_time):
    other programs on a busy machine do not count, as they would on the
    wall clock.  The browser's Python (Pyodide) has no processor clock,
    its process_time stays 0; there it is the wall clock
    (time.perf_counter), where nothing else runs in the kernel's thread."""
    if sys.platform == "emscripten":
        return time.perf_counter()
    return time.process_time()
