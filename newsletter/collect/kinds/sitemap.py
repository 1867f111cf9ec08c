"""Sitemaps: a ``urlset`` (with ``lastmod``), a Google News sitemap (``news:title``,
``news:publication_date``) or a ``sitemapindex``.

An entry without a title carries ``needs_page=True``: collect fetches that page and reads its
metadata (``pagemeta.entry_from_page``). A sitemap index is not followed: it raises a
ParseError that lists its child sitemaps, so the source can point at the right one.
Entries come newest first, so ``max_items`` keeps the newest pages of a large sitemap.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Mapping
from datetime import UTC, datetime

import lxml.etree

from newsletter.collect.dates import parse_date
from newsletter.collect.markup import resolve, xml_parser
from newsletter.config import Selectors
from newsletter.errors import ParseError
from newsletter.models import Entry, Parsed

MAX_UNZIPPED = 50_000_000  # the sitemap protocol's own limit is 50 MB uncompressed
_OLDEST = datetime(1970, 1, 1, tzinfo=UTC)


class SitemapKind:
    name = "sitemap"

    def parse(
        self,
        body: bytes,
        headers: Mapping[str, str],
        url: str,
        selectors: Selectors | None = None,
        *,
        now: datetime | None = None,
    ) -> Parsed:
        return parse_sitemap(body, url)


def parse_sitemap(body: bytes, url: str) -> Parsed:
    root = _root(body, url)
    name = _local(root.tag)
    if name == "sitemapindex":
        children = child_sitemaps(body, url)
        listed = ", ".join(children[:10]) + (f" and {len(children) - 10} more" if len(children) > 10 else "")
        raise ParseError(
            url,
            f"this is a sitemap index with {len(children)} child sitemaps, which are not followed: "
            f"{listed or 'none'}. Put the child sitemap with the news pages (often a news or post "
            "sitemap) in feeds.yaml instead.",
        )
    if name != "urlset":
        raise ParseError(url, f"not a sitemap: the root element is <{name}>, expected <urlset> or <sitemapindex>")
    entries = [_entry(node, url) for node in root if _local(node.tag) == "url"]
    kept = [e for e in entries if e is not None]
    warnings = []
    if len(kept) < len(entries):
        warnings.append(f"{len(entries) - len(kept)} <url> elements without a <loc> skipped")
    kept.sort(key=lambda e: e.published or _OLDEST, reverse=True)
    return Parsed(entries=tuple(kept), warnings=tuple(warnings))


def child_sitemaps(body: bytes, url: str) -> list[str]:
    """The <loc> of every <sitemap> in a sitemap index, resolved against its URL."""
    root = _root(body, url)
    found = []
    for node in root:
        if _local(node.tag) == "sitemap":
            loc = resolve(url, _child_text(node, "loc"))
            if loc:
                found.append(loc)
    return found


def _root(body: bytes, url: str) -> lxml.etree._Element:
    body = _gunzip(body, url)
    if not body.strip():
        raise ParseError(url, "the response was empty; check the URL in a browser")
    parser = xml_parser()
    try:
        root = lxml.etree.fromstring(body, parser=parser)
    except lxml.etree.XMLSyntaxError as e:
        hint = " (it looks like an HTML page)" if b"<html" in body[:1024].lower() else ""
        raise ParseError(url, f"not valid sitemap XML{hint}: {e}") from e
    if root is None:
        raise ParseError(url, "not valid sitemap XML: no root element")
    return root


def _gunzip(body: bytes, url: str) -> bytes:
    if not body.startswith(b"\x1f\x8b"):
        return body
    try:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        out = inflater.decompress(body, MAX_UNZIPPED + 1)
    except (zlib.error, gzip.BadGzipFile) as e:
        raise ParseError(url, f"a gzip-compressed sitemap that cannot be decompressed: {e}") from e
    if len(out) > MAX_UNZIPPED:
        raise ParseError(url, "the decompressed sitemap is larger than 50 MB, the sitemap protocol's limit")
    return out


def _local(tag: object) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1].lower()


def _child(node: lxml.etree._Element, name: str) -> lxml.etree._Element | None:
    for child in node:
        if _local(child.tag) == name:
            return child
    return None


def _child_text(node: lxml.etree._Element | None, name: str) -> str | None:
    if node is None:
        return None
    child = _child(node, name)
    if child is None:
        return None
    text = "".join(child.itertext()).strip()
    return text or None


def _entry(node: lxml.etree._Element, url: str) -> Entry | None:
    loc = resolve(url, _child_text(node, "loc"))
    if not loc:
        return None
    news = _child(node, "news")
    title = _child_text(news, "title")
    published = parse_date(_child_text(news, "publication_date")) or parse_date(_child_text(node, "lastmod"))
    image = _child(node, "image")
    return Entry(
        guid=loc,
        url=loc,
        title=title,
        image_url=resolve(url, _child_text(image, "loc")),
        image_alt=_child_text(image, "caption") or _child_text(image, "title"),
        published=published,
        needs_page=title is None,
    )
