"""Pictures we own (issue 10): fetched once at draft time from a real local HTTP server,
verified, cropped and resized, stored, linked at BASE_URL/media and served by the web app."""

from __future__ import annotations

import io
import re

import lxml.html
import pytest
from PIL import Image

from newsletter.compose import draft
from newsletter.db import media as media_q
from newsletter.media import card_url, index_for, prepare_issue, store_for
from newsletter.render import render_issue
from tests.media.conftest import NOW, jpeg, png, png_bomb

BASE = "https://nyhedsbrev.example.dk"


def make_draft(db, config):
    return draft(db, config, "ugebrev", "2026-W48", now=NOW)


def email_images(html: str) -> dict[str, dict[str, str]]:
    doc = lxml.html.document_fromstring(html.encode("utf-8"))
    return {img.get("alt"): dict(img.attrib) for img in doc.iter("img")}


@pytest.fixture
def served(http_server):
    """A landscape JPEG, a portrait PNG, the logo (PNG with transparency)."""
    http_server.add("/wide.jpg", jpeg(2400, 1350), content_type="image/jpeg")
    http_server.add("/tall.png", png(900, 1600), content_type="image/png")
    http_server.add("/logo.png", png(800, 160, alpha=True), content_type="image/png")
    return http_server


def test_draft_makes_the_pictures_ours_and_the_email_links_them(db, media_config, item, served, client_for):
    config = media_config()
    item("Robotter i Kolding", served.url("/wide.jpg"), image_alt="Robotarm")
    item("Havnen i Billund", served.url("/tall.png"), partner="billund-erhverv", image_alt="Havn")
    issue = make_draft(db, config)

    html = render_issue(db, config, issue.id).rendered.html
    images = email_images(html)
    for alt in ("Robotarm", "Havn"):
        src = images[alt]["src"]
        assert re.fullmatch(rf"{BASE}/media/[0-9a-f]{{32}}\.jpg", src), src
        assert images[alt]["width"] == "552"
    assert served.url("/") not in html  # no partner URL left in the email
    logo = images["Danmarks Produktionscentrum"]["src"]
    assert re.fullmatch(rf"{BASE}/media/[0-9a-f]{{32}}\.png", logo)

    # the stored files: 16:9, 1200 and 600 px wide, JPEG; the portrait PNG became a JPEG too
    client = client_for(config)
    for alt, size in (("Robotarm", (1200, 675)), ("Havn", (900, 506))):
        response = client.get(images[alt]["src"].removeprefix(BASE))
        assert response.status_code == 200
        assert response.headers["content-type"] == "image/jpeg"
        assert "immutable" in response.headers["cache-control"]
        with Image.open(io.BytesIO(response.content)) as picture:
            assert (picture.format, picture.size) == ("JPEG", size)
    with db.connect() as conn:
        stored = media_q.get_images(conn, [served.url("/tall.png")], "card")[served.url("/tall.png")]
    assert (stored.width_1x, stored.height_1x, stored.width_2x, stored.original_height) == (600, 338, 900, 1600)
    assert stored.name_2x and (store_for(config).folder / stored.name_2x).is_file()
    # 900 px wide original: the "2x" copy is 900 px, never blown up
    with Image.open(store_for(config).path(stored.name_2x)) as picture:
        assert picture.size == (900, 506)

    # the web version: srcset with both sizes, og:image is the issue's social card
    web = lxml.html.document_fromstring(render_issue(db, config, issue.id).rendered.web_html)
    srcsets = [img.get("srcset") for img in web.iter("img") if img.get("srcset")]
    assert len(srcsets) == 2 and all(" 600w, " in s and s.endswith(("1200w", "900w")) for s in srcsets)
    og = web.xpath("//meta[@property='og:image']/@content")
    assert og == [card_url(config, issue.id)] == [f"{BASE}/media/card-{issue.id}-issue.png"]


def test_each_picture_is_fetched_once(db, media_config, item, served):
    config = media_config()
    item("Robotter i Kolding", served.url("/wide.jpg"))
    item("Samme billede", served.url("/wide.jpg"), partner="billund-erhverv")
    issue = make_draft(db, config)
    make_draft(db, config)  # a refresh of the draft
    prepare_issue(db, config, issue.id)
    assert len(served.requests_to("/wide.jpg")) == 1
    assert len(served.requests_to("/logo.png")) == 1


def test_social_cards_are_drawn_for_each_item_and_the_issue(db, media_config, item, served, client_for):
    config = media_config()
    first = item("Ærø, Øster Åby og Ålborg får fælles værksted for grøn omstilling", served.url("/wide.jpg"))
    second = item("Uden billede", None, partner="billund-erhverv")
    issue = make_draft(db, config)
    client = client_for(config)
    for item_id in (first, second, None):
        url = card_url(config, issue.id, item_id)
        response = client.get(url.removeprefix(BASE))
        assert response.status_code == 200, url
        assert response.headers["content-type"] == "image/png"
        assert response.headers["cache-control"] == "public, max-age=3600"
        with Image.open(io.BytesIO(response.content)) as card:
            assert (card.format, card.size) == ("PNG", (1200, 627))
            # the brand's primary colour fills the left edge; a picture the right side (the
            # issue's card shows its first picture)
            assert card.convert("RGB").getpixel((4, 300)) == (11, 61, 92)
            right = card.convert("RGB").getpixel((1100, 300))
            assert (right != (11, 61, 92)) == (item_id != second)
    # an unchanged card is not drawn again; a changed title is
    assert prepare_issue(db, config, issue.id).cards == 0
    from newsletter import review
    review.override(db, issue.id, first, "test", title="Ny titel")
    assert prepare_issue(db, config, issue.id).cards == 1
