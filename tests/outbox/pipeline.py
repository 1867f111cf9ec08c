"""The real path up to the outbox, for the outbox tests of issue 8: a partner feed served on
127.0.0.1 -> collect -> draft -> render -> approve. Returns the config and the issue id."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from newsletter import review
from newsletter.collect import collect
from newsletter.compose import compose
from newsletter.config import Config
from newsletter.db import Database
from newsletter.db.types import utcnow
from newsletter.render import render_issue
from tests.compose.conftest import CONFIG

ITEM = """<item><title>{title}</title><link>{link}</link><description>{summary}</description>
<enclosure url="{image}" type="image/png" length="1"/><pubDate>{when}</pubDate></item>"""
ROBOT = ("Robotklynge samler 40 virksomheder i Kolding", "https://www.businesskolding.dk/nyheder/robot?id=1&region=syd",
         "Klyngen inviterer til møde om automatisering.", "https://www.businesskolding.dk/media/robot.png?w=600&copy=1")


def approved_issue(db: Database, make_config: Any, http_server: Any, extra_yaml: str = "",
                   items: list[tuple[str, str, str, str]] | None = None) -> tuple[Config, int]:
    """``items``: (title, link, summary, image URL) as the partner means them (XML-escaped here)."""
    when = (utcnow() - timedelta(hours=2)).strftime("%a, %d %b %Y %H:%M:%S +0000")
    body = "".join(ITEM.format(title=xml_escape(t), link=xml_escape(u), summary=xml_escape(s),
                               image=xml_escape(i, {'"': "&quot;"}), when=when) for t, u, s, i in items or [ROBOT])
    rss = f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>BK</title>{body}</channel></rss>'
    feed = http_server.add("/feed.xml", rss, content_type="application/rss+xml")
    text = CONFIG.replace("  - key: business-kolding\n    name: Business Kolding\n",
                          f"  - key: business-kolding\n    name: Business Kolding\n    sources:\n"
                          f"      - kind: feed\n        url: {feed}\n")
    config: Config = make_config(text + extra_yaml)
    assert collect(db, config).new_items == len(items or [ROBOT])
    issue = compose(db, config, "ugebrev", now=utcnow())
    render_issue(db, config, issue.id)
    review.approve(db, issue.id, "Mette")
    return config, issue.id
