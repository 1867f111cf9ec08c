"""Issue 8, §2: links and image URLs are stored exactly as the partner wrote them.

Every parser (feedparser, lxml's XML and HTML parsers, JSON) already decodes entities once;
a second ``html.unescape`` turned ``?id=1&region=syd`` into ``?id=1®ion=syd`` and dropped
``?a=1&amp=1&lt=2`` as a "<" URL. Property test over every HTML entity name
(``html.entities.html5``): query strings ``name=N`` and ``name;=N`` for all 2,125 names, in
RSS, Atom, JSON Feed, HTML pages (attributes written escaped, and written with a bare "&" the
way many CMSs do) and news sitemaps, served on 127.0.0.1 and collected for real. The stored
link (and image URL) is the feed's link: the tracking-parameter removal leaves these alone.

One exception, feedparser's and kept on purpose: in the text of an RSS ``<link>`` element,
``&name;`` becomes ``&name`` (and ``&amp;`` becomes ``&``), because feeds that escape their
links twice (``&amp;amp;``) are common and URLs with a literal ``&copy;`` in them are not.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from html.entities import html5
from typing import Any
from xml.sax.saxutils import escape as xml_escape

import lxml.html

from newsletter.collect import collect
from newsletter.collect.clean import TRACKING_PARAMS, TRACKING_PREFIXES, strip_tracking
from newsletter.collect.markup import unescape_attribute
from newsletter.config import Config
from newsletter.db import Database
from tests.collect.helpers import S, stored_items

NAMES = sorted({name.rstrip(";") for name in html5})
CHUNK = 100
WHEN = datetime.now(UTC) - timedelta(hours=3)


def _queries(semicolon: bool) -> list[str]:
    end = ";" if semicolon else ""
    return ["a=1&" + "&".join(f"{name}{end}={n}" for n, name in enumerate(NAMES[i:i + CHUNK]))
            for i in range(0, len(NAMES), CHUNK)]


def _cases(kind: str, semicolons: bool = True) -> list[tuple[str, str, str]]:
    """(title, link, image) per item; the path names the kind so no two sources share a URL."""
    queries = _queries(False) + (_queries(True) if semicolons else [])
    return [(f"Nyhed {kind} nummer {n}", f"https://{kind}.example.dk/nyheder/{n}?{q}",
             f"https://{kind}.example.dk/billeder/{n}.png?{q}") for n, q in enumerate(queries)]


def _rss(cases: list[tuple[str, str, str]]) -> str:
    items = "".join(
        f"<item><title>{title}</title><link>{xml_escape(link)}</link><guid>{xml_escape(link)}</guid>"
        f"<description>Resumé af {title}.</description>"
        f'<enclosure url="{xml_escape(image, {chr(34): "&quot;"})}" type="image/png" length="1"/>'
        f"<pubDate>{format_datetime(WHEN)}</pubDate></item>" for title, link, image in cases)
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>R</title>{items}</channel></rss>'


def _rss_with_markup(cases: list[tuple[str, str, str]]) -> str:
    """Image only inside the description's HTML (read by the <img> finder), and a link in the
    summary: both escaped once in the HTML, and the HTML escaped again as XML text."""
    items = "".join(
        f"<item><title>{title}</title><link>{xml_escape(link)}</link>"
        f"<description>{xml_escape(f'<p>Se <a href={chr(34)}{escape(link)}{chr(34)}>mere</a></p><img src={chr(34)}{escape(image)}{chr(34)} alt=x>')}</description>"
        f"<pubDate>{format_datetime(WHEN)}</pubDate></item>" for title, link, image in cases)
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>R</title>{items}</channel></rss>'


def _atom(cases: list[tuple[str, str, str]]) -> str:
    entries = "".join(
        f'<entry><title>{title}</title><link rel="alternate" href="{escape(link)}"/><id>{escape(link)}</id>'
        f'<updated>{WHEN.isoformat()}</updated><summary>Resumé af {title}.</summary>'
        f'<link rel="enclosure" type="image/png" href="{escape(image)}"/></entry>' for title, link, image in cases)
    return (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>'
            f'<id>urn:a</id><updated>{WHEN.isoformat()}</updated>{entries}</feed>')


def _jsonfeed(cases: list[tuple[str, str, str]]) -> str:
    return json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": [
        {"id": link, "url": link, "title": title, "content_text": f"Resumé af {title}.", "image": image,
         "date_published": WHEN.isoformat()} for title, link, image in cases]})


def _page(cases: list[tuple[str, str, str]], raw: bool) -> str:
    attr = (lambda v: v) if raw else (lambda v: escape(v))
    cards = "".join(f'<article><h2><a href="{attr(link)}">{title}</a></h2><img src="{attr(image)}" alt="">'
                    f"<p>Resumé af {title}.</p></article>" for title, link, image in cases)
    return f"<!doctype html><html><head><meta charset='utf-8'><title>P</title></head><body>{cards}</body></html>"


def _sitemap(cases: list[tuple[str, str, str]]) -> str:
    urls = "".join(
        f"<url><loc>{xml_escape(link)}</loc><news:news><news:publication><news:name>S</news:name>"
        f"<news:language>da</news:language></news:publication>"
        f"<news:publication_date>{WHEN.isoformat()}</news:publication_date><news:title>{title}</news:title>"
        f"</news:news><image:image><image:loc>{xml_escape(image)}</image:loc></image:image></url>"
        for title, link, image in cases)
    return ('<?xml version="1.0" encoding="utf-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9" '
            f'xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">{urls}</urlset>')


def _rss_link(link: str) -> str:
    """What feedparser keeps of an RSS <link> element's text (see the module docstring)."""
    return re.sub("&([A-Za-z0-9_]+);", r"&\g<1>", link.replace("&amp;", "&"))


