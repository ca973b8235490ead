"""processor_seconds(): processor time, or the wall clock in the browser."""
import time

from nnlib.book import clock


def test_counts_processor_time_here():
    start_cpu, start = time.process_time(), clock.processor_seconds()
    sum(i * i for i in range(200_000))          # some work to measure
    took = clock.processor_seconds() - start
    assert 0 < took <= time.process_time() - start_cpu + 1e-3


def test_the_browser_gets_the_wall_clock(monkeypatch):
    # Pyodide reports sys.platform "emscripten"; its process_time is 0.
    monkeypatch.setattr(clock.sys, "platform", "emscripten")
    monkeypatch.setattr(clock.time, "process_time", lambda: 0.0)
    start = clock.processor_seconds()
    time.sleep(0.01)
    assert clock.processor_seconds() - start >= 0.009


def test_chapters_time_with_processor_seconds():
    # time.process_time stays 0 in the browser, where a chapter timing
    # with it would divide by zero: the chapters use processor_seconds.
    import json
    from pathlib import Path
    book = Path(__file__).resolve().parent.parent / "book"
    offenders = [
        (path.name, index)
        for path in sorted(book.glob("*.ipynb"))
        for index, cell in enumerate(json.loads(path.read_text())["cells"])
        if cell["cell_type"] == "code"
        and "process_time(" in "".join(cell["source"])]
    assert not offenders, offenders
