"""Issue 8 §8-9 in the rendered issue: contrast of the brand colours actually used, the preheader,
the footer without doubled names, decorative images, and the web version at 375 px in Chromium."""

from __future__ import annotations

import os
import re
from pathlib import Path

import lxml.html
import pytest

from newsletter import review
from newsletter.compose import compose
from newsletter.render import render_issue
from newsletter.render.preflight import preheader
from tests.compose.conftest import CONFIG, NOW

CHROMIUM = Path("/usr/bin/chromium")


def text_of(html: str) -> str:
    return " ".join(lxml.html.document_fromstring(html.encode("utf-8")).body.text_content().split())


def test_the_default_brand_colours_pass_the_contrast_check(db, config, weekly):
    findings = render_issue(db, config, weekly).preflight
    assert [f for f in findings if f.check == "contrast"] == []


def test_brand_colours_under_4_5_to_1_get_a_warning_per_pair(db, make_config, item):
    # a light primary (white header text on it) and a mid-grey page (grey footer text on it)
    config = make_config(CONFIG.replace("  cvr: \"12345678\"\n", "  cvr: \"12345678\"\n  colors:\n"
                                        "    primary: \"#7fb3d5\"\n    background: \"#9aa0a6\"\n"))
    item("Nyt program for robotter", text="Sparring og workshops.")
    issue = compose(db, config, "ugebrev", "2026-W48", now=NOW)
    findings = [f for f in render_issue(db, config, issue.id).preflight if f.check == "contrast"]
    messages = " | ".join(f.message for f in findings)
    assert all(f.level == "warning" for f in findings)
    assert "text #ffffff on #7fb3d5 has a contrast of 2.3:1" in messages  # header and date badges
    assert "text #5f6670 on #9aa0a6 has a contrast of 2.2:1" in messages  # the footer on the page background
    assert "on #9aa0a6 has a contrast of 1.7:1" in messages and "'Se webversionen'" in messages  # link on it
    assert "brand.colors in feeds.yaml" in messages
    # the readable shade of the primary colour for links on white passes, so it is not reported
    assert "on #ffffff" not in messages


def test_the_preheader_is_not_the_first_visible_line(db, config, weekly):
    review.set_texts(db, weekly, "test", intro="Kolding og Fredericia samler industrien i december.")
    result = render_issue(db, config, weekly)
    doc = lxml.html.document_fromstring(result.rendered.html.encode("utf-8"))
    hidden, visible = preheader.texts(doc)
    assert hidden == "Ugens nyheder fra erhvervsfremmen i Trekantområdet"
    assert visible[:2] == ["se", "webversionen"]  # the first visible line is the web-version link
    assert "ugens" not in visible[:12]
    assert not [f for f in result.preflight if f.check == "preheader"]


def test_a_preheader_the_intro_repeats_gets_a_warning(db, config, weekly):
    # the fixture's intro: "Her er ugens nyheder fra erhvervsfremmen i Trekantområdet."
    findings = [f for f in render_issue(db, config, weekly).preflight if f.check == "preheader"]
    assert len(findings) == 1 and "repeats the first lines" in findings[0].message


def test_footer_names_the_sender_once(db, make_config, item):
    text = (CONFIG.replace("  name: Danmarks Produktionscentrum\n", "  name: Trekantområdet Danmark\n")
            .replace("name: Nyt fra Danmarks Produktionscentrum", "name: Nyt fra Trekantområdet Danmark"))
    config = make_config(text)
    item("Nyt program for robotter", text="Sparring og workshops.")
    issue = compose(db, config, "ugebrev", "2026-W48", now=NOW)
    rendered = render_issue(db, config, issue.id).rendered
    for part in (text_of(rendered.html), " ".join(rendered.text.split()), text_of(rendered.web_html)):
        footer = part[part.rindex("Sparring og workshops."):]
        assert "Trekantområdet Danmark · Trekantområdet Danmark" not in footer
        assert not re.search(r"fra Trekantområdet Danmark (fra|hos) Trekantområdet Danmark", footer)
        assert "Kolding Åpark 1, 6000 Kolding" in footer
        assert "Trekantområdet Danmark, Kolding Åpark 1" not in footer  # the organisation is just above
    assert "er tilmeldt Nyt fra Trekantområdet Danmark." in text_of(rendered.html)


