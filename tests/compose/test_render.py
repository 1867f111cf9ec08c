"""render: the email, text and web parts, checked with an HTML parser; hostile content; golden files."""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import lxml.html
import pytest

from newsletter import review
from newsletter.compose import compose
from newsletter.config import Config
from newsletter.errors import RenderError
from newsletter.render import render_issue, rendered_for_send, write_outputs
from newsletter.render.placeholders import fill_html, fill_text
from newsletter.render.preflight import links, parse, run_checks
from tests.compose.conftest import CONFIG, GOLDEN, HOSTILE_TEXT, HOSTILE_TITLE, NOW


def bare(rendered: str) -> str:
    """Placeholders without the render's random token (issue 8), for fixed expectations."""
    return re.sub(r"(%%[a-z_]+)\.[0-9a-f]{16}%%", r"\1%%", rendered)


def doc_of(html: str):
    return lxml.html.document_fromstring(html.encode("utf-8"))


def text_of(el) -> str:
    return " ".join(el.text_content().split())


def link_by_text(doc, text: str):
    found = [a for a in doc.iter("a") if text_of(a) == text]
    assert found, f"no link with text {text!r}"
    return found[0]


def test_email_structure_links_and_footer(db, config, weekly):
    html = bare(render_issue(db, config, weekly).rendered.html)
    assert html.startswith("<!doctype html>")
    doc = doc_of(html)
    assert doc.findtext(".//title") == "Nyt fra Danmarks Produktionscentrum · uge 48"
    body = text_of(doc.body)
    assert "Uge 48 · 26. november 2026" in body
    for heading in ("Nyt fra partnerne", "Arrangementer", "Kompetencer & job"):
        assert heading in body
    assert body.index("Nyt fra partnerne") < body.index("Arrangementer") < body.index("Kompetencer & job")

    havn = link_by_text(doc, "Fredericia: havneudvidelse giver plads til 400 job")
    query = parse_qs(urlsplit(havn.get("href")).query)
    assert query == {"id": ["7"], "lang": ["da"], "utm_source": ["nyhedsbrev"], "utm_medium": ["email"],
                     "utm_campaign": ["ugebrev-2026-w48"]}
    assert "Business Kolding · Også omtalt af Billund Erhverv" in body
    assert "Små virksomheder får hjælp til robotter" not in body
    assert "Netværksmøde der er overstået" not in body  # past event
    signup = [a for a in doc.iter("a") if "Tilmeld dig" in text_of(a)]
    assert urlsplit(signup[0].get("href")).path == "/tilmeld" and "event=42" in signup[0].get("href")
    assert "torsdag 3. december · kl. 9.30–16.00 · Kolding Hallerne" in body  # Danish times (issue 8)

    for img in doc.iter("img"):
        assert img.get("alt") is not None and img.get("width"), lxml.html.tostring(img)
    # an image without alt of its own is decorative (alt=""), not a repeat of the title after it (issue 8)
    assert {i.get("alt") for i in doc.iter("img")} == {"Robotarm i en produktionshal", "Danmarks Produktionscentrum", ""}
    # footer: markedsføringsloven §10, e-handelsloven §7
    assert link_by_text(doc, "Afmeld nyhedsbrevet").get("href") == "%%unsubscribe_url%%"
    assert link_by_text(doc, "Skift dine indstillinger").get("href") == "%%preferences_url%%"
    assert link_by_text(doc, "Se webversionen").get("href") == \
        "https://nyhedsbrev.example.dk/arkiv/ugebrev/2026-uge-48.html"
    for needed in ("Kolding Åpark 1, 6000 Kolding", "CVR 12345678", "info@trekantomraadet.dk",
                   "Du modtager dette nyhedsbrev, fordi %%email%% er tilmeldt"):
        assert needed in body
    styles = " ".join(s.text or "" for s in doc.iter("style"))
    assert "@media" in styles and "!important" in styles  # responsive rules kept by premailer


def test_placeholders_survive_and_fill_per_recipient(db, config, weekly):
    rendered = rendered_for_send(db, config, weekly)
    values = {"unsubscribe_url": "https://n.dk/afmeld/abc?t=1&x=2", "preferences_url": "https://n.dk/p/abc",
              "email": "ole@firma.dk", "name": "Ole"}
    doc = doc_of(fill_html(rendered.html, values, rendered.placeholder_token))
    assert link_by_text(doc, "Afmeld nyhedsbrevet").get("href") == "https://n.dk/afmeld/abc?t=1&x=2"
    assert "ole@firma.dk" in text_of(doc.body) and "%%" not in text_of(doc.body)
    text = fill_text(rendered.text, values, rendered.placeholder_token)
    assert "Afmeld nyhedsbrevet: https://n.dk/afmeld/abc?t=1&x=2" in text
    assert rendered_for_send(db, config, weekly).html == rendered.html  # stored once, not re-rendered


