"""Facebook page posts: 63,206 characters (Facebook's limit for a post), counted as code points.

Facebook shows the first lines and folds the rest behind "Se mere"; the template keeps the
title first for that reason, like LinkedIn's.
"""

from __future__ import annotations

from newsletter.social.text import shorten as _shorten

NAME = "facebook"
LABEL = "Facebook"
LIMIT = 63_206


def count(text: str) -> int:
    return len(text)


def shorten(text: str, limit: int = LIMIT) -> str:
    return _shorten(text, limit, count)


def format_text(text: str) -> str:
    return text
