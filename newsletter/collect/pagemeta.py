"""What a web page says about itself: OpenGraph, Twitter card, <title>, meta description,
<link rel=canonical>, article:published_time, JSON-LD (News)Article and schema.org ``Event``
(issue 12: start, end, place, sign-up link; one item per event when a page lists several).

Used for pages a sitemap only names, html sources' item pages (``selectors.event_pages``),
and hand-curated items ("paste a URL").
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import lxml.html

from newsletter.collect.dates import parse_date
from newsletter.collect.markup import document_base, is_http_url, parse_html, resolve
from newsletter.events import EventInfo
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
    events: tuple[PageEvent, ...] = ()


@dataclass(frozen=True)
class PageEvent:
    """One schema.org Event of a page (times aware; not yet cleaned)."""

    info: EventInfo
    name: str | None = None
    description: str | None = None
    url: str | None = None
    image_url: str | None = None


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
        events=tuple(_json_ld_events(root, base)),
    )


def _paragraph(text: str | None) -> str | None:
    return f"<p>{html.escape(text, quote=False)}</p>" if text else None


def entry_from_meta(meta: PageMeta, url: str) -> Entry:
    """The page as one item; when the page describes an event, the (first) event's facts."""
    link = meta.canonical_url or url
    event = meta.events[0].info if meta.events else None
    return Entry(
        guid=link,
        url=link,
        title=meta.title,
        summary_html=_paragraph(meta.description),
        image_url=meta.image_url,
        image_alt=meta.image_alt,
        published=meta.published,
        event=event,
    )


def entries_from_meta(meta: PageMeta, url: str) -> list[Entry]:
    """One item per event when a page lists several (a partner's calendar page), else one."""
    if len(meta.events) < 2:
        return [entry_from_meta(meta, url)]
    page = meta.canonical_url or url
    found = []
    for n, event in enumerate(meta.events):
        # an event without a page of its own keeps the listing page, told apart by a fragment
        link = event.url if event.url and event.url.split("#")[0] != page else \
            f"{page}#event-{n + 1}-{event.info.starts_at:%Y%m%d}"
        found.append(Entry(guid=link, url=link, title=event.name or meta.title,
                           summary_html=_paragraph(event.description),
                           image_url=event.image_url or meta.image_url,
                           image_alt=None if event.image_url else meta.image_alt,
                           published=meta.published, event=event.info))
    return found


def entry_from_page(body: bytes, headers: Mapping[str, str], url: str, entry: Entry | None = None) -> Entry:
    """A sitemap entry completed from its page: the page's metadata first, the sitemap's
    title, date and image where the page has none."""
    return entries_from_page(body, headers, url, entry)[0]


def entries_from_page(body: bytes, headers: Mapping[str, str], url: str,
                      entry: Entry | None = None) -> list[Entry]:
    """Like ``entry_from_page``; a page with several events gives one entry per event."""
    found = entries_from_meta(read_page_meta(body, url, headers), url)
    if entry is None:
        return found
    if len(found) > 1:
        return found
    one = found[0]
    return [replace(
        one,
        title=one.title or entry.title,
        published=one.published or entry.published,
        image_url=one.image_url or entry.image_url,
        image_alt=one.image_alt if one.image_url else entry.image_alt,
        # an html source's own start/end/place selectors stand when the page has no Event
        event=one.event or entry.event,
        needs_page=False,
    )]


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


def _ld_blocks(root: lxml.html.HtmlElement) -> Iterator[Any]:
    """Every JSON-LD block that parses; invalid JSON is skipped (pages get it wrong often)."""
    for script in root.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        try:
            # strict=False: raw line breaks inside strings are common in CMS output
            yield json.loads(script.text or "", strict=False)
        except (ValueError, RecursionError):
            continue


def _types(node: dict[str, Any]) -> set[str]:
    types = node.get("@type")
    return {t.lower() for t in (types if isinstance(types, list) else [types]) if isinstance(t, str)}


def _json_ld_article(root: lxml.html.HtmlElement) -> dict[str, Any] | None:
    for data in _ld_blocks(root):
        for node in _ld_nodes(data):
            if _types(node) & (ARTICLE_TYPES - {"webpage"}):
                return node
    return None


# --- schema.org Event (issue 12) ---------------------------------------------------------------

MAX_PAGE_EVENTS = 50


def _is_event(node: dict[str, Any]) -> bool:
    # Event and its subtypes (BusinessEvent, EducationEvent, ExhibitionEvent, ...)
    return any(t == "event" or t.endswith("event") for t in _types(node))


def _json_ld_events(root: lxml.html.HtmlElement, base: str) -> list[PageEvent]:
    found: list[PageEvent] = []
    seen: set[tuple[str, str]] = set()
    for data in _ld_blocks(root):
        for node in _ld_nodes(data):
            if not _is_event(node):
                continue
            event = _ld_event(node, base)
            if event is None:
                continue
            key = (event.name or "", event.info.starts_at.isoformat())
            if key not in seen:
                seen.add(key)
                found.append(event)
            if len(found) >= MAX_PAGE_EVENTS:
                return found
    return found


def _ld_event(node: dict[str, Any], base: str) -> PageEvent | None:
    start_text = _ld_text(node, "startDate")
    starts = parse_date(start_text)
    if starts is None or start_text is None:
        return None
    status = str(node.get("eventStatus") or "").lower()
    if status.endswith("eventcancelled") or status.endswith("eventpostponed"):
        return None
    end_text = _ld_text(node, "endDate")
    ends = parse_date(end_text)
    all_day = len(start_text.strip()) <= 10  # "2026-12-03": a date without a time
    if all_day and ends is not None and end_text and len(end_text.strip()) <= 10:
        ends = ends + timedelta(days=1)  # schema.org's endDate is the last day; ours is exclusive
    url = resolve(base, _ld_text(node, "url"))
    image = resolve(base, _ld_image(node))
    info = EventInfo(starts_at=starts, ends_at=ends, all_day=all_day, location=_ld_place(node),
                     signup_url=_ld_offer_url(node, base), uid=None)
    return PageEvent(info=info, name=_ld_text(node, "name"), description=_ld_text(node, "description"),
                     url=url if is_http_url(url) else None,
                     image_url=image if is_http_url(image) else None)


def _ld_place(node: dict[str, Any]) -> str | None:
    location = node.get("location")
    if isinstance(location, list):
        location = location[0] if location else None
    if isinstance(location, str):
        return " ".join(location.split()) or None
    if not isinstance(location, dict):
        return None
    if "virtuallocation" in _types(location):
        return "Online"
    parts = [_ld_text(location, "name")]
    address = location.get("address")
    if isinstance(address, str):
        parts.append(" ".join(address.split()))
    elif isinstance(address, dict):
        street = _ld_text(address, "streetAddress")
        town = " ".join(p for p in (_ld_text(address, "postalCode"), _ld_text(address, "addressLocality")) if p)
        parts += [street, town or None]
    kept: list[str] = []
    for part in parts:
        if part and part not in kept:
            kept.append(part)
    return ", ".join(kept) or None


def _ld_offer_url(node: dict[str, Any], base: str) -> str | None:
    offers = node.get("offers")
    for offer in offers if isinstance(offers, list) else [offers]:
        if isinstance(offer, dict):
            url = resolve(base, _ld_text(offer, "url"))
            if is_http_url(url):
                return url
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