def test_text_part_is_readable_text(db, config, weekly):
    text = render_issue(db, config, weekly).rendered.text
    assert "<" not in text and "&amp;" not in text
    assert "NYT FRA PARTNERNE\n-----------------" in text
    assert "* Lærepladser i industrien: 120 ledige pladser" in text
    assert "  Business Kolding (Også omtalt af Billund Erhverv)" in text
    assert "  Tilmeld dig: https://www.trekantomraadet.dk/tilmeld?event=42&utm_source=nyhedsbrev" in text
    assert all(len(line) <= 76 or "http" in line for line in text.splitlines())


def test_hostile_content_renders_as_text_and_the_layout_holds(db, config, item):
    item(HOSTILE_TITLE, text=HOSTILE_TEXT, image_url='https://x.dk/a.jpg" onerror="alert(1)', hours_ago=1)
    item("", text="Et resumé uden titel, der skal bruges som titel i stedet for ingenting.",
         partner="billund-erhverv", image_url="javascript:alert(1)", hours_ago=2)
    item("Meget lang tekst", text="ord " * 5000, partner="business-fredericia",
         image_url="data:image/png;base64,AAAA", hours_ago=3)
    item("Mærkeligt link", partner="dima", url="javascript:alert(1)", hours_ago=4)
    issue = compose(db, config, "ugebrev", "2026-W48", now=NOW)
    result = render_issue(db, config, issue.id)
    doc = doc_of(result.rendered.html)
    assert doc.xpath("//script") == [] and doc.xpath("//body//style") == []
    assert not [el for el in doc.iter() if any(a.startswith("on") for a in el.attrib)]
    assert not [el for el in doc.iter() if isinstance(el.tag, str) and el.tag.startswith("mj-")]
    titles = [text_of(el) for el in doc.xpath("//div[contains(@class,'card-title')]//a")
              or doc.xpath("//a[contains(@href,'utm_campaign')]")]
    assert HOSTILE_TITLE in titles  # shown literally, as text
    body = text_of(doc.body)
    assert "<style>body{display:none}</style><p>Uafsluttet <b>fed {% if x %} & \"citat\"" in body
    assert "Et resumé uden titel" in titles[1] or any(t.startswith("Et resumé uden titel") for t in titles)
    assert "Mærkeligt link" not in body  # no safe link, no card
    srcs = [img.get("src") for img in doc.iter("img")]
    assert all(s.startswith("https://") for s in srcs) and not any("onerror" in s for s in srcs)
    long_summary = min((d for d in doc.iter("div") if text_of(d).startswith("ord ord")), key=lambda d: len(text_of(d)))
    assert len(text_of(long_summary)) < 400
    assert not [f for f in result.preflight if f.level == "error"]
    assert "<script>alert(1)</script>" in result.rendered.text  # text part: the same words, as text
    web = doc_of(result.rendered.web_html)
    assert web.xpath("//script") == [] and HOSTILE_TITLE in text_of(web.body)


def test_invalid_template_names_file_and_line(db, make_config, weekly, tmp_path):
    override = tmp_path / "brand-templates"
    (override / "email").mkdir(parents=True)
    (override / "email" / "newsletter.mjml.j2").write_text("<mjml>\n<mj-body>\n{% if %}\n</mj-body></mjml>\n")
    config = make_config(CONFIG.replace("  cvr:", "  template_dir: brand-templates\n  cvr:"))
    with pytest.raises(RenderError) as info:
        render_issue(db, config, weekly)
    assert "email/newsletter.mjml.j2" in str(info.value) and "line 3" in str(info.value)

    (override / "email" / "newsletter.mjml.j2").write_text("<mjml>\n<mj-body>\n{{ issue.nope }}\n</mj-body></mjml>\n")
    with pytest.raises(RenderError, match=r"newsletter.mjml.j2, line 3.*nope"):
        render_issue(db, config, weekly)

    (override / "email" / "newsletter.mjml.j2").write_text(
        "<mjml>\n<mj-body>\n<mj-section><mj-column><mj-text>a</div></mj-text></mj-column></mj-section>\n</mj-body></mjml>")
    with pytest.raises(RenderError, match=r"invalid MJML.*position 92.*rendered MJML line 4"):
        render_issue(db, config, weekly)


def test_override_can_extend_the_default_template(db, make_config, weekly, tmp_path):
    override = tmp_path / "brand-templates" / "text"
    override.mkdir(parents=True)
    (override / "newsletter.txt.j2").write_text(
        'Særlig hilsen\n{% include "default:text/newsletter.txt.j2" %}')
    config = make_config(CONFIG.replace("  cvr:", "  template_dir: brand-templates\n  cvr:"))
    text = render_issue(db, config, weekly).rendered.text
    assert text.startswith("Særlig hilsen\nNyt fra Danmarks Produktionscentrum")


