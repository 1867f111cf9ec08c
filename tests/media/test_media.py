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
from newsletter.media import card_path, card_url, prepare_issue, store_for
from newsletter.media.store import is_valid_name
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
    item("Uden alt-tekst", served.url("/wide.jpg"), partner="billund-erhverv")
    issue = make_draft(db, config)

    html = render_issue(db, config, issue.id).rendered.html
    images = email_images(html)
    for alt in ("Robotarm", "Havn"):
        src = images[alt]["src"]
        assert re.fullmatch(rf"{BASE}/media/[0-9a-f]{{32}}\.jpg", src), src
        assert images[alt]["width"] == "552"
    assert images[""]["src"] == images["Robotarm"]["src"]  # one copy; no alt of its own: decorative
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
    assert len(srcsets) == 3 and all(" 600w, " in s and s.endswith(("1200w", "900w")) for s in srcsets)
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
    before = card_path(config, issue.id, first).read_bytes()
    render_issue(db, config, issue.id)  # rendering redraws the card whose title changed
    assert card_path(config, issue.id, first).read_bytes() != before
    assert prepare_issue(db, config, issue.id).cards == 0


def test_pictures_we_cannot_use_leave_the_card_without_one_and_say_why(db, media_config, item, served, cli):
    served.add("/bomb.png", png_bomb(), content_type="image/png")
    served.add("/page.jpg", "<!doctype html><html><body>Siden findes ikke</body></html>", content_type="image/jpeg")
    served.add("/huge.jpg", b"\xff\xd8" + b"\0" * 500_000, content_type="image/jpeg")
    served.add("/hangs.jpg", jpeg(1200, 675), content_type="image/jpeg", delay=2.5)
    served.add("/gone.jpg", "not here", status=404, content_type="text/html")
    served.add("/tiny.jpg", jpeg(200, 120), content_type="image/jpeg")
    served.add("/svg", "<svg xmlns='http://www.w3.org/2000/svg'/>", content_type="image/svg+xml")
    config = media_config()
    ids = {name: item(f"Nyhed {name}", served.url(f"/{name}"), image_alt=f"alt {name}")
           for name in ("bomb.png", "page.jpg", "huge.jpg", "hangs.jpg", "gone.jpg", "tiny.jpg", "svg")}
    ok = item("Nyhed med billede", served.url("/wide.jpg"), image_alt="alt ok")
    ids["hostile"] = item("Nyhed farlig", served.url('/wide.jpg" onerror="alert(1)'), image_alt="alt hostile")
    ids["idna"] = item("Nyhed skæv adresse", "http://xn--/a.jpg", image_alt="alt idna")
    issue = make_draft(db, config)

    result = render_issue(db, config, issue.id)
    images = email_images(result.rendered.html)
    assert {alt for alt in images if alt.startswith("alt ")} == {"alt ok"}
    assert "Nyhed bomb.png" in result.rendered.html  # the item stays, without its picture

    show = cli("--config", str(config.path), "issue", "show", str(issue.id))
    assert show.exit_code == 0, show.output
    warnings = {line for line in show.output.splitlines() if line.startswith("warning: ")}
    why = {name: next(w for w in warnings if f"item {item_id}:" in w) for name, item_id in ids.items()}
    assert "decompression bomb" in why["bomb.png"]
    assert "image/jpeg but the file is an HTML page" in why["page.jpg"]
    assert "larger than the 0.4 MB cap" in why["huge.jpg"]
    assert "read timeout" in why["hangs.jpg"] or "deadline" in why["hangs.jpg"]
    assert "HTTP 404: the partner moved or removed the picture" in why["gone.jpg"]
    assert "too small for a card: 200x120 px" in why["tiny.jpg"]
    assert "a picture type we do not use (image/svg+xml)" in why["svg"]
    assert "not an http(s) picture URL" in why["hostile"]
    assert "could not fetch it" in why["idna"]
    assert not any(f"item {ok}:" in w for w in warnings)
    assert len(served.requests_to("/wide.jpg")) == 1 and not [r for r in served.requests if "onerror" in r.path]
    # the same reasons reach render's preflight
    preflight = [f.message for f in result.preflight if f.check == "image"]
    assert len(preflight) == 9 and any("decompression bomb" in m for m in preflight)


def test_hotlink_switch_keeps_the_partners_urls_and_fetches_no_picture(db, media_config, item, served):
    config = media_config("media:\n  hotlink: true\n")
    item("Robotter i Kolding", served.url("/wide.jpg"), image_alt="Robotarm")
    issue = make_draft(db, config)
    images = email_images(render_issue(db, config, issue.id).rendered.html)
    assert images["Robotarm"]["src"] == served.url("/wide.jpg")
    assert images["Danmarks Produktionscentrum"]["src"] == served.url("/logo.png")
    assert served.requests_to("/wide.jpg") == []


