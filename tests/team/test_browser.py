"""Issue 9 as the communications team lives it: headless Chromium against the app under
uvicorn on 127.0.0.1, a real database, an aiosmtpd sink for mail and a local partner page to
curate. A week's issue goes from draft to sent in the browser alone, with the four-eyes rule
on; axe-core checks every team page; screenshots at 375 and 1280 px go to out/screenshots/
(or ``SCREENSHOTS=folder``)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from newsletter import review
from newsletter.config import Config
from newsletter.db import Database
from newsletter.subscribers import manage
from tests.browser import new_page as browser_page
from tests.browser import serve
from tests.conftest import REPO, LocalServer, free_port
from tests.subscribers.conftest import SMTPServer
from tests.team.conftest import PASSWORD, add_items, make_user

CHROMIUM = Path("/usr/bin/chromium")
AXE_CACHE = Path(os.environ.get("AXE_CACHE", Path.home() / ".cache" / "newsletter-tests"))
SHOTS = Path(os.environ.get("SCREENSHOTS") or REPO / "out" / "screenshots")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install -y chromium)"),
]

PARTNER_PAGE = """<!doctype html><html lang="da"><head><title>Side | DIMA</title>
<meta property="og:title" content="DIMA åbner nyt kursus i robotsvejsning">
<meta property="og:description" content="Kurset starter i januar og er for faglærte i hele Trekantområdet.">
</head><body><p>Kurset</p></body></html>"""


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core from the npm registry, installed into a cache folder on first use (never vendored)."""
    script = AXE_CACHE / "node_modules" / "axe-core" / "axe.min.js"
    if not script.exists():
        if shutil.which("npm") is None:
            pytest.skip("needs npm to install axe-core")
        AXE_CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(AXE_CACHE),
                        "axe-core@4"], check=True, timeout=300)
    return script.read_text(encoding="utf-8")


@pytest.fixture
def site(make_config, db: Database, smtp_server: SMTPServer) -> Iterator[tuple[str, Config]]:  # type: ignore[no-untyped-def]
    from newsletter.web import create_app
    from tests.team.conftest import CONFIG

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    config = make_config(CONFIG.format(four_eyes="true"))
    # The public address the emails link to (a real send refuses a loopback BASE_URL, issue 8);
    # the browser talks to the server on 127.0.0.1, which the Origin check accepts as our own.
    config = replace(config, settings=replace(config.settings, base_url="https://nyhedsbrev.trekantomraadet.dk",
                                              smtp_url=smtp_server.url))
    with serve(create_app(config, db=db), port):
        yield base, config


@pytest.fixture
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        yield chromium
        chromium.close()


def new_page(browser: Any, width: int = 1280, height: int = 900) -> Any:
    """``tests.browser.new_page``, answering yes to the pages' confirmations (cancel a send)."""
    page = browser_page(browser, width, height)
    page.on("dialog", lambda d: d.accept())
    return page


def log_in(page: Any, base: str, name: str) -> None:
    page.context.clear_cookies()
    page.goto(base + "/team/")
    assert "/team/login" in page.url
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    assert page.url.endswith("/team/"), page.url


def flash(page: Any) -> str:
    """The page's message; on the issue page after the script's fetch has swapped in the answer
    (the script marks the cards busy from the submit until the swap)."""
    page.wait_for_function("() => !document.querySelector('#cards[aria-busy]')")
    return str(page.locator(".flash").first.inner_text())


def check_axe(page: Any, axe: str) -> None:
    page.evaluate(axe)
    result = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
                           ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' '))}))")
    bad = [v for v in result if v["impact"] in ("serious", "critical")]
    assert not bad, f"{page.url}: {bad}"


