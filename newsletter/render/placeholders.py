"""Per-recipient placeholders: the issue is rendered once and these are filled at send time.

Content can never act as a placeholder (issue 8, §1). Each render draws a random token, and
the template's placeholders carry it: ``%%email.3f9c0a1b7d2e4c68%%``. The token is stored with
the render (``renders.placeholder_token``, ``outbox_issues.placeholder_token``) and the send
step fills only placeholders with that exact token, so a feed title, summary, link or image
URL that contains ``%%email%%`` (or a guessed token) reaches every reader as that literal text:
the content was fixed before the token existed. ``render`` also checks that no content string
holds the token and that the public web version holds no placeholder at all.

The syntax survives Jinja, MJML and premailer unchanged (a test renders an issue and checks
it). Values are HTML-escaped for the HTML part and left as they are for text.

Trusted text may still be written with the old bare syntax: templates (translated when they are
compiled, ``LegacySyntax``) and ``footer_reason`` in feeds.yaml (``mark_trusted``). Renders and
queued issues from before the token (token "") are filled the old way, which is how they were
approved.
"""

from __future__ import annotations

import html
import re
import secrets
from collections.abc import Mapping
from functools import lru_cache

from jinja2.ext import Extension

NAMES = ("unsubscribe_url", "preferences_url", "name", "email", "web_url")
_NAMES = "|".join(NAMES)
TOKEN_HEX = 16
# Any placeholder shape, marked or bare: what a link check may let through as "ours".
PATTERN = re.compile(r"%%(" + _NAMES + r")(?:\.[0-9a-f]{" + str(TOKEN_HEX) + r"})?%%")
# The bare syntax of renders made before issue 8 (and of trusted template text).
LEGACY = re.compile(r"%%(" + _NAMES + r")%%")


def new_token() -> str:
    """A fresh token for one render: 64 random bits, hex."""
    return secrets.token_hex(TOKEN_HEX // 2)


def placeholder(name: str, token: str = "") -> str:
    if name not in NAMES:
        raise ValueError(f"unknown placeholder {name!r}; known: {', '.join(NAMES)}")
    return f"%%{name}.{token}%%" if token else f"%%{name}%%"


def placeholders(token: str) -> dict[str, str]:
    """Every placeholder of one render, by name (the template context's ``placeholders``)."""
    return {name: placeholder(name, token) for name in NAMES}


@lru_cache(maxsize=64)
def pattern(token: str) -> re.Pattern[str]:
    """The placeholders the send step fills for a render with ``token`` ("" = made before the
    token: the bare syntax). Group 1 is the name."""
    if not token:
        return LEGACY
    if not re.fullmatch("[0-9a-f]{" + str(TOKEN_HEX) + "}", token):
        raise ValueError(f"not a placeholder token: {token!r}")
    return re.compile(r"%%(" + _NAMES + r")\." + token + r"%%")


def mark_trusted(text: str, token: str) -> str:
    """Bare placeholders in text the team wrote (feeds.yaml) become this render's."""
    return LEGACY.sub(lambda m: placeholder(m.group(1), token), text) if token else text


def fill_text(template: str, values: Mapping[str, str], token: str = "") -> str:
    return pattern(token).sub(lambda m: values.get(m.group(1), ""), template)


def fill_html(template: str, values: Mapping[str, str], token: str = "") -> str:
    return pattern(token).sub(lambda m: html.escape(values.get(m.group(1), ""), quote=True), template)


class LegacySyntax(Extension):
    """A bare ``%%name%%`` written in a template file means the placeholder: it is compiled as
    ``{{ placeholders.name }}``, so it carries the render's token like the context's links.
    Only template source is translated; values from the context (content) never are."""

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        return LEGACY.sub(lambda m: f"{{{{ placeholders.{m.group(1)} }}}}", source)
