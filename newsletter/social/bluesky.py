"""Bluesky: 300 grapheme clusters, links and hashtags as facets with UTF-8 byte offsets (issue 10).

A Bluesky post's text is what readers see, so a long link is shown short
(``kolding.dk/nyheder/nyt-progr…``) and the full URL goes in a link facet, as the Bluesky app
does; the count is of that shown text. Facet offsets are UTF-8 byte offsets into the text
(``app.bsky.richtext.facet``), so æ, ø, å and emoji before a link move it by their bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from newsletter.social.text import (
    HASHTAG,
    find_urls,
    grapheme_count,
    graphemes,
    utf8_offsets,
)
from newsletter.social.text import (
    shorten as _shorten,
)

NAME = "bluesky"
LABEL = "Bluesky"
LIMIT = 300
MAX_BYTES = 3000  # the lexicon's maxLength for a post's text, beside maxGraphemes 300
SHOWN_LINK = 30


@dataclass(frozen=True)
class Rich:
    """The text as posted and its facets (plain dicts in the lexicon's shape)."""

    text: str
    facets: tuple[dict[str, Any], ...]


def short_link(url: str) -> str:
    """``https://www.kolding.dk/nyheder/x?utm_source=...`` -> ``kolding.dk/nyheder/x?utm_so…``."""
    parts = urlsplit(url if "://" in url else "https://" + url)
    host = parts.netloc.removeprefix("www.")
    rest = parts.path + ("?" + parts.query if parts.query else "")
    shown = host + (rest if rest != "/" else "")
    clusters = graphemes(shown)
    if len(clusters) <= SHOWN_LINK:
        return shown
    return "".join(clusters[:SHOWN_LINK - 1]) + "…"


def rich(text: str) -> Rich:
    """Links shown short with a link facet each, and a tag facet for every hashtag."""
    out = ""
    links: list[tuple[int, int, str]] = []
    position = 0
    for url in find_urls(text):
        out += text[position:url.start]
        shown = short_link(url.value)
        full = url.value if "://" in url.value else "https://" + url.value
        links.append((len(out), len(out) + len(shown), full))
        out += shown
        position = url.end
    out += text[position:]
    facets: list[dict[str, Any]] = []
    for start, end, uri in links:
        begin, finish = utf8_offsets(out, start, end)
        facets.append({"index": {"byteStart": begin, "byteEnd": finish},
                       "features": [{"$type": "app.bsky.richtext.facet#link", "uri": uri}]})
    for m in HASHTAG.finditer(out):
        if any(a <= m.start() < b for a, b, _ in links):
            continue
        begin, finish = utf8_offsets(out, m.start(), m.end())
        facets.append({"index": {"byteStart": begin, "byteEnd": finish},
                       "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": m.group("tag")}]})
    facets.sort(key=lambda f: f["index"]["byteStart"])
    return Rich(out, tuple(facets))


def count(text: str) -> int:
    return grapheme_count(rich(text).text)


def shorten(text: str, limit: int = LIMIT) -> str:
    return _shorten(text, limit, count)


def format_text(text: str) -> str:
    return rich(text).text
