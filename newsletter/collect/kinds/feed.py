"""RSS 0.9x/1.0 (RDF)/2.0 and Atom, parsed by feedparser from the fetched bytes.

What protects us from entity expansion is feedparser: ``sanitizer.replace_doctype`` removes
every ``<!ENTITY>`` declaration except plain-text ones (no ``&``, so nothing multiplies), its
SAX parser does not load external entities, and a document that then fails strict parsing
goes to the loose parser, which leaves ``&lol9;`` as text; expat >= 2.4 also limits
amplification itself. Billion-laughs and XXE documents are tested (tests/collect/test_kinds.py).
feedparser's own HTML sanitiser and link resolver are switched off: they cost about half of
its parse time, the sanitiser is not enough for us anyway, and ``clean.py`` sanitises every
summary with nh3 and makes links and images absolute against the feed URL. Only content under
an ``xml:base`` that differs from the feed URL is resolved here, where that base is known.
"""

from __future__ import annotations

import calendar
import html
import io
import re
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import feedparser
from feedparser.urls import resolve_relative_uris

from newsletter.collect.dates import parse_date
from newsletter.collect.discover import find_feeds
from newsletter.collect.markup import first_image, header_charset, looks_like_html, lower_headers
from newsletter.config import Selectors
from newsletter.errors import ParseError
from newsletter.models import Entry, Parsed


class FeedKind:
    name = "feed"

    def parse(
        self,
        body: bytes,
        headers: Mapping[str, str],
        url: str,
        selectors: Selectors | None = None,
        *,
        now: datetime | None = None,
    ) -> Parsed:
        return parse_feed(body, headers, url)


def parse_feed(body: bytes, headers: Mapping[str, str], url: str) -> Parsed:
    if not body.strip():
        raise ParseError(url, "the response was empty; check the URL in a browser")
    hdrs = lower_headers(headers)
    response_headers = {
        # a local file or a server without Content-Type: let feedparser sniff the XML prolog
        "content-type": hdrs.get("content-type") or "application/xml",
        "content-location": hdrs.get("content-location") or url,
    }
    for name in ("content-language", "last-modified", "etag"):
        if name in hdrs:
            response_headers[name] = hdrs[name]
    if _utf8_declared_as_single_byte(body, response_headers["content-type"]):
        # valid multi-byte UTF-8 is almost never real windows-1252 text: trust the bytes
        mime = response_headers["content-type"].split(";")[0].strip() or "application/xml"
        response_headers["content-type"] = f"{mime}; charset=utf-8"
    result = feedparser.parse(io.BytesIO(body), response_headers=response_headers,
                              sanitize_html=False, resolve_relative_uris=False)
    entries = result.get("entries") or []
    version = result.get("version") or ""
    bozo = bool(result.get("bozo")) and not _harmless(result.get("bozo_exception"))
    if not entries and (bozo or not version):
        raise _not_a_feed(body, headers, url, result)
    warnings = []
    if not entries:
        # a valid feed the partner has emptied (or not filled yet): say so, do not call it unreadable
        warnings.append(f"the feed has no entries (it is a valid {_VERSIONS.get(version, version)} feed; "
                        "the partner has not published anything in it)")
    if bozo:
        warnings.append(f"the feed is malformed but was read anyway: {_describe(result.get('bozo_exception'))}")
    feed_info = result.get("feed") or {}
    return Parsed(
        entries=tuple(_entry(e, response_headers["content-location"]) for e in entries),
        title=_plain(feed_info.get("title")),
        warnings=tuple(warnings),
    )


_VERSIONS = {"rss090": "RSS 0.90", "rss091n": "RSS 0.91", "rss091u": "RSS 0.91", "rss092": "RSS 0.92",
             "rss093": "RSS 0.93", "rss094": "RSS 0.94", "rss20": "RSS 2.0", "rss10": "RSS 1.0 (RDF)",
             "rss": "RSS", "atom01": "Atom 0.1", "atom02": "Atom 0.2", "atom03": "Atom 0.3",
             "atom10": "Atom 1.0", "atom": "Atom", "cdf": "CDF"}
_SINGLE_BYTE = {"cp1252", "windows-1252", "iso-8859-1", "iso8859-1", "latin-1", "latin1",
                "iso-8859-15", "iso8859-15", "us-ascii", "ascii"}
