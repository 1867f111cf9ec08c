"""The public events list (issue 12) in headless Chromium at 375 and 1280 px, under uvicorn:
it fits the screen, and a tap on "Kalenderfil" downloads the event's .ics.

``SCREENSHOTS=folder`` saves the pages, to look at them by eye."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import icalendar
import pytest

from newsletter.config import Config
from newsletter.db import Database
from tests.browser import NEEDS_CHROMIUM, new_page, serve, shot
from tests.conftest import free_port
from tests.events.conftest import SEND_AT
from tests.events.test_web_events import send

pytestmark = NEEDS_CHROMIUM


class _Clock(datetime):
    """The list as it looks the morning the W50 issue goes out."""

    @classmethod
    def now(cls, tz: Any = None) -> datetime:  # type: ignore[override]
        moment = SEND_AT - timedelta(hours=1)
        return moment.astimezone(tz) if tz else moment.replace(tzinfo=None)


@pytest.fixture
def site(db: Database, network, w50, monkeypatch) -> Iterator[tuple[str, Config]]:  # type: ignore[no-untyped-def]
    from newsletter.web import create_app

    send(db, network.config, w50)
    monkeypatch.setattr("newsletter.web.events.datetime", _Clock)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    config = replace(network.config, settings=replace(network.config.settings, base_url=base))
    with serve(create_app(config, db=db), port):
        yield base, config


@pytest.mark.parametrize("width", [375, 1280])
def test_events_page_fits_and_gives_the_calendar_file(site, chromium, width: int):  # type: ignore[no-untyped-def]
    base, _ = site
    page = new_page(chromium, width, device_scale_factor=1, accept_downloads=True)
    page.goto(base + "/arrangementer")
    assert page.locator("h1").inner_text() == "Arrangementer"
    assert page.locator("li.event-card").count() == 7
    first = page.locator("li.event-card").first
    assert first.locator(".event-badge b").inner_text() == "10"
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.console_errors == []  # no CSP violation: the page's CSS comes from /static
    badge = first.locator(".event-badge").evaluate("e => getComputedStyle(e).backgroundColor")
    assert badge == "rgb(11, 61, 92)"  # the brand's primary colour: the stylesheet applies
    shot(page, f"arrangementer-{width}")
    with page.expect_download() as info:
        first.get_by_text("Kalenderfil").click()
    body = Path(info.value.path()).read_bytes()
    event = icalendar.Calendar.from_ical(body).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) in ("Industriens Dag 2026", "Robotprogrammering for operatører")
