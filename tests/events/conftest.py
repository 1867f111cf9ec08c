"""Fixtures for the event tests (issue 12): the partners' calendars and event pages served by
the local test server, a config that reads them, and the W50 issue made from them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from newsletter.config import Config
from newsletter.db import Database

DATA = Path(__file__).resolve().parent.parent / "data" / "ical"

# Collect on Tuesday 1 December 2026; the W50 draft is made the same morning, and the issue is
# planned for Thursday 10 December at 08:00 Danish time (07:00 UTC).
COLLECT_AT = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
DRAFT_AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
SEND_AT = datetime(2026, 12, 10, 7, 0, tzinfo=UTC)
ICS = "text/calendar; charset=utf-8"

# The same export morning as Business Kolding's calendar, told by Business Fredericia on a page.
FREDERICIA_PAGE = """<!doctype html><html lang="da"><head><meta charset="utf-8">
<title>Eksportmorgen om Tyskland · Business Fredericia</title>
<script type="application/ld+json">{"@context": "https://schema.org", "@type": "Event",
 "name": "Eksportmorgen – nye markeder i Tyskland", "startDate": "2026-12-11T09:00:00+01:00",
 "endDate": "2026-12-11T12:00:00+01:00", "location": "Business Kolding, Kolding Åpark 1",
 "description": "Vi deler Business Koldings invitation: tre virksomheder fortæller om eksport."}
</script></head><body><h1>Eksportmorgen</h1></body></html>"""

CONFIG = """\
brand:
  sender_email: nyhedsbrev@trekantomraadet.dk
  contact_email: info@trekantomraadet.dk
  postal_address: "Trekantområdet Danmark, Kolding Åpark 1, 6000 Kolding"
  cvr: "12345678"
collect:
  deadline: 5
  connect_timeout: 2
  read_timeout: 2
  max_bytes: {max_bytes}
sections:
  - key: partnere
    title: Nyt fra partnerne
    max_items: 10
  - key: arrangementer
    title: Arrangementer
    max_items: 12
newsletters:
  - key: ugebrev
    name: Nyt fra Danmarks Produktionscentrum
    sections: [partnere, arrangementer]
    send_day: "thu 08:00"
    events_weeks_ahead: 8
    max_per_partner: 6
    max_items: 30
partners:
  - key: business-kolding
    name: Business Kolding
    sources:
      - key: bk-kalender
        kind: ical
        url: {base}/kolding/kalender.ics
  - key: dima
    name: DIMA
    sources:
      - key: dima-kurser
        kind: ical
        url: {base}/dima/kurser.ics
  - key: udviklingvejen
    name: UdviklingVejen
    sources:
      - key: uv-morgenmoeder
        kind: ical
        url: {base}/vejle/morgenmoeder.ics
      - key: uv-sider
        kind: sitemap
        url: {base}/sitemap.xml
  - key: business-fredericia
    name: Business Fredericia
    sources:
      - key: bf-arrangementer
        kind: html
        url: {base}/fredericia/arrangementer
        selectors:
          item: li.event
          title: h3
          link: h3 a
          starts: .when
          ends: .end
          place: .where
          summary: .teaser
      - key: bf-side
        kind: sitemap
        url: {base}/fredericia/sitemap.xml
"""


def sitemap(base: str, *paths: str) -> str:
    urls = "".join(f"<url><loc>{base}{p}</loc><lastmod>2026-11-25</lastmod></url>" for p in paths)
    return f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'


def conditional(body: bytes, etag: str) -> Callable[[BaseHTTPRequestHandler], None]:
    """A calendar with an ETag that answers 304 to a matching If-None-Match."""

    def handle(request: BaseHTTPRequestHandler) -> None:
        if request.headers.get("If-None-Match") == etag:
            request.send_response(304)
            request.send_header("ETag", etag)
            request.send_header("Content-Length", "0")
            request.end_headers()
            return
        request.send_response(200)
        for name, value in (("Content-Type", ICS), ("ETag", etag), ("Content-Length", str(len(body)))):
            request.send_header(name, value)
        request.end_headers()
        request.wfile.write(body)

    return handle


@dataclass
class Network:
    config: Config
    base: str


@pytest.fixture
def network(http_server, make_config) -> Network:  # type: ignore[no-untyped-def]
    """Every partner source of the tests on the local server, and the config that reads them."""
    base = http_server.base_url
    http_server.add("/kolding/kalender.ics", handler=conditional((DATA / "partner-calendar.ics").read_bytes(), '"v1"'))
    http_server.add("/dima/kurser.ics", (DATA / "google-export.ics").read_bytes(), content_type=ICS)
    http_server.add("/vejle/morgenmoeder.ics", (DATA / "recurring.ics").read_bytes(), content_type=ICS)
    http_server.add("/sitemap.xml", sitemap(base, "/arrangementer/industriens-dag", "/arrangementer",
                                            "/netvaerk"), content_type="application/xml")
    http_server.add("/arrangementer/industriens-dag", (DATA / "jsonld-one-event.html").read_bytes(),
                    content_type="text/html; charset=utf-8")
    http_server.add("/arrangementer", (DATA / "jsonld-several-events.html").read_bytes(),
                    content_type="text/html; charset=utf-8")
    http_server.add("/netvaerk", (DATA / "jsonld-invalid.html").read_bytes(), content_type="text/html; charset=utf-8")
    http_server.add("/fredericia/arrangementer", (DATA / "events-list.html").read_bytes(),
                    content_type="text/html; charset=utf-8")
    http_server.add("/fredericia/sitemap.xml", sitemap(base, "/fredericia/eksportmorgen"),
                    content_type="application/xml")
    http_server.add("/fredericia/eksportmorgen", FREDERICIA_PAGE, content_type="text/html; charset=utf-8")
    config = make_config(CONFIG.format(base=base, max_bytes=200_000))
    return Network(config, base)


@pytest.fixture
def w50(db: Database, network: Network) -> int:
    """Collect everything, then draft the W50 issue; returns its id."""
    from newsletter.collect import collect
    from newsletter.compose import compose

    report = collect(db, network.config, now=COLLECT_AT)
    assert report.failed == 0, [(s.key, s.error) for s in report.sources if s.error]
    return compose(db, network.config, "ugebrev", "2026-W50", now=DRAFT_AT).id
