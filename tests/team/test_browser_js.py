"""The issue page with and without JavaScript (issue 9: "JavaScript only improves"), in headless
Chromium against the app under uvicorn: a card dragged to another place and to another section
stays there after a reload and in the rendered email; taking a story out, moving it up and
pinning it happen without a page load (a marker on ``window`` survives, the scroll position
stays, the focus comes back to the card); with JavaScript switched off the same forms work as
plain POSTs. Also the role select of the users page and the workspace's 404 page, with
axe-core and screenshots at 375 and 1280 px."""

from __future__ import annotations

from typing import Any

from newsletter import accounts, review
from newsletter.compose import week_issue
from newsletter.db import Database
from tests.team.conftest import PASSWORD, add_items, make_user
from tests.team.test_browser import (
    SHOTS,
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


def order(page: Any, section: str) -> list[int]:
    return [int(i) for i in page.locator(f"section[data-section={section}] article.card")
            .evaluate_all("els => els.map(e => e.dataset.item)")]


def stored_order(db: Database, issue_id: int, section: str) -> list[int]:
    _, placed = review.get(db, issue_id)
    mine = sorted((p for p in placed if p.section == section), key=lambda p: (p.position, p.item.id))
    return [p.item.id for p in mine]


def settled(page: Any) -> None:
    """Wait until the page has swapped in the server's answer to the last fetch."""
    page.wait_for_function("() => !document.querySelector('#cards[aria-busy]')")


def drag(page: Any, item_id: int, target: Any, shot: str = "") -> None:
    """Drag a card by its grip with the mouse and drop it just inside the top of ``target``
    (with ``shot``, a screenshot of the page before the drop, the landing place marked)."""
    grip = page.locator(f"#item-{item_id} .grip").bounding_box()
    goal = target.bounding_box()
    page.mouse.move(grip["x"] + grip["width"] / 2, grip["y"] + grip["height"] / 2)
    page.mouse.down()
    page.mouse.move(goal["x"] + goal["width"] / 2, goal["y"] + 6, steps=12)
    if shot:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{shot}.png"))
    page.mouse.up()
    settled(page)


def issue_with_stories(db: Database, config: Any) -> int:
    add_items(db, n=6)
    return week_issue(db, config, "ugebrev").id


def editor_on_issue_page(site: Any, browser: Any, db: Database, height: int = 900) -> tuple[Any, int]:
    """Erik (editor) logged in, on the issue page of a week with six stories."""
    base, config = site
    make_user(db, config, "erik", "editor")
    issue_id = issue_with_stories(db, config)
    page = new_page(browser, height=height)
    log_in(page, base, "erik")
    page.goto(f"{base}/team/issues/{issue_id}")
    return page, issue_id


def test_drag_and_edit_without_a_reload(site: Any, browser: Any, db: Database, axe_source: str) -> None:
    # both sections on screen: the mouse drops on what it sees
    page, issue_id = editor_on_issue_page(site, browser, db, height=2000)
    page.evaluate("window.stillHere = 'same page'")
    assert page.locator(".grip:visible").count() == 6  # the grips come with the script
    check_axe(page, axe_source)

    # drag the first included story to just before the fourth one
    included = [int(i) for i in page.locator("article.card:not(.out)").evaluate_all("els => els.map(e => e.dataset.item)")]
    first, second, third, fourth = included[:4]
    before = order(page, "partnere")
    drag(page, first, page.locator(f"#item-{fourth}"), shot="09-udgave-traek-1280")
    assert flash(page) == "Historien er flyttet."
    expected = [i for i in before if i != first]
    expected.insert(expected.index(fourth), first)
    assert order(page, "partnere") == expected == stored_order(db, issue_id, "partnere")

    # and the second one into the empty events section
    drag(page, second, page.locator("section[data-section=arrangementer] p.meta"))
    assert order(page, "arrangementer") == [second] == stored_order(db, issue_id, "arrangementer")
    assert second not in order(page, "partnere")
    assert page.evaluate("window.stillHere") == "same page"  # no page load happened
    history = " ".join(page.inner_text("#history").split())
    assert history.count("erik flyttede en historie") == 2  # the history follows too

    page.reload()
    assert page.evaluate("window.stillHere") is None  # a real reload clears the marker
    assert order(page, "partnere") == [i for i in expected if i != second]
    assert order(page, "arrangementer") == [second]

    # the rendered email has the new order: third, first, fourth among the partners, second under events
    page.get_by_role("link", name="Forhåndsvis og godkend").click()
    email = page.frame_locator("iframe[width='700']").locator("body").text_content()
    titles = {p.item.id: p.title for p in review.get(db, issue_id)[1]}
    at = {i: email.index(titles[i]) for i in (first, second, third, fourth)}
    assert at[third] < at[first] < at[fourth] < email.index("Arrangementer") < at[second]


def test_take_out_move_up_and_pin_keep_the_page(site: Any, browser: Any, db: Database) -> None:
    page, issue_id = editor_on_issue_page(site, browser, db)
    page.evaluate("window.stillHere = 'same page'")
    cards = order(page, "partnere")

    # take out the third card while scrolled down to it: no load, the page stays where it was
    target = cards[2]
    page.locator(f"#item-{target}").scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, 120)")
    scrolled = page.evaluate("window.scrollY")
    assert scrolled > 0
    page.locator(f"#item-{target}").get_by_role("button", name="Tag ud").click()
    settled(page)
    assert flash(page).startswith("Historien er taget ud.")
    assert page.evaluate("window.stillHere") == "same page"
    assert abs(page.evaluate("window.scrollY") - scrolled) < 80  # at most the message's height
    assert "out" in (page.locator(f"#item-{target}").get_attribute("class") or "")
    assert not next(p for p in review.get(db, issue_id)[1] if p.item.id == target).included
    # the focus is back on the same card (now its "Tag med" button), for keyboard users
    assert page.evaluate("document.activeElement.closest('article') && document.activeElement.closest('article').id") \
        == f"item-{target}"
    assert page.evaluate("document.activeElement.textContent").strip() == "Tag med"

    # move the last card up with its button (and keep the keyboard focus on that button)
    last = cards[-1]
    page.locator(f"#item-{last}").get_by_role("button", name="Flyt op").click()
    settled(page)
    assert order(page, "partnere").index(last) == len(cards) - 2 == stored_order(db, issue_id, "partnere").index(last)
    assert page.evaluate("document.activeElement.getAttribute('aria-label')").startswith("Flyt op")

    # pin it: it goes first, and says so
    page.locator(f"#item-{last}").get_by_role("button", name="Fastgør øverst").click()
    settled(page)
    assert order(page, "partnere")[0] == last == stored_order(db, issue_id, "partnere")[0]
    assert flash(page) == "Historien er fastgjort øverst."
    assert "fastgjort" in (page.locator(f"#item-{last} .kicker").text_content() or "")

    # the section select still moves a story (its form, sent by the script)
    page.locator(f"#item-{cards[0]} summary").click()
    page.locator(f"#item-{cards[0]} select[name=section]").select_option("arrangementer")
    page.locator(f"#item-{cards[0]}").get_by_role("button", name="Flyt", exact=True).click()
    settled(page)
    assert order(page, "arrangementer") == [cards[0]] == stored_order(db, issue_id, "arrangementer")
    assert flash(page) == "Historien er flyttet til Arrangementer."

    # the live character count still works after the swaps
    page.fill("#subject", "Uge med robotter")
    assert page.inner_text("#subject-count").startswith("16 tegn")
    assert page.evaluate("window.stillHere") == "same page"
    assert page.console_errors == []


