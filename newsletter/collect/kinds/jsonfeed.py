"""JSON Feed 1.0 and 1.1 (https://www.jsonfeed.org/version/1.1/), read by hand: feedparser
does not know the format."""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from newsletter.collect.dates import parse_date
from newsletter.collect.markup import resolve
from newsletter.config import Selectors
from newsletter.errors import ParseError
from newsletter.models import Entry, Parsed

VERSION_PREFIX = "https://jsonfeed.org/version/"


class JsonFeedKind:
    name = "jsonfeed"

    def parse(
        self,
        body: bytes,
        headers: Mapping[str, str],
        url: str,
        selectors: Selectors | None = None,
        *,
        now: datetime | None = None,
    ) -> Parsed:
        return parse_jsonfeed(body, url)


def parse_jsonfeed(body: bytes, url: str) -> Parsed:
    if not body.strip():
        raise ParseError(url, "the response was empty; check the URL in a browser")
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as e:
        hint = " (it looks like XML: use kind: feed)" if body.lstrip()[:1] == b"<" else ""
        raise ParseError(url, f"not valid JSON{hint}: {str(e)[:150]}") from e
    if not isinstance(data, dict):
        raise ParseError(url, "not a JSON Feed: the document is not a JSON object")
    version = data.get("version")
    items = data.get("items")
    if not isinstance(items, list):
        raise ParseError(url, "not a JSON Feed: there is no 'items' list")
    warnings = []
    if not (isinstance(version, str) and version.startswith(VERSION_PREFIX)):
        warnings.append(f"'version' is {version!r}, not a JSON Feed version URL; read the items anyway")
    base = _text(data.get("feed_url")) or url
    entries = []
    skipped = 0
    for item in items:
        if isinstance(item, dict):
            entries.append(_entry(item, base, url))
        else:
            skipped += 1
    if skipped:
        warnings.append(f"{skipped} item{'s' if skipped > 1 else ''} skipped: not a JSON object")
    return Parsed(entries=tuple(entries), title=_text(data.get("title")), warnings=tuple(warnings))


def _entry(item: dict[str, Any], base: str, url: str) -> Entry:
    link = resolve(base, _text(item.get("url")) or _text(item.get("external_url")))
    content = _text(item.get("content_html")) or _paragraphs(_text(item.get("content_text")))
    summary = _paragraphs(_text(item.get("summary")))
    image = _text(item.get("image")) or _text(item.get("banner_image"))
    published = parse_date(_text(item.get("date_published"))) or parse_date(_text(item.get("date_modified")))
    item_id = item.get("id")
    return Entry(
        guid=str(item_id) if isinstance(item_id, str | int | float) and str(item_id) else None,
        url=link,
        title=_text(item.get("title")),
        summary_html=summary,
        content_html=content,
        image_url=resolve(base, image),
        published=published,
        author=_authors(item),
    )


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _paragraphs(text: str | None) -> str | None:
    """Plain text as HTML paragraphs, so cleaning treats both content fields alike."""
    if not text:
        return None
    blocks = [b.strip() for b in text.replace("\r\n", "\n").split("\n\n") if b.strip()]
    return "".join(f"<p>{html.escape(b, quote=False)}</p>" for b in blocks)


def _authors(item: dict[str, Any]) -> str | None:
    authors = item.get("authors")
    if not isinstance(authors, list):
        single = item.get("author")  # JSON Feed 1.0
        authors = [single] if isinstance(single, dict) else []
    names = [_text(a.get("name")) for a in authors if isinstance(a, dict)]
    joined = ", ".join(n for n in names if n)
    return joined or None
