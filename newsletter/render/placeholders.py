"""Per-recipient placeholders: the issue is rendered once and these are filled at send time.

The syntax ``%%name%%`` survives Jinja, MJML and premailer unchanged (a test renders an issue
and checks it). Values are HTML-escaped for the HTML part and left as they are for text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

NAMES = ("unsubscribe_url", "preferences_url", "name", "email", "web_url")
PATTERN = re.compile(r"%%(" + "|".join(NAMES) + r")%%")


def placeholder(name: str) -> str:
    if name not in NAMES:
        raise ValueError(f"unknown placeholder {name!r}; known: {', '.join(NAMES)}")
    return f"%%{name}%%"


def fill_text(template: str, values: Mapping[str, str]) -> str:
    return PATTERN.sub(lambda m: values.get(m.group(1), ""), template)


def fill_html(template: str, values: Mapping[str, str]) -> str:
    return PATTERN.sub(lambda m: html.escape(values.get(m.group(1), ""), quote=True), template)
