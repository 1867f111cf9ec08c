"""The subscribers page and the social panel in headless Chromium (issue 9 §6, issue 10 §2):
axe-core on each page, screenshots at 375 and 1280 px, the typed confirmation of an erasure,
and the live per-network counter agreeing with the server's count."""

from __future__ import annotations

from typing import Any

from newsletter.compose import week_issue
from newsletter.db import Database
from newsletter.social import stage
from newsletter.subscribers import manage
from tests.team.conftest import add_items, make_user
from tests.team.test_browser import (
    axe_source,
    browser,
    check_axe,
    flash,
    log_in,
    new_page,
    pytestmark,
    shots,
    site,
)

__all__ = ["axe_source", "browser", "pytestmark", "site"]  # fixtures and marks shared with test_browser


def test_subscribers_and_social_posts_in_the_browser(site: Any, browser: Any, db: Database, axe_source: str) -> None:
    base, config = site
    make_user(db, config, "ada", "admin")
    manage.add(db, config, "karen@business-kolding.dk", ["ugebrev"], "papirblanket, Industriens Dag 2026", "ada",
               name="Karen Østergaard", organisation="Business Kolding")
    manage.add(db, config, "jens@dima.dk", ["ugebrev"], "visitkort", "ada", name="Jens Dahl")
    page = new_page(browser)
    log_in(page, base, "ada")
    cookies = page.context.cookies()

    page.goto(base + "/team/subscribers")
    check_axe(page, axe_source)
    shots(browser, cookies, base + "/team/subscribers", "06-abonnenter")
    page.fill("#s-q", "østergaard")
    page.get_by_role("button", name="Søg", exact=True).click()
    page.get_by_role("link", name="karen@business-kolding.dk").click()
    assert "papirblanket, Industriens Dag 2026" in page.inner_text("main")
    check_axe(page, axe_source)
    shots(browser, cookies, page.url, "07-abonnent")
    page.get_by_role("link", name="Slet personen (GDPR)").click()
    check_axe(page, axe_source)
    page.fill("#e-confirm", "karen@")
    page.get_by_role("button", name="Slet for altid").click()
    assert "Adressen passer ikke" in page.inner_text("main")
    page.fill("#e-confirm", "karen@business-kolding.dk")
    page.get_by_role("button", name="Slet for altid").click()
    assert "karen@business-kolding.dk er slettet." in flash(page)
    assert "karen@business-kolding.dk" not in page.inner_text("main .subscribers")

    add_items(db)
    issue_id = week_issue(db, config, "ugebrev").id
    stage.draft(db, config, issue_id, by="ada")
    x = next(v for v in stage.list_posts(db, issue_id=issue_id) if v.post.network == "x")
    page.goto(f"{base}/team/issues/{issue_id}")
    check_axe(page, axe_source)
    shots(browser, cookies, f"{base}/team/issues/{issue_id}#social-h", "08-sociale-opslag")
    page.locator(f"#post-{x.post.id} summary").click()  # each post opens from its one-line summary
    area = page.locator(f"#post-{x.post.id}-text")
    text = "Ny robotcelle hos DIMA 🤖 – se https://www.example.dk/nyhed-1?utm_source=nyhedsbrev&utm_medium=x"
    area.fill(text)
    live = page.inner_text(f"#post-{x.post.id}-count")
    area.fill("ø" * 281)
    assert page.inner_text(f"#post-{x.post.id}-count") == "281 af 280 tegn"
    assert "over" in (page.get_attribute(f"#post-{x.post.id}-count", "class") or "")
    area.fill(text)
    page.locator(f"#post-{x.post.id} button", has_text="Gem teksten").click()
    server = stage.get(db, x.post.id).measure.count
    assert live == f"{server} af 280 tegn" and f"Gemt: {server} af 280 tegn på X." in flash(page)
    page.locator(f"#post-{x.post.id} button", has_text="Godkend opslaget").click()
    assert stage.get(db, x.post.id).post.approved_by == "ada"
    assert page.console_errors == []