_PROLOG_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""")


def _utf8_declared_as_single_byte(body: bytes, content_type: str) -> bool:
    declared = header_charset({"content-type": content_type})
    if declared is None:
        match = _PROLOG_ENCODING.match(body[:200])
        declared = match.group(1).decode("ascii").lower() if match else None
    if declared is None or declared.lower() not in _SINGLE_BYTE:
        return False
    if body.isascii():
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _harmless(exc: Any) -> bool:
    # a charset header that disagrees with the XML prolog is corrected by feedparser silently
    return type(exc).__name__ in ("CharacterEncodingOverride", "NonXMLContentType")


def _describe(exc: Any) -> str:
    text = " ".join(str(exc).split()) if exc is not None else "unknown problem"
    return text[:200]


def _not_a_feed(body: bytes, headers: Mapping[str, str], url: str, result: Any) -> ParseError:
    if looks_like_html(body, headers):
        feeds = find_feeds(body, url)
        if feeds:
            listed = "; ".join(f"{f.url} ({f.title or f.type})" for f in feeds[:5])
            return ParseError(
                url,
                f"this is an HTML page, not a feed; the page advertises: {listed}. "
                "Put one of those URLs in feeds.yaml (kind: feed, or kind: jsonfeed for a JSON feed).",
            )
        return ParseError(
            url,
            "this is an HTML page, not a feed, and it advertises no feed. Run "
            "'newsletter sources discover <site>' to try the usual feed locations, or use "
            "kind: html with selectors for the news list.",
        )
    if body.lstrip()[:1] in (b"{", b"["):
        return ParseError(url, "this looks like JSON, not RSS/Atom; if it is a JSON Feed use kind: jsonfeed")
    if result.get("bozo"):
        return ParseError(
            url,
            f"not a readable RSS/Atom feed: {_describe(result.get('bozo_exception'))}. "
            "Open the URL in a browser and check it is the feed, not a page or an error message.",
        )
    return ParseError(url, "no RSS or Atom feed found in the response; check the URL points at the feed")


def _entry(e: Any, document_url: str) -> Entry:
    content = _content_html(e, document_url)
    # feedparser copies the content into ``summary`` when an entry has none (no summary_detail)
    detail = e.get("summary_detail") or next(iter(e.get("content") or []), None) or {}
    summary = _against_base({**detail, "value": e.get("summary")}, document_url)
    image_url, image_alt = _image(e, summary, content)
    return Entry(
        guid=(e.get("id") or None),
        url=_link(e),
        title=e.get("title") or None,
        summary_html=summary,
        content_html=content,
        image_url=image_url,
        image_alt=image_alt,
        published=_published(e),
        author=e.get("author") or None,
    )


def _content_html(e: Any, document_url: str) -> str | None:
    for part in e.get("content") or []:
        value = _against_base(part, document_url)
        if value:
            return value
    return None


def _against_base(detail: Any, document_url: str) -> str | None:
    """The detail's HTML, with relative links resolved when an ``xml:base`` moved its base away
    from the document URL (clean.py resolves against the document URL, which is right otherwise)."""
    if not detail or not detail.get("value"):
        return None
    value = str(detail["value"])
    base = detail.get("base") or ""
    kind = detail.get("type") or "text/html"
    if base and base != document_url and "html" in kind and ("href" in value or "src" in value):
        value = resolve_relative_uris(value, base, "utf-8", kind)
    return value


def _link(e: Any) -> str | None:
    for link in e.get("links") or []:
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return str(link["href"])
    link = e.get("link")
    return str(link) if link else None


def _published(e: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = e.get(key)
        if isinstance(parsed, time.struct_time):
            # feedparser's struct_time is already UTC; timegm keeps it so (mktime would not)
            return datetime.fromtimestamp(calendar.timegm(parsed), UTC)
    # dates feedparser cannot read, such as "man, 23 nov 2026 10:00:00 +0100" or "24. november 2026"
    for key in ("published", "updated", "dc_date", "created"):
        found = parse_date(e.get(key))
        if found is not None:
            return found
    return None


def _image(e: Any, summary: str | None, content: str | None) -> tuple[str | None, str | None]:
    for media in e.get("media_content") or []:
        medium = (media.get("medium") or "").lower()
        mime = (media.get("type") or "").lower()
        if media.get("url") and (medium == "image" or mime.startswith("image/") or (not medium and not mime)):
            return str(media["url"]), None
    for thumb in e.get("media_thumbnail") or []:
        if thumb.get("url"):
            return str(thumb["url"]), None
    for enclosure in e.get("enclosures") or []:
        if (enclosure.get("type") or "").lower().startswith("image/") and enclosure.get("href"):
            return str(enclosure["href"]), None
    for fragment in (content, summary):
        if fragment:
            found = first_image(fragment)
            if found:
                return found
    return None, None


def _plain(value: Any) -> str | None:
    if not value:
        return None
    return " ".join(html.unescape(re.sub(r"<[^>]*>", " ", str(value))).split()) or None
