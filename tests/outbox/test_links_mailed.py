"""Issue 8, §2 to the inbox: a partner's link and image URL reach the reader as written, with
only our UTM parameters appended (the query is never decoded and re-encoded)."""

from __future__ import annotations

from email import message_from_bytes, policy
from typing import Any

import lxml.html

from newsletter.outbox.run import queue_issue, send_due
from newsletter.transports import open_transport
from tests.outbox.conftest import SinkHandler, SMTPServer, add_subscribers
from tests.outbox.pipeline import approved_issue

ITEMS = [  # three: the config caps an issue at 3 items per partner
    ("Havnen i Fredericia vokser", "https://x.dk/n?id=1&region=syd&q=a%20b&r=a+b&t=%C3%A6",
     "Kajen forlænges mod nord.", "https://x.dk/i.png?id=1&region=syd&q=a%20b"),
    ("Skoler i Kolding samarbejder", "https://x.dk/n?a=1&amp=1&lt=2", "Nyt samarbejde om praktik.",
     "https://x.dk/i.png?a=1&amp=1&lt=2"),
    ("Lager i Vejle åbner", "https://x.dk/n?s=1&sect=2&copy=3&not=4&para=5&times=6&reg=7&flag", "Tre hundrede job.",
     "https://x.dk/i.png?s=1&sect=2&copy=3"),
]
UTM = "utm_source=nyhedsbrev&utm_medium=email&utm_campaign="


def test_links_and_images_reach_the_inbox_as_written(db: Any, make_config: Any, http_server: Any) -> None:
    config, issue_id = approved_issue(db, make_config, http_server, items=ITEMS,
                                      extra_yaml="media:\n  hotlink: true\n")  # the partner's own image URLs
    add_subscribers(db, 1)
    with SMTPServer(SinkHandler()) as server:
        transport = open_transport(server.url)
        try:
            queue_issue(db, config, issue_id)
            assert send_due(db, config, transport=transport).sent == 1
        finally:
            transport.close()
        raw = server.handler.deliveries[0].data
    message = message_from_bytes(raw, policy=policy.default)
    page = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    doc = lxml.html.document_fromstring(page.encode("utf-8"))
    for title, link, _, image in ITEMS:
        href = next(a.get("href") for a in doc.iter("a") if title in a.text_content())
        assert href.startswith(link + "&" + UTM), (link, href)
        assert image in [i.get("src") for i in doc.iter("img")], image
        assert link + "&" + UTM in text