def test_typing_in_one_card_survives_an_action_on_another(site: Any, browser: Any, db: Database) -> None:
    """The swap replaces the cards: a headline being rewritten in one card's open edit form,
    not saved yet, is still there (and still open) after another card is taken out."""
    page, issue_id = editor_on_issue_page(site, browser, db)
    first, second = order(page, "partnere")[:2]
    page.locator(f"#item-{first} summary").click()
    page.fill(f"#title-{first}", "Halvt skrevet overskrift")
    page.fill(f"#summary-{first}", "Et resumé på vej")
    page.locator(f"#item-{second}").get_by_role("button", name="Tag ud").click()
    settled(page)
    assert flash(page).startswith("Historien er taget ud.")
    assert page.locator(f"#item-{first} details").get_attribute("open") is not None
    assert page.input_value(f"#title-{first}") == "Halvt skrevet overskrift"
    assert page.input_value(f"#summary-{first}") == "Et resumé på vej"
    stored = next(p for p in review.get(db, issue_id)[1] if p.item.id == first)
    assert stored.title != "Halvt skrevet overskrift"  # typed, not saved
    # saving it then sends what was typed, and the saved form shows the saved text
    page.locator(f"#item-{first}").get_by_role("button", name="Gem historien").click()
    settled(page)
    assert next(p for p in review.get(db, issue_id)[1] if p.item.id == first).title == "Halvt skrevet overskrift"
    assert page.input_value(f"#title-{first}") == "Halvt skrevet overskrift"


