"""Small pure helpers shared by the subscriber flows: cleaning typed text, which sections a
newsletter has."""

from __future__ import annotations

import re

from newsletter.config import Config, NewsletterConfig
from newsletter.errors import SubscriberError

LANGUAGES = ("da", "en")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


def clean_text(value: str | None, limit: int = 200) -> str:
    """One line of typed text: control characters out, whitespace collapsed, length capped.
    HTML is kept as typed; every page and export escapes it on the way out."""
    return " ".join(_CONTROL.sub(" ", value or "").split())[:limit]


def clean_language(value: str | None, default: str = "da") -> str:
    value = (value or "").strip().lower()
    aliases = {"dansk": "da", "danish": "da", "english": "en", "engelsk": "en"}
    value = aliases.get(value, value)
    return value if value in LANGUAGES else default


def check_newsletter(config: Config, key: str) -> NewsletterConfig:
    for newsletter in config.newsletters:
        if newsletter.key == key:
            return newsletter
    known = ", ".join(n.key for n in config.newsletters)
    raise SubscriberError(f"no newsletter {key!r} in the config; known: {known}")


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: str) -> str:
    """A CSV cell Excel will not run: one starting with = + - @ is a formula (CSV injection),
    so it gets a leading apostrophe, which spreadsheets show as text."""
    return "'" + value if value[:1] in FORMULA_START else value


def from_spreadsheet(value: str) -> str:
    """Undo ``spreadsheet_safe``, so an exported file imports back to the same values."""
    return value[1:] if value[:1] == "'" and value[1:2] in FORMULA_START else value
