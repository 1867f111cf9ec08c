"""The preview page in headless Chromium says the preflight findings of a real rendered issue in
the team's Danish, and in English with ?lang=en (the words of newsletter/render/preflight/texts.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from newsletter.compose import week_issue
from newsletter.config import Config
from newsletter.db import Database
from tests.browser import serve
from tests.conftest import free_port
from tests.team.conftest import CONFIG, add_items, make_user
from tests.team.test_browser import (
    axe_source,
    browser,
    check_axe,
    log_in,
    new_page,
    pytestmark,
    shots,
)

__all__ = ["axe_source", "browser", "pytestmark"]  # fixtures and marks shared with test_browser


@pytest.fixture
def example_sender_site(make_config, db: Database) -> Iterator[tuple[str, Config]]:  # type: ignore[no-untyped-def]
    """The workspace under uvicorn, with a brand whose sender is still an example address: the
    legal check warns about it in every render."""
    from newsletter.web import create_app

    port = free_port()
    text = CONFIG.format(four_eyes="false").replace("sender_email: nyhedsbrev@trekantomraadet.dk",
                                                    "sender_email: nyhedsbrev@example.dk")
    config = make_config(text)
    config = replace(config, settings=replace(config.settings, base_url="https://nyhedsbrev.trekantomraadet.dk"))
    with serve(create_app(config, db=db), port):
        yield f"http://127.0.0.1:{port}", config


def test_the_preview_says_a_real_finding_in_danish(example_sender_site: Any, browser: Any, db: Database,
                                                    axe_source: str) -> None:
    base, config = example_sender_site
    make_user(db, config, "erik", "editor")
    add_items(db)
    issue_id = week_issue(db, config, "ugebrev").id
    page = new_page(browser)
    log_in(page, base, "erik")

    page.goto(f"{base}/team/issues/{issue_id}/preview")  # renders the issue, as it is now
    checks = page.locator("#checks").inner_text()
    assert ("brand.sender_email er stadig en eksempeladresse (nyhedsbrev@example.dk). Skriv den rigtige i "
            "feeds.yaml.") in checks
    assert "is still an example address" not in checks
    assert "Adresse, CVR-nummer og afmeldingslink skal stå i hver mail." in checks  # the advice beside it
    assert "Mailen fylder " in checks and " KB (Gmail klipper ved ca. 102 KB)." in checks  # the size line
    check_axe(page, axe_source)
    shots(browser, page.context.cookies(), f"{base}/team/issues/{issue_id}/preview", "08-tjek-dansk")

    # the frames show the email with the example values filled in, not the send step's placeholders
    for part in ("email.html", "email.txt"):
        page.goto(f"{base}/team/issues/{issue_id}/{part}")
        shown = page.content()
        assert "%%" not in shown and "mette@eksempel.dk" in shown, part

    page.goto(f"{base}/team/issues/{issue_id}/preview?lang=en")
    checks = page.locator("#checks").inner_text()
    assert ("brand.sender_email is still an example address (nyhedsbrev@example.dk); set the real one in "
            "feeds.yaml") in checks
    assert "eksempeladresse" not in checks and "HTML is " in checks
    shots(browser, page.context.cookies(), f"{base}/team/issues/{issue_id}/preview?lang=en", "08-tjek-engelsk")
