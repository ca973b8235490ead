"""Save a picture of the built book's first stepper, for the README.

Usage: python tools/screenshot_stepper.py docs/stepper.png
(`make screenshot` builds the book first). Serves _build/html on
127.0.0.1, opens the first page with a stepper in headless Chromium with
the network cut, moves the stepper to its middle step and saves a picture
of the stepper.
"""
import functools
import http.server
import sys
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "_build" / "html"
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run"]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def first_stepper_page():
    """Path (relative to _build/html) of the first page with a stepper."""
    for page in sorted(HTML.rglob("*.html")):
        if "_static" not in page.parts and (
                "nnlib-stepper" in page.read_text(encoding="utf-8")):
            return page.relative_to(HTML).as_posix()
    sys.exit("No built page has a stepper: run `make book` first.")


def main(out):
    page_path = first_stepper_page()
    handler = functools.partial(QuietHandler, directory=str(HTML))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    site = f"http://127.0.0.1:{server.server_address[1]}/"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                             args=FLAGS)
        page = browser.new_page(viewport={"width": 1000, "height": 800},
                                device_scale_factor=2)
        # Nothing outside the site: the picture shows the offline book.
        page.route("**/*", lambda route: route.continue_()
                   if route.request.url.startswith(site) else route.abort())
        page.goto(site + page_path, wait_until="networkidle")
        stepper = page.locator(".nnlib-stepper").first
        stepper.wait_for()
        handle = stepper.locator(".noUi-handle").first
        handle.focus()
        steps = int(float(handle.get_attribute("aria-valuemax") or 0))
        for _ in range(steps // 2):
            page.keyboard.press("ArrowRight")
        page.wait_for_timeout(500)
        handle.blur()
        stepper.screenshot(path=out)
        browser.close()
    server.shutdown()
    print(f"saved {out} from {page_path}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "docs/stepper.png")
