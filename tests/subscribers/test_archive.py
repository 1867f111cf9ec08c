"""The archive at /arkiv/ through the real app: the "Se webversionen" link of a sent email
works, drafts stay private, the feed parses."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import feedparser
import lxml.html

from newsletter import review
from newsletter.config import Config
from newsletter.db import Database
from newsletter.db import issues as q
from newsletter.db.types import utcnow
from newsletter.models import Placement
from newsletter.render import render_issue
from newsletter.render.archive import parse_archive_name
from newsletter.render.context import web_url


def make_issue(db: Database, config: Config, week: int, subject: str, title: str, *, send: bool) -> int:
    now = utcnow()
    with db.begin() as conn:
        item = q.add_item(conn, title=title, url=f"https://partner.example.dk/{week}",
                          summary_text="Nyt om robotter & automatisering i Trekantområdet.",
                          published_at=now - timedelta(hours=2), partner_key="business-kolding",
                          section="partnere")
        issue_id = q.insert_issue(conn, newsletter_key="ugebrev", iso_year=2026, iso_week=week,
                                  issue_date=date.fromisocalendar(2026, week, 4), subject=subject,
                                  preheader=f"Forhåndstekst uge {week}", intro="Kære læser",
                                  window_start=now - timedelta(days=7), window_end=now)
        q.replace_placements(conn, issue_id, [Placement(item_id=item, section="partnere", position=0)])
    render_issue(db, config, issue_id)
    review.approve(db, issue_id, "mette", override="test config without a CVR number")
    if send:
        review.mark_queued(db, issue_id)
        review.mark_sent(db, issue_id, at=datetime(2026, 11, week - 40, 7, 0, tzinfo=now.tzinfo))
    return issue_id


def test_sent_issue_is_served_draft_is_not_and_the_feed_parses(client_for, config: Config, db: Database):
    client = client_for(config)
    sent = make_issue(db, config, 47, "Uge 47: Robotter i Kolding", "Robotprogram <b>i</b> Kolding", send=True)
    make_issue(db, config, 48, "Uge 48: HEMMELIG KLADDE", "Ikke sendt endnu", send=False)
    with db.connect() as conn:
        issue = q.get_issue(conn, sent)
    assert issue is not None

    # the link every email carries
    link = web_url(config, issue)
    assert link == "https://nyhedsbrev.example.dk/arkiv/ugebrev/2026-uge-47.html"
    page = client.get(link.removeprefix("https://nyhedsbrev.example.dk"))
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "Robotprogram &lt;b&gt;i&lt;/b&gt; Kolding" in page.text and 'lang="da"' in page.text
    with db.connect() as conn:
        assert page.text == q.latest_render(conn, sent)["web_html"]  # the stored render, as sent
    # its inline brand CSS is allowed by hash, nothing else inline
    csp = page.headers["content-security-policy"]
    assert "'sha256-" in csp and "unsafe-inline" not in csp and "script-src" not in csp

    # the approved (not sent) week is invisible everywhere, as if it did not exist
    assert client.get("/arkiv/ugebrev/2026-uge-48.html").status_code == 404
    for path in ("/arkiv/ugebrev/2026-uge-49.html", "/arkiv/ugebrev/2026-uge-99.html", "/arkiv/ukendt/",
                 "/arkiv/ugebrev/../../etc/passwd", "/arkiv/ugebrev/2026-uge-47.html.bak"):
        missing = client.get(path)
        assert missing.status_code == 404 and "Siden findes ikke" in missing.text, path

    front = client.get("/arkiv/")
    assert front.status_code == 200
    links = [a.get("href") for a in lxml.html.document_fromstring(front.content).iter("a")]
    assert "/arkiv/ugebrev/2026-uge-47.html" in links and "/arkiv/ugebrev/feed.atom" in links
    assert "HEMMELIG" not in front.text and "2026-uge-48" not in front.text
    one = client.get("/arkiv/ugebrev/")
    assert one.status_code == 200 and "Uge 47: Robotter i Kolding" in one.text and "HEMMELIG" not in one.text
    assert client.get("/arkiv", follow_redirects=False).status_code == 308

    feed_response = client.get("/arkiv/ugebrev/feed.atom")
    assert feed_response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(feed_response.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.title == "Ugebrevet"
    assert [(e.title, e.link) for e in feed.entries] == [("Uge 47: Robotter i Kolding", link)]
    # the empty newsletter still has a valid feed
    empty = feedparser.parse(client.get("/arkiv/invest/feed.atom").content)
    assert not empty.bozo and empty.entries == []

    # the emails' "Tilmeld dig" link (BASE_URL/tilmeld) leads to the form
    assert client.get("/tilmeld?lang=en").url.path == "/"


def test_archive_names():
    assert parse_archive_name("2026-uge-53.html") == (2026, 53)
    assert parse_archive_name("2026-uge-00.html") is None
    assert parse_archive_name("2026-uge-54.html") is None
    assert parse_archive_name("2026-uge-5.html") is None
    assert parse_archive_name("feed.atom") is None
