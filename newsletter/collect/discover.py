"""Feed autodiscovery: the feeds a page advertises, and the usual places sites put them.

The CLI fetches; these functions only read bytes and build URLs, so they stay pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from newsletter.collect.markup import document_base, is_http_url, parse_html, resolve

# MIME type advertised in <link rel="alternate" type=...> -> feeds.yaml kind
FEED_TYPES: dict[str, str] = {
    "application/rss+xml": "feed",
    "application/atom+xml": "feed",
    "application/rdf+xml": "feed",
    "application/xml": "feed",
    "text/xml": "feed",
    "application/feed+json": "jsonfeed",
    "application/json": "jsonfeed",
    "text/calendar": "ical",  # a site's event calendar (issue 12)
}

# tried in this order; WordPress's /feed/ first because most Danish business-office sites run it
CANDIDATE_PATHS = (
    "/feed/",
    "/rss",
    "/rss.xml",
    "/feed",
    "/atom.xml",
    "/feed.xml",
    "/index.xml",
    "/feed.json",
    "/nyheder/feed/",
    "/news/feed/",
    "/sitemap_news.xml",
    "/news-sitemap.xml",
    "/sitemap.xml",
)


@dataclass(frozen=True)
class DiscoveredFeed:
    url: str
    kind: str  # feeds.yaml kind: feed or jsonfeed
    title: str = ""
    type: str = ""


def find_feeds(html: bytes, page_url: str) -> list[DiscoveredFeed]:
    """Feeds advertised with <link rel="alternate" type="application/rss+xml" ...>, in page order."""
    root = parse_html(html)
    base = document_base(root, page_url)
    found: list[DiscoveredFeed] = []
    seen: set[str] = set()
    for link in root.iter("link"):
        rels = (link.get("rel") or "").lower().split()
        mime = (link.get("type") or "").split(";")[0].strip().lower()
        if "alternate" not in rels or mime not in FEED_TYPES:
            continue
        if "stylesheet" in rels:
            continue
        url = resolve(base, link.get("href"))
        if not url or url in seen or not _fetchable(url):
            continue
        seen.add(url)
        title = " ".join((link.get("title") or "").split())
        found.append(DiscoveredFeed(url=url, kind=FEED_TYPES[mime], title=title, type=mime))
    return found


def _fetchable(url: str) -> bool:
    return is_http_url(url) or url.startswith("file:")


def candidate_urls(site_url: str) -> list[str]:
    """Common feed locations for a site, to try when its pages advertise none.

    A site URL with a path ("https://x.dk/nyheder") also gets the feed paths below that path.
    """
    if "://" not in site_url:
        site_url = "https://" + site_url
    parts = urlsplit(site_url.strip())
    scheme = parts.scheme.lower()
    host = parts.netloc.lower()
    prefixes = [""]
    path = parts.path.rstrip("/")
    if path:
        prefixes.insert(0, path)
    urls: list[str] = []
    for prefix in prefixes:
        for candidate in CANDIDATE_PATHS:
            if prefix and "sitemap" in candidate:
                continue
            url = urlunsplit((scheme, host, prefix + candidate, "", ""))
            if url not in urls:
                urls.append(url)
    return urls


def kind_for_document(body: bytes) -> str | None:
    """Guess the feeds.yaml kind of a fetched candidate from its first bytes (None: not a feed)."""
    head = body[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"{") and b"jsonfeed.org/version" in body[:8192].lower():
        return "jsonfeed"
    if b"<urlset" in head or b"<sitemapindex" in head:
        return "sitemap"
    if b"<rss" in head or b"<feed" in head or b"<rdf:rdf" in head:
        return "feed"
    if head.startswith(b"begin:vcalendar"):
        return "ical"
    return None
