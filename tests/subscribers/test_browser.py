"""Issue 4 as a subscriber lives it: headless Chromium on a phone-sized screen against the app
under uvicorn, with the mail going to a real SMTP server (aiosmtpd on 127.0.0.1).

``SCREENSHOTS=folder`` saves a screenshot of every step, to look at the pages by eye."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from newsletter.config import Config
from newsletter.db import Database
from newsletter.subscribers import links_for, manage, recipients
from newsletter.subscribers.outgoing import stop_all
from newsletter.subscribers.tokens import make_token
from tests.browser import NEEDS_CHROMIUM, new_page, serve, shot
from tests.conftest import free_port
from tests.subscribers.conftest import CONFIG, SMTPServer, link_in
from tests.subscribers.test_archive import make_issue

PHONE = {"width": 375, "height": 740}
pytestmark = NEEDS_CHROMIUM


@pytest.fixture
def server(make_config, db: Database, smtp_server: SMTPServer) -> Iterator[tuple[str, Config]]:  # type: ignore[no-untyped-def]
    from newsletter.web import create_app

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    config = make_config(CONFIG.format(per_ip=20))
    config = replace(config, settings=replace(config.settings, base_url=base, smtp_url=smtp_server.url))
    with serve(create_app(config, db=db), port):
        yield base, config
    stop_all()


@pytest.fixture
def page(chromium: Any) -> Any:
    return new_page(chromium, PHONE["width"], PHONE["height"], is_mobile=True, has_touch=True,
                    device_scale_factor=2)


def fits_the_phone(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"])


def test_a_subscriber_from_sign_up_to_goodbye(server, page, db: Database, smtp_server: SMTPServer):  # type: ignore[no-untyped-def]
    base, config = server
    page.goto(base + "/?lang=en")
    assert page.locator("h1").inner_text() == "Subscribe to the newsletter"
    page.click("text=Dansk")
    assert page.locator("h1").inner_text() == "Tilmeld dig nyhedsbrevet"
    assert fits_the_phone(page)
    shot(page, "01-tilmeld")

    page.fill("#email", "Browser@Firma.dk")
    page.fill("#name", "<b>Bo</b> Browser")
    page.check("input[name=newsletter][value=ugebrev]")
    page.click("button[type=submit]")
    # forgot the consent box: told so, and what was typed and ticked is kept
    assert "Sæt kryds ved samtykket" in page.locator(".errors").inner_text()
    assert page.input_value("#email") == "Browser@Firma.dk"
    assert page.is_checked("input[name=newsletter][value=ugebrev]")
    shot(page, "02-fejl")
    page.check("input[name=consent]")
    page.click("button[type=submit]")
    assert page.locator("h1").inner_text() == "Tjek din indbakke"
    assert "Browser@Firma.dk" in page.locator("main").inner_text()
    shot(page, "03-tjek-indbakke")

    # the confirmation mail arrived over SMTP
    [(sender, rcpts, message)] = smtp_server.messages
    assert rcpts == ["browser@firma.dk"] and message["Subject"].startswith("Bekræft din tilmelding")
    confirm_link = link_in(message, "/confirm/")
    page.goto(confirm_link)
    # opening the link only shows a button: a mail filter's visit is not consent
    assert page.locator("h1").inner_text() == "Bekræft din tilmelding"
    assert list(recipients(db, "ugebrev")) == []
    shot(page, "04-bekraeft")
    page.click("button[type=submit]")
    assert "du er nu tilmeldt" in page.locator("h1").inner_text()
    assert [r.email for r in recipients(db, "ugebrev")] == ["browser@firma.dk"]
    shot(page, "05-bekraeftet")

    page.click("text=Vælg emner og sprog")
    assert page.locator("h1").inner_text() == "Dine indstillinger"
    assert page.input_value("#name") == "<b>Bo</b> Browser"  # shown as text, not markup
    assert fits_the_phone(page)
    shot(page, "06-indstillinger")
    page.fill("#name", "Bo Browser")
    page.uncheck("input[name=sec_ugebrev][value=partnere]")
    page.uncheck("input[name=sec_ugebrev][value=uddannelse]")
    page.check("input[name=language][value=en]")
    page.click("button[value=save]")
    assert page.locator(".saved").inner_text() == "Your choices have been saved."
    assert page.locator("h1").inner_text() == "Your settings"
    assert page.input_value("#name") == "Bo Browser"
    assert [r.email for r in recipients(db, "ugebrev", ["partnere"])] == []
    assert [(r.email, r.language) for r in recipients(db, "ugebrev", ["arrangementer"])] == [("browser@firma.dk", "en")]
    shot(page, "07-gemt")

    page.click("button[value=unsubscribe_all]")
    assert page.locator("h1").inner_text() == "You are unsubscribed"
    assert manage.show(db, "browser@firma.dk").subscriptions == {"ugebrev": "unsubscribed"}
    shot(page, "08-afmeldt-alt")

    # the unsubscribe link of a newsletter: GET shows a button, the mail provider's POST unsubscribes
    view = manage.add(db, config, "laeser@firma.dk", ["ugebrev"], "messe", "tester")
    unsubscribe_url = links_for(db, config.settings, view.id, "ugebrev").unsubscribe_url
    page.goto(unsubscribe_url)
    assert page.locator("h1").inner_text() == "Afmeld nyhedsbrevet"
    assert page.locator("button[type=submit]").inner_text() == "Ja, afmeld mig"
    assert manage.show(db, "laeser@firma.dk").subscriptions == {"ugebrev": "active"}
    shot(page, "09-afmeld")
    one_click = page.request.post(unsubscribe_url, form={"List-Unsubscribe": "One-Click"})
    assert one_click.status == 200
    assert manage.show(db, "laeser@firma.dk").subscriptions == {"ugebrev": "unsubscribed"}

    # links that were used, changed or are too old: a clear page and a way on, never a trace
    response = page.goto(confirm_link)
    assert response.status == 410 and page.locator("h1").inner_text() == "Linket er allerede brugt"
    response = page.goto(unsubscribe_url[:-6] + "AAAAAA")
    assert response.status == 400 and page.locator("h1").inner_text() == "Linket virker ikke"
    shot(page, "10-ugyldigt-link")
    old = make_token(config.settings.secret_key, "preferences", view.id, now=time.time() - 400 * 86400)
    response = page.goto(f"{base}/p/{old}")
    assert response.status == 410 and page.locator("h1").inner_text() == "Linket er udløbet"
    assert page.locator("button[type=submit]").inner_text() == "Send mig et nyt link"
    shot(page, "11-udloebet-link")

    # "Se webversionen" in the sent email: the archive page, styled (its CSS allowed by hash)
    make_issue(db, config, 47, "Uge 47: Robotter i Kolding", "Robotprogram i Kolding", send=True)
    response = page.goto(f"{base}/arkiv/ugebrev/2026-uge-47.html")
    assert response.status == 200 and "Robotprogram i Kolding" in page.locator("main").inner_text()
    assert page.eval_on_selector("header.brand", "e => getComputedStyle(e).backgroundColor") != "rgba(0, 0, 0, 0)"
    assert fits_the_phone(page)
    shot(page, "12-webversion")
    page.click("text=Alle udgaver")
    assert page.locator("main a", has_text="Uge 47: Robotter i Kolding").count() == 1
    shot(page, "13-arkiv")
    assert page.console_errors == []  # CSP blocked nothing we rely on