def shots(browser: Any, cookies: list[Any], url: str, name: str) -> None:
    """Screenshots of ``url`` at phone and laptop width, as the logged-in user of ``cookies``."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (375, 1280):
        # tall enough that the preview's frames are on screen (Chromium skips painting far-off frames)
        context = browser.new_context(viewport={"width": width, "height": 1600}, locale="da-DK")
        context.add_cookies(cookies)
        page = context.new_page()
        page.goto(url)
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
        if width == 375:
            assert page.evaluate("document.documentElement.scrollWidth") <= 375, f"{name} is wider than a phone"
        context.close()


def test_a_week_from_draft_to_sent_in_the_browser(site, browser, db: Database, smtp_server: SMTPServer,  # type: ignore[no-untyped-def]
                                                  http_server: LocalServer, axe_source: str) -> None:
    base, config = site
    for name, role in (("erik", "editor"), ("anne", "approver"), ("ada", "admin")):
        make_user(db, config, name, role)
    add_items(db, n=6)
    manage.add(db, config, "laeser@firma.dk", ["ugebrev"], consent_source="test", added_by="test", name="Læser")
    partner_url = http_server.add("/kursus", PARTNER_PAGE, content_type="text/html; charset=utf-8")

    page = new_page(browser)
    page.goto(base + "/team/login")
    check_axe(page, axe_source)
    shots(browser, [], base + "/team/login", "01-login")
    log_in(page, base, "erik")
    assert "Ugens udgave er ikke lavet endnu" in page.inner_text("main")
    page.get_by_role("button", name="Lav kladden", exact=True).click()
    assert re.search(r"/team/issues/\d+$", page.url) and flash(page) == "Kladden er lavet.", page.inner_text("main")
    issue_id = int(page.url.rsplit("/", 1)[1])
    cookies = page.context.cookies()
    check_axe(page, axe_source)

    # edit an item: title and summary, saved and shown as subscribers will see it
    first = page.locator("article.card:not(.out)").first
    item_id = first.get_attribute("data-item")
    first.locator("summary").click()
    first.locator("input[name=title]").fill("Grøn omstilling: 40 virksomheder går sammen")
    first.locator("textarea[name=summary]").fill("Et kort resumé skrevet af redaktionen.")
    first.get_by_role("button", name="Gem historien").click()
    assert flash(page) == "Historien er rettet."
    assert page.locator(f"#item-{item_id} h3").inner_text() == "Grøn omstilling: 40 virksomheder går sammen"

    # reorder: move it down one place
    page.locator(f"#item-{item_id} button:has-text('Ned')").click()
    assert flash(page) == "Rækkefølgen er gemt."
    order = page.locator("#sec-partnere ~ article.card").evaluate_all("els => els.map(e => e.dataset.item)")
    assert order.index(item_id) == 1

    # the live count of the subject (JavaScript) and the greyed, cut item that can come back
    page.fill("#subject", "Uge med robotter")
    assert page.inner_text("#subject-count").startswith("16 tegn")
    assert page.locator("article.card.out").count() >= 1

    # add a curated item from a URL (served locally), edit it before adding
    page.fill("#u-url", partner_url)
    page.get_by_role("button", name="Hent fra siden", exact=True).click()
    assert page.input_value("#c-title") == "DIMA åbner nyt kursus i robotsvejsning"
    page.fill("#c-summary", "Nyt kursus fra januar for faglærte.")
    page.get_by_role("button", name="Tilføj til udgaven", exact=True).click()
    assert "er tilføjet" in flash(page)
    assert page.locator("article.card h3", has_text="DIMA åbner nyt kursus i robotsvejsning").count() == 1
    shots(browser, cookies, f"{base}/team/issues/{issue_id}", "03-udgave")

    # preview at both widths: the real rendered email, re-rendered after the edits
    page.get_by_role("link", name="Forhåndsvis og godkend").click()
    for width in ("375", "700"):
        frame = page.frame_locator(f"iframe[width='{width}']")
        assert "DIMA åbner nyt kursus i robotsvejsning" in frame.locator("body").inner_text()
        assert "Grøn omstilling: 40 virksomheder går sammen" in frame.locator("body").inner_text()
    assert "Når udgaven er klar, godkender en godkender den." in page.inner_text("#plan")
    check_axe(page, axe_source)
    shots(browser, cookies, f"{base}/team/issues/{issue_id}/preview", "04-forhaandsvisning")

    # test send to the team's own address: the message arrives
    page.check("input[name=to][value='erik@trekantomraadet.dk']")
    page.get_by_role("button", name="Send testmail", exact=True).click()
    assert "Testmailen er sendt til erik@trekantomraadet.dk" in flash(page)
    [(_, rcpts, message)] = smtp_server.messages
    assert rcpts == ["erik@trekantomraadet.dk"] and message["Subject"].startswith("[TEST]")

    # four-eyes: anne edits, so anne may not approve; ada (who did not edit) may
    log_in(page, base, "anne")
    page.goto(f"{base}/team/issues/{issue_id}")
    page.fill("#subject", "Uge med robotter og kurser")
    page.get_by_role("button", name="Gem teksterne", exact=True).click()
    page.goto(f"{base}/team/issues/{issue_id}/preview")
    assert "Med firøjne-princippet skal en anden godkende" in page.inner_text("#plan")
    page.click("#plan button.go")
    assert "Med firøjne-princippet skal en anden godkende" in flash(page) and review.get(db, issue_id)[0].status == "draft"
    log_in(page, base, "ada")
    page.goto(f"{base}/team/issues/{issue_id}/preview")
    page.click("#plan button.go")
    assert flash(page).startswith("Udgaven er godkendt")
    assert review.get(db, issue_id)[0].approved_by == "ada"
    cookies = page.context.cookies()

    # schedule in Danish time, move it, cancel it
    when = (datetime.now(UTC) + timedelta(days=3)).astimezone().strftime("%Y-%m-%d")
    page.fill("#date", when)
    page.fill("#time", "08:00")
    page.get_by_role("button", name="Planlæg afsendelsen", exact=True).click()
    assert "Planlagt til" in flash(page) and "kl. 8.00" in flash(page)
    page.fill("#time", "09:30")
    page.get_by_role("button", name="Flyt afsendelsen", exact=True).click()
    assert "kl. 9.30" in flash(page)
    shots(browser, cookies, f"{base}/team/", "02-ugen")
    check_axe(page, axe_source)
    page.get_by_role("button", name="Annullér afsendelsen", exact=True).click()
    assert "1 mails trukket tilbage" in flash(page) and review.get(db, issue_id)[0].status == "approved"

    # send now: the subscriber's message arrives, the issue becomes sent
    page.get_by_role("button", name="Send nu", exact=True).click()
    assert "Sendes nu til 1 modtagere" in flash(page)
    deadline = time.monotonic() + 20
    while review.get(db, issue_id)[0].status != "sent" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert review.get(db, issue_id)[0].status == "sent"
    delivered = [m for _, r, m in smtp_server.messages if r == ["laeser@firma.dk"]]
    assert len(delivered) == 1 and delivered[0]["Subject"] == "Uge med robotter og kurser"
    page.goto(f"{base}/team/issues/{issue_id}")
    history = page.inner_text(".history")
    for line in ("ada godkendte", "ada planlagde afsendelsen", "ada flyttede afsendelsen", "ada annullerede afsendelsen",
                 "erik sendte en test", "anne rettede teksterne", "erik rettede en historie"):
        assert line in " ".join(history.split()), line
    page.goto(f"{base}/team/issues/{issue_id}/preview")
    page.get_by_role("link", name="Se afsendelsen").click()
    assert "1 af 1 modtagere har fået brevet." in " ".join(page.inner_text("#sending").split())
    check_axe(page, axe_source)
    shots(browser, cookies, f"{base}/team/issues/{issue_id}/sending", "06-afsendelse")
    page.get_by_role("link", name="Kilder").click()
    assert "Nye nyheder pr. uge" in page.inner_text("main")
    check_axe(page, axe_source)
    shots(browser, cookies, f"{base}/team/sources", "07-kilder")
    page.goto(f"{base}/team/users")
    check_axe(page, axe_source)
    shots(browser, cookies, f"{base}/team/users", "05-brugere")
    page.goto(f"{base}/team/?lang=en")
    assert "This week" in page.inner_text("h1")
    assert page.console_errors == []


def test_without_a_session_or_a_csrf_token_nothing_happens(site, browser, db: Database) -> None:  # type: ignore[no-untyped-def]
    base, config = site
    make_user(db, config, "ada", "admin")
    from newsletter.web import create_app
    from tests.team.test_guard import concrete, team_routes

    app = create_app(config, db=db)
    page = new_page(browser)
    for method, path, endpoint in team_routes(app):
        if endpoint.team_permission is None:
            continue
        answer = page.request.fetch(base + concrete(path), method=method, max_redirects=0)
        assert answer.status == 303 and "/team/login" in answer.headers["location"], (method, path)
    log_in(page, base, "ada")
    forged = page.request.post(base + "/team/users/add", form={"name": "mallory", "email": "m@example.dk",
                                                               "role": "admin"}, max_redirects=0)
    assert forged.status == 403
    page.goto(base + "/team/users")
    assert "mallory" not in page.inner_text("main")
