"""Feed autodiscovery from a page, and the usual feed locations of a site."""

from __future__ import annotations

from newsletter.collect.discover import (
    DiscoveredFeed,
    candidate_urls,
    find_feeds,
    kind_for_document,
)

PAGE = b"""<!doctype html><html><head>
<base href="https://www.businesskolding.dk/da/">
<link rel="alternate" type="application/rss+xml" title="Business Kolding &raquo; Feed" href="/feed/">
<link rel="alternate" type="application/rss+xml" title="Kommentarer" href="/comments/feed/">
<link rel="alternate" type="application/atom+xml" href="nyheder.atom">
<link rel="alternate" type="application/feed+json" title="JSON" href="https://www.businesskolding.dk/feed.json">
<link rel="alternate" type="application/rss+xml" title="Dublet" href="/feed/">
<link rel="alternate" hreflang="en" href="/en/">
<link rel="stylesheet" href="/style.css">
<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
<link rel="alternate" type="application/rss+xml" href="">
<link rel="alternate stylesheet" type="text/xml" href="/x.xsl">
</head><body><a href="/feed/">RSS</a></body></html>"""


def test_find_feeds_resolves_titles_kinds_and_dedupes():
    assert find_feeds(PAGE, "https://www.businesskolding.dk/") == [
        DiscoveredFeed("https://www.businesskolding.dk/feed/", "feed", "Business Kolding » Feed", "application/rss+xml"),
        DiscoveredFeed("https://www.businesskolding.dk/comments/feed/", "feed", "Kommentarer", "application/rss+xml"),
        DiscoveredFeed("https://www.businesskolding.dk/da/nyheder.atom", "feed", "", "application/atom+xml"),
        DiscoveredFeed("https://www.businesskolding.dk/feed.json", "jsonfeed", "JSON", "application/feed+json"),
    ]


def test_find_feeds_on_a_page_without_feeds_or_garbage():
    assert find_feeds(b"<html><head><title>x</title></head></html>", "https://e.dk/") == []
    assert find_feeds(b"", "https://e.dk/") == []
    assert find_feeds(b"\xff\xfe\x00garbage", "https://e.dk/") == []


def test_candidate_urls_for_a_site_root():
    urls = candidate_urls("https://www.Billund-Erhverv.dk")
    assert urls[:4] == ["https://www.billund-erhverv.dk/feed/", "https://www.billund-erhverv.dk/rss",
                        "https://www.billund-erhverv.dk/rss.xml", "https://www.billund-erhverv.dk/feed"]
    for path in ("/atom.xml", "/feed.xml", "/index.xml", "/feed.json", "/sitemap.xml"):
        assert f"https://www.billund-erhverv.dk{path}" in urls
    assert len(urls) == len(set(urls))


def test_candidate_urls_for_a_news_path_and_a_bare_host():
    urls = candidate_urls("https://e.dk/nyheder/")
    assert urls[0] == "https://e.dk/nyheder/feed/"
    assert "https://e.dk/feed/" in urls
    assert candidate_urls("businessvejle.dk")[0] == "https://businessvejle.dk/feed/"


def test_kind_for_document():
    assert kind_for_document(b'<?xml version="1.0"?><rss version="2.0">') == "feed"
    assert kind_for_document(b'<feed xmlns="http://www.w3.org/2005/Atom">') == "feed"
    assert kind_for_document(b'{"version": "https://jsonfeed.org/version/1.1"}') == "jsonfeed"
    assert kind_for_document(b'<urlset xmlns="...">') == "sitemap"
    assert kind_for_document(b"<!doctype html><html>") is None
