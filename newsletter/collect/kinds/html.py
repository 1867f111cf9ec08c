"""A news-list page read with CSS selectors from feeds.yaml (most partner sites have no feed).

``selectors.item`` finds one element per news item on the page; ``title``, ``link``, ``date``,
``summary`` and ``image`` are looked up inside each item. Dates are read in the Danish forms
of ``newsletter.collect.dates``.

Events (issue 12): ``starts``, ``ends`` and ``place`` make an item an event ("3. december
2026 kl. 9.00-16.00" gives both times; an end that is only a time takes the start's day).
``event_pages: true`` reads each item's page for schema.org Event JSON-LD instead.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from datetime import UTC, datetime, time

import lxml.html
from cssselect import SelectorError

from newsletter.collect.dates import parse_date
from newsletter.collect.markup import document_base, parse_html, resolve, text_of
from newsletter.config import Selectors
from newsletter.errors import ParseError
from newsletter.events import CPH, EventInfo
from newsletter.models import Entry, Parsed

Element = lxml.html.HtmlElement


class HtmlKind:
    name = "html"

    def parse(
        self,
        body: bytes,
        headers: Mapping[str, str],
        url: str,
        selectors: Selectors | None = None,
        *,
        now: datetime | None = None,
    ) -> Parsed:
        if selectors is None:
            raise ParseError(url, "a source of kind 'html' needs 'selectors' in feeds.yaml (at least item and title)")
        return parse_page(body, headers, url, selectors, now or datetime.now(UTC))


def parse_page(body: bytes, headers: Mapping[str, str], url: str, selectors: Selectors, now: datetime) -> Parsed:
    if not body.strip():
        raise ParseError(url, "the response was empty; check the URL in a browser")
    root = parse_html(body, headers)
    base = document_base(root, url)
    items = _select(root, selectors.item, "item", url)
    if not items:
        raise ParseError(
            url,
            f"the item selector {selectors.item!r} matched nothing on the page; open the page, "
            "inspect one news item and update selectors.item in feeds.yaml (the site may have changed)",
        )
    entries: list[Entry] = []
    untitled = 0
    for item in items:
        entry = _entry(item, selectors, base, url, now)
        if entry.title or entry.url:
            entries.append(entry)
        else:
            untitled += 1
    warnings = []
    if untitled:
        warnings.append(
            f"{untitled} of {len(items)} items had neither a title ({selectors.title!r}) "
            f"nor a link ({selectors.link!r})"
        )
    if entries and all(e.published is None for e in entries) and selectors.date:
        warnings.append(f"no item had a readable date with the date selector {selectors.date!r}")
    title = text_of(next(iter(root.iter("title")), None)) or None
    return Parsed(entries=tuple(entries), title=title, warnings=tuple(warnings))


def _select(element: Element, selector: str, name: str, url: str) -> list[Element]:
    try:
        return list(element.cssselect(selector))
    except (SelectorError, SyntaxError) as e:
        raise ParseError(url, f"selectors.{name} {selector!r} is not a valid CSS selector: {e}") from e


def _first(item: Element, selector: str | None, name: str, url: str) -> Element | None:
    if not selector:
        return None
    found = _select(item, selector, name, url)
    return found[0] if found else None


def _entry(item: Element, selectors: Selectors, base: str, url: str, now: datetime) -> Entry:
    title_el = _first(item, selectors.title, "title", url)
    link = _link(item, _first(item, selectors.link, "link", url), title_el, base)
    summary_el = _first(item, selectors.summary, "summary", url)
    image_url, image_alt = _image(_first(item, selectors.image, "image", url), base)
    return Entry(
        guid=link,
        url=link,
        title=text_of(title_el) or None,
        summary_html=_inner_html(summary_el),
        image_url=image_url,
        image_alt=image_alt,
        published=_date(_first(item, selectors.date, "date", url), now),
        event=_event(item, selectors, url, now),
        needs_page=selectors.event_pages and bool(link),
    )


# "kl. 9.00-16.00", "09:00 – 16:00": the second clock is the end
_CLOCK_RANGE = re.compile(r"(?<!\d)([01]?\d|2[0-3])[.:]([0-5]\d)\s*(?:-|–|—|til)\s*([01]?\d|2[0-3])[.:]([0-5]\d)(?!\d)")
_CLOCK_ONLY = re.compile(r"^\s*(?:kl\.?\s*)?([01]?\d|2[0-3])[.:]([0-5]\d)\s*$", re.IGNORECASE)


def _event(item: Element, selectors: Selectors, url: str, now: datetime) -> EventInfo | None:
    starts_el = _first(item, selectors.starts, "starts", url)
    starts = _date(starts_el, now)
    if starts is None:
        return None
    start_text = text_of(starts_el)
    ends_el = _first(item, selectors.ends, "ends", url)
    ends = None
    if ends_el is not None:
        only = _CLOCK_ONLY.match(text_of(ends_el))
        ends = _at(starts, int(only.group(1)), int(only.group(2))) if only else _date(ends_el, now)
    if ends is None:
        span = _CLOCK_RANGE.search(start_text)
        if span:
            ends = _at(starts, int(span.group(3)), int(span.group(4)))
    local = starts.astimezone(CPH)
    has_clock = (local.hour, local.minute) != (0, 0) or bool(re.search(r"\d[.:]\d\d", start_text))
    place_el = _first(item, selectors.place, "place", url)
    return EventInfo(starts_at=starts, ends_at=ends if ends and ends >= starts else None,
                     all_day=not has_clock, location=text_of(place_el) or None)


def _at(day: datetime, hour: int, minute: int) -> datetime:
    return datetime.combine(day.astimezone(CPH).date(), time(hour, minute), CPH)


def _link(item: Element, link_el: Element | None, title_el: Element | None, base: str) -> str | None:
    # the link selector may hit the <a> itself, an element inside it, or a wrapper around it
    for candidate in (link_el, title_el, item):
        if candidate is None:
            continue
        href = _href(candidate)
        if href:
            return resolve(base, href)
    return None


def _href(element: Element) -> str | None:
    if element.get("href"):
        return element.get("href")
    for ancestor in element.iterancestors("a"):
        if ancestor.get("href"):
            return ancestor.get("href")
    for anchor in element.iter("a"):
        if anchor.get("href"):
            return anchor.get("href")
    return None


def _date(element: Element | None, now: datetime) -> datetime | None:
    if element is None:
        return None
    for attribute in ("datetime", "content", "data-date", "title"):
        value = element.get(attribute)
        if value:
            found = parse_date(value, now)
            if found is not None:
                return found
    time_el = next(element.iter("time"), None)
    if time_el is not None and time_el.get("datetime"):
        found = parse_date(time_el.get("datetime"), now)
        if found is not None:
            return found
    return parse_date(text_of(element), now)


def _image(element: Element | None, base: str) -> tuple[str | None, str | None]:
    if element is None:
        return None, None
    img = element if element.tag == "img" else next(element.iter("img"), None)
    if img is None:
        src = element.get("data-src") or element.get("src")
        return resolve(base, src), None
    src = img.get("src")
    if not src or src.startswith("data:"):
        # lazy-loading themes keep the real URL in data-src or srcset
        src = img.get("data-src") or img.get("data-lazy-src") or _first_srcset(img.get("srcset") or img.get("data-srcset"))
    alt = " ".join((img.get("alt") or "").split()) or None
    return resolve(base, src), alt


def _first_srcset(srcset: str | None) -> str | None:
    if not srcset:
        return None
    first = srcset.split(",")[0].strip().split(" ")[0]
    return first or None


def _inner_html(element: Element | None) -> str | None:
    if element is None:
        return None
    parts = [html.escape(element.text, quote=False)] if element.text else []
    for child in element:
        parts.append(lxml.html.tostring(child, encoding="unicode", with_tail=True))
    result = "".join(parts).strip()
    return result or None
