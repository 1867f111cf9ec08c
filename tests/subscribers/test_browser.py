"""The public pages in headless Chromium against the app under uvicorn: subscribe, confirm
from the mail, preferences, unsubscribe, on a phone-sized screen."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest

from newsletter.config import Config
from newsletter.db import Database
from newsletter.subscribers import manage, recipients
from tests.subscribers.conftest import CONFIG, free_port, link_in

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install -y chromium)"),
]


@pytest.fixture
def server(make_config, tmp_path: Path, db: Database) -> Iterator[tuple[str, Config]]:  # type: ignore[no-untyped-def]
    import uvicorn

    from newsletter.web import create_app

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    config = make_config(CONFIG.format(per_ip=20))
    config = replace(config, settings=replace(config.settings, base_url=base,
                                              smtp_url=f"file://{tmp_path / 'mail'}"))
    uv = uvicorn.Server(uvicorn.Config(create_app(config, db=db), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not uv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield base, config
    uv.should_exit = True
    thread.join(5)


@pytest.fixture
def page() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        context = browser.new_context(viewport={"width": 375, "height": 740}, locale="da-DK")
        tab = context.new_page()
        tab.console_errors = []  # type: ignore[attr-defined]
        # CSP violations are console errors; HTTP statuses (our 400 form page, favicon) are not ours to check here
        tab.on("console", lambda m: m.type == "error" and "Failed to load resource" not in m.text
               and tab.console_errors.append(m.text))  # type: ignore[attr-defined]
        yield tab
        browser.close()


def mails(folder: Path) -> list[Any]:
    return [message_from_bytes(p.read_bytes(), policy=policy.default) for p in sorted(folder.glob("*.eml"))]


def test_subscribe_confirm_choose_and_leave(server, page, db: Database, tmp_path: Path):  # type: ignore[no-untyped-def]
    base, config = server
    page.goto(base + "/")
    assert page.locator("h1").inner_text() == "Tilmeld dig nyhedsbrevet"
    # readable on a phone: nothing wider than the screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.fill("#email", "Browser@Firma.dk")
    page.fill("#name", "<b>Bo</b> Browser")
    page.check("input[name=newsletter][value=ugebrev]")
    page.click("button[type=submit]")
    # forgot the consent box: told so, and what was typed and ticked is kept
    assert "Sæt kryds ved samtykket" in page.locator(".errors").inner_text()
    assert page.input_value("#email") == "Browser@Firma.dk"
    assert page.is_checked("input[name=newsletter][value=ugebrev]")
    page.check("input[name=consent]")
    page.click("button[type=submit]")
    assert page.locator("h1").inner_text() == "Tjek din indbakke"

    [message] = mails(tmp_path / "mail")
    page.goto(link_in(message, "/confirm/"))
    page.click("button[type=submit]")
    assert "du er nu tilmeldt" in page.locator("h1").inner_text()
    assert [r.email for r in recipients(db, "ugebrev")] == ["browser@firma.dk"]

    page.click("text=Vælg emner og sprog")
    assert page.locator("h1").inner_text() == "Dine indstillinger"
    assert page.input_value("#name") == "<b>Bo</b> Browser"  # shown as text, not markup
    page.uncheck("input[name=sec_ugebrev][value=partnere]")
    page.uncheck("input[name=sec_ugebrev][value=uddannelse]")
    page.check("input[name=language][value=en]")
    page.click("button[value=save]")
    assert page.locator(".saved").inner_text() == "Your choices have been saved."
    assert [r.email for r in recipients(db, "ugebrev", ["partnere"])] == []
    assert [r.email for r in recipients(db, "ugebrev", ["arrangementer"])] == ["browser@firma.dk"]

    page.click("button[value=unsubscribe_all]")
    assert page.locator("h1").inner_text() == "You are unsubscribed"
    assert manage.show(db, "browser@firma.dk").subscriptions == {"ugebrev": "unsubscribed"}
    assert page.console_errors == []  # CSP blocked nothing we rely on