def test_english_newsletter_and_utm_off(db, make_config, item):
    config = make_config(CONFIG.replace("    empty_week: curated_only", "    empty_week: curated_only\n    utm: false"))
    item("Robot programme for small manufacturers", text="A new programme.", hours_ago=2,
         url="https://bk.dk/en/robots?ref=1")
    issue = compose(db, config, "investor", "2026-W48", now=NOW)
    rendered = render_issue(db, config, issue.id).rendered
    doc = doc_of(bare(rendered.html))
    body = text_of(doc.body)
    assert "Week 48 · 26 November 2026" in body and "News from the partners" in body
    assert link_by_text(doc, "Unsubscribe").get("href") == "%%unsubscribe_url%%"
    assert any("Read more" in text_of(a) for a in doc.iter("a"))
    assert link_by_text(doc, "Robot programme for small manufacturers").get("href") == "https://bk.dk/en/robots?ref=1"
    assert doc.get("lang") == "en"
    assert rendered.subject == "News from Denmark's Production Centre · week 48"


def test_preflight_checks(http_server):
    html = ('<html><head></head><body><img src="https://a.dk/x.png"><img src="https://a.dk/y.png" alt="y" width="10">'
            '<a href="javascript:alert(1)">x</a><a href="%%unsubscribe_url%%">u</a><a href="mailto:a@b.dk">m</a>'
            f'<a href="{http_server.add("/ok", "fine")}">ok</a><a href="{http_server.url("/missing")}">gone</a>'
            f'<a href="{http_server.add("/nohead", "", status=405)}">405</a>'
            '</body></html>')
    findings = run_checks(html, check_links=True, timeout=5)
    by_check = {}
    for f in findings:
        by_check.setdefault(f.check, []).append(f.message)
    assert by_check["alt"] == ["image without alt text: https://a.dk/x.png"]
    assert by_check["width"] == ["image without a width attribute: https://a.dk/x.png"]
    assert by_check["scheme"] == ["link is not http(s): javascript:alert(1)"]
    assert len(by_check["link"]) == 4  # /missing, /nohead, and the two unreachable images
    assert any("/missing: HTTP 404" in m for m in by_check["link"])
    assert [r.method for r in http_server.requests_to("/nohead")] == ["HEAD", "GET"]
    assert links.check(parse(html), html)  # offline part alone


def test_size_warning_above_90_kb():
    from newsletter.render.preflight import size
    assert size.check(None, "x" * 95 * 1024)[0].level == "warning"
    assert size.check(None, "x" * 103 * 1024)[0].level == "error"


def test_render_writes_preview_files(db, config, weekly, tmp_path):
    result = render_issue(db, config, weekly)
    paths = write_outputs(config, result, tmp_path / "out")
    assert sorted(p.name for p in paths) == ["email.html", "email.txt", "preview.html", "web.html"]
    email = (tmp_path / "out" / "email.html").read_text()
    assert "%%" not in email and "/eksempel/afmeld" in email  # a real page (issue 8), not a 404
    preview = doc_of((tmp_path / "out" / "preview.html").read_text())
    widths = [f.get("class") for f in preview.iter("figure")]
    # both frames hold the email itself (so they can grow to its full height), and the files are readable
    assert widths == ["phone", "desktop"] and all("Læs mere" in i.get("srcdoc") for i in preview.iter("iframe"))
    assert all((p.stat().st_mode & 0o044) == 0o044 for p in paths)


def test_other_partners_are_named_the_language_way():
    from newsletter.render.env import names

    assert names(["Middelfart Erhvervscenter", "Business Kolding"]) == "Middelfart Erhvervscenter og Business Kolding"
    assert names(["A", "B", "C"], "en") == "A, B and C" and names([]) == ""


def test_brand_colours_too_light_for_text_are_darkened_for_text_only(db, config, weekly):
    from newsletter.render.env import contrast, readable

    assert config.brand.colors.accent == "#e5722f" and contrast("#e5722f", "#ffffff") < 4.5
    darker = readable("#e5722f")
    assert contrast(darker, "#ffffff") >= 4.5 and readable("#0b3d5c") == "#0b3d5c"
    doc = doc_of(render_issue(db, config, weekly).rendered.html)
    more = next(a for a in doc.iter("a") if "Læs mere" in text_of(a))
    assert darker in more.get("style") and "#e5722f" not in more.get("style")


def _golden(case: str, files: dict[str, str], update: bool) -> None:
    folder = GOLDEN / case
    if update or os.environ.get("UPDATE_GOLDEN"):
        folder.mkdir(parents=True, exist_ok=True)
        for name, content in files.items():
            (folder / name).write_text(content, encoding="utf-8")
        return
    for name, content in files.items():
        expected = (folder / name).read_text(encoding="utf-8")
        assert content == expected, (f"{folder / name} differs; if the change is intended run "
                                     f"`pytest tests/compose --update-golden` and review the diff")


def test_golden_weekly(db, config, weekly, update_golden):
    review.set_texts(db, weekly, "test", intro="Her er ugens nyheder.\n\nGod læselyst!")
    r = render_issue(db, config, weekly).rendered
    _golden("weekly", {"email.html": bare(r.html), "email.txt": bare(r.text), "web.html": bare(r.web_html)},
            update_golden)


_ = (Path, Config)