def test_media_route_serves_only_our_names(db, media_config, item, served, client_for, tmp_path):
    config = media_config()
    (tmp_path / "var").mkdir(exist_ok=True)
    (tmp_path / "var" / "secret.txt").write_text("TOP-SECRET-42")
    client = client_for(config)
    for path in ("/media/../secret.txt", "/media/..%2Fsecret.txt", "/media/%2e%2e/secret.txt",
                 "/media/secret.txt", "/media/" + "0" * 32 + ".jpg", "/media/card-1-issue.png",
                 "/media/" + "a" * 32 + ".jpg/../../secret.txt"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert b"TOP-SECRET-42" not in response.content
    item("Robotter", served.url("/wide.jpg"), image_alt="Robotarm")
    issue = make_draft(db, config)
    src = email_images(render_issue(db, config, issue.id).rendered.html)["Robotarm"]["src"]
    head = client.head(src.removeprefix(BASE))
    assert head.status_code == 200 and head.headers["content-type"] == "image/jpeg"
    # a name is ours only as a whole: with a line break after it, it is not (re.match + $ let it by)
    name = src.rsplit("/", 1)[1]
    assert is_valid_name(name) and not is_valid_name(name + "\n")
    assert client.head(src.removeprefix(BASE) + "%0A").status_code == 404


def test_a_cdn_base_url_and_folder_from_the_config(db, media_config, item, served, tmp_path):
    config = media_config(f"media:\n  base_url: https://cdn.example.dk/nyhedsbrev/\n  folder: {tmp_path / 'cdn'}\n")
    item("Robotter", served.url("/wide.jpg"), image_alt="Robotarm")
    issue = make_draft(db, config)
    src = email_images(render_issue(db, config, issue.id).rendered.html)["Robotarm"]["src"]
    assert re.fullmatch(r"https://cdn\.example\.dk/nyhedsbrev/[0-9a-f]{32}\.jpg", src)
    assert (tmp_path / "cdn" / src.rsplit("/", 1)[1]).is_file()


def test_local_folders_read_files_inside_the_folder_only(db, media_config, item, tmp_path):
    pictures = tmp_path / "billeder"
    pictures.mkdir()
    (pictures / "robot.jpg").write_bytes(jpeg(1600, 900))
    (tmp_path / "outside.jpg").write_bytes(jpeg(1600, 900))
    config = media_config('media:\n  local_folders:\n    "https://images.example.dk/": billeder/\n', logo="")
    inside = item("Indenfor", "https://images.example.dk/robot.jpg", image_alt="inde")
    outside = item("Udenfor", "https://images.example.dk/%2e%2e/outside.jpg", image_alt="ude")
    from newsletter.compose import compose

    report = prepare_issue(db, config, compose(db, config, "ugebrev", "2026-W48", now=NOW).id)
    assert report.fetched == 1
    assert [(i, why) for i, _, why in report.failed] == [(outside, "refused: the path leaves the local folder 'billeder/'")]
    assert inside not in [i for i, _, _ in report.failed]


def test_card_titles_fit_whole_words_and_danish_letters_have_glyphs():
    from newsletter.media.cards import fit_title, font

    face, lines = fit_title("Nyt fra Danmarks Produktionscentrum", 550)
    assert lines == ["Nyt fra Danmarks", "Produktionscentrum"] and face.size < 64
    face, lines = fit_title("ord " * 80, 550)
    assert len(lines) == 4 and lines[-1].endswith(" …")
    bold = font("bold", 40)
    missing = bold.getmask("\U0001d518").getbbox()  # a letter the typeface lacks: the .notdef box
    for letter in "æøåÆØÅ":
        assert bold.getmask(letter).getbbox() not in (None, missing), letter


def test_the_cli_draft_and_the_scheduler_draft_both_make_pictures_ours(db, media_config, served, cli):
    from datetime import timedelta

    from newsletter.db.issues import add_item
    from newsletter.db.types import utcnow
    from newsletter.schedule import run_draft

    config = media_config()
    served.add("/second.jpg", jpeg(1600, 900, colour=(90, 20, 20)), content_type="image/jpeg")

    def add(n: int, path: str) -> None:
        when = utcnow() - timedelta(minutes=10 * n)
        with db.begin() as conn:
            add_item(conn, title=f"Nyhed {n}", url=f"https://example.dk/{n}", published_at=when,
                     first_seen_at=when, partner_key="business-kolding", section="partnere",
                     guid=f"cli{n}", image_url=served.url(path))

    add(1, "/wide.jpg")
    result = cli("--config", str(config.path), "draft")
    assert result.exit_code == 0, result.output
    add(2, "/second.jpg")
    assert len(run_draft(str(config.path))) == 1  # the scheduler's job refreshes the same draft
    with db.connect() as conn:
        stored = media_q.get_images(conn, [served.url("/wide.jpg"), served.url("/second.jpg")], "card")
    assert {url: image.status for url, image in stored.items()} == {
        served.url("/wide.jpg"): "ok", served.url("/second.jpg"): "ok"}
    assert len(served.requests_to("/wide.jpg")) == 1 and len(served.requests_to("/second.jpg")) == 1


def test_social_posts_link_our_cards_never_the_partners_picture(db, media_config, item, served):
    from newsletter.social.stage import draft as social_draft

    config = media_config()
    first = item("Robotter i Kolding", served.url("/wide.jpg"))
    issue = make_draft(db, config)
    report = social_draft(db, config, issue.id)
    assert report.posts
    for post in report.posts:
        expected = card_url(config, issue.id, post.item_id)
        assert post.image_url == expected, post
        assert card_path(config, issue.id, post.item_id).is_file()
    assert {p.item_id for p in report.posts} == {first, None}
