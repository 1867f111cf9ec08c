"""The real path up to the outbox, for the outbox tests of issue 8: a partner feed served on
127.0.0.1 -> collect -> draft -> render -> approve. Returns the config and the issue id."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from newsletter import review
from newsletter.collect import collect
from newsletter.compose import compose
from newsletter.config import Config
from newsletter.db import Database
from newsletter.db.types import utcnow
from newsletter.render import render_issue
from tests.compose.conftest import CONFIG

RSS = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Business Kolding</title>
<item><title>Robotklynge samler 40 virksomheder i Kolding</title><link>https://www.businesskolding.dk/nyheder/robot?id=1&amp;region=syd</link>
<description>Klyngen inviterer til møde om automatisering.</description><pubDate>{when}</pubDate></item>
</channel></rss>"""


def approved_issue(db: Database, make_config: Any, http_server: Any, extra_yaml: str = "") -> tuple[Config, int]:
    when = (utcnow() - timedelta(hours=2)).strftime("%a, %d %b %Y %H:%M:%S +0000")
    feed = http_server.add("/feed.xml", RSS.format(when=when), content_type="application/rss+xml")
    text = CONFIG.replace("  - key: business-kolding\n    name: Business Kolding\n",
                          f"  - key: business-kolding\n    name: Business Kolding\n    sources:\n"
                          f"      - kind: feed\n        url: {feed}\n")
    config: Config = make_config(text + extra_yaml)
    assert collect(db, config).new_items == 1
    issue = compose(db, config, "ugebrev", now=utcnow())
    render_issue(db, config, issue.id)
    review.approve(db, issue.id, "Mette")
    return config, issue.id