def test_footer_of_the_default_brand_reads_once_each(db, config, weekly):
    body = text_of(render_issue(db, config, weekly).rendered.html)
    assert "er tilmeldt Nyt fra Danmarks Produktionscentrum hos Trekantområdet Danmark." in body
    assert "fra Danmarks Produktionscentrum fra" not in body
    assert "Trekantområdet Danmark · Danmarks Produktionscentrum Kolding Åpark 1, 6000 Kolding" in body


def test_a_decorative_image_has_empty_alt_and_no_second_link(db, make_config, item):
    config = make_config(CONFIG + "media:\n  hotlink: true\n")  # the partners' images, no copies
    item("Nyt program for robotter", text="Sparring og workshops.", hours_ago=30,
         image_url="https://img.example.dk/robot.jpg", image_alt="Robotarm i en produktionshal")
    item("Fredericia: havneudvidelse giver plads til 400 job", partner="business-fredericia",
         text="Udvidelsen åbner for nye virksomheder.", image_url="https://img.example.dk/havn.jpg",
         image_alt="Fredericia: havneudvidelse giver plads til 400 job.")  # the title again
    issue = compose(db, config, "ugebrev", "2026-W48", now=NOW)
    rendered = render_issue(db, config, issue.id).rendered
    email = lxml.html.document_fromstring(rendered.html.encode("utf-8"))
    alts = {i.get("src"): (i.get("alt"), i.getparent().tag) for i in email.iter("img")}
    assert alts["https://img.example.dk/havn.jpg"] == ("", "td")  # decorative: no alt, no second link
    assert alts["https://img.example.dk/robot.jpg"] == ("Robotarm i en produktionshal", "a")
    web = lxml.html.document_fromstring(rendered.web_html)
    havn = next(i for i in web.iter("img") if i.get("src") == "https://img.example.dk/havn.jpg")
    assert havn.get("alt") == "" and havn.getparent().tag != "a"
    robot = next(i for i in web.iter("img") if i.get("src") == "https://img.example.dk/robot.jpg")
    assert robot.get("alt") == "Robotarm i en produktionshal" and robot.getparent().tag == "a"


LONG_TITLE = ("Erhvervsuddannelsesreformimplementeringsprojektet og produktionsvirksomhedsnetværkssamarbejdet "
              "i Trekantområdet")
LONG_URL = "https://www.trekantomraadet.dk/" + "nyheder-om-produktionsvirksomheder-" * 6 + "?id=1234567890"


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (apt-get install -y chromium)")
@pytest.mark.parametrize("width", [375, 1280])
def test_web_version_fits_the_screen_and_the_logo_alt_is_readable(db, config, item, tmp_path, width):
    from playwright.sync_api import sync_playwright

    item(LONG_TITLE, text=f"Læs hele beskrivelsen på {LONG_URL} eller ring til os.",
         url=LONG_URL, image_url="https://img.example.dk/x.jpg", image_alt="Maskinhal")
    issue = compose(db, config, "ugebrev", "2026-W48", now=NOW)
    web = tmp_path / "web.html"
    web.write_text(render_issue(db, config, issue.id).rendered.web_html, encoding="utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": width, "height": 800})
        # no network: the logo and images do not load, so their alt text shows, as with blocked images
        page.route("**/*", lambda route: route.abort() if route.request.url.startswith("http") else route.continue_())
        page.goto(web.as_uri())
        # SCREENSHOTS=folder keeps them, to look at the page by eye
        page.screenshot(path=str(Path(os.environ.get("SCREENSHOTS") or tmp_path) / f"web-{width}.png"),
                        full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        colours = page.evaluate("""() => {
            const img = document.querySelector('header.brand img');
            const header = document.querySelector('header.brand');
            return [getComputedStyle(img).color, getComputedStyle(header).backgroundColor];
        }""")
        browser.close()
    assert colours == ["rgb(255, 255, 255)", "rgb(11, 61, 92)"]  # white alt text on the primary colour