def test_an_expired_form_shows_the_servers_answer(site: Any, browser: Any, db: Database) -> None:
    page, issue_id = editor_on_issue_page(site, browser, db)
    page.evaluate("document.querySelectorAll('#cards input[name=csrf]').forEach(i => i.value = 'forged')")
    first = order(page, "partnere")[0]
    page.locator(f"#item-{first}").get_by_role("button", name="Fastgør øverst").click()
    page.wait_for_selector("main h1:has-text('Formularen er udløbet')")
    assert not next(p for p in review.get(db, issue_id)[1] if p.item.id == first).item.pinned


def test_without_javascript_the_forms_still_work(site: Any, browser: Any, db: Database, axe_source: str) -> None:
    base, config = site
    make_user(db, config, "ada", "admin")
    make_user(db, config, "erik", "editor")
    issue_id = issue_with_stories(db, config)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="da-DK", java_script_enabled=False)
    page = context.new_page()
    page.goto(base + "/team/login")
    page.fill("#name", "ada")
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.goto(f"{base}/team/issues/{issue_id}")
    assert page.locator(".grip:visible").count() == 0  # nothing to drag without the script
    cards = order(page, "partnere")

    page.locator(f"#item-{cards[0]}").get_by_role("button", name="Tag ud").click()
    assert page.url.endswith(f"/team/issues/{issue_id}#item-{cards[0]}")  # a real POST-redirect-GET
    assert flash(page).startswith("Historien er taget ud.")
    assert not next(p for p in review.get(db, issue_id)[1] if p.item.id == cards[0]).included
    page.locator(f"#item-{cards[0]}").get_by_role("button", name="Flyt ned").click()
    assert flash(page) == "Rækkefølgen er gemt." and order(page, "partnere").index(cards[0]) == 1
    page.locator(f"#item-{cards[1]} summary").click()
    page.locator(f"#item-{cards[1]} select[name=section]").select_option("arrangementer")
    page.locator(f"#item-{cards[1]}").get_by_role("button", name="Flyt", exact=True).click()
    assert order(page, "arrangementer") == [cards[1]] == stored_order(db, issue_id, "arrangementer")

    # the users page: an admin changes a role with the select and its button
    page.goto(f"{base}/team/users")
    page.select_option("#role-{}".format(accounts.find(db, "erik").id), "approver")
    page.get_by_role("button", name="Skift rolle for erik").click()
    assert flash(page) == "erik er nu godkender." and accounts.find(db, "erik").role == "approver"
    context.close()


def test_screens_of_the_issue_the_users_and_the_404(site: Any, browser: Any, db: Database, axe_source: str) -> None:
    base, config = site
    make_user(db, config, "ada", "admin")
    make_user(db, config, "erik", "editor")
    issue_id = issue_with_stories(db, config)
    page = new_page(browser)
    log_in(page, base, "ada")
    cookies = page.context.cookies()
    shots(browser, cookies, f"{base}/team/issues/{issue_id}", "09-udgave-med-greb")
    page.goto(f"{base}/team/users")
    check_axe(page, axe_source)
    shots(browser, cookies, f"{base}/team/users", "10-brugere-roller")
    page.goto(f"{base}/team/findes-ikke")
    assert "Siden findes ikke" in page.inner_text("main")
    check_axe(page, axe_source)
    page.get_by_role("link", name="Tilbage til ugen").click()
    assert page.url == f"{base}/team/"
    shots(browser, cookies, f"{base}/team/findes-ikke", "11-siden-findes-ikke")
    shots(browser, cookies, f"{base}/team/findes-ikke?lang=en", "11-page-not-found")
