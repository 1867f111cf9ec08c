"""Mastodon: 500 characters as Mastodon's own status-length check counts them (issue 10).

Mastodon counts grapheme clusters; every http(s) link counts as 23 whatever its length, and a
mention of a remote account counts only its ``@user`` part (``@user@domain`` is 5 + ``user``).
A link without ``https://`` is plain text on Mastodon, so it is counted character by character.
"""

from __future__ import annotations

from newsletter.social.text import MENTION, find_urls, grapheme_count
from newsletter.social.text import shorten as _shorten

NAME = "mastodon"
LABEL = "Mastodon"
LIMIT = 500
URL_LENGTH = 23


def count(text: str) -> int:
    pieces: list[str] = []
    position = 0
    for url in find_urls(text, with_scheme_only=True):
        pieces.append(text[position:url.start])
        pieces.append("x" * URL_LENGTH)
        position = url.end
    pieces.append(text[position:])
    countable = MENTION.sub(lambda m: "@" + m.group("user"), "".join(pieces))
    return grapheme_count(countable)


def shorten(text: str, limit: int = LIMIT) -> str:
    return _shorten(text, limit, count)


def format_text(text: str) -> str:
    return text