SELECTORS = 'selectors:\n  item: "article"\n  title: "h2"\n  link: "h2 a"\n  image: "img"'


def test_no_entity_name_is_a_tracking_parameter() -> None:
    """Else the expected link below would legitimately lose a parameter."""
    assert not [n for n in NAMES if n.lower() in TRACKING_PARAMS or n.lower().startswith(TRACKING_PREFIXES)]
    assert len(NAMES) == 2125


def test_every_kind_stores_links_and_images_as_written(db: Database, http_server: Any,
                                                       sources_config: Callable[..., Config]) -> None:
    cases = {
        "rss": _cases("rss"), "markup": _cases("markup"), "atom": _cases("atom"), "json": _cases("json"),
        "html": _cases("html"), "rawhtml": _cases("rawhtml", semicolons=False), "sitemap": _cases("sitemap"),
    }
    served = {
        "rss": (_rss(cases["rss"]), "application/rss+xml", "feed", ""),
        "markup": (_rss_with_markup(cases["markup"]), "application/rss+xml", "feed", ""),
        "atom": (_atom(cases["atom"]), "application/atom+xml", "feed", ""),
        "json": (_jsonfeed(cases["json"]), "application/feed+json", "jsonfeed", ""),
        "html": (_page(cases["html"], raw=False), "text/html; charset=utf-8", "html", SELECTORS),
        "rawhtml": (_page(cases["rawhtml"], raw=True), "text/html; charset=utf-8", "html", SELECTORS),
        "sitemap": (_sitemap(cases["sitemap"]), "application/xml", "sitemap", ""),
    }
    entries = [S(key, http_server.add(f"/{key}", body, content_type=ctype), kind, extra=extra)
               for key, (body, ctype, kind, extra) in served.items()]
    config = sources_config(*entries)
    report = collect(db, config)
    assert report.failed == 0, [s.error for s in report.sources]

    for key, expected in cases.items():
        stored = {row.title: row for row in stored_items(db, key)}
        assert len(stored) == len(expected), (key, len(stored))
        for title, link, image in expected:
            row = stored[title]
            assert link == strip_tracking(link)
            assert row.url == (_rss_link(link) if key in ("rss", "markup") else link), (key, title)
            assert row.image_url == image, (key, title)
            if key == "markup":  # the summary's own link, still one level of HTML escaping
                href = lxml.html.fragment_fromstring(row.summary_html, create_parent="div").find(".//a").get("href")
                assert href == link, (key, title)


def test_the_issue_examples(db: Database, http_server: Any, sources_config: Callable[..., Config]) -> None:
    links = ["https://x.dk/n?id=1&region=syd", "https://x.dk/n?a=1&amp=1&lt=2", "https://x.dk/n?s=1&sect=2&copy=3",
             "https://x.dk/n?p=1&not=1&para=2&times=3&reg=4"]
    cases = [(f"Eksempel {n}", link, link.replace("/n?", "/i.png?")) for n, link in enumerate(links)]
    url = http_server.add("/eks", _rss(cases), content_type="application/rss+xml")
    collect(db, sources_config(S("eks", url)))
    assert sorted(row.url for row in stored_items(db, "eks")) == sorted(links)


def test_attribute_decoding_agrees_with_the_html_parser() -> None:
    """``markup.images`` reads <img> tags with a regex and decodes the attribute itself: it must
    decode as libxml2's HTML parser (the html kind) does, for every entity name, with and
    without ";", followed by "=", a letter, or the end."""
    for name in NAMES:
        for value in (f"?a=1&{name}=2", f"?a=1&{name};=2", f"?a=1&{name}x", f"?a=1&{name}", f"?a&{name};"):
            parsed = lxml.html.fragment_fromstring(f'<a href="{value}">x</a>').get("href")
            assert unescape_attribute(value) == parsed, (value, parsed)
