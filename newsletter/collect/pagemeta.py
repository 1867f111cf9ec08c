"""What a web page says about itself: OpenGraph, Twitter card, <title>, meta description,
<link rel=canonical>, article:published_time and JSON-LD (News)Article.

Used for pages a sitemap only names, and for hand-curated items ("paste a URL").
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import lxml.html

from newsletter.collect.dates import parse_date
from newsletter.collect.markup import document_base, is_http_url, parse_html, resolve
from newsletter.models import Entry

ARTICLE_TYPES = {"newsarticle", "article", "blogposting", "reportagenewsarticle", "pressrelease",
                 "analysisnewsarticle", "event", "webpage"}


@dataclass(frozen=True)
class PageMeta:
    title: str | None = None
    description: str | None = None
    image_url: str | None = None
    image_alt: str | None = None
    canonical_url: str | None = None
    published: datetime | None = None
    site_name: str | None = None
    language: str | None = None


def read_page_meta(body: bytes, url: str, headers: Mapping[str, str] | None = None) -> PageMeta:
    root = parse_html(body, headers)
    base = document_base(root, url)
    meta = _meta_tags(root)
    article = _json_ld_article(root)

    def first(*keys: str) -> str | None:
        for key in keys:
            value = meta.get(key)
            if value:
                return value
        return None

    title = first("og:title", "twitter:title") or _ld_text(article, "headline", "name") or _title_tag(root)
    image = first("og:image:secure_url", "og:image", "og:image:url", "twitter:image", "twitter:image:src")
    image = image or _ld_image(article) or _link_href(root, "image_src")
    canonical = resolve(base, _link_href(root, "canonical")) or resolve(base, first("og:url"))
    published_text = (
        first("article:published_time", "og:article:published_time", "datepublished",
              "date", "dc.date", "dc.date.issued", "dcterms.created", "pubdate", "publishdate")
        or _ld_text(article, "datePublished", "startDate")
        or _first_time(root)
    )
    image_url = resolve(base, image)
    return PageMeta(
        title=title,
        description=first("og:description", "twitter:description", "description")
        or _ld_text(article, "description"),
        image_url=image_url if is_http_url(image_url) else None,
        image_alt=first("og:image:alt", "twitter:image:alt") if image_url else None,
        canonical_url=canonical if is_http_url(canonical) else None,
        published=parse_date(published_text),
        site_name=first("og:site_name", "application-name") or _ld_publisher(article),
        language=_language(root, first("og:locale")),
    )


def entry_from_meta(meta: PageMeta, url: str) -> Entry:
    link = meta.canonical_url or url
    return Entry(
        guid=link,
        url=link,
        title=meta.title,
        summary_html=f"<p>{html.escape(meta.description, quote=False)}</p>" if meta.description else None,
        image_url=meta.image_url,
        image_alt=meta.image_alt,
        published=meta.published,
    )


def entry_from_page(body: bytes, headers: Mapping[str, str], url: str, entry: Entry | None = None) -> Entry:
    """A sitemap entry completed from its page: the page's metadata first, the sitemap's
    title, date and image where the page has none."""
    found = entry_from_meta(read_page_meta(body, url, headers), url)
    if entry is None:
        return found
    return replace(
        found,
        title=found.title or entry.title,
        published=found.published or entry.published,
        image_url=found.image_url or entry.image_url,
        image_alt=found.image_alt if found.image_url else entry.image_alt,
        needs_page=False,
    )


# --- readers ---------------------------------------------------------------------------------

def _meta_tags(root: lxml.html.HtmlElement) -> dict[str, str]:
    """<meta property|name|itemprop=... content=...>, keys lower-cased, first one wins."""
    found: dict[str, str] = {}
    for tag in root.iter("meta"):
        key = tag.get("property") or tag.get("name") or tag.get("itemprop")
        value = " ".join((tag.get("content") or "").split())
        if key and value:
            found.setdefault(key.strip().lower(), value)
    return found


def _title_tag(root: lxml.html.HtmlElement) -> str | None:
    for tag in root.iter("title"):
        text = " ".join(tag.text_content().split())
        if text:
            return text
    for tag in root.iter("h1"):
        text = " ".join(tag.text_content().split())
        if text:
            return text
    return None


def _link_href(root: lxml.html.HtmlElement, rel: str) -> str | None:
    for link in root.iter("link"):
        if rel in (link.get("rel") or "").lower().split() and link.get("href"):
            return link.get("href")
    return None


def _first_time(root: lxml.html.HtmlElement) -> str | None:
    for scope in (root.iter("article"), [root]):
        for element in scope:
            for time_el in element.iter("time"):
                if time_el.get("datetime"):
                    return time_el.get("datetime")
    return None


def _language(root: lxml.html.HtmlElement, locale: str | None) -> str | None:
    raw = root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang") or locale
    if not raw:
        return None
    return raw.replace("_", "-").split("-")[0].strip().lower() or None


def _json_ld_article(root: lxml.html.HtmlElement) -> dict[str, Any] | None:
    for script in root.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        try:
            data = json.loads(script.text or "")
        except (ValueError, RecursionError):
            continue
        for node in _ld_nodes(data):
            types = node.get("@type")
            names = {t.lower() for t in (types if isinstance(types, list) else [types]) if isinstance(t, str)}
            if names & (ARTICLE_TYPES - {"webpage"}):
                return node
    return None


def _ld_nodes(data: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    if depth > 4:
        return
    if isinstance(data, list):
        for item in data:
            yield from _ld_nodes(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        if "@graph" in data:
            yield from _ld_nodes(data["@graph"], depth + 1)


def _ld_text(article: dict[str, Any] | None, *keys: str) -> str | None:
    if not article:
        return None
    for key in keys:
        value = article.get(key)
        if isinstance(value, str) and value.strip():
            return " ".join(value.split())
    return None


def _ld_image(article: dict[str, Any] | None) -> str | None:
    if not article:
        return None
    image = article.get("image")
    if isinstance(image, list):
        image = image[0] if image else None
    if isinstance(image, dict):
        image = image.get("url") or image.get("contentUrl")
    return image if isinstance(image, str) and image.strip() else None


def _ld_publisher(article: dict[str, Any] | None) -> str | None:
    publisher = article.get("publisher") if article else None
    if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
        return publisher["name"].strip() or None
    return None
