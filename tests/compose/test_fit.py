"""The email fits under Gmail's clip (issue 8 §8): compose at the maximum caps, render, and the
HTML stays under 100 KB with its footer; the team is told what was shortened or moved."""

from __future__ import annotations

import json
import random
from datetime import timedelta
from types import SimpleNamespace

import lxml.html
import pytest

from newsletter.compose import compose
from newsletter.db import issues as q
from newsletter.render.context import build_context
from newsletter.render.email import render_email
from newsletter.render.env import environment_for, gettext_for
from newsletter.render.fit import MAX_LINKS, SHORT_SUMMARY, fit, size_of
from newsletter.render.placeholders import fill_html
from newsletter.render.preflight import Finding
from tests.compose.conftest import CONFIG, NOW

LIMIT = 100 * 1024
SYLLABLES = ("pro", "duk", "tion", "ro", "bot", "ener", "gi", "havn", "lo", "gis", "tik", "kom", "pe", "ten",
             "ce", "lær", "ling", "ud", "dan", "nel", "se", "eks", "port", "in", "ve", "ste", "ring", "klyn",
             "net", "værk", "grøn", "om", "stil", "fø", "de", "va", "re", "byg", "ge", "ri", "sund", "hed",
             "vind", "møl", "brint", "bat", "te", "da", "ta", "sam", "ar", "bej", "rå", "fi", "nans")

# the largest caps feeds.yaml allows: 500 per issue, 100 per partner and per section
MAX_CAPS = (CONFIG.replace("max_items: 6", "max_items: 100").replace("max_items: 4", "max_items: 100")
            .replace("max_per_partner: 3", "max_per_partner: 100").replace("max_items: 12", "max_items: 500")
            + "media:\n  hotlink: true\n")  # every card keeps its partner's image: the heaviest email
PARTNERS = ("business-kolding", "billund-erhverv", "business-fredericia", "dima")


def words(rnd: random.Random, n: int) -> str:
    return " ".join("".join(rnd.choice(SYLLABLES) for _ in range(rnd.randint(1, 4))) for _ in range(n))


@pytest.fixture
def full_issue(db, make_config, item):
    """100 items in each of the three sections: long titles and summaries, images, long links."""
    config = make_config(MAX_CAPS)
    rnd = random.Random(48)
    for section in ("partnere", "arrangementer", "kompetencer"):
        for i in range(100):
            extra = {}
            if section == "arrangementer":
                starts = NOW + timedelta(days=2 + i % 20, hours=1)
                extra = {"event_starts_at": starts, "event_ends_at": starts + timedelta(hours=7),
                         "event_location": "Kolding Hallerne, Skovvangen 40, 6000 Kolding",
                         "signup_url": f"https://www.trekantomraadet.dk/arrangementer/tilmelding?event={section}{i}"}
            else:
                extra = {"image_url": f"https://img.example.dk/billeder/2026/11/{section}-{i}-produktionshal.jpg",
                         "image_alt": words(rnd, 6)}
            item(words(rnd, 30)[:158].strip().capitalize(), partner=PARTNERS[i % 4], section=section,
                 text=words(rnd, 70)[:318].strip().capitalize() + ".", hours_ago=1 + i,
                 url=f"https://www.business-kolding.dk/nyheder/2026/11/{section}/{i}/{words(rnd, 6).replace(' ', '-')}",
                 **extra)
    issue = compose(db, config, "ugebrev", "2026-W48", now=NOW)
    return config, issue.id


