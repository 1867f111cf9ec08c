"""The web app under uvicorn on 127.0.0.1 and headless Chromium (Debian's, via Playwright),
for the browser tests.

A browser test module sets ``pytestmark = NEEDS_CHROMIUM``, serves the app with
``with serve(create_app(config, db=db), port):``, takes the ``chromium`` fixture (registered
for all tests by tests/conftest.py) and opens pages with ``new_page(chromium, ...)``: each
page collects its console errors (CSP violations among them) in ``page.console_errors``.
``shot(page, name)`` saves a full-page screenshot when ``SCREENSHOTS=folder`` is set.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
NEEDS_CHROMIUM = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install -y chromium)"),
]
# quiet: no updates, sync or other calls out while a test runs
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@contextmanager
def serve(app: Any, port: int) -> Iterator[None]:
    """Run the ASGI ``app`` under uvicorn on 127.0.0.1:``port`` until the block ends."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(5)


@pytest.fixture
def chromium() -> Iterator[Any]:
    """A headless Chromium for the test, closed after it."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def new_page(browser: Any, width: int = 1280, height: int = 900, **context: Any) -> Any:
    """A page in a new Danish context ``width`` px wide (``context``: more Playwright context
    options, such as ``is_mobile``); its console errors go to ``page.console_errors``."""
    page = browser.new_context(viewport={"width": width, "height": height}, locale="da-DK", **context).new_page()
    page.console_errors = []
    # a failed resource is an HTTP status, which the tests check where it happens (our 4xx pages)
    page.on("console", lambda m: m.type == "error" and "Failed to load resource" not in m.text
            and page.console_errors.append(m.text))
    return page


def shot(page: Any, name: str) -> None:
    """Save a full-page screenshot as ``name``.png in ``$SCREENSHOTS``, when that is set."""
    folder = os.environ.get("SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)