def test_an_issue_at_the_maximum_caps_fits_under_100_kb_with_its_footer(cli, db, full_issue, tmp_path):
    config, issue_id = full_issue
    with db.connect() as conn:
        placed = q.issue_items_full(conn, issue_id)
    included = [p for p in placed if p.included]
    assert len(included) == 300

    # `newsletter render` (the cli reads the feeds.yaml make_config wrote) tells the team
    rendered = cli("render", str(issue_id), "--offline", "--out", str(tmp_path / "out"))
    assert rendered.exit_code == 0, rendered.output
    assert "warning fit: the email would be" in rendered.output
    shown = cli("issue", "show", str(issue_id))
    assert "fit: the email would be" in shown.output and "only in the web version" in shown.output
    as_json = json.loads(cli("issue", "show", str(issue_id), "--json").output)
    assert [f["check"] for f in as_json["last_render"] if f["level"] == "warning"][:1] == ["fit"]

    with db.connect() as conn:
        stored = q.latest_render(conn, issue_id)
    result = SimpleNamespace(rendered=SimpleNamespace(**stored),
                             preflight=[Finding.from_dict(f) for f in stored["preflight"]])
    html = result.rendered.html
    # filled with long per-recipient values, as at send time
    personal = fill_html(html, {"unsubscribe_url": "https://nyhedsbrev.example.dk/afmeld/" + "x" * 120,
                                "preferences_url": "https://nyhedsbrev.example.dk/indstillinger/" + "y" * 120,
                                "email": "mette.kristensen-andersen@virksomhed-i-trekantomraadet.dk",
                                "name": "Mette", "web_url": "https://nyhedsbrev.example.dk/arkiv/"})
    assert size_of(personal) < LIMIT
    doc = lxml.html.document_fromstring(personal.encode("utf-8"))
    body = " ".join(doc.body.text_content().split())
    # the footer Gmail would have hidden: unsubscribe, address, CVR
    assert any(a.text_content() == "Afmeld nyhedsbrevet" for a in doc.iter("a"))
    assert "Kolding Åpark 1, 6000 Kolding" in body and "CVR 12345678" in body

    # the best item of each section is still a card; the lowest-ranked are links, then web only
    by_section = {s: sorted((p for p in included if p.section == s), key=lambda p: p.position)
                  for s in ("partnere", "arrangementer", "kompetencer")}
    for section, items in by_section.items():
        assert items[0].title in body, section
        assert items[-1].title[:60] not in body, section  # the last place: web version only
    assert "Mere fra ugen" in body
    listed = doc.find_class("more-list")[0]
    more = [a.text_content() for a in listed.iter("a") if a.text_content() in {p.title for p in included}]
    assert len(more) == MAX_LINKS, [a.text_content() for a in listed.iter("a")]
    web_link = next(a for a in doc.iter("a") if "flere nyheder i webversionen" in a.text_content())
    assert web_link.get("href") == "https://nyhedsbrev.example.dk/arkiv/ugebrev/2026-uge-48.html"

    # the web version has every item in full
    web = " ".join(lxml.html.document_fromstring(result.rendered.web_html).text_content().split())
    assert all(p.title in web and p.summary in web for p in included)
    assert "MERE FRA UGEN" in result.rendered.text and "flere nyheder i webversionen" in result.rendered.text

    # the team is told what was done, in the stored preflight and so in `render` and `issue show`
    fit_notes = [f for f in result.preflight if f.check == "fit"]
    assert len(fit_notes) == 1 and fit_notes[0].level == "warning"
    note = fit_notes[0].message
    assert "summaries shortened to 140 characters" in note and '"Mere fra ugen"' in note
    assert "only in the web version" in note and "Now " in note
    assert not any(f.check == "size" and f.level != "info" for f in result.preflight)


def _context(db, config, issue_id):
    with db.connect() as conn:
        issue = q.get_issue(conn, issue_id)
        placed = q.issue_items_full(conn, issue_id)
    return build_context(config, issue, placed)


def test_shortening_the_summaries_is_the_first_step(db, full_issue):
    config, issue_id = full_issue
    env = environment_for(config)
    context = _context(db, config, issue_id)
    context = {**context, "sections": [{**s, "entries": s["entries"][:6]} for s in context["sections"]]}

    def email(ctx):
        return render_email(env, ctx, config.settings.base_url, "test")[0]

    full = size_of(email(context))
    # a target between the shortened and the full size: only the summaries change
    html, fitted, fitting = fit(context, email, target=full - 1000)
    assert fitting.shortened == 18 and not fitting.moved and not fitting.web_only
    assert size_of(html) <= full - 1000
    assert all(len(e["summary"]) <= SHORT_SUMMARY + 1 for s in fitted["sections"] for e in s["entries"])
    assert "summaries shortened" in fitting.finding().message and "Mere fra ugen" not in fitting.finding().message
    # and an email that fits is left alone
    same_html, same, nothing = fit(context, email, target=full)
    assert same is context and not nothing.changed


def test_one_item_left_to_the_web_version_is_named_in_the_singular(db, full_issue):
    config, issue_id = full_issue
    env = environment_for(config)
    context = _context(db, config, issue_id)
    context = {**context, "more": {**context["more"], "entries": [], "web_only": 1}}
    html = render_email(env, context, config.settings.base_url, "test")[0]
    assert "Se én nyhed mere i webversionen" in html and "Se 1 flere" not in html
    english = {**context, "_": gettext_for("en")}
    assert "See one more story in the web version" in render_email(env, english, config.settings.base_url, "t")[0]
